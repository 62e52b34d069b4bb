import logging

from celery import shared_task

from accounts import sms
from accounts.phone import mask_mobile

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.tasks.send_sms_task",
    autoretry_for=(sms.SmsDeliveryError,),
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=60,
    # Acknowledged on receipt: a worker lost in the middle of a send must not hand the message
    # to another worker, which would send it a second time (providers do not de-duplicate).
    # A refused send raises SmsDeliveryError, and only that is tried again.
    acks_late=False,
    ignore_result=True,
)
def send_sms_task(phone: str, template: str, params: dict[str, str]) -> None:
    text = sms.render_text(template, params)
    sms.get_backend().send(sms.SmsMessage(phone=phone, template=template, params=params, text=text))
    # Never the parameters: they hold the verification code.
    logger.info("SMS %s sent to %s", template, mask_mobile(phone))
