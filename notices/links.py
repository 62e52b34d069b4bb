"""Where a message leads. The link stored with a message (`Message.url`) is written by the
module that sent it: a resident page for residents (`/repairs/12/`), a staff page for staff
(`/staff/repairs/12/`, `/staff/billing/payments/3/`, `/staff/jobs/12/`). The inboxes of both
portals open it after marking the message read; a push or a WeChat message carries it too."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from staff.models import StaffMember

from .models import Message


def is_staff_page(url: str) -> bool:
    return url.startswith(reverse("staff:home"))


def local_url(url: str, request: HttpRequest) -> str | None:
    """The message's link if it stays on this site (never an outside address), else None."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def outside_url(message: Message) -> str:
    """The link a push or a WeChat message opens (relative to the site).

    A staff page goes through the staff inbox (`/staff/messages/<id>/`): that marks the
    message read and, for a staff member who serves several communities, first switches to
    the community of the object, where the page itself would be a 404 while another
    community is the current one. A message without a link opens the inbox of the portal its
    recipient works in."""
    if is_staff_page(message.url):
        return reverse("notices_staff:message_open", args=[message.pk])
    if message.url:
        return message.url
    if StaffMember.objects.filter(user_id=message.recipient_id, is_active=True).exists():
        return reverse("notices_staff:inbox")
    return reverse("notices:inbox")
