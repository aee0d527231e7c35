"""The one exception of the numbers domain and its reason codes."""

from __future__ import annotations

# Each reason is a short, stable machine code: it ends up in API problem documents and
# import statistics, so renaming one is a breaking change.
REJECT_REASONS: tuple[str, ...] = (
    # Nothing but whitespace (or invisible formatting characters).
    "empty",
    # Longer than any caller-ID string we accept (32 characters once URI syntax is
    # stripped), more than 20 digits, or a national number of more than 17 digits
    # (libphonenumber's maximum).
    "too_long",
    # A character that no way of writing a phone number uses: "@" outside a SIP URI,
    # "#", "*", "$", emoji, control characters...
    "invalid_characters",
    # Punctuation or words only: there is no digit to read.
    "no_digits",
    # Digits, but not in the shape of a number: letters before the first three digits
    # (vanity letters only follow an area code), or a "+" after the first digit.
    "not_a_number",
    # A "+" (or an international call prefix) followed by no known country calling code.
    "invalid_country_code",
    # One or two digits that are no short number of the default region, or a country
    # calling code followed by too few digits.
    "too_short",
)


class InvalidNumber(ValueError):
    """Garbage that is not a phone number at all."""

    reason: str
    detail: str

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REJECT_REASONS:
            raise ValueError(f"unknown reject reason {reason!r}")
        # The message carries the reason code and our own words only, never the raw
        # input: exception messages end up in logs and error trackers (no PII there).
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[InvalidNumber], tuple[str, str]]:
        # Rebuild from (reason, detail), not from the formatted message, so that the
        # exception survives pickling (multiprocessing, job queues).
        return (type(self), (self.reason, self.detail))
