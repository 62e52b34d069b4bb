"""Payment providers behind one interface (`base.Provider`): WeChat Pay (API v3), Alipay,
UnionPay (bank card) and the sandbox that stands in for any of them without credentials."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .base import Provider
from .sandbox import SandboxProvider

logger = logging.getLogger(__name__)

PROVIDER_CLASSES = {
    "wechat": "billing.online.providers.wechat.WechatPayProvider",
    "alipay": "billing.online.providers.alipay.AlipayProvider",
    "card": "billing.online.providers.unionpay.UnionPayProvider",
}
# The merchant credentials of each method (WECHATPAY_APP_ID is left out: it defaults to the
# official account's app id, which a site has for WeChat login alone).
CREDENTIALS = {
    "wechat": ("WECHATPAY_MCH_ID", "WECHATPAY_PRIVATE_KEY", "WECHATPAY_CERT_SERIAL_NO",
               "WECHATPAY_APIV3_KEY", "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID"),
    "alipay": ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"),
    "card": ("UNIONPAY_MER_ID", "UNIONPAY_SIGN_KEY", "UNIONPAY_SIGN_CERT", "UNIONPAY_ROOT_CERT",
             "UNIONPAY_MIDDLE_CERT"),
}  # fmt: skip

_providers: dict[str, Provider | None] = {}


def get_provider(method: str) -> Provider | None:
    """The provider of `method`: the real one when its credentials are configured; the sandbox
    when none are and PAYMENT_SANDBOX is on; otherwise None (the method is not offered)."""
    if method not in _providers:
        _providers[method] = _build(method)
    return _providers[method]


def missing_credentials(method: str) -> list[str]:
    return [name for name in CREDENTIALS[method] if not getattr(settings, name, "")]


def _build(method: str) -> Provider | None:
    if method not in PROVIDER_CLASSES or method not in settings.PAYMENT_METHODS:
        return None
    provider_class = import_string(PROVIDER_CLASSES[method])
    missing = missing_credentials(method)
    if provider_class.configured() and not missing:
        try:
            return provider_class.from_settings()
        except Exception:  # unreadable keys: `manage.py check` says so; the method is off
            logger.exception("The %s payment provider is misconfigured", method)
            return None
    if len(missing) < len(CREDENTIALS[method]):
        # Some credentials but not all: a half-configured merchant account must never fall
        # back to the sandbox (its payments would mark bills paid with no money).
        logger.error("The %s payment provider lacks %s", method, ", ".join(missing))
        return None
    if settings.PAYMENT_SANDBOX:
        return SandboxProvider(method)
    return None


def available_methods() -> list[tuple[str, Provider]]:
    return [
        (method, provider)
        for method in PROVIDER_CLASSES
        if (provider := get_provider(method)) is not None
    ]


def offered_methods(*, in_wechat: bool) -> dict[str, Provider]:
    """The methods a payer is offered in this browser: WeChat's own browser blocks Alipay's
    pages, so Alipay is not offered there (its sandbox stand-in is)."""
    return {
        method: provider
        for method, provider in available_methods()
        if not (in_wechat and method == "alipay" and not provider.sandbox)
    }


@receiver(setting_changed)
def _forget_providers(**kwargs) -> None:
    if kwargs["setting"].startswith(("PAYMENT_", "WECHATPAY_", "ALIPAY_", "UNIONPAY_", "VAR_")):
        _providers.clear()
