"""Password recovery by SMS code or by an e-mailed link to a verified address; every session
ends with the old password (ACC-3). E-mail goes through a real SMTP server on 127.0.0.1."""

import email
import re
import socket
import time
from email.policy import default as default_policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.sms import outbox

pytestmark = pytest.mark.django_db

RESET_SMS = "/accounts/password/reset/sms/"
RESET_EMAIL = "/accounts/password/reset/"
NEW_PASSWORD = "Fresh-garden-2026"


class Mailbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def text(self, message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def links(self, message) -> list[str]:
        return re.findall(r"https?://\S+", self.text(message))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "noreply@linli.test"
    yield mailbox
    controller.stop()


def logged_in_devices(user, password, count=2):
    devices = []
    for _ in range(count):
        device = Client()
        response = device.post("/accounts/login/", {"login": user.mobile, "password": password})
        assert response.status_code == 302
        devices.append(device)
    return devices


def last_code(phone):
    return [m for m in outbox if m.phone == phone and m.template == "verification_code"][-1].params[
        "code"
    ]


@pytest.mark.req("ACC-3")
def test_reset_by_sms_code_ends_every_session(client, resident, password):
    devices = logged_in_devices(resident, password)
    response = client.post(RESET_SMS, {"action": "send_code", "phone": "139 0000 0001"})
    assert response.status_code == 200
    assert 'value="139 0000 0001"' in response.content.decode()
    response = client.post(
        RESET_SMS,
        {
            "phone": "13900000001",
            "code": last_code(resident.mobile),
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    for device in devices:
        assert device.get("/").status_code == 302, "logged out everywhere"
    assert client.get("/").status_code == 302, "the reset does not log in"
    fresh = Client()
    assert (
        fresh.post("/accounts/login/", {"login": resident.mobile, "password": password}).status_code
        == 200
    )
    response = fresh.post("/accounts/login/", {"login": resident.mobile, "password": NEW_PASSWORD})
    assert response.status_code == 302


@pytest.mark.req("ACC-3")
def test_reset_by_sms_for_an_unknown_number_looks_the_same(resident):
    def page(phone):
        response = Client().post(RESET_SMS, {"action": "send_code", "phone": phone})
        html = (
            response.content.decode()
            .replace(phone, "N")
            .replace(f"{phone[:3]}****{phone[-4:]}", "M")
        )
        return response.status_code, re.sub(r'value="[A-Za-z0-9]{64}"', "", html)

    # One instant for both: the page counts down to the end of the sending window.
    with time_machine.travel(time.time(), tick=False):
        assert page(resident.mobile) == page("13700000077")
    assert [(m.phone, m.template) for m in outbox] == [
        (resident.mobile, "verification_code"),
        ("13700000077", "unknown_account"),
    ]
    response = Client().post(
        RESET_SMS,
        {
            "phone": "13700000077",
            "code": "123456",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200


@pytest.mark.req("ACC-3")
def test_reset_by_sms_refuses_wrong_codes_and_mismatched_passwords(client, resident, password):
    client.post(RESET_SMS, {"action": "send_code", "phone": resident.mobile})
    code = last_code(resident.mobile)
    response = client.post(
        RESET_SMS,
        {"phone": resident.mobile, "code": code, "password1": NEW_PASSWORD, "password2": "other"},
    )
    assert response.status_code == 200
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(
            RESET_SMS,
            {
                "phone": resident.mobile,
                "code": wrong,
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
    response = client.post(
        RESET_SMS,
        {
            "phone": resident.mobile,
            "code": code,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200, "five wrong codes used the code up"
    resident.refresh_from_db()
    assert resident.check_password(password)


@pytest.mark.req("ACC-3")
def test_reset_by_emailed_link_through_smtp(smtp, resident, password):
    EmailAddress.objects.create(
        user=resident, email="zhangwei@example.com", verified=True, primary=True
    )
    resident.email = "zhangwei@example.com"
    resident.save()
    devices = logged_in_devices(resident, password)

    client = Client()
    response = client.post(RESET_EMAIL, {"email": "ZhangWei@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "zhangwei@example.com"
    assert message["From"] == "noreply@linli.test"
    links = [link for link in smtp.links(message) if "/password/reset/key/" in link]
    assert len(links) == 1

    path = links[0].split("testserver", 1)[1]
    response = client.get(path)
    assert response.status_code == 302  # the key moves from the URL into the session
    form_url = response["Location"]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    for device in devices:
        assert device.get("/").status_code == 302, "logged out everywhere"
    assert client.get("/").status_code == 302, "log in afresh"
    assert (
        Client()
        .post("/accounts/login/", {"login": resident.mobile, "password": NEW_PASSWORD})
        .status_code
        == 302
    )
    # The link works once.
    second = Client().get(path)
    assert second.status_code == 200 and second.context["token_fail"]


@pytest.mark.req("ACC-3")
def test_no_link_to_an_unverified_or_unknown_address(smtp, resident):
    EmailAddress.objects.create(
        user=resident, email="unverified@example.com", verified=False, primary=True
    )
    resident.email = "unverified@example.com"
    resident.save()
    unverified = Client().post(RESET_EMAIL, {"email": "unverified@example.com"})
    unknown = Client().post(RESET_EMAIL, {"email": "nobody@example.com"})
    assert unverified.status_code == unknown.status_code == 302
    assert unverified["Location"] == unknown["Location"]
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        assert not [link for link in smtp.links(message) if "/password/reset/key/" in link]


@pytest.mark.req("ACC-3")
def test_adding_an_email_sends_a_verification_link_through_smtp(
    smtp, client_for, resident, password
):
    client = client_for(resident)
    client.post("/accounts/reauthenticate/", {"password": password})
    response = client.post("/accounts/email/", {"action_add": "", "email": "zw@example.com"})
    assert response.status_code == 302
    assert len(smtp.messages) == 1
    link = [link for link in smtp.links(smtp.messages[0]) if "/confirm-email/" in link][0]
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    client.post(path)
    address = EmailAddress.objects.get(user=resident, email="zw@example.com")
    assert address.verified
    resident.refresh_from_db()
    assert resident.email == "zw@example.com"
    # Now the reset link goes there.
    Client().post(RESET_EMAIL, {"email": "zw@example.com"})
    assert [link for link in smtp.links(smtp.messages[-1]) if "/password/reset/key/" in link]
