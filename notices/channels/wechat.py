"""WeChat template messages (公众号模板消息) to the openid of the person's official-account
login, through our official account's API (kit.wechat, the one door to wechatpy, which keeps
the access token in Django's cache and fetches it from ``WECHAT_API_BASE_URL``). Which template
an event uses and which of our values fill its keywords is ``settings.WECHAT_TEMPLATES``.
"""

import logging
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from kit import wechat

from ..links import outside_url
from . import DeliveryError

logger = logging.getLogger(__name__)

# The person refused or unfollowed the account: sending again cannot help.
REFUSED = {43004, 43101}
# The token was ended (another process fetched a new one, or the secret changed).
TOKEN_INVALID = {40001, 40014, 42001}
# Template keyword values: the newer "thing" keywords take at most 20 characters.
VALUE_MAX = 20


def template_for(event: str) -> dict:
    templates = settings.WECHAT_TEMPLATES
    template = templates.get(event) or templates["notification"]
    if not template.get("template_id"):
        template = templates["notification"]
    if not template.get("template_id"):
        raise ImproperlyConfigured("WECHAT_TEMPLATES has no template id for " + event)
    return template


def shorten(text: str, limit: int = VALUE_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def community_name(user) -> str:
    from accounts.models import Residency

    residency = (
        Residency.objects.filter(user=user, status__in=Residency.ACTIVE_STATUSES)
        .select_related("room__building__community")
        .order_by("-status", "pk")  # verified before pending
        .first()
    )
    return residency.room.building.community.name if residency else settings.LINLI_SITE_NAME


def template_data(message, fields: dict) -> dict:
    def value(source: str) -> str:
        if source == "title":
            return shorten(message.title)
        if source == "body":
            return shorten(message.body or message.title)
        if source == "time":
            return timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
        if source == "community":
            return shorten(community_name(message.recipient))
        raise ImproperlyConfigured(f"Unknown WeChat template value {source!r}")

    return {keyword: {"value": value(source)} for keyword, source in fields.items()}


def absolute_url(message) -> str:
    return urljoin(settings.LINLI_SITE_URL + "/", outside_url(message))


class WechatTemplateBackend:
    def send(self, delivery) -> None:
        message = delivery.message
        openid = wechat.mp_openid(message.recipient_id)
        if not openid:
            raise DeliveryError("no WeChat official-account openid", permanent=True)
        template = template_for(message.event)
        data = template_data(message, template["fields"])
        account = wechat.official_account()
        for attempt in (1, 2):
            try:
                account.send_template(
                    openid, template["template_id"], data, url=absolute_url(message)
                )
                return
            except wechat.WeChatApiError as error:
                errcode = error.errcode
                if errcode in TOKEN_INVALID and attempt == 1:
                    logger.info("WeChat access token refused (%s): fetching a new one", errcode)
                    account.forget_token()
                    continue
                if errcode is None:  # an HTTP error, not an answer
                    raise DeliveryError(f"WeChat API HTTP {error.http_status}") from error
                raise DeliveryError(
                    f"WeChat {errcode}: {error.errmsg}", permanent=errcode in REFUSED
                ) from error
            except wechat.WeChatUnreachable as error:
                raise DeliveryError(f"WeChat API unreachable: {error.reason}") from error
