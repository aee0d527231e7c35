"""score_reputation() and its helpers: the reputation model on plain data."""

from __future__ import annotations

import dataclasses
import re

import pytest

from pepper.reputation import (
    DEFAULT_PARAMS,
    Counters,
    Evidence,
    ReputationParams,
    bucket,
    contribution,
    decay_factor,
    decayed,
    dominant_category,
    report_weight,
    score_reputation,
)
from pepper.screening.types import Score

NOW = 1_764_000_000.0  # 2025-11-24
DAY = 86_400.0
HALF_LIFE = DEFAULT_PARAMS.half_life_days
EXCHANGE, BLOCK = "+1:415555", "+1:4155550"


def row(
    age_days: float = 0.0, *, spam_w: float = 0.0, ham_w: float = 0.0, complaint_w: float = 0.0
) -> Counters:
    """A row whose events happened `age_days` ago, with exact counts matching the weights."""
    return Counters(
        spam_w=spam_w,
        ham_w=ham_w,
        complaint_w=complaint_w,
        spam_n=round(spam_w),
        ham_n=round(ham_w),
        complaint_n=round(complaint_w),
        ref_epoch=NOW - age_days * DAY,
    )


def score(
    number: Counters | None = None,
    *ranges: tuple[str, Counters],
    categories: dict[str, int] | None = None,
) -> Score:
    return score_reputation(Evidence(number, ranges, categories or {}), NOW)


def codes(s: Score) -> list[str]:
    return [r.code for r in s.reasons]


# --- the score -----------------------------------------------------------------------


def test_a_never_seen_number_without_range_evidence_scores_low_and_is_not_trusted() -> None:
    s = score()
    assert s.p_spam < 0.3
    assert not s.trusted
    assert s.category is None
    assert s.model_version == "reputation-v1"


def test_one_spam_report_is_not_a_verdict() -> None:
    assert score(row(spam_w=1.0)).p_spam < 0.6


def test_one_spam_report_stays_below_even_the_high_sensitivity_silence_threshold() -> None:
    assert score(row(spam_w=1.0)).p_spam < 0.45


def test_five_spam_reports_from_established_devices_are_a_verdict() -> None:
    assert score(row(spam_w=5.0)).p_spam >= 0.9


def test_ten_ftc_complaints_on_the_number_within_the_last_week_are_a_verdict() -> None:
    assert score(row(age_days=7, complaint_w=10.0)).p_spam >= 0.9


def test_a_never_seen_number_in_a_complained_range_is_flagged_but_less_than_the_number() -> None:
    complaints = row(age_days=3, complaint_w=30.0)
    in_range = score(None, (EXCHANGE, complaints))
    on_number = score(complaints, (EXCHANGE, complaints))  # range rows include the number's own
    assert 0.6 <= in_range.p_spam < on_number.p_spam
    assert codes(in_range) == ["range_complaints"]
    assert in_range.category == "robocall"


def test_a_range_alone_never_takes_a_number_past_range_max_p() -> None:
    huge = row(complaint_w=100_000.0, spam_w=10_000.0)
    s = score(None, (EXCHANGE, huge), (BLOCK, huge))
    assert s.p_spam == pytest.approx(DEFAULT_PARAMS.range_max_p)


def test_a_thousands_block_counts_more_per_complaint_than_its_exchange() -> None:
    ten = row(complaint_w=10.0)
    assert score(None, (EXCHANGE, ten), (BLOCK, ten)).p_spam > score(None, (EXCHANGE, ten)).p_spam


def test_a_few_complaints_in_the_exchange_only_nudge_the_score() -> None:
    assert 0.15 < score(None, (EXCHANGE, row(complaint_w=3.0))).p_spam < 0.3


def test_the_numbers_own_events_in_its_range_rows_do_not_count_twice() -> None:
    # Storage adds every report to the number's row and to each of its range rows.
    one = row(spam_w=1.0)
    assert score(one, (EXCHANGE, one), (BLOCK, one)).p_spam == pytest.approx(score(one).p_spam)


def test_a_report_on_a_number_in_a_hot_range_counts_on_top_of_the_range() -> None:
    hot = row(complaint_w=40.0)
    assert score(row(spam_w=1.0), (EXCHANGE, hot)).p_spam > score(None, (EXCHANGE, hot)).p_spam


def test_not_spam_reports_clear_a_number_whatever_its_range_says() -> None:
    number = row(spam_w=3.0, ham_w=3.0)
    hot = row(complaint_w=300.0, spam_w=3.0, ham_w=3.0)
    for s in (score(number), score(number, (EXCHANGE, hot), (BLOCK, hot))):
        assert s.trusted
        assert s.p_spam < 0.3
        assert s.category is None
        assert codes(s)[0] == "not_spam_reports"


def test_a_spoofed_number_with_many_complaints_can_be_cleared_by_enough_not_spam_reports() -> None:
    assert score(row(complaint_w=10.0, ham_w=3.0)).trusted


def test_a_single_new_device_cannot_make_a_fresh_number_trusted() -> None:
    new_device = report_weight(device_age_days=0, reports_last_24h=0)
    s = score(row(ham_w=new_device))
    assert not s.trusted


def test_not_spam_reports_lower_the_score_before_they_outweigh_the_spam() -> None:
    spam = row(spam_w=10.0)
    contested = row(spam_w=10.0, ham_w=4.0)
    assert not score(contested).trusted
    assert score(contested).p_spam < score(spam).p_spam


def test_old_evidence_scores_as_its_decayed_weight() -> None:
    old = row(age_days=2 * HALF_LIFE, spam_w=8.0)
    assert score(old).p_spam == pytest.approx(score(row(spam_w=2.0)).p_spam)


def test_not_spam_reports_in_a_range_temper_it_but_never_lower_a_number() -> None:
    hot = row(complaint_w=30.0)
    tempered = row(complaint_w=30.0, ham_w=20.0)
    assert score(None, (EXCHANGE, tempered)).p_spam < score(None, (EXCHANGE, hot)).p_spam
    assert score(None, (EXCHANGE, row(ham_w=50.0))).p_spam == pytest.approx(score().p_spam)


@pytest.mark.parametrize(
    "corrupt",
    [
        Counters(float("nan"), float("nan"), float("nan"), -1, -1, -1, float("nan")),
        Counters(-5.0, -5.0, -5.0, 0, 0, 0, NOW),
        Counters(float("inf"), 0.0, float("inf"), 10**12, 0, 10**12, NOW),
        Counters(float("inf"), float("inf"), float("inf"), 1, 1, 1, float("-inf")),
        Counters(1.0, 0.0, 0.0, 1, 0, 0, float("inf")),
    ],
)
def test_corrupt_rows_never_make_scoring_raise(corrupt: Counters) -> None:
    s = score(corrupt, (EXCHANGE, corrupt), (BLOCK, corrupt))
    assert 0.0 < s.p_spam < 1.0
    assert 1 <= len(s.reasons) <= 3


def test_the_version_is_the_callers() -> None:
    s = score_reputation(Evidence(None, ()), NOW, version="reputation-test")
    assert s.model_version == "reputation-test"


# --- categories ----------------------------------------------------------------------


def test_the_category_is_the_most_reported_one_when_there_are_spam_reports() -> None:
    s = score(row(spam_w=3.0, complaint_w=5.0), categories={"scam": 2, "debt": 1})
    assert s.category == "scam"


def test_the_category_is_robocall_when_only_complaints_speak() -> None:
    assert score(row(complaint_w=4.0)).category == "robocall"
    assert score(row(spam_w=2.0, complaint_w=4.0)).category == "robocall"  # no categories


def test_there_is_no_category_without_spam_evidence() -> None:
    assert score(row(spam_w=2.0)).category is None
    assert score(None, (EXCHANGE, row(complaint_w=0.5))).category is None


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ({}, None),
        ({"scam": 0}, None),
        ({"scam": 3, "debt": 1}, "scam"),
        ({"telemarketing": 2, "debt": 2, "scam": 1}, "debt"),
        ({"scam": 2, "debt": 2}, "debt"),
    ],
)
def test_dominant_category_breaks_ties_alphabetically(
    categories: dict[str, int], expected: str | None
) -> None:
    assert dominant_category(categories) == expected
    assert dominant_category(dict(reversed(categories.items()))) == expected


# --- reasons -------------------------------------------------------------------------


def test_reasons_say_what_moved_the_score_in_words_with_bucketed_counts() -> None:
    number = Counters(spam_w=3.0, spam_n=3, complaint_w=12.0, complaint_n=12, ref_epoch=NOW)
    exchange = Counters(complaint_w=69.0, complaint_n=69, spam_w=3.0, spam_n=3, ref_epoch=NOW)
    s = score(number, (EXCHANGE, exchange))
    details = {r.code: r.detail for r in s.reasons}
    assert details == {
        "complaints": "5-19 complaints about this number",
        "spam_reports": "1-4 people reported this number as spam",
        "range_complaints": "20-99 complaints about other numbers in the 415-555 range",
    }
    assert codes(s)[0] == "complaints"  # the biggest factor comes first


def test_not_spam_reasons_count_people() -> None:
    s = score(Counters(spam_w=1.0, spam_n=1, ham_w=2.0, ham_n=2, ref_epoch=NOW))
    assert s.reasons[0].detail == "1-4 people said this number is not spam"


def test_a_number_without_history_says_so() -> None:
    assert codes(score()) == ["no_history"]


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("+1:415555", "the 415-555 range"),
        ("+1:4155550", "the 415-555-0 range"),
        ("+44:207946", "the +44 207 946 range"),
        ("+44:2079460", "the +44 207 946 0 range"),
    ],
)
def test_ranges_are_shown_as_short_prefixes(key: str, shown: str) -> None:
    s = score(None, (key, row(complaint_w=200.0)))
    assert s.reasons[0].detail == f"100+ complaints about other numbers in {shown}"


CALLER = "+14155550123"


@pytest.mark.parametrize(
    "key", [CALLER, "+1:4155550123", "+1:415555012", "+1:41555501", "14155550123", "+1:415555"]
)
@pytest.mark.parametrize("own", [None, row(spam_w=1.0, complaint_w=1.0, ham_w=0.5)])
def test_reasons_never_contain_the_callers_number_and_are_at_most_three(
    key: str, own: Counters | None
) -> None:
    neighbours = Counters(2e6, 10.0, 3e6, 2 * 10**6, 10, 3 * 10**6, NOW)
    s = score(own, (key, neighbours), (key, neighbours))
    assert 1 <= len(s.reasons) <= 3
    assert "range_complaints" in codes(s)
    digits = CALLER.lstrip("+")
    for reason in s.reasons:
        shown = re.sub(r"\D", "", reason.detail)  # whatever separates the digits
        assert not any(digits[i : i + 7] in shown for i in range(len(digits) - 6))


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (-1, "0"),
        (0, "0"),
        (1, "1-4"),
        (4, "1-4"),
        (5, "5-19"),
        (19, "5-19"),
        (20, "20-99"),
        (99, "20-99"),
        (100, "100+"),
        (10**9, "100+"),
    ],
)
def test_bucket_boundaries(n: int, shown: str) -> None:
    assert bucket(n) == shown


# --- decay -----------------------------------------------------------------------------


def test_ten_complaints_three_half_lives_ago_weigh_like_one_and_a_quarter_recent_ones() -> None:
    old = Counters(complaint_w=10.0, complaint_n=10, ref_epoch=NOW - 3 * HALF_LIFE * DAY)
    now = decayed(old, NOW, HALF_LIFE)
    assert now.complaint_w == pytest.approx(1.25)
    assert (now.complaint_n, now.ref_epoch) == (10, NOW)
    assert contribution(10.0, NOW - 3 * HALF_LIFE * DAY, NOW, HALF_LIFE) == pytest.approx(1.25)


@pytest.mark.parametrize("skew", [0.0, 1.0, 3600.0, 1e9])
def test_decay_never_inflates_evidence_when_clocks_are_skewed(skew: float) -> None:
    assert decay_factor(NOW + skew, NOW, HALF_LIFE) == 1.0
    future = Counters(spam_w=2.0, ref_epoch=NOW + skew)
    assert decayed(future, NOW, HALF_LIFE) == future  # still exact at its own, later time
    assert contribution(1.0, NOW + skew, NOW, HALF_LIFE) == 1.0


def test_decay_halves_a_weight_every_half_life() -> None:
    assert decay_factor(NOW - HALF_LIFE * DAY, NOW, HALF_LIFE) == pytest.approx(0.5)
    assert decay_factor(NOW - 1e12, NOW, HALF_LIFE) >= 0.0


def test_withdrawing_a_report_returns_the_counters_to_where_they_were() -> None:
    before = Counters(spam_w=4.0, spam_n=4, ref_epoch=NOW - 40 * DAY)
    reported_at = NOW - 10 * DAY
    grown = decayed(before, reported_at, HALF_LIFE)
    grown = dataclasses.replace(grown, spam_w=grown.spam_w + 0.6, spam_n=grown.spam_n + 1)
    # Withdrawn now: subtract what the report still weighs.
    later = decayed(grown, NOW, HALF_LIFE)
    withdrawn = later.spam_w - contribution(0.6, reported_at, NOW, HALF_LIFE)
    assert withdrawn == pytest.approx(decayed(before, NOW, HALF_LIFE).spam_w)


def test_decay_rejects_a_nonsensical_half_life() -> None:
    with pytest.raises(ValueError, match="half_life_days"):
        decay_factor(0.0, NOW, 0.0)


# --- report weights -------------------------------------------------------------------


def test_a_new_device_weighs_less_than_an_established_one() -> None:
    new = report_weight(device_age_days=0, reports_last_24h=0)
    week = report_weight(device_age_days=7, reports_last_24h=0)
    month = report_weight(device_age_days=30, reports_last_24h=0)
    assert new == pytest.approx(0.2)
    assert new < week < month == 1.0
    assert report_weight(device_age_days=400, reports_last_24h=3) == 1.0


def test_reports_beyond_the_daily_cap_weigh_nothing() -> None:
    cap = DEFAULT_PARAMS.daily_report_cap
    assert report_weight(device_age_days=90, reports_last_24h=cap - 1) == 1.0
    assert report_weight(device_age_days=90, reports_last_24h=cap) == 0.0
    assert report_weight(device_age_days=90, reports_last_24h=10 * cap) == 0.0


@pytest.mark.parametrize("age", [-5.0, float("nan"), 0.0, 0.5, 29.9, float("inf")])
@pytest.mark.parametrize("recent", [-1, 0, 19, 20, 1000])
def test_report_weights_stay_within_zero_and_one(age: float, recent: int) -> None:
    assert 0.0 <= report_weight(device_age_days=age, reports_last_24h=recent) <= 1.0


def test_a_device_with_a_clock_in_the_future_counts_as_new() -> None:
    assert report_weight(device_age_days=-3, reports_last_24h=0) == pytest.approx(0.2)


# --- parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"half_life_days": 0.0},
        {"prior_spam": 1.0},
        {"prior_a": -1.0},
        {"prior_b": 0.0},
        {"evidence_weight": 0.0},
        {"not_spam_weight": -1.0},
        {"range_weights": (0.5, 1.5)},
        {"range_max_p": 0.1},
        {"new_device_weight": 1.2},
        {"device_trust_days": 0.0},
        {"daily_report_cap": -1},
    ],
)
def test_nonsensical_parameters_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="ReputationParams"):
        ReputationParams(**bad)  # type: ignore[arg-type]


def test_parameters_can_be_tuned_and_the_score_follows() -> None:
    cautious = dataclasses.replace(DEFAULT_PARAMS, prior_spam=0.05)
    evidence = Evidence(Counters(spam_w=1.0, ref_epoch=NOW), ())
    assert score_reputation(evidence, NOW, cautious).p_spam < score(row(spam_w=1.0)).p_spam
