"""Tests: messages are kept in `accounts.sms.outbox`."""

from accounts.sms import SmsMessage, outbox

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        outbox.append(message)
