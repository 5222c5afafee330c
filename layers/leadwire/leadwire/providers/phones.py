"""Phone numbers as E.164 (`+14155550100`), parsed and validated by `phonenumbers`.

`phone` arrives as free text (up to 500 characters) from any form, and it is what sales dials
or texts, so only a number that is unambiguously one is kept. Compatibility forms (full-width
digits) are read as their plain digits; anything else that is not ASCII digits and the usual
separators (letters, other scripts' digits, an extension, `tel:`) drops the phone, as does
a number `phonenumbers` does not know as valid. Without a `+` country code a number is only
read in the deployment's default region (`PHONE_DEFAULT_REGION`); with none set, it is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadwire.domain.models import LeadEvent

# The longest text worth reading: E.164 has at most 15 digits, plus spaces and punctuation.
MAX_TEXT = 32
_SHAPE = re.compile(r"\+?[0-9 ().\-/]+")


def e164(text: str, region: str | None = None) -> tuple[str | None, str | None]:
    """(the number as E.164, None), or (None, why it was dropped, without the value)."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if len(plain) > MAX_TEXT:
        return None, f"longer than {MAX_TEXT} characters"
    if not _SHAPE.fullmatch(plain):
        return None, "not only digits, spaces and + ( ) - . /"
    if not plain.startswith("+") and region is None:
        return None, "no +country code, and no default region is set"
    import phonenumbers  # here: its metadata is ~15 ms of a cold start, and most leads give none

    try:
        number = phonenumbers.parse(plain, region)
    except phonenumbers.NumberParseException:
        return None, "not a phone number"
    if not phonenumbers.is_valid_number(number):
        return None, "not a valid phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def with_e164_phone(event: LeadEvent, region: str | None = None) -> LeadEvent:
    """The event with its phone as E.164, or without a phone (and a note) when it is not one."""
    if not event.profile.phone:
        return event
    number, why = e164(event.profile.phone, region)
    if number == event.profile.phone:
        return event
    notes = [*event.normalized, f"phone: dropped, {why}"] if why else event.normalized
    profile = event.profile.model_copy(update={"phone": number})
    return event.model_copy(update={"profile": profile, "normalized": notes})
