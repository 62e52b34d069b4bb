from typing import Any

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter

from ..endpoints import SettingsEndpointsMixin
from ..replies import ProviderReplyError, SnapshotUserError, read_wechat_json
from .client import WechatOAuth2Client


class WechatOAuth2Adapter(SettingsEndpointsMixin, WeixinOAuth2Adapter):
    """Shared by both WeChat apps; the endpoint URLs can be set per provider in settings."""

    provider_id = "weixin"
    client_class = WechatOAuth2Client
    access_token_method = "GET"  # noqa: S105
    # Someone who refuses is sent back with neither `code` nor `error`: allauth then compares
    # the missing error (None) with this and shows "cancelled" instead of a failure.
    login_cancelled_error = None
    default_authorize_url = "https://open.weixin.qq.com/connect/qrconnect"
    default_access_token_url = "https://api.weixin.qq.com/sns/oauth2/access_token"  # noqa: S105
    default_profile_url = "https://api.weixin.qq.com/sns/userinfo"

    def get_client(self, request, app):
        client = super().get_client(request, app)
        client.provider_name = self.get_provider().name
        return client

    def complete_login(self, request, app, token, **kwargs: Any):
        provider = self.get_provider()
        reply: dict[str, Any] = kwargs.get("response") or {}
        if str(reply.get("is_snapshotuser", "")) == "1":
            raise SnapshotUserError(provider.name)
        params = {"access_token": token.token, "openid": reply["openid"], "lang": "zh_CN"}
        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, params=params)
        userinfo = read_wechat_json(response, provider.name)
        data = {
            "openid": reply["openid"],
            "unionid": userinfo.get("unionid") or reply.get("unionid", ""),
            "scope": reply.get("scope", ""),
            **{key: value for key, value in userinfo.items() if key not in ("openid", "unionid")},
        }
        if userinfo.get("openid", data["openid"]) != data["openid"]:
            raise ProviderReplyError(provider.name, "openid", "userinfo of another openid")
        return provider.sociallogin_from_response(request, data)


oauth2_login = OAuth2LoginView.adapter_view(WechatOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WechatOAuth2Adapter)
