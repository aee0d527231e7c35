"""What a caller-ID string turned out to be: the value object of the numbers domain."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class NumberType(enum.StrEnum):
    """The kind of number; mirrors ``phonenumbers.PhoneNumberType`` in lower case.

    A ``StrEnum`` (so ``str, Enum``) whose values are the lower-case names, so that it
    serialises to JSON and compares with plain strings as is.
    """

    FIXED_LINE = "fixed_line"
    MOBILE = "mobile"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    TOLL_FREE = "toll_free"
    PREMIUM_RATE = "premium_rate"
    SHARED_COST = "shared_cost"
    VOIP = "voip"
    PERSONAL_NUMBER = "personal_number"
    PAGER = "pager"
    UAN = "uan"
    VOICEMAIL = "voicemail"
    UNKNOWN = "unknown"
    # Not in libphonenumber's list: a number of the default region's short-number plan
    # (emergency, N11 service, carrier or SMS short code), which has no E.164 form.
    SHORT_CODE = "short_code"
    # Not a number at all: the caller withheld it (anonymous, restricted, ...).
    WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class NormalizedNumber:
    """A caller-ID string, normalised.

    Three shapes exist:

    * a full number: ``e164`` is ``"+" + country code + national number``. It is a true
      E.164 number only when ``is_possible``; an impossible number keeps the same
      canonical shape so that it can still be shown and compared.
    * a short number (``short_code``): ``e164`` is None (911 has no E.164 form), while
      ``country_code`` and ``region`` are the default region's and ``national_number``
      holds the digits as dialled ("911").
    * a withheld number: every identifying field is None and ``number_type`` is
      ``WITHHELD``; it must never be reputation-scored.
    """

    e164: str | None
    country_code: int | None
    region: str | None
    national_number: str | None
    number_type: NumberType
    # For a full number, phonenumbers.is_valid_number; for a short number, whether it is
    # a valid short number (or an emergency number) of the region.
    is_valid: bool
    # phonenumbers.is_possible_number_with_reason() == IS_POSSIBLE; a number that could
    # only be dialled locally (seven NANP digits without area code) does NOT count: it
    # does not identify a line. Short numbers of the region are possible.
    is_possible: bool
    withheld: bool
    emergency: bool
    service: bool
    toll_free: bool
    premium: bool
    short_code: bool

    @property
    def impossible(self) -> bool:
        """A full number that cannot exist (wrong length for its country)."""
        return not (self.is_possible or self.withheld or self.emergency or self.short_code)

    @property
    def never_block(self) -> bool:
        """Emergency and service numbers are always let through, whatever their score."""
        return self.emergency or self.service


WITHHELD = NormalizedNumber(
    e164=None,
    country_code=None,
    region=None,
    national_number=None,
    number_type=NumberType.WITHHELD,
    is_valid=False,
    is_possible=False,
    withheld=True,
    emergency=False,
    service=False,
    toll_free=False,
    premium=False,
    short_code=False,
)
