from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.weixin.provider import WeixinProvider
from django.utils.translation import gettext_lazy as _

from .views import WechatOAuth2Adapter


class WechatAccount(ProviderAccount):
    def get_avatar_url(self) -> str | None:
        return self.account.extra_data.get("headimgurl") or None

    def to_str(self) -> str:
        return self.account.extra_data.get("nickname") or str(self.account.get_provider().name)


class WechatQRProvider(WeixinProvider):
    """QR login on desktops: WeChat's open-platform website app, scope snsapi_login."""

    id = "weixin"
    name = _("WeChat")
    account_class = WechatAccount
    oauth2_adapter_class = WechatOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return ["snsapi_login"]

    def extract_uid(self, data) -> str:
        return data["openid"]

    def extract_common_fields(self, data) -> dict:
        return {"name": data.get("nickname") or ""}
