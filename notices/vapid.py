"""VAPID key pairs for Web Push, as the browser's applicationServerKey and pywebpush want
them: URL-safe base64 without padding of the P-256 public point and of the private value.
Imported by the settings (no Django needed) and by `manage.py vapid_keys`. Also which push
services a subscription may name (WEBPUSH_ALLOWED_SERVICES)."""

import base64
from collections.abc import Iterable
from urllib.parse import urlsplit

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


_DEFAULT_PORTS = {"https": 443, "http": 80}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL without credentials, or None when it has none or any."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number or out of range
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.username is not None or parts.password is not None:
        return None
    scheme = parts.scheme.lower()
    port = port or _DEFAULT_PORTS.get(scheme)
    if port is None:
        return None
    return scheme, host, port


def push_service_allowed(endpoint: str, services: Iterable[str]) -> bool:
    """Whether a subscription's endpoint is at one of `services` (WEBPUSH_ALLOWED_SERVICES):
    "https://fcm.googleapis.com" is that host exactly, "https://*.push.apple.com" any host
    under it; the scheme and the port (443 unless written) must be the same."""
    wanted = _origin(endpoint)
    if wanted is None:
        return False
    scheme, host, port = wanted
    for service in services:
        any_subdomain = "://*." in service
        allowed = _origin(service.replace("://*.", "://", 1))
        if allowed is None or allowed[0] != scheme or allowed[2] != port:
            continue
        if host == allowed[1] if not any_subdomain else host.endswith("." + allowed[1]):
            return True
    return False
