"""Which social login buttons a page shows: one WeChat button, whichever WeChat app fits."""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import Provider
from django.http import HttpRequest

from kit.wechat import in_wechat


def login_providers(request: HttpRequest) -> list[Provider]:
    """Configured providers for this browser: inside WeChat the official account (its QR
    page cannot be scanned by the phone showing it), elsewhere the QR login; QQ everywhere."""
    wanted = ["weixin_mp" if in_wechat(request) else "weixin", "qq"]
    providers = {provider.id: provider for provider in get_adapter().list_providers(request)}
    return [providers[provider_id] for provider_id in wanted if provider_id in providers]


def leading_provider(request: HttpRequest) -> Provider | None:
    """Inside WeChat, WeChat login leads the login page: one tap, nothing to type."""
    if not in_wechat(request):
        return None
    return next((p for p in login_providers(request) if p.id == "weixin_mp"), None)


BRANDS = {"wechat": ("weixin", "weixin_mp"), "qq": ("qq",)}


def connection_rows(request: HttpRequest, accounts) -> list[dict]:
    """The connections page: each connected account, and a connect button for each brand the
    user has none of (the WeChat app that works in this browser)."""
    connectable = {provider.id: provider for provider in login_providers(request)}
    rows = []
    for brand, provider_ids in BRANDS.items():
        connected = [account for account in accounts if account.provider in provider_ids]
        rows += [{"brand": brand, "account": account} for account in connected]
        if not connected:
            provider = next((connectable[p] for p in provider_ids if p in connectable), None)
            if provider is not None:
                rows.append({"brand": brand, "provider": provider})
    return rows
