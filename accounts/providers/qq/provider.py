from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from .views import QQOAuth2Adapter


class QQAccount(ProviderAccount):
    def get_avatar_url(self) -> str | None:
        data = self.account.extra_data
        return data.get("figureurl_qq_2") or data.get("figureurl_qq_1") or None

    def to_str(self) -> str:
        return self.account.extra_data.get("nickname") or "QQ"


class QQProvider(OAuth2Provider):
    id = "qq"
    name = "QQ"
    account_class = QQAccount
    oauth2_adapter_class = QQOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return ["get_user_info"]

    def extract_uid(self, data) -> str:
        return data["openid"]

    def extract_common_fields(self, data) -> dict:
        return {"name": data.get("nickname") or ""}


provider_classes = [QQProvider]
