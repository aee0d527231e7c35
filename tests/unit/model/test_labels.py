"""Labels from what people told us, and rows that never contain the label's evidence."""

from __future__ import annotations

import pytest

from pepper.model.labels import features, label_from_reports, leave_own_out
from pepper.numbers import normalize
from pepper.reputation.core import Counters

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("spam", "ham", "label"),
    [(0, 0, None), (1, 0, None), (2, 0, 1), (4, 2, 1), (3, 2, None), (0, 2, 0), (1, 3, 0),
     (1, 2, 0), (2, 2, None)],
)  # fmt: skip
def test_reports_earn_a_label_only_when_devices_agree(
    spam: int, ham: int, label: int | None
) -> None:
    assert label_from_reports(spam, ham) == label


def _row(spam: float, complaints: float = 0.0, ref: float = NOW) -> Counters:
    return Counters(
        spam_w=spam,
        complaint_w=complaints,
        spam_n=int(spam),
        complaint_n=int(complaints),
        ref_epoch=ref,
    )


def test_the_number_s_own_events_are_taken_out_of_its_ranges() -> None:
    own = _row(3)
    ((key, left),) = leave_own_out(own, (("1202555", _row(10, 4)),), NOW, 90)
    assert key == "1202555"
    assert (left.spam_w, left.spam_n, left.complaint_w, left.complaint_n) == (7, 7, 4, 4)


def test_decay_is_aligned_before_subtracting() -> None:
    day = 86_400.0
    own = _row(2, ref=NOW - 90 * day)  # half decayed by now
    ((_, left),) = leave_own_out(own, (("1202555", _row(5)),), NOW, 90)
    assert left.spam_w == pytest.approx(4.0)


def test_a_labelled_number_s_row_does_not_move_with_its_own_reports() -> None:
    number = normalize("+12025550143")
    neighbours = _row(6, 3)
    rows = []
    for own_reports in (0, 2, 9):
        own = _row(own_reports) if own_reports else None
        ranges = (("1202555", Counters(
            spam_w=neighbours.spam_w + own_reports, complaint_w=3, spam_n=6 + own_reports,
            complaint_n=3, ref_epoch=NOW,
        )),)  # fmt: skip
        rows.append(features(number, own, ranges, NOW, 90))
    assert rows[0] == rows[1] == rows[2]
