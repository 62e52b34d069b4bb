from typing import Any

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)

from ..endpoints import SettingsEndpointsMixin, endpoint
from ..replies import ProviderReplyError, read_qq_reply
from .client import QQOAuth2Client


class QQOAuth2Adapter(SettingsEndpointsMixin, OAuth2Adapter):
    provider_id = "qq"
    client_class = QQOAuth2Client
    access_token_method = "GET"  # noqa: S105
    scope_delimiter = ","
    default_authorize_url = "https://graph.qq.com/oauth2.0/authorize"
    default_access_token_url = "https://graph.qq.com/oauth2.0/token"  # noqa: S105
    default_me_url = "https://graph.qq.com/oauth2.0/me"
    default_profile_url = "https://graph.qq.com/user/get_user_info"

    me_url = endpoint("ME_URL")

    def complete_login(self, request, app, token, **kwargs: Any):
        provider = self.get_provider()
        me_params = {"access_token": token.token}
        if provider.get_settings().get("REQUEST_UNIONID"):
            # Only for apps QQ has granted unionid; others get error 100048 instead.
            me_params["unionid"] = "1"
        with get_adapter().get_requests_session() as session:
            me = read_qq_reply(session.get(self.me_url, params=me_params), provider.name)
            if str(me.get("client_id")) != app.client_id or not me.get("openid"):
                # A token issued to another app must not log anyone in here.
                raise ProviderReplyError(provider.name, "client_id", f"token of {me!r}")
            userinfo = read_qq_reply(
                session.get(
                    self.profile_url,
                    params={
                        "access_token": token.token,
                        "oauth_consumer_key": app.client_id,
                        "openid": me["openid"],
                    },
                ),
                provider.name,
            )
        data = {
            "openid": me["openid"],
            "unionid": me.get("unionid", ""),
            **{key: value for key, value in userinfo.items() if key not in ("ret", "msg")},
        }
        return provider.sociallogin_from_response(request, data)


oauth2_login = OAuth2LoginView.adapter_view(QQOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(QQOAuth2Adapter)
