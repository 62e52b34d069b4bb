from django.core.exceptions import ImproperlyConfigured

from accounts.sms import SmsMessage, template_setting


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


def required(name: str, value: str) -> str:
    if not value:
        raise ImproperlyConfigured(f"{name} must be set for this SMS backend")
    return value


def provider_template(message: SmsMessage, provider: str) -> str:
    """The template code (Aliyun) or id (Tencent) registered with the provider."""
    return required(
        f"SMS_TEMPLATES[{message.template!r}][{provider!r}]",
        template_setting(message.template).get(provider, ""),
    )
