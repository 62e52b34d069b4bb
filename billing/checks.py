"""System checks of the payment configuration (`manage.py check`, run by migrate and
runserver): a half-configured or unreadable merchant account, Alipay without the merchant's
PID outside DEBUG, and the sandbox outside DEBUG in a deployment (`check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string

from .online.providers import CREDENTIALS, PROVIDER_CLASSES, missing_credentials


@register(Tags.security)
def payment_providers(app_configs, **kwargs):
    errors = []
    for method in settings.PAYMENT_METHODS:
        if method not in PROVIDER_CLASSES:
            errors.append(Error(f"PAYMENT_METHODS names an unknown method {method!r}.",
                                id="billing.E001"))  # fmt: skip
            continue
        missing = missing_credentials(method)
        if missing and len(missing) < len(CREDENTIALS[method]):
            errors.append(
                Error(
                    f"The {method} payment provider is partly configured: set "
                    f"{', '.join(missing)} or none of its credentials.",
                    id="billing.E002",
                )
            )
        elif not missing:
            try:
                import_string(PROVIDER_CLASSES[method]).from_settings()
            except Exception as error:  # noqa: BLE001 - reported as the check's message
                errors.append(
                    Error(
                        f"The {method} payment credentials cannot be used: {error}",
                        hint="Keys and certificates are text in NAME (PEM, literal \\n "
                        "allowed, or base64), or in a file whose path is in NAME_FILE.",
                        id="billing.E003",
                    )  # fmt: skip
                )
    return errors


@register(Tags.security)
def alipay_seller_id(app_configs, **kwargs):
    """Alipay's notifications are believed only for our merchant's PID (seller_id): a live
    Alipay without ALIPAY_SELLER_ID would never settle a payment from its notification."""
    if settings.DEBUG or "alipay" not in settings.PAYMENT_METHODS:
        return []
    if missing_credentials("alipay") or settings.ALIPAY_SELLER_ID:
        return []  # not configured (or half: billing.E002 says so), or complete
    return [
        Error(
            "Alipay is configured without ALIPAY_SELLER_ID: its notifications cannot be "
            "matched to our merchant account and are all refused.",
            hint="Set ALIPAY_SELLER_ID to the merchant's PID (2088…), from Alipay's console.",
            id="billing.E005",
        )
    ]


@register(Tags.security, deploy=True)
def payment_sandbox(app_configs, **kwargs):
    if settings.PAYMENT_SANDBOX and not settings.DEBUG:
        return [
            Error(
                "PAYMENT_SANDBOX is on: methods without merchant credentials would mark bills "
                "paid through the sandbox, with no money.",
                hint="Unset PAYMENT_SANDBOX in production.",
                id="billing.E004",
            )
        ]
    return []
