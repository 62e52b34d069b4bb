"""WeChat template messages (公众号模板消息) through wechatpy, to the openid of the person's
official-account login (SocialAccount provider "weixin_mp").

The access token is kept in Django's cache (shared by every web process and worker: WeChat
allows only so many token requests a day, and a new token soon ends the old one). wechatpy's
client fetches it from ``WECHAT_API_BASE_URL`` so that tests and local runs can point it at a
stand-in. Which template an event uses and which of our values fill its keywords is
``settings.WECHAT_TEMPLATES``.
"""

import logging
from urllib.parse import urljoin

import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from ..links import outside_url
from . import DeliveryError

logger = logging.getLogger(__name__)

PROVIDER = "weixin_mp"
# The person refused or unfollowed the account: sending again cannot help.
REFUSED = {43004, 43101}
# The token was ended (another process fetched a new one, or the secret changed).
TOKEN_INVALID = {40001, 40014, 42001}
# Template keyword values: the newer "thing" keywords take at most 20 characters.
VALUE_MAX = 20
TOKEN_MARGIN_SECONDS = 300  # forget a token this long before WeChat does


class DjangoCacheStorage(SessionStorage):
    """wechatpy's session storage on Django's cache."""

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        if ttl is not None:
            ttl = max(int(ttl) - TOKEN_MARGIN_SECONDS, 60)
        cache.set(self.prefix + key, value, ttl)

    def delete(self, key):
        cache.delete(self.prefix + key)


class LinliWeChatClient(WeChatClient):
    """wechatpy's client with the token URL under API_BASE_URL (wechatpy hard-codes it)."""

    def __init__(self, appid, secret, *, api_base_url: str, **kwargs):
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = api_base_url if api_base_url.endswith("/") else api_base_url + "/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=urljoin(self.API_BASE_URL, "token"),
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def get_client() -> LinliWeChatClient:
    if not settings.WECHAT_MP_APP_ID or not settings.WECHAT_MP_APP_SECRET:
        raise ImproperlyConfigured("WECHAT_MP_APP_ID and WECHAT_MP_APP_SECRET are not set")
    return LinliWeChatClient(
        settings.WECHAT_MP_APP_ID,
        settings.WECHAT_MP_APP_SECRET,
        api_base_url=settings.WECHAT_API_BASE_URL,
        session=DjangoCacheStorage(),
        timeout=settings.WECHAT_API_TIMEOUT_SECONDS,
        # Retrying is ours (once, with a fresh token): wechatpy's own would loop for ever on a
        # token WeChat keeps refusing.
        auto_retry=False,
    )


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
        openid = (
            SocialAccount.objects.filter(user_id=message.recipient_id, provider=PROVIDER)
            .values_list("uid", flat=True)
            .first()
        )
        if not openid:
            raise DeliveryError("no WeChat official-account openid", permanent=True)
        template = template_for(message.event)
        data = template_data(message, template["fields"])
        client = get_client()
        for attempt in (1, 2):
            try:
                client.message.send_template(
                    openid, template["template_id"], data, url=absolute_url(message)
                )
                return
            except WeChatClientException as error:
                errcode = error.errcode
                if errcode in TOKEN_INVALID and attempt == 1:
                    logger.info("WeChat access token refused (%s): fetching a new one", errcode)
                    client.session.delete(client.access_token_key)
                    client.expires_at = None
                    continue
                if errcode is None:  # an HTTP error, not an answer
                    status = getattr(error.response, "status_code", None)
                    raise DeliveryError(f"WeChat API HTTP {status}") from error
                raise DeliveryError(
                    f"WeChat {errcode}: {error.errmsg}", permanent=errcode in REFUSED
                ) from error
            except requests.RequestException as error:
                raise DeliveryError(f"WeChat API unreachable: {type(error).__name__}") from error
