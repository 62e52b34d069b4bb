"""Mainland China mobile numbers: one normal form (11 digits) for storing and comparing."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalize_mobile(value: str) -> str:
    """Return the 11-digit form of a mainland mobile number, or raise ValidationError.

    Accepts what people type or paste: spaces, dashes, brackets, full-width digits and a
    +86 / 0086 / 86 country prefix.
    """
    raw = _SEPARATORS.sub("", str(value or "")).translate(
        str.maketrans("０１２３４５６７８９＋", "0123456789+")
    )
    for prefix in ("+86", "0086", "86"):
        if raw.startswith(prefix) and len(raw) == len(prefix) + 11:
            raw = raw[len(prefix) :]
            break
    if not MAINLAND_MOBILE.match(raw):
        raise ValidationError(
            _("Enter a valid mainland China mobile number (11 digits starting with 1)."),
            code="invalid_mobile",
        )
    return raw


def validate_mobile(value: str) -> None:
    if normalize_mobile(value) != value:
        raise ValidationError(
            _("Enter a valid mainland China mobile number (11 digits starting with 1)."),
            code="invalid_mobile",
        )


def mask_mobile(value: str) -> str:
    """138****8000: what a list shows to people who need to recognise, not to dial."""
    return f"{value[:3]}****{value[-4:]}" if len(value) == 11 else value
