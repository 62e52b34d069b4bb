"""No secrets in the partners' records: payment keys, API keys, certificates and passwords stay
in the server's environment (docs/configuration.md). What is refused: a PEM block, a word that
names a secret next to a value (密钥: …, key=…), and a long run of key-like characters (an
APIv3 key is 32 letters and digits, an RSA key hundreds of base64 characters), which no
merchant number, app id, name or note needs."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PEM = re.compile(r"-----BEGIN [A-Z ]+-----")
NAMED = re.compile(
    r"(私钥|密钥|秘钥|密码|口令|api\s*v?3?\s*key|secret|private\s*key|password|passwd|token)"
    r"\s*[:：=]\s*\S+",
    re.IGNORECASE,
)
# 24 or more characters of base64 / hex with letters and digits mixed: a key, not a number.
KEY_LIKE = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
MERCHANT_NUMBER = re.compile(r"^[A-Za-z0-9_-]{4,22}$")


def looks_secret(text: str) -> bool:
    if not text:
        return False
    if PEM.search(text) or NAMED.search(text):
        return True
    for run in KEY_LIKE.findall(text):
        has_letter = any(c.isalpha() for c in run)
        has_digit = any(c.isdigit() for c in run)
        if has_letter and has_digit:
            return True
    return False


def refuse_secrets(value: str) -> None:
    if looks_secret(value):
        raise ValidationError(
            _(
                "This looks like a key, a certificate or a password. Secrets stay in the "
                "server's environment: never enter them here."
            ),
            code="secret",
        )


def split_merchant_numbers(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，;；\s]+", value or "") if part.strip()]


def merchant_numbers_validator(value: str) -> None:
    refuse_secrets(value)
    for number in split_merchant_numbers(value):
        if not MERCHANT_NUMBER.match(number):
            raise ValidationError(
                _(
                    "“%(number)s” is not a merchant number: use 4 to 22 letters, digits, "
                    "hyphens or underscores, separated by commas."
                )
                % {"number": number[:30]},
                code="merchant_number",
            )
