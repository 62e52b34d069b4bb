"""VAPID key pairs for Web Push, as the browser's applicationServerKey and pywebpush want
them: URL-safe base64 without padding of the P-256 public point and of the private value.
Imported by the settings (no Django needed) and by `manage.py vapid_keys`."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_keys() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "public_key": _b64(public),
        "private_key": _b64(key.private_numbers().private_value.to_bytes(32, "big")),
    }
