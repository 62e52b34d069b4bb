"""Error reports and logs: Sentry only with a DSN and without personal data, error mail to
ADMINS otherwise, and a request id and user id on every log line of a request."""

import copy
import gzip
import io
import json
import logging
import re
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.urls import path

from config.observability import scrub_event

ROOT = Path(__file__).resolve().parent.parent
MOBILE = "13912345678"
NAME = "张伟"


def failing_view(request):
    raise RuntimeError(f"could not bill {MOBILE}")


urlpatterns = [path("boom/", failing_view)]

# An event as sentry-sdk's Django integration builds it (send_default_pii=False already keeps
# the user's name and IP out; the rest is what our before_send must catch).
EVENT = {
    "level": "error",
    "message": f"Payment failed for {MOBILE}",
    "logentry": {"message": "Payment failed for %s", "params": [MOBILE, NAME]},
    "exception": {
        "values": [
            {
                "type": "RuntimeError",
                "value": f"手机号 {MOBILE} 已被 {NAME} 使用 (+86 139-1234-5678)",
                "stacktrace": {
                    "frames": [
                        {
                            "function": "bill_mark_paid",
                            "vars": {
                                "mobile": MOBILE,
                                "display_name": NAME,
                                "payer": {"name": NAME, "backup_phone": "13800001234"},
                                "amount": "12.50",
                                "note": f"call {MOBILE}",
                            },
                        }
                    ]
                },
            }
        ]
    },
    "request": {
        "url": "https://wuye.example.com/billing/pay/",
        "method": "POST",
        "query_string": f"mobile={MOBILE}",
        "headers": {
            "Authorization": "Bearer s3cret-token",
            "Cookie": "sessionid=abc123; csrftoken=def",
            "X-Request-Id": "0f8fad5bd9cb469fa16570867728950e",
            "User-Agent": "Mozilla/5.0",
        },
        "cookies": {"sessionid": "abc123"},
        "data": {"mobile": MOBILE, "display_name": NAME},
        "env": {"REMOTE_ADDR": "203.0.113.9"},
    },
    "user": {"id": "42", "username": MOBILE, "email": "zw@example.cn", "ip_address": "1.2.3.4"},
    "breadcrumbs": {"values": [{"category": "query", "message": f"SELECT … '{MOBILE}'"}]},
    "extra": {"sys.argv": ["gunicorn"], "contact": f"张先生 {MOBILE}"},
}


def test_the_scrubber_removes_personal_data_from_a_real_event():
    event = scrub_event(copy.deepcopy(EVENT), {})
    text = json.dumps(event, ensure_ascii=False)
    for secret in (MOBILE, "139-1234-5678", "13800001234", NAME, "zw@example.cn", "s3cret"):
        assert secret not in text, secret
    for secret in ("abc123", "sessionid", "203.0.113.9", "1.2.3.4"):
        assert secret not in text, secret
    request = event["request"]
    assert "data" not in request and "cookies" not in request
    assert "Authorization" not in request["headers"] and "Cookie" not in request["headers"]
    assert request["headers"]["User-Agent"] == "Mozilla/5.0"
    assert event["user"] == {"id": "42"}
    # What helps find the bug stays.
    value = event["exception"]["values"][0]
    assert value["type"] == "RuntimeError" and "已被" in value["value"]
    assert value["stacktrace"]["frames"][0]["vars"]["amount"] == "12.50"
    assert value["stacktrace"]["frames"][0]["function"] == "bill_mark_paid"
    assert "139****5678" in value["value"]


class SentryStandIn(BaseHTTPRequestHandler):
    """Receives what sentry-sdk posts to a DSN's host: envelopes, maybe compressed."""

    envelopes: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.envelopes.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_stand_in():
    SentryStandIn.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SentryStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], SentryStandIn.envelopes
    server.shutdown()


SEND_A_FAILING_REQUEST = f"""
import django, logging, sentry_sdk
django.setup()
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

def boom(request):
    raise RuntimeError("could not bill {MOBILE}")

urlpatterns = [path("boom/", boom)]
print("sentry", sentry_sdk.get_client().is_active())
print("django handlers", sorted(type(h).__name__ for h in logging.getLogger("django").handlers))
if sentry_sdk.get_client().is_active():
    with override_settings(ROOT_URLCONF=__name__):
        response = Client(raise_request_exception=False).post(
            "/boom/?mobile={MOBILE}",
            {{"mobile": "{MOBILE}", "display_name": "{NAME}"}},
            HTTP_AUTHORIZATION="Bearer s3cret-token",
            HTTP_COOKIE="csrftoken=abc123",
            HTTP_X_REQUEST_ID="0f8fad5bd9cb469fa16570867728950e",
        )
    print("status", response.status_code)
    sentry_sdk.flush(timeout=10)
"""


def run_with(env_overrides: dict, tmp_path) -> subprocess.CompletedProcess:
    from tests.test_settings import run_django

    return run_django(
        SEND_A_FAILING_REQUEST,
        "config.settings.test",
        LINLI_VAR_DIR=str(tmp_path),
        **env_overrides,
    )


def test_sentry_is_off_without_a_dsn_and_errors_go_to_admins_by_mail(tmp_path):
    result = run_with({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sentry False" in result.stdout
    assert "AdminEmailHandler" in result.stdout


def test_sentry_gets_the_error_without_personal_data(sentry_stand_in, tmp_path):
    port, envelopes = sentry_stand_in
    result = run_with(
        {
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/7",
            "SENTRY_ENVIRONMENT": "staging",
            "LINLI_RELEASE": "linli@2026.12.1",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "sentry True" in result.stdout and "status 500" in result.stdout
    # With a DSN the errors go to Sentry only, not by mail as well.
    assert "AdminEmailHandler" not in result.stdout
    items = [
        json.loads(line)
        for envelope in envelopes
        for line in envelope.decode().splitlines()
        if line.startswith("{")
    ]
    events = [item for item in items if item.get("exception")]
    assert len(events) == 1, items
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["release"] == "linli@2026.12.1"
    assert event["environment"] == "staging"
    assert event["tags"]["request_id"] == "0f8fad5bd9cb469fa16570867728950e"
    text = json.dumps(event, ensure_ascii=False)
    for secret in (MOBILE, NAME, "s3cret-token", "abc123"):
        assert secret not in text, secret
    assert "data" not in event["request"] and "cookies" not in event["request"]


@pytest.mark.urls(__name__)
def test_a_server_error_mails_the_admins(client, db, settings):
    settings.ADMINS = [("运维", "ops@wuye.example.cn")]
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500
    assert [message.to for message in mail.outbox] == [["ops@wuye.example.cn"]]
    assert "RuntimeError" in mail.outbox[0].subject + mail.outbox[0].body


def test_every_response_carries_a_request_id(client, db):
    generated = client.get("/accounts/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/accounts/login/")["X-Request-ID"] != generated
    given = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    # Not an id: replaced, so that a client cannot write into our logs.
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\nINFO fake line")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


@pytest.fixture
def log_output():
    """What the console handler of the logging settings writes."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_log_lines_name_the_request_and_the_user(client_for, resident, log_output):
    client = client_for(resident)
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="0f8fad5bd9cb469fa16570867728950e")
    assert response.status_code == 404
    lines = [line for line in log_output.getvalue().splitlines() if "Not Found" in line]
    assert lines, log_output.getvalue()
    assert "request=0f8fad5bd9cb469fa16570867728950e" in lines[0]
    assert f"user={resident.pk}" in lines[0]
    # After the request, lines are no longer attributed to it.
    logging.getLogger("linli.test").warning("between requests")
    line = log_output.getvalue().splitlines()[-1]
    assert "between requests" in line and "request=- user=-" in line
