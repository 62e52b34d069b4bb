"""Payment providers behind one interface (`base.Provider`): WeChat Pay (API v3), Alipay,
UnionPay (bank card) and the sandbox that stands in for any of them without credentials."""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .base import Provider
from .sandbox import SandboxProvider

PROVIDER_CLASSES = {
    "wechat": "billing.payments.wechat.WechatPayProvider",
    "alipay": "billing.payments.alipay.AlipayProvider",
    "card": "billing.payments.unionpay.UnionPayProvider",
}

_providers: dict[str, Provider | None] = {}


def get_provider(method: str) -> Provider | None:
    """The provider of `method`: the real one when its credentials are configured, else the
    sandbox (when PAYMENT_SANDBOX is on), else None (the method is not offered)."""
    if method not in _providers:
        _providers[method] = _build(method)
    return _providers[method]


def _build(method: str) -> Provider | None:
    if method not in PROVIDER_CLASSES or method not in settings.PAYMENT_METHODS:
        return None
    provider_class = import_string(PROVIDER_CLASSES[method])
    if provider_class.configured():
        return provider_class.from_settings()
    if settings.PAYMENT_SANDBOX:
        return SandboxProvider(method)
    return None


def available_methods() -> list[tuple[str, Provider]]:
    return [
        (method, provider)
        for method in PROVIDER_CLASSES
        if (provider := get_provider(method)) is not None
    ]


@receiver(setting_changed)
def _forget_providers(**kwargs) -> None:
    if kwargs["setting"].startswith(("PAYMENT_", "WECHATPAY_", "ALIPAY_", "UNIONPAY_", "VAR_")):
        _providers.clear()
