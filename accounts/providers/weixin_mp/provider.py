from django.utils.translation import gettext_lazy as _

from ..weixin.provider import WechatQRProvider
from .views import WechatOfficialAccountOAuth2Adapter


class WechatOfficialAccountProvider(WechatQRProvider):
    id = "weixin_mp"
    name = _("WeChat")
    oauth2_adapter_class = WechatOfficialAccountOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return ["snsapi_userinfo"]


provider_classes = [WechatOfficialAccountProvider]
