"""SMS through the same backend as login codes (settings.SMS_BACKEND), sent in the delivery
task itself so that the Delivery row records the provider's answer."""

from accounts import sms
from accounts.phone import mask_mobile

from . import DeliveryError

# Providers cap a template variable's length (Aliyun: 35 characters for most).
MAX_TITLE = 35


class SmsBackend:
    def send(self, delivery) -> None:
        recipient = delivery.message.recipient
        if not recipient.mobile:
            raise DeliveryError("no mobile number", permanent=True)
        params = {"title": sms_title(delivery.message)}
        text = sms.render_text("notification", params)
        try:
            sms.get_backend().send(
                sms.SmsMessage(
                    phone=recipient.mobile, template="notification", params=params, text=text
                )
            )
        except sms.SmsDeliveryError as error:
            raise DeliveryError(f"{mask_mobile(recipient.mobile)}: {error}") from error


def sms_title(message) -> str:
    title = message.title
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
