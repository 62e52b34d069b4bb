from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.weixin.client import WeixinOAuth2Client

from ..replies import read_wechat_json


class WechatOAuth2Client(WeixinOAuth2Client):
    """allauth's client with WeChat's rules: the authorize URL ends in #wechat_redirect and the
    code is exchanged by GET with appid and secret in the query string."""

    provider_name = "WeChat"

    def get_redirect_url(self, authorization_url, scope, extra_params) -> str:
        # The parent keeps WeChat's parameter order (appid, redirect_uri, response_type, scope,
        # state); the official account's page refuses to open without the fragment.
        return super().get_redirect_url(authorization_url, scope, extra_params) + "#wechat_redirect"

    def get_access_token(self, code, pkce_code_verifier=None) -> dict:
        params = {
            "appid": self.consumer_key,
            "secret": self.consumer_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        with get_adapter().get_requests_session() as session:
            response = session.get(self.access_token_url, params=params)
        data = read_wechat_json(response, self.provider_name)
        if not data.get("access_token") or not data.get("openid"):
            raise OAuth2Error(f"WeChat token reply without access_token/openid: {data!r}")
        return data
