"""Local runs: the whole text goes to stdout, so a developer reads the code in `make run`."""

from django.conf import settings

from accounts.sms import SmsMessage

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        print(f"SMS to {message.phone}: 【{settings.SMS_SIGN_NAME}】{message.text}", flush=True)
