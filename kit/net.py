"""The client's address, read one way everywhere (setting LINLI_TRUSTED_PROXY_COUNT)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: the X-Forwarded-For entry that the outermost of our
    LINLI_TRUSTED_PROXY_COUNT proxies wrote, or REMOTE_ADDR without proxies. The one reader of
    the client's address: allauth (AccountAdapter.get_client_ip), django-axes, django-ratelimit,
    the audit log and the payment providers all call it.

    Entries left of the trusted ones are whatever the client sent and never count. A request with
    fewer entries than trusted proxies, or with garbage there, did not come through them all: it
    counts by the address of the connection (allauth's own reader answers that with a 500)."""
    remote_addr = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104
    hops = settings.LINLI_TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote_addr
    entries = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < hops:
        return remote_addr
    try:
        return str(ipaddress.ip_address(entries[-hops]))
    except ValueError:
        return remote_addr
