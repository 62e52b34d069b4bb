"""Where a message leads. The link stored with a message (`Message.url`) is written by the
module that sent it: a resident page for residents (`/repairs/12/`), a staff page for staff
(`/staff/repairs/12/`, `/staff/billing/payments/3/`, `/staff/jobs/12/`). The inboxes of both
portals open it after marking the message read."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def is_staff_page(url: str) -> bool:
    return url.startswith(reverse("staff:home"))


def local_url(url: str, request: HttpRequest) -> str | None:
    """The message's link if it stays on this site (never an outside address), else None."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None
