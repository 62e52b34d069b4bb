"""SMS delivery: the backends, the task and its retries. Aliyun and Tencent Cloud run through their
real SDKs against local stand-ins of their endpoints, which recompute each request's signature
with the shared secret and check its content the way the providers do."""

import hashlib
import hmac
import json
import logging
import re
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from accounts.sms import SmsDeliveryError, SmsMessage, get_backend, outbox, render_text, send_sms
from accounts.tasks import send_sms_task

pytestmark = pytest.mark.req("ACC-1")

SIGN_NAME = "邻里"
CODE = {"code": "482913", "minutes": "10"}


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class ProviderStandIn(ThreadingHTTPServer):
    """A provider's API endpoint on 127.0.0.1. It accepts a message (kept in `sent`) only when
    the signature and the content check out; `refuse_next(n)` makes the next n sends fail with
    the provider's own rate-limit code, as a real account's limits would."""

    daemon_threads = True
    content_type = "application/json"

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), StandInHandler)
        self.sent: list[dict] = []
        self.attempts = 0
        self.refusals = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def refuse_next(self, count: int) -> None:
        self.refusals = count

    def take_refusal(self) -> bool:
        if self.refusals:
            self.refusals -= 1
            return True
        return False

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError


class StandInHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.attempts += 1
            status, reply = self.server.answer(self.command, self.path, self.headers, body)
        data = json.dumps(reply, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.server.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args) -> None:
        pass


class AliyunDysmsapi(ProviderStandIn):
    """dysmsapi.aliyuncs.com, SendSms 2017-05-25, signed with ACS3-HMAC-SHA256 (the V3 signature
    the installed SDK uses by default)."""

    name = "aliyun"
    content_type = "application/json;charset=utf-8"
    access_key_id = "LTAI5tLinliStandIn"
    access_key_secret = "aliyun-shared-secret"
    secret_setting = "SMS_ALIYUN_ACCESS_KEY_SECRET"
    signature_error = "SignatureDoesNotMatch"
    limit_code = "isv.BUSINESS_LIMIT_CONTROL"
    # Template code → its variables, as registered in the account.
    templates = {
        "SMS_900001": {"code", "minutes"},
        "SMS_900002": set(),
        "SMS_900003": set(),
        "SMS_900004": {"inviter", "room"},
        "SMS_900005": {"title"},
        "SMS_900006": {"provider", "code", "minutes"},
        "SMS_900007": {"company", "link", "days"},
        "SMS_900008": {"company", "code", "minutes"},
    }
    messages = {
        "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
        "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
        "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
        "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
        "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
        "isv.TEMPLATE_MISSING_PARAMETERS": "模板缺少变量",
    }

    def __init__(self) -> None:
        super().__init__()
        self.nonces: set[str] = set()

    def answer(self, method, path, headers, body):
        request_id = str(uuid.uuid4()).upper()
        refused = self.check_gateway(method, path, headers, body)
        if refused:
            status, code, message = refused
            return status, {
                "RequestId": request_id,
                "HostId": "dysmsapi.aliyuncs.com",
                "Code": code,
                "Message": message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}",
            }
        query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        code = self.check_send(query) or (self.limit_code if self.take_refusal() else None)
        if code:
            return 200, {"RequestId": request_id, "Code": code, "Message": self.messages[code]}
        self.sent.append(query)
        return 200, {
            "RequestId": request_id,
            "Code": "OK",
            "Message": "OK",
            "BizId": f"{uuid.uuid4().int % 10**18}^0",
        }

    def check_gateway(self, method, path, headers, body) -> tuple[int, str, str] | None:
        header = {name.lower(): value.strip() for name, value in headers.items()}
        algorithm, _, fields = header.get("authorization", "").partition(" ")
        auth = dict(field.split("=", 1) for field in fields.split(",") if "=" in field)
        if algorithm != "ACS3-HMAC-SHA256" or auth.keys() != {
            "Credential",
            "SignedHeaders",
            "Signature",
        }:
            return 400, "IncompleteSignature", "The request signature is not complete."
        if auth["Credential"] != self.access_key_id:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        signed = auth["SignedHeaders"].split(";")
        # Every common header present must be signed: host and all x-acs-*.
        if not {"host"} | {name for name in header if name.startswith("x-acs-")} <= set(signed):
            return 400, "IncompleteSignature", "The request signature is not complete."
        if header.get("x-acs-content-sha256") != sha256_hex(body):
            return 400, "ContentSHA256NotMatch", "The content sha256 does not match."
        date = datetime.strptime(header.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
        if abs(datetime.now(UTC) - date.replace(tzinfo=UTC)) > timedelta(minutes=15):
            return 400, "InvalidTimeStamp.Expired", "Specified time stamp or date is expired."
        nonce = header.get("x-acs-signature-nonce", "")
        if not nonce or nonce in self.nonces:
            return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
        self.nonces.add(nonce)

        url = urlsplit(path)
        canonical_query = "&".join(
            f"{quote(key, safe='~')}={quote(value, safe='~')}"
            for key, value in sorted(parse_qsl(url.query, keep_blank_values=True))
        )
        canonical_headers = "".join(f"{name}:{header.get(name, '')}\n" for name in signed)
        canonical_request = "\n".join(
            [
                method,
                url.path or "/",
                canonical_query,
                canonical_headers,
                ";".join(signed),
                sha256_hex(body),
            ]
        )
        string_to_sign = f"ACS3-HMAC-SHA256\n{sha256_hex(canonical_request)}"
        expected = hmac_sha256(self.access_key_secret.encode(), string_to_sign).hex()
        if not hmac.compare_digest(expected, auth["Signature"]):
            return (
                400,
                "SignatureDoesNotMatch",
                f"Specified signature does not match our calculation. "
                f"server StringToSign is [{string_to_sign}]",
            )
        if header.get("x-acs-action") != "SendSms" or header.get("x-acs-version") != "2017-05-25":
            return 404, "InvalidAction.NotFound", "Specified api is not found."
        return None

    def check_send(self, query: dict[str, str]) -> str | None:
        if not re.fullmatch(r"1[3-9]\d{9}", query.get("PhoneNumbers", "")):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        if query.get("SignName") != SIGN_NAME:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        if query.get("TemplateCode") not in self.templates:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        try:
            params = json.loads(query.get("TemplateParam") or "{}")
        except ValueError:
            return "isv.INVALID_JSON_PARAM"
        if not all(isinstance(value, str) for value in params.values()):
            return "isv.INVALID_JSON_PARAM"
        if set(params) != self.templates[query["TemplateCode"]]:
            return "isv.TEMPLATE_MISSING_PARAMETERS"
        return None


class TencentSms(ProviderStandIn):
    """sms.tencentcloudapi.com, SendSms 2021-01-11, signed with TC3-HMAC-SHA256."""

    name = "tencent"
    secret_id = "AKIDLinliStandIn"
    secret_key = "tencent-shared-secret"
    sdk_app_id = "1400000001"
    secret_setting = "SMS_TENCENT_SECRET_KEY"
    signature_error = "AuthFailure.SignatureFailure"
    limit_code = "LimitExceeded.PhoneNumberThirtySecondLimit"
    # Template id → number of its placeholders {1}, {2}…
    templates = {
        "100001": 2,
        "100002": 0,
        "100003": 0,
        "100004": 2,
        "100005": 1,
        "100006": 3,
        "100007": 3,
        "100008": 3,
    }
    messages = {
        "AuthFailure.InvalidAuthorization": "请求头部的 Authorization 不符合腾讯云标准。",
        "AuthFailure.SecretIdNotFound": "密钥不存在。",
        "AuthFailure.SignatureExpire": "签名过期。",
        "AuthFailure.SignatureFailure": "The provided credentials could not be validated. "
        "Please check your signature is correct.",
        "InvalidAction": "接口不存在。",
        "InvalidParameterValue.SdkAppIdNotExist": "SdkAppId不存在。",
        "FailedOperation.SignatureIncorrectOrUnapproved": "签名未审批或格式错误。",
        "FailedOperation.TemplateIncorrectOrUnapproved": "模板未审批或内容不匹配。",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": "请求内容与审核通过的模板内容不匹配。",
        "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式错误。",
        "LimitExceeded.PhoneNumberThirtySecondLimit": "单个手机号30秒内下发短信条数超过设定的上限。",
    }

    def answer(self, method, path, headers, body):
        request_id = str(uuid.uuid4())
        payload = json.loads(body or b"{}")
        code = self.check_signature(method, path, headers, body) or self.check_request(
            headers, payload
        )
        if code:
            error = {"Code": code, "Message": self.messages[code]}
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        phone = payload["PhoneNumberSet"][0]
        code = (
            "InvalidParameterValue.IncorrectPhoneNumber"
            if not re.fullmatch(r"\+861[3-9]\d{9}", phone)
            else self.limit_code
            if self.take_refusal()
            else "Ok"
        )
        if code == "Ok":
            self.sent.append(payload)
        status = {
            "SerialNo": f"5000:{uuid.uuid4().int % 10**28}",
            "PhoneNumber": phone,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": payload.get("SessionContext", ""),
            "Code": code,
            "Message": "send success" if code == "Ok" else self.messages[code],
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}

    def check_signature(self, method, path, headers, body) -> str | None:
        algorithm, _, fields = (headers.get("Authorization") or "").partition(" ")
        auth = dict(field.strip().split("=", 1) for field in fields.split(",") if "=" in field)
        scope = auth.get("Credential", "").split("/")
        if algorithm != "TC3-HMAC-SHA256" or len(scope) != 4 or scope[3] != "tc3_request":
            return "AuthFailure.InvalidAuthorization"
        secret_id, date, service, _ = scope
        if secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        timestamp = headers.get("X-TC-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return "AuthFailure.SignatureExpire"
        signed = auth.get("SignedHeaders", "").split(";")
        if not {"content-type", "host"} <= set(signed):
            return "AuthFailure.InvalidAuthorization"
        if date != datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d"):
            return "AuthFailure.SignatureFailure"

        url = urlsplit(path)
        canonical_headers = "".join(
            f"{name}:{(headers.get(name) or '').strip().lower()}\n" for name in signed
        )
        canonical_request = "\n".join(
            [method, url.path, url.query, canonical_headers, ";".join(signed), sha256_hex(body)]
        )
        string_to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                timestamp,
                f"{date}/{service}/tc3_request",
                sha256_hex(canonical_request),
            ]
        )
        key = hmac_sha256(f"TC3{self.secret_key}".encode(), date)
        key = hmac_sha256(hmac_sha256(key, service), "tc3_request")
        if service != "sms" or not hmac.compare_digest(
            hmac_sha256(key, string_to_sign).hex(), auth.get("Signature", "")
        ):
            return "AuthFailure.SignatureFailure"
        return None

    def check_request(self, headers, payload: dict) -> str | None:
        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return "InvalidAction"
        if payload.get("SmsSdkAppId") != self.sdk_app_id:
            return "InvalidParameterValue.SdkAppIdNotExist"
        if payload.get("SignName") != SIGN_NAME:
            return "FailedOperation.SignatureIncorrectOrUnapproved"
        if payload.get("TemplateId") not in self.templates:
            return "FailedOperation.TemplateIncorrectOrUnapproved"
        if len(payload.get("TemplateParamSet") or []) != self.templates[payload["TemplateId"]]:
            return "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        return None


def templates_with(settings, provider: str, ids: list[str]) -> dict:
    """settings.SMS_TEMPLATES with the provider's codes, in the order of the template keys."""
    return {
        key: {**template, provider: template_id}
        for (key, template), template_id in zip(settings.SMS_TEMPLATES.items(), ids, strict=True)
    }


def serve(standin: ProviderStandIn):
    thread = threading.Thread(target=standin.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield standin
    standin.shutdown()
    standin.server_close()
    thread.join()


@pytest.fixture
def aliyun(settings):
    standin = AliyunDysmsapi()
    settings.SMS_BACKEND = "accounts.sms.backends.aliyun.SmsBackend"
    settings.SMS_SIGN_NAME = SIGN_NAME
    settings.SMS_ALIYUN_ACCESS_KEY_ID = standin.access_key_id
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = standin.access_key_secret
    settings.SMS_ALIYUN_ENDPOINT = standin.url
    settings.SMS_TEMPLATES = templates_with(settings, "aliyun", list(standin.templates))
    yield from serve(standin)


@pytest.fixture
def tencent(settings):
    standin = TencentSms()
    settings.SMS_BACKEND = "accounts.sms.backends.tencent.SmsBackend"
    settings.SMS_SIGN_NAME = SIGN_NAME
    settings.SMS_TENCENT_SECRET_ID = standin.secret_id
    settings.SMS_TENCENT_SECRET_KEY = standin.secret_key
    settings.SMS_TENCENT_SDK_APP_ID = standin.sdk_app_id
    settings.SMS_TENCENT_ENDPOINT = standin.url
    settings.SMS_TEMPLATES = templates_with(settings, "tencent", list(standin.templates))
    yield from serve(standin)


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request) -> ProviderStandIn:
    return request.getfixturevalue(request.param)


def message(template="verification_code", params=CODE) -> SmsMessage:
    return SmsMessage("13900000001", template, params, render_text(template, params))


# --- Templates, console and in-memory backends ------------------------------------------


def test_send_sms_puts_the_chinese_text_in_the_outbox():
    send_sms("13900000001", "verification_code", {"code": "482913", "minutes": 10})

    assert outbox == [
        SmsMessage(
            phone="13900000001",
            template="verification_code",
            params={"code": "482913", "minutes": "10"},
            text="您的验证码是482913，10分钟内有效。如非本人操作请忽略。",
        )
    ]


def test_family_invitation_text_names_the_inviter_and_the_room():
    send_sms("+86 139-0000-0002", "family_invitation", {"inviter": "张伟", "room": "3栋1201"})

    [sms] = outbox
    assert sms.phone == "13900000002"
    assert sms.text == "张伟邀请您成为3栋1201的家庭成员，登录后在“我的”中接受邀请。"


def test_templates_without_parameters():
    send_sms("13900000001", "unknown_account", {})
    send_sms("13900000001", "account_exists", {})

    assert [sms.text.startswith("该手机号") for sms in outbox] == [True, True]


def test_unknown_template_key_raises_and_sends_nothing():
    with pytest.raises(ValueError, match="Unknown SMS template 'welcome'"):
        send_sms("13900000001", "welcome", {})
    assert outbox == []


@pytest.mark.parametrize(
    "params", [{"code": "482913"}, {"code": "482913", "minutes": "10", "name": "张伟"}]
)
def test_missing_or_extra_parameters_raise(params):
    with pytest.raises(ValueError, match="takes"):
        send_sms("13900000001", "verification_code", params)
    assert outbox == []


@pytest.mark.parametrize("phone", ["12345", "+1 415 555 0100", "020-12345678", ""])
def test_a_number_that_is_not_a_mainland_mobile_raises(phone):
    with pytest.raises(ValidationError):
        send_sms(phone, "verification_code", CODE)
    assert outbox == []


def test_every_template_names_its_tencent_parameters_in_full(settings):
    for key, template in settings.SMS_TEMPLATES.items():
        placeholders = set(re.findall(r"{(\w+)}", template["text"]))
        assert sorted(template["tencent_params"]) == sorted(placeholders), key


def test_console_backend_prints_the_whole_text_with_the_sign(settings, capsys):
    settings.SMS_BACKEND = "accounts.sms.backends.console.SmsBackend"
    settings.SMS_SIGN_NAME = SIGN_NAME

    send_sms("13900000001", "verification_code", CODE)

    assert capsys.readouterr().out == (
        "SMS to 13900000001: 【邻里】您的验证码是482913，10分钟内有效。如非本人操作请忽略。\n"
    )
    assert outbox == []


def test_the_code_is_not_in_the_task_arguments_shown_to_monitoring(monkeypatch):
    queued = {}
    monkeypatch.setattr(
        send_sms_task.__class__,
        "apply_async",
        lambda task, args=None, kwargs=None, **options: queued.update(options, args=args),
    )

    send_sms("13900000001", "verification_code", CODE)

    assert queued["args"] == ("13900000001", "verification_code", CODE)
    assert "482913" not in queued["argsrepr"]
    assert "13900000001" not in queued["argsrepr"]


# --- Aliyun and Tencent Cloud against their stand-ins -----------------------------------


def test_aliyun_sends_a_signed_request_with_sign_template_code_and_parameters(aliyun, caplog):
    caplog.set_level(logging.INFO)

    send_sms("13900000001", "verification_code", CODE)

    assert aliyun.attempts == 1
    [request] = aliyun.sent
    assert request["PhoneNumbers"] == "13900000001"
    assert request["SignName"] == "邻里"
    assert request["TemplateCode"] == "SMS_900001"
    assert json.loads(request["TemplateParam"]) == CODE
    assert "SMS verification_code sent to 139****0001" in caplog.text
    assert "482913" not in caplog.text


def test_aliyun_template_without_parameters_sends_no_template_param(aliyun):
    send_sms("13900000001", "unknown_account", {})

    [request] = aliyun.sent
    assert request["TemplateCode"] == "SMS_900002"
    assert "TemplateParam" not in request


def test_tencent_sends_a_signed_request_with_ordered_parameters(tencent, caplog):
    caplog.set_level(logging.INFO)

    send_sms("13900000001", "family_invitation", {"room": "3栋1201", "inviter": "张伟"})

    assert tencent.attempts == 1
    [request] = tencent.sent
    assert request["PhoneNumberSet"] == ["+8613900000001"]
    assert request["SmsSdkAppId"] == "1400000001"
    assert request["SignName"] == "邻里"
    assert request["TemplateId"] == "100004"
    assert request["TemplateParamSet"] == ["张伟", "3栋1201"]
    assert "SMS family_invitation sent to 139****0001" in caplog.text


def test_a_wrong_secret_is_rejected_by_the_provider(provider, settings):
    setattr(settings, provider.secret_setting, "not-the-shared-secret")

    with pytest.raises(SmsDeliveryError, match=re.escape(provider.signature_error)):
        get_backend().send(message())
    assert provider.sent == []


def test_a_provider_error_code_is_a_delivery_error(provider):
    provider.refuse_next(1)

    with pytest.raises(SmsDeliveryError, match=re.escape(provider.limit_code)):
        get_backend().send(message())
    assert provider.sent == []


def test_a_template_the_provider_does_not_know_is_a_delivery_error(provider, settings):
    settings.SMS_TEMPLATES = templates_with(
        settings, provider.name, ["999999"] * len(settings.SMS_TEMPLATES)
    )

    with pytest.raises(SmsDeliveryError, match="Template|TEMPLATE"):
        get_backend().send(message())


def test_the_task_retries_a_refused_send_and_sends_it_once(provider):
    provider.refuse_next(2)

    send_sms("13900000001", "verification_code", CODE)

    assert provider.attempts == 3
    assert len(provider.sent) == 1


def test_the_task_gives_up_after_its_retries(provider):
    provider.refuse_next(10)

    result = send_sms_task.apply(("13900000001", "verification_code", CODE))

    assert result.failed()
    assert isinstance(result.result, SmsDeliveryError)
    assert provider.attempts == 1 + send_sms_task.max_retries
    assert provider.sent == []


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_an_unreachable_provider_is_a_delivery_error(settings, backend):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings.SMS_BACKEND = f"accounts.sms.backends.{backend}.SmsBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = settings.SMS_TENCENT_SECRET_ID = "id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = settings.SMS_TENCENT_SECRET_KEY = "secret"
    settings.SMS_TENCENT_SDK_APP_ID = "1400000001"
    settings.SMS_ALIYUN_ENDPOINT = settings.SMS_TENCENT_ENDPOINT = closed
    settings.SMS_TEMPLATES = templates_with(
        settings, backend, ["1", "2", "3", "4", "5", "6", "7", "8"]
    )

    with pytest.raises(SmsDeliveryError):
        get_backend().send(message())


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_a_provider_backend_without_credentials_or_template_ids_is_misconfigured(settings, backend):
    settings.SMS_BACKEND = f"accounts.sms.backends.{backend}.SmsBackend"
    with pytest.raises(ImproperlyConfigured):
        get_backend()

    settings.SMS_ALIYUN_ACCESS_KEY_ID = settings.SMS_TENCENT_SECRET_ID = "id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = settings.SMS_TENCENT_SECRET_KEY = "secret"
    settings.SMS_TENCENT_SDK_APP_ID = "1400000001"
    with pytest.raises(ImproperlyConfigured, match="SMS_TEMPLATES"):
        get_backend().send(message())


@pytest.mark.req("NOT-2")
@pytest.mark.django_db
def test_the_notification_spine_texts_through_the_provider(provider, resident):
    """An urgent message's SMS delivery goes through the configured provider's real client,
    with the `notification` template and its title; a refusal is recorded on the delivery."""
    from notices import delivery
    from notices.models import Delivery, Message

    message = Message.objects.create(
        recipient=resident,
        event="notice.published",
        category="notices",
        importance="urgent",
        title="【紧急】今晚 20:00 起全小区停电检修，请提前准备照明",
    )
    row = Delivery.objects.create(message=message, channel="sms")
    assert delivery.deliver([row.pk])["sent"] == 1
    assert len(provider.sent) == 1
    row.refresh_from_db()
    assert row.status == "sent"

    provider.refuse_next(1)
    again = Delivery.objects.create(
        message=Message.objects.create(
            recipient=resident, event="notice.published", category="notices",
            importance="urgent", title="第二条", key="2",
        ),
        channel="sms",
    )  # fmt: skip
    assert delivery.deliver([again.pk])["retry"] == 1
    again.refresh_from_db()
    assert again.status == "queued" and provider.limit_code in again.last_error
