"""Selection: thresholds, trust, operator labels, emergency numbers, the size bound."""

from __future__ import annotations

from pepper.blocklist.build import OperatorLabel, Selection, evidence_from_rows, select
from pepper.blocklist.entries import BLOCK, label_code
from pepper.reputation import DEFAULT_PARAMS
from pepper.screening.types import Thresholds

NOW = 1_764_000_000.0
SELECTION = Selection(Thresholds(0.6, 0.9), max_entries=1000)


def row(digits: int, spam: float = 0.0, ham: float = 0.0, complaints: float = 0.0) -> tuple:
    return (digits, spam, ham, complaints, spam, NOW)


def test_scores_put_numbers_in_the_block_or_identification_list_or_nowhere() -> None:
    evidence = evidence_from_rows(
        [
            row(14155550101, spam=8),  # a verdict: blocked
            row(14155550102, spam=2),  # suspicious: labelled, with its category
            row(14155550103, spam=1),  # a hint: not listed
            row(14155550104, spam=8, ham=20),  # trusted: never listed
            row(442079460958, spam=8),  # another country
            row(1911, spam=50),  # impossible (+1 911): never listed
        ],
        [],
        {14155550102: "fraud"},
    )
    lists = select(evidence, [], now=NOW, params=DEFAULT_PARAMS, selection=SELECTION)
    assert lists[1].as_dict() == {14155550101: BLOCK, 14155550102: label_code("Scam Likely")}
    assert lists[44].as_dict() == {442079460958: BLOCK}


def test_range_evidence_labels_a_never_reported_neighbour_but_does_not_block_it() -> None:
    exchange = (1415555, 0.0, 0.0, 400.0, 0.0, NOW)
    evidence = evidence_from_rows([row(14155550199)], [exchange], {})
    lists = select(evidence, [], now=NOW, params=DEFAULT_PARAMS, selection=SELECTION)
    assert lists[1].as_dict() == {14155550199: label_code("Spam Likely")}


def test_operator_labels_clear_and_block_exactly_and_by_prefix() -> None:
    evidence = evidence_from_rows(
        [row(14155550101, spam=8), row(14155550202, spam=8), row(12125550100, spam=2)], [], {}
    )
    labels = [
        OperatorLabel("1415555020", True, "allow", None),
        OperatorLabel("1212555", True, "block", None),
        OperatorLabel("13105550100", False, "block", "fraud"),
    ]
    lists = select(evidence, labels, now=NOW, params=DEFAULT_PARAMS, selection=SELECTION)
    assert lists[1].as_dict() == {
        12125550100: BLOCK,
        13105550100: BLOCK,
        14155550101: BLOCK,
    }


def test_each_country_keeps_its_most_certain_entries() -> None:
    evidence = evidence_from_rows(
        [row(14155550100 + i, spam=float(i)) for i in range(2, 12)], [], {}
    )
    bounded = Selection(Thresholds(0.6, 0.9), max_entries=3)
    lists = select(evidence, [], now=NOW, params=DEFAULT_PARAMS, selection=bounded)
    assert lists[1].numbers.tolist() == [14155550109, 14155550110, 14155550111]
