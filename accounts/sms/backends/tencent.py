"""Tencent Cloud SMS (API 2021-01-11, SendSms) through the official SDK."""

from urllib.parse import urlsplit

from django.conf import settings
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import SendSmsRequest
from tencentcloud.sms.v20210111.sms_client import SmsClient

from accounts.sms import SmsDeliveryError, SmsMessage, template_setting

from .base import BaseSmsBackend, provider_template, required


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        endpoint = urlsplit(settings.SMS_TENCENT_ENDPOINT)
        self.sdk_app_id = required("SMS_TENCENT_SDK_APP_ID", settings.SMS_TENCENT_SDK_APP_ID)
        self.client = SmsClient(
            Credential(
                required("SMS_TENCENT_SECRET_ID", settings.SMS_TENCENT_SECRET_ID),
                required("SMS_TENCENT_SECRET_KEY", settings.SMS_TENCENT_SECRET_KEY),
            ),
            settings.SMS_TENCENT_REGION,
            ClientProfile(
                httpProfile=HttpProfile(
                    protocol=endpoint.scheme, endpoint=endpoint.netloc, reqTimeout=10
                )
            ),
        )

    def send(self, message: SmsMessage) -> None:
        request = SendSmsRequest()
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = provider_template(message, "tencent")
        # Tencent templates number their placeholders {1}, {2}…: the values go in that order.
        request.TemplateParamSet = [
            message.params[name] for name in template_setting(message.template)["tencent_params"]
        ]
        request.PhoneNumberSet = [f"+86{message.phone}"]
        try:
            reply = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsDeliveryError(
                f"Tencent SendSms: {error.get_code()}: {error.get_message()}"
            ) from error
        status = reply.SendStatusSet[0]
        if status.Code != "Ok":
            raise SmsDeliveryError(
                f"Tencent SendSms: {status.Code}: {status.Message} (request {reply.RequestId})"
            )
