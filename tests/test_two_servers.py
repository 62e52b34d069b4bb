"""More than one web server (issue 21): two gunicorn processes on two ports, each with its own
var folder, share nothing but one PostgreSQL database, one Redis and one object store (moto's S3
server standing for MinIO, OSS or COS). A resident logged in on one is logged in on the other, a
photo uploaded through one is served by the other, and a payment started on one settles through
the provider's signed notification received by the other.

The servers run the local settings with DEBUG off (tests/two_servers_settings.py): production's
refuse the payment sandbox, which this test pays through. Celery tasks run eagerly in the web processes (no worker here, and
no message is left in the shared broker)."""

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from tests.factories import PASSWORD, fee_rule, photo_upload
from tests.processes import database_url_of, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
REGION = "cn-north-1"
STARTUP_SECONDS = 120

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two web servers share one PostgreSQL database (the PostgreSQL pass runs this)",
    ),
    pytest.mark.skipif(
        not django_settings.REDIS_URL,
        reason="two web servers share one Redis (REDIS_URL; the PostgreSQL pass sets it)",
    ),
]


@pytest.fixture
def object_store(monkeypatch):
    """moto's S3 server with a private bucket of this test's own."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"linli-two-servers-{uuid.uuid4().hex[:8]}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield endpoint, bucket, client
    server.stop()


class WebServer:
    """gunicorn (one worker, two threads) on a free port, with the environment given."""

    def __init__(self, name: str, env: dict[str, str], folder: Path):
        self.var = Path(env["LINLI_VAR_DIR"])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"gunicorn-{name}.log"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--threads", "2", "--graceful-timeout", "5",
                 "--access-logfile", "-"],
                cwd=ROOT, env=env, stdout=output, stderr=output,
            )  # fmt: skip

    def ready(self) -> bool:
        import requests

        assert self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.url}/healthz", timeout=10).status_code in (200, 503)
        except requests.RequestException:  # not listening yet, or still loading Django
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def two_servers(object_store, tmp_path):
    """Servers "a" and "b": one database, one Redis (a key prefix of this test's own), one
    bucket; each its own var folder, so that nothing else is shared. The sandbox gateway's key
    is the one this process signs with (the gateway stands outside both servers)."""
    from billing.online.providers.sandbox import _key_path, gateway_key

    endpoint, bucket, _client = object_store
    gateway_key()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "LINLI_", "DATABASE_URL", "REDIS_URL", "PAYMENT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.two_servers_settings",
        DJANGO_DEBUG="false",
        DATABASE_URL=database_url_of(connection),
        REDIS_URL=django_settings.REDIS_URL,
        CACHE_KEY_PREFIX=f"linli-two-servers-{uuid.uuid4().hex[:8]}",
        CELERY_TASK_ALWAYS_EAGER="true",
        PAYMENT_SANDBOX="true",
        LINLI_STORAGE_URL=f"s3://{bucket}/site",
        LINLI_S3_ENDPOINT_URL=endpoint,
        LINLI_S3_REGION=REGION,
        LINLI_S3_ADDRESSING_STYLE="path",
        LINLI_PRIVATE_FILES_DELIVERY="redirect",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    servers = {}
    try:
        for name in ("a", "b"):
            var = tmp_path / name
            (var / "payment-sandbox").mkdir(parents=True)
            shutil.copy(_key_path(), var / "payment-sandbox" / "gateway.pem")
            servers[name] = WebServer(name, {**env, "LINLI_VAR_DIR": str(var)}, tmp_path)
        for server in servers.values():
            wait_for(server.ready, STARTUP_SECONDS, f"gunicorn on {server.url}")
        yield servers["a"], servers["b"]
    except BaseException:
        for server in servers.values():
            print(f"--- {server.log.name}\n{server.log.read_text()[-6000:]}")
        raise
    finally:
        for server in servers.values():
            server.stop()


def csrf_token(session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    return session.cookies["csrftoken"]


def test_two_web_servers_share_sessions_files_and_payments(
    two_servers, object_store, resident, room, community, manager, request
):
    import requests

    from accounts.models import Residency
    from billing import services as billing
    from billing.models import Bill, Payment
    from billing.online.providers.sandbox import SandboxProvider
    from repairs.models import RepairOrder

    a, b = two_servers
    _endpoint, bucket, s3 = object_store
    browser = requests.Session()
    request.addfinalizer(browser.close)  # no kept-alive connection holds a server's shutdown
    # Cookies belong to the host, not the port: one browser, as behind one proxy's name.

    # Logged in on a, logged in on b (the session is in the database, not in a process).
    token = csrf_token(browser, f"{a.url}/accounts/login/")
    login = browser.post(
        f"{a.url}/accounts/login/",
        {"login": resident.mobile, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )
    assert login.status_code == 302, re.findall(r"alert-danger.*?</div>", login.text, re.S)
    home = browser.get(f"{b.url}/", allow_redirects=False, timeout=30)
    assert home.status_code == 200, (home.status_code, home.headers.get("Location"))
    assert resident.display_name in home.text

    # A photo reported through a is stored in the bucket and served by b.
    category = community.repair_categories.get(name="水电故障")
    slot = community.repair_time_slots.order_by("start").first()
    residency = Residency.objects.get(user=resident, room=room)
    token = csrf_token(browser, f"{a.url}/repairs/new/")
    photo = photo_upload("leak.jpg")
    report = browser.post(
        f"{a.url}/repairs/new/",
        data={
            "csrfmiddlewaretoken": token,
            "category": category.pk,
            "place": residency.pk,
            "public_area": "",
            "description": "厨房水龙头一直滴水。",
            "day": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "slot": slot.pk,
            "contact_name": "张伟",
            "contact_phone": resident.mobile,
        },
        files={"photos": ("leak.jpg", photo.read(), "image/jpeg")},
        allow_redirects=False,
        timeout=60,
    )
    assert report.status_code == 302, report.text[:3000]
    order = RepairOrder.objects.get(reporter=resident)
    attachment = order.attachments.get()
    stored = s3.get_object(Bucket=bucket, Key=f"site/private/{attachment.file.name}")["Body"].read()
    for server in (a, b):  # in the bucket only
        assert not [path for path in server.var.rglob("*") if path.suffix in (".jpg", ".jpeg")]
    served = browser.get(
        f"{b.url}/repairs/{order.pk}/files/{attachment.pk}/", allow_redirects=False, timeout=30
    )
    assert served.status_code == 302 and "X-Amz-Signature=" in served.headers["Location"]
    assert browser.get(served.headers["Location"], timeout=30).content == stored

    # A payment started on a settles through the notification b receives.
    run = billing.run_create(
        community=community,
        fee_rules=[fee_rule(community, name="物业服务费", unit_price="2.80")],
        month=(timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1),
        actor=manager,
    )
    billing.run_publish(run=run, actor=manager)
    bill = run.bills.get(room=room)
    token = csrf_token(browser, f"{a.url}/bills/pay/?bills={bill.pk}")
    started = browser.post(
        f"{a.url}/bills/pay/",
        {"csrfmiddlewaretoken": token, "bills": bill.pk, "method": "wechat"},
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, started.text[:3000]
    payment = Payment.objects.get(payer=resident)
    assert payment.status == Payment.Status.PENDING
    assert re.search(rf"/pay/sandbox/{payment.number}/", started.headers["Location"])
    # The gateway books it paid and notifies the address it was given; it reaches b.
    headers, body = SandboxProvider("wechat").pay(payment.number)
    http_headers = {
        "-".join(p.capitalize() for p in key.removeprefix("HTTP_").split("_")): value
        for key, value in headers.items()
    }
    notified = requests.post(
        f"{b.url}/pay/notify/wechat/", data=body, headers=http_headers, timeout=30
    )
    assert notified.status_code == 200 and notified.json() == {"code": "SUCCESS"}, notified.text
    payment.refresh_from_db()
    bill.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert bill.status == Bill.Status.PAID and bill.paid_amount == bill.amount > Decimal(0)
    # And a, which started it, shows it paid.
    page = browser.get(f"{a.url}/pay/{payment.number}/", timeout=30)
    assert page.status_code == 200
    for server in (a, b):
        assert "Traceback" not in server.log.read_text(), server.log.read_text()
