"""Error reports and logs that say which request and which user, without personal data.

Imported by the settings: nothing here may need Django to be set up at import time.
"""

import logging
import re
from contextvars import ContextVar
from email.utils import getaddresses
from importlib import metadata

from django_guid.context import guid

# The id of the user of the request being handled (set by config.middleware).
current_user_id: ContextVar[str | None] = ContextVar("current_user_id", default=None)


class RequestContextFilter(logging.Filter):
    """Gives every log record `request_id` (django-guid's id of the request: X-Request-ID
    when the client or proxy sent a valid one) and `user_id`; "-" outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = guid.get() or "-"
        record.user_id = current_user_id.get() or "-"
        return True


def admins_from(value: str) -> list[tuple[str, str]]:
    """DJANGO_ADMINS="运维 <ops@example.cn>, li@example.cn" → Django's ADMINS."""
    return [(name, address) for name, address in getaddresses([value]) if address]


def package_release() -> str | None:
    try:
        return f"linli@{metadata.version('linli')}"
    except metadata.PackageNotFoundError:
        return None


# --- Sentry -----------------------------------------------------------------------------------

# Keys whose values are personal data wherever they appear in an event (extra data, contexts,
# frame variables where someone turned them on): masked, and masked again wherever the same
# value shows up in a message.
PERSONAL_KEYS = {
    "mobile",
    "phone",
    "backup_phone",
    "service_phone",
    "display_name",
    "name",
    "full_name",
    "real_name",
    "first_name",
    "last_name",
    "nickname",
    "username",
    "contact",
    "contact_name",
    "email",
    "address",
    "id_number",
    "openid",
    "unionid",
}
# The parts of an event that come from our code and its data; the SDK's own (sdk, contexts
# of the runtime and OS, modules) are left alone.
PERSONAL_SECTIONS = (
    "exception",
    "threads",
    "message",
    "logentry",
    "breadcrumbs",
    "extra",
    "request",
)
# Keys naming code, not people: never rewritten.
CODE_KEYS = {"function", "module", "filename", "abs_path", "package", "type", "platform"}
# Mainland mobile numbers (+86, spaces or hyphens allowed), e-mail addresses, ID card numbers.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
FILTERED = "[Filtered]"
# Request headers that carry credentials or say who is calling from where.
DROPPED_HEADERS = {"authorization", "cookie", "x-forwarded-for", "x-real-ip", "proxy-authorization"}


def _mask_text(text: str, known: set[str]) -> str:
    text = MOBILE.sub(r"\1****\3", text)
    text = EMAIL.sub(FILTERED, text)
    text = ID_NUMBER.sub(FILTERED, text)
    for value in known:
        text = text.replace(value, FILTERED)
    return text


def _collect(node, known: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).lower() in PERSONAL_KEYS and isinstance(value, str) and len(value) > 1:
                known.add(value.strip("'\""))
            _collect(value, known)
    elif isinstance(node, list | tuple):
        for value in node:
            _collect(value, known)


def _scrub(node, known: set[str]):
    if isinstance(node, dict):
        return {
            key: (
                value
                if key in CODE_KEYS
                else FILTERED
                if str(key).lower() in PERSONAL_KEYS and value not in (None, "")
                else _scrub(value, known)
            )
            for key, value in node.items()
        }
    if isinstance(node, list | tuple):
        return [_scrub(value, known) for value in node]
    if isinstance(node, str):
        return _mask_text(node, known)
    return node


def scrub_event(event: dict, hint: dict) -> dict:
    """Sentry's before_send: no request bodies, cookies or credentials, the user as an id
    only, mobile numbers, e-mail addresses, ID numbers and the values of personal fields
    masked everywhere. Names in free text are caught only where the event also has them
    under a personal key; exception messages should not carry them."""
    request = event.get("request") or {}
    for part in ("data", "cookies", "env", "query_string"):
        request.pop(part, None)
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in DROPPED_HEADERS:
            del headers[name]
    user = event.get("user") or {}
    user_id = user.get("id") or current_user_id.get()
    event["user"] = {"id": str(user_id)} if user_id else {}
    if not event["user"]:
        del event["user"]
    sections = {name: event[name] for name in PERSONAL_SECTIONS if name in event}
    known: set[str] = set()
    _collect(sections, known)
    event.update(_scrub(sections, known))
    request_id = guid.get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float):
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        # Frame variables hold names and numbers in model instances' reprs; request bodies
        # hold form fields. Neither is sent.
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        traces_sample_rate=traces_sample_rate,
    )
