"""Aliyun SMS (Dysmsapi 2017-05-25, SendSms) through the official SDK."""

import json
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi import models as open_api_models
from django.conf import settings
from Tea.exceptions import TeaException

from accounts.sms import SmsDeliveryError, SmsMessage

from .base import BaseSmsBackend, provider_template, required


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        endpoint = urlsplit(settings.SMS_ALIYUN_ENDPOINT)
        self.client = Client(
            open_api_models.Config(
                access_key_id=required(
                    "SMS_ALIYUN_ACCESS_KEY_ID", settings.SMS_ALIYUN_ACCESS_KEY_ID
                ),
                access_key_secret=required(
                    "SMS_ALIYUN_ACCESS_KEY_SECRET", settings.SMS_ALIYUN_ACCESS_KEY_SECRET
                ),
                region_id=settings.SMS_ALIYUN_REGION,
                protocol=endpoint.scheme,
                endpoint=endpoint.netloc,
                connect_timeout=5000,
                read_timeout=10000,
            )
        )

    def send(self, message: SmsMessage) -> None:
        # A template without variables takes no TemplateParam at all.
        params = json.dumps(message.params, ensure_ascii=False) if message.params else None
        request = SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=provider_template(message, "aliyun"),
            template_param=params,
        )
        try:
            reply = self.client.send_sms(request).body
        except TeaException as error:  # refused by the gateway (signature, key) or no answer
            raise SmsDeliveryError(f"Aliyun SendSms: {error.code}: {error.message}") from error
        if reply.code != "OK":
            raise SmsDeliveryError(
                f"Aliyun SendSms: {reply.code}: {reply.message} (request {reply.request_id})"
            )
