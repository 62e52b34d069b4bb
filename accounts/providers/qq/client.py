from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error

from ..replies import read_qq_reply


class QQOAuth2Client(OAuth2Client):
    def get_access_token(self, code, pkce_code_verifier=None, extra_data=None) -> dict:
        params = {
            "grant_type": "authorization_code",
            "client_id": self.consumer_key,
            "client_secret": self.consumer_secret,
            "code": code,
            "redirect_uri": self.callback_url,
        }
        with get_adapter().get_requests_session() as session:
            response = session.get(self.access_token_url, params=params)
        data = read_qq_reply(response, "QQ")
        if not data.get("access_token"):
            raise OAuth2Error(f"QQ token reply without access_token: {data!r}")
        return data
