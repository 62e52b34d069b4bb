"""Content-Security-Policy and Permissions-Policy (issue 14, finding 11): no template carries
inline code, and production sends both headers on every response.

The browser half (no CSP violation on the main pages in Chromium) is
tests/browser/test_csp_pages.py."""

import json
import re
from pathlib import Path

import pytest

from tests.test_settings import production_env, run_django

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]

# What a policy without 'unsafe-inline' blocks, as it is written in a template.
INLINE_CODE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"""[\s"']style\s*=""", re.IGNORECASE),
    "inline event handler": re.compile(r"""[\s"']on[a-z]+\s*=\s*["'{]""", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx hx-on (eval)": re.compile(r"\bhx-on\b|\bhx-on:", re.IGNORECASE),
}


def templates():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def test_the_templates_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in templates()}
    assert "templates/resident/base.html" in names
    assert "templates/staff/billing/bills.html" in names


def test_no_template_carries_inline_scripts_styles_or_handlers():
    found = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for what, pattern in INLINE_CODE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == [], "\n".join(found)


PRINT_HEADERS = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/", secure=True, HTTP_HOST="linli.example.com")
print(json.dumps({
    "status": response.status_code,
    "csp": response.headers.get("Content-Security-Policy", ""),
    "permissions": response.headers.get("Permissions-Policy", ""),
}))
"""


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture(scope="module")
def production_headers(tmp_path_factory):
    result = run_django(
        PRINT_HEADERS, "config.settings.production", **production_env(tmp_path_factory.mktemp("p"))
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_a_content_security_policy(production_headers):
    assert production_headers["status"] == 302  # any response, a redirect to the login too
    assert production_headers["csp"], "no Content-Security-Policy header"
    policy = directives(production_headers["csp"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert [v for v in policy["script-src"][1:] if not v.startswith("'nonce-")] == []
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"][:3] == ["'self'", "data:", "blob:"]
    assert "https://*.is.autonavi.com" in policy["img-src"]  # the map tiles (MAP_TILE_URL)
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    # Forms and the redirects after them go to the payment providers.
    assert policy["form-action"][0] == "'self'"
    assert {"https://openapi.alipay.com", "https://gateway.95516.com", "https://wx.tenpay.com"} <= (
        set(policy["form-action"])
    )
    assert "'unsafe-inline'" not in production_headers["csp"]
    assert "'unsafe-eval'" not in production_headers["csp"]


def test_production_sends_a_permissions_policy(production_headers):
    assert production_headers["permissions"], "no Permissions-Policy header"
    features = dict(
        item.strip().split("=", 1) for item in production_headers["permissions"].split(",")
    )
    # The technician shares the position; the staff's scanner (parcels, check-in) reads codes
    # from the camera on our own pages; residents choose photos and videos through the file
    # input, which needs no camera or microphone permission.
    assert features["geolocation"] == "(self)"
    assert features["camera"] == "(self)"
    for feature in ("microphone", "payment", "usb", "serial", "display-capture"):
        assert features[feature] == "()", feature
