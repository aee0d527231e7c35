"""STIR/SHAKEN verification results, as phones and carriers spell them, to an Attestation.

Phones send Android's verification status (``passed``, ``failed``, ``not_verified``);
carriers send a verstat string such as Twilio's ``StirVerstat``
(``TN-Validation-Passed-A``, ``TN-Validation-Failed-B``, ``No-TN-Validation``), to
which a ``-Diverted`` suffix (or whatever comes next) may be appended. Verstat is
matched by prefix, on a ``-`` boundary: a rule written for the exact string
``TN-Validation-Failed`` would never fire on ``TN-Validation-Failed-B-Diverted``.

Parsing never raises: a value we cannot read is the same as no value at all.
"""

from __future__ import annotations

from pepper.screening.types import Attestation

# Far longer than any verstat value; longer input is junk and not worth case folding.
_MAX_CHARS = 64

_PASSED = "tn-validation-passed"
_FAILED = "tn-validation-failed"
_NOT_VERIFIED = "no-tn-validation"

_LEVELS: dict[str, Attestation] = {"a": Attestation.A, "b": Attestation.B, "c": Attestation.C}

# Whole values, after case folding and with "_" and spaces read as "-". The bare letters
# are the "attest" claim of a PASSporT, which some SIP trunks pass on as is.
_WHOLE_VALUES: dict[str, Attestation] = {
    "passed": Attestation.PASSED,
    "failed": Attestation.FAILED,
    "not-verified": Attestation.NOT_VERIFIED,
    **_LEVELS,
}


def parse_attestation(value: str | None) -> Attestation:
    """The Attestation a phone's status or a carrier's verstat string stands for."""
    if not isinstance(value, str) or len(value) > _MAX_CHARS:
        return Attestation.ABSENT
    text = value.strip().casefold().replace("_", "-").replace(" ", "-")
    whole = _WHOLE_VALUES.get(text)
    if whole is not None:
        return whole
    return _verstat(text)


def _verstat(text: str) -> Attestation:
    if _has_prefix(text, _NOT_VERIFIED):
        return Attestation.NOT_VERIFIED
    if _has_prefix(text, _FAILED):
        # Failed is failed, whatever level the originating carrier had claimed.
        return Attestation.FAILED
    if _has_prefix(text, _PASSED):
        level = text[len(_PASSED) + 1 :].partition("-")[0]
        return _LEVELS.get(level, Attestation.PASSED)
    return Attestation.ABSENT


def _has_prefix(text: str, prefix: str) -> bool:
    """Whether `text` is `prefix` or `prefix` followed by more "-"-separated parts."""
    return text.startswith(prefix) and (len(text) == len(prefix) or text[len(prefix)] == "-")
