"""Personal lists matched in memory agree with the database's matching rule."""

from hypothesis import given
from hypothesis import strategies as st

from pepper.lists.patterns import PersonalList

digits = st.text("0123456789", min_size=1, max_size=11)


def database_rule(entries: list[tuple[str, str, bool]], e164: str) -> str | None:
    """The SQL of the decision's read, spelled out: an exact entry (specificity 100)
    beats any prefix; among prefixes the longest wins."""
    best, found = -1, None
    for pattern, prefix, is_prefix in entries:
        matches = e164.startswith(prefix) if is_prefix else e164 == prefix
        specificity = len(prefix) if is_prefix else 100
        if matches and specificity > best:
            best, found = specificity, pattern
    return found


@st.composite
def entry(draw: st.DrawFn) -> tuple[str, str, bool]:
    prefix = "+1" + draw(digits)
    if draw(st.booleans()):
        return prefix + "*", prefix, True
    return prefix, prefix, False


@given(st.lists(entry(), max_size=30, unique_by=lambda e: e[0]), digits)
def test_matching_agrees_with_the_database_rule(
    entries: list[tuple[str, str, bool]], tail: str
) -> None:
    e164 = "+1" + tail
    assert PersonalList(entries).match(e164) == database_rule(entries, e164)


def test_an_exact_entry_beats_a_longer_prefix_and_the_longest_prefix_wins() -> None:
    entries = [
        ("+1415*", "+1415", True),
        ("+1415555*", "+1415555", True),
        ("+14155550123", "+14155550123", False),
    ]
    listed = PersonalList(entries)
    assert listed.match("+14155550123") == "+14155550123"
    assert listed.match("+14155550199") == "+1415555*"
    assert listed.match("+14150000000") == "+1415*"
    assert listed.match("+12125550123") is None
    assert len(listed) == 3
