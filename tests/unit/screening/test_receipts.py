"""Decision receipts: read back exactly, refused when forged, never carrying a number."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from pepper.screening.receipts import ACTIONS, LENGTH, RUNGS, Receipts, model_tag

KEY = Receipts(b"a-secret-of-at-least-thirty-two-bytes!!")


@given(
    action=st.sampled_from(ACTIONS),
    rung=st.sampled_from(RUNGS),
    score=st.floats(0, 1),
    model=st.one_of(st.none(), st.text(max_size=40)),
    e164=st.one_of(st.none(), st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)),
    at=st.integers(0, 2**32 - 1),
)
def test_a_receipt_reads_back_what_was_decided(
    action: str, rung: str, score: float, model: str | None, e164: str | None, at: int
) -> None:
    token = KEY.issue(action=action, rung=rung, score=score, model_version=model, e164=e164, at=at)
    assert len(token) == LENGTH
    receipt = KEY.read(token)
    assert receipt is not None
    assert (receipt.action, receipt.rung, receipt.issued_at) == (action, rung, at)
    assert abs(receipt.score - score) <= 1 / 65535
    assert receipt.model_tag == model_tag(model)
    assert receipt.has_number is (e164 is not None)
    if e164 is not None:
        assert KEY.is_about(receipt, e164)
        assert not KEY.is_about(receipt, e164 + "1")
        assert e164.lstrip("+") not in token


def test_a_forged_tampered_or_foreign_receipt_is_refused() -> None:
    token = KEY.issue(
        action="block", rung="score", score=0.99, model_version="m1", e164="+12025550143", at=1
    )
    raw = bytearray(base64.urlsafe_b64decode(token + "=="))
    raw[5] ^= 1  # flip a bit of the action
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    other = Receipts(b"another-secret-of-at-least-thirty-two!!")
    assert KEY.read(tampered) is None
    assert other.read(token) is None
    assert KEY.read("0" * 32) is None  # the uuid ids older apps may still send
    assert KEY.read("!" * LENGTH) is None
    assert KEY.read(token) is not None


def test_a_rung_it_does_not_know_is_kept_as_other() -> None:
    token = KEY.issue(action="allow", rung="new-rung", score=0, model_version=None, e164=None, at=0)
    receipt = KEY.read(token)
    assert receipt is not None
    assert receipt.rung == "other"
