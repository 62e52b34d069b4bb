"""The documented deployment puts one nginx in front of gunicorn, and every place that needs the
client's address (login lockouts, SMS limits, allauth's rate limits, the audit log, payments)
reads it the same way: the X-Forwarded-For entry that the trusted proxy wrote, never what the
client wrote before it (issue 14, finding 5)."""

import contextlib
import http.client
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from allauth.account.adapter import get_adapter
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.core import checks
from django.test import RequestFactory, override_settings
from django_ratelimit.core import _get_ip

from kit.audit import log_action
from kit.images import MAX_UPLOAD_BYTES
from kit.net import client_ip
from kit.uploads import MAX_PHOTOS, MAX_VIDEO_BYTES, MAX_VIDEOS
from tests.test_deployment import EXAMPLE_ENV, compose_environment, free_port
from tests.test_settings import PRINT_SETTINGS, production_env, run_django

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
PROXY = "172.18.0.5"  # the proxy container's address on compose's network


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    # Comments say why; the directives are what nginx does.
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text(encoding="utf-8"))


def through_proxy(forwarded_for: str | None, remote_addr: str = PROXY):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().post("/", REMOTE_ADDR=remote_addr, **extra)


# --- The client's address -----------------------------------------------------------------


@override_settings(LINLI_TRUSTED_PROXY_COUNT=1)
def test_a_forged_forwarded_for_through_one_trusted_hop_gives_the_address_the_proxy_saw():
    # The client sent "X-Forwarded-For: 6.6.6.6"; a proxy that appends wrote what it saw after it.
    assert client_ip(through_proxy("6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    # Our nginx replaces the client's header: one entry, the address it saw.
    assert client_ip(through_proxy("203.0.113.9")) == "203.0.113.9"


@override_settings(LINLI_TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_forwarded_for_is_ignored():
    request = through_proxy("6.6.6.6", remote_addr="203.0.113.10")
    assert client_ip(request) == "203.0.113.10"


@override_settings(LINLI_TRUSTED_PROXY_COUNT=2)
def test_two_trusted_hops_read_the_second_entry_from_the_right():
    request = through_proxy("6.6.6.6, 198.51.100.7, 10.0.0.3")
    assert client_ip(request) == "198.51.100.7"


@override_settings(LINLI_TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("header", [None, "", "not-an-address", "6.6.6.6, 999.1.1.1"])
def test_a_request_without_a_usable_proxy_entry_counts_by_its_own_address(header):
    # Too few entries or garbage: no 500 (allauth's own reader raises ImproperlyConfigured),
    # and no address the client chose; the connection's own address is all we know.
    assert client_ip(through_proxy(header)) == PROXY


@override_settings(LINLI_TRUSTED_PROXY_COUNT=1)
def test_every_place_that_needs_the_address_reads_the_one_setting(db, resident):
    request = through_proxy("6.6.6.6, 203.0.113.9")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.9"  # allauth's rate limits
    assert get_client_ip_address(request) == "203.0.113.9"  # django-axes' lockouts
    assert _get_ip(request) == "203.0.113.9"  # django-ratelimit (the SMS limits)
    entry = log_action(actor=resident, action="test.client_ip", request=request)
    assert entry.ip_address == "203.0.113.9"  # the audit log, not the proxy's address


# --- docker-compose.yml and deploy/nginx.conf -----------------------------------------------


def test_compose_ships_nginx_with_the_committed_config(compose):
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")  # the official image
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    published = [str(port).rsplit(":", 1)[-1] for port in proxy["ports"]]
    assert sorted(published) == ["443", "80"]
    assert proxy.get("healthcheck", {}).get("test")


def test_the_app_port_is_not_published(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert not str(port).endswith("8000"), (name, port)
    web = compose["services"]["web"]
    assert "ports" not in web
    assert [str(port) for port in web["expose"]] == ["8000"]


def test_the_trusted_hop_count_matches_the_one_proxy(compose):
    for name in ("web", "worker", "beat", "migrate"):
        env = compose_environment(compose, name, EXAMPLE_ENV)
        assert env["LINLI_TRUSTED_PROXY_COUNT"] == "1", name


def test_nginx_passes_everything_to_the_app(nginx_conf):
    assert "set $linli_web http://web:8000;" in nginx_conf
    assert "resolver 127.0.0.11" in nginx_conf  # the web container's address after a rebuild
    locations = re.findall(r"location\s+([^{]+)\{", nginx_conf)
    # `/` goes to gunicorn (/static/ through WhiteNoise, /healthz, uploads through views that
    # check access); the port 80 redirect and the loopback health check are the others.
    # The two internal locations send private files only after a view said so
    # (X-Accel-Redirect, kit.downloads).
    assert [loc.strip() for loc in locations] == [
        "/",
        "/",
        "/_protected/files/",
        "~ ^/_protected/object/(?<linli_object>.*)$",
        "= /ping",
    ]
    assert "proxy_pass $linli_web;" in nginx_conf
    assert "root " not in nginx_conf  # no file is served by nginx of its own accord
    for block in re.findall(r"location [^{]*_protected[^{]*\{([^}]*)\}", nginx_conf):
        assert "internal;" in block
    assert nginx_conf.count("alias") == 1


def test_nginx_overwrites_the_forwarded_headers_a_client_sent(nginx_conf):
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", nginx_conf))
    # The first hop: what it saw, not $proxy_add_x_forwarded_for (which keeps the client's).
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
    assert headers["X-Request-ID"] == "$request_id"
    assert "$proxy_add_x_forwarded_for" not in nginx_conf
    assert "real_ip_header" not in nginx_conf  # would let clients choose $remote_addr


def test_nginx_accepts_the_largest_body_the_app_accepts(nginx_conf):
    size = re.search(r"client_max_body_size\s+(\d+)m;", nginx_conf)
    limit = int(size.group(1)) * 1024 * 1024
    largest_report = MAX_PHOTOS * MAX_UPLOAD_BYTES + MAX_VIDEOS * MAX_VIDEO_BYTES
    assert largest_report <= limit <= largest_report + 20 * 1024 * 1024
    assert "proxy_request_buffering on;" in nginx_conf


@pytest.mark.skipif(
    not shutil.which("nginx"), reason="nginx is not installed (apt-get install nginx)"
)
def test_nginx_accepts_the_config(tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
         "-keyout", certs / "privkey.pem", "-out", certs / "fullchain.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    # Outside compose there is no /etc/nginx/certs (`web` is looked up only per request).
    text = NGINX_CONF.read_text(encoding="utf-8")
    text = text.replace("/etc/nginx/certs", str(certs))
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    if tuple(map(int, re.search(r"nginx/(\d+)\.(\d+)", version).groups())) < (1, 25):
        # `http2 on;` is new in nginx 1.25 (the image has 1.27; Debian 12 ships 1.22).
        text = text.replace("http2 on;", "")
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# --- The system check ---------------------------------------------------------------------


def client_address_warnings() -> list[str]:
    return [
        message.id
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id in ("accounts.W001", "accounts.W002")
    ]


@override_settings(
    LINLI_TRUSTED_PROXY_COUNT=0, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_check_warns_when_a_proxy_is_trusted_for_https_but_not_for_addresses():
    # Everybody would share the proxy's address: one guesser locks all out, 20 texts an hour
    # become the whole site's allowance.
    assert client_address_warnings() == ["accounts.W001"]


@override_settings(LINLI_TRUSTED_PROXY_COUNT=1, SECURE_PROXY_SSL_HEADER=None)
def test_check_warns_when_addresses_are_trusted_without_a_proxy():
    # Without a proxy any client writes its own X-Forwarded-For.
    assert client_address_warnings() == ["accounts.W002"]


@override_settings(
    LINLI_TRUSTED_PROXY_COUNT=1, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_check_is_quiet_when_the_two_agree():
    assert client_address_warnings() == []


def test_production_needs_the_number_of_proxies(tmp_path):
    env = production_env(tmp_path)
    del env["LINLI_TRUSTED_PROXY_COUNT"]
    result = run_django(PRINT_SETTINGS, "config.settings.production", **env)
    assert result.returncode != 0
    assert "LINLI_TRUSTED_PROXY_COUNT" in result.stderr


def test_production_without_proxies_fails_the_deploy_check(tmp_path):
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        "config.settings.production",
        **production_env(tmp_path, LINLI_TRUSTED_PROXY_COUNT="0"),
    )
    assert result.returncode != 0
    assert "accounts.W001" in result.stdout + result.stderr


@pytest.fixture
def nginx_in_front(live_server, tmp_path):
    """deploy/nginx.conf as it is, running in front of the live server: only the ports, the
    certificate's folder and the app's address differ from compose. Yields the HTTPS port."""
    with nginx_running(tmp_path, live_server.url) as port:
        yield port


@contextlib.contextmanager
def nginx_running(tmp_path: Path, app_url: str, upstreams: tuple[tuple[str, str], ...] = ()):
    """deploy/nginx.conf in front of the app at `app_url`, with `upstreams` (old, new) also
    replaced in it (the object store's address, the private files' folder)."""
    if not shutil.which("nginx"):
        pytest.skip("nginx is not installed (apt-get install nginx)")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
         "-keyout", certs / "privkey.pem", "-out", certs / "fullchain.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    ports = [free_port() for _ in range(3)]
    app_port = app_url.rsplit(":", 1)[1]
    text = NGINX_CONF.read_text(encoding="utf-8")
    for old, new in [
        ("/etc/nginx/certs", str(certs)),
        ("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;"),
        ("http://web:8000;", f"http://127.0.0.1:{app_port};"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{ports[0]} default_server;"),
        ("listen [::]:80 default_server;", ""),
        ("listen 443 ssl default_server;", f"listen 127.0.0.1:{ports[1]} ssl default_server;"),
        ("listen [::]:443 ssl default_server;", ""),
        ("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{ports[2]};"),
        ("http2 on;", ""),  # new in nginx 1.25; Debian 12 has 1.22
        *upstreams,
    ]:
        assert old in text, old
        text = text.replace(old, new)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    nginx = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", ports[1])) != 0:
            assert nginx.poll() is None and time.monotonic() < deadline, nginx.stderr.read()
            time.sleep(0.1)
        yield ports[1]
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def https_request(port, method, path, *, headers, body=None, client_address="127.0.0.2"):
    """One request to nginx from `client_address` (another loopback address than nginx's own
    connection to the app, so the app can tell the two apart)."""
    connection = http.client.HTTPSConnection(
        "localhost", port, source_address=(client_address, 0),
        context=ssl._create_unverified_context(),  # noqa: S323  (a throwaway certificate)
        timeout=30,
    )  # fmt: skip
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_a_forged_forwarded_for_through_the_real_nginx_counts_by_the_address_nginx_saw(
    nginx_in_front, settings, resident
):
    """End to end: a client that sends its own X-Forwarded-For through deploy/nginx.conf to
    the app, which trusts one hop: the failed login is counted for the client's real address,
    not the forged one nor nginx's."""
    settings.LINLI_TRUSTED_PROXY_COUNT = 1
    forged = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"}
    login = https_request(nginx_in_front, "GET", "/accounts/login/", headers=forged)
    assert login.status == 200
    cookie = login.getheader("Set-Cookie")
    token = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    body = urlencode({"login": resident.mobile, "password": "wrong", "csrfmiddlewaretoken": token})
    response = https_request(
        nginx_in_front, "POST", "/accounts/login/", body=body,
        headers={**forged, "Cookie": f"csrftoken={token}",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status == 200  # the form again, with the error
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.2"]
