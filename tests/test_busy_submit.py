"""The busy state of submit buttons (issue 13): one shared script, served from our own static
files (no CDN), in the head of every layout, with its text translated. Its behaviour in a
browser is checked in tests/browser/test_payments_journey.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

SCRIPT = Path(settings.BASE_DIR) / "static" / "shared" / "busy-submit.js"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [("resident", "billing:bills"), ("manager", "staff:home"), (None, "account_login")],
)
def test_every_layout_loads_the_busy_script(request, client, who, url):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(url), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'shared/busy-submit.js" data-busy-text="处理中…" defer' in page


def test_the_script_is_ours_and_standalone():
    text = SCRIPT.read_text()
    assert "http" not in text.split("*/", 1)[1]  # nothing fetched from elsewhere
    assert "submitter" in text and "pageshow" in text and "htmx:beforeRequest" in text


# --- Every resident form and button that starts work is busy while it works (issue 20) -------

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# What residents use: their portal, the entrance pages (sign-up, login, codes, recovery) and
# the notification switch of 消息设置.
RESIDENT_TEMPLATES = [
    *sorted((TEMPLATES / "resident").rglob("*.html")),
    *sorted((TEMPLATES / "account").rglob("*.html")),
    *sorted((TEMPLATES / "socialaccount").rglob("*.html")),
    TEMPLATES / "_push_subscription.html",
]
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
SUBMIT = re.compile(r"<button\b(?![^>]*type=\"button\")[^>]*>|<input\b[^>]*type=\"submit\"", re.I)
HTMX_WORK = re.compile(r"<(\w+)\b[^>]*\bhx-(?:post|put|patch|delete)=", re.I)
EXTENDS = re.compile(r"{%\s*extends\s+\"([^\"]+)\"\s*%}")
INCLUDE = re.compile(r"{%\s*include\s+\"([^\"]+)\"[^%]*%}")
# A hand-off page whose form a script sends at once (its spinner is the page itself).
AUTO_SUBMITTED = {"resident/billing/pay_form_post.html"}


def _name(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


def _with_includes(text: str) -> str:
    return INCLUDE.sub(lambda match: _with_includes((TEMPLATES / match.group(1)).read_text()), text)


def _post_forms():
    for path in RESIDENT_TEMPLATES:
        for attrs, body in FORM.findall(path.read_text()):
            if re.search(r'method="post"', attrs, re.I):
                yield _name(path), attrs, _with_includes(body)


def _loads_busy_script(name: str) -> bool:
    """The page's outermost layout includes _head.html, which loads busy-submit.js."""
    text = (TEMPLATES / name).read_text()
    parent = EXTENDS.search(text)
    if parent:
        return _loads_busy_script(parent.group(1))
    return re.search(r'\{% include "_head\.html"( with [^%]*)? %\}', text) is not None


def test_the_head_loads_the_busy_script():
    assert "shared/busy-submit.js" in (TEMPLATES / "_head.html").read_text()


def test_every_resident_post_form_is_busy_while_it_works():
    forms = list(_post_forms())
    assert len(forms) > 40, "the scan finds the resident forms"
    for name, attrs, body in forms:
        where = f"{name}: <form{attrs}>"
        assert 'data-busy="off"' not in attrs and 'data-busy="off"' not in body, where
        assert not re.search(r'target="(?!_self)', attrs), where
        assert SUBMIT.search(body) or name in AUTO_SUBMITTED, f"{where} has no submit button"
    for path in RESIDENT_TEMPLATES:
        name = _name(path)
        if EXTENDS.search(path.read_text()) and FORM.search(path.read_text()):
            assert _loads_busy_script(name), f"{name}: its layout does not load busy-submit.js"


def test_every_resident_htmx_action_is_busy_while_it_works():
    """busy-submit.js marks htmx forms and buttons (not GETs) busy; anything else that posts
    through htmx must say what to disable (hx-disabled-elt)."""
    for path in RESIDENT_TEMPLATES:
        text = path.read_text()
        for match in HTMX_WORK.finditer(text):
            tag = text[match.start() : text.index(">", match.start()) + 1]
            assert match.group(1).lower() in ("form", "button") or "hx-disabled-elt" in tag, (
                f"{_name(path)}: {tag}"
            )


def test_resident_scripts_that_send_by_themselves_use_the_busy_look():
    """A script that sends a form or calls the server itself shows the same busy button."""
    scripts = sorted((Path(settings.BASE_DIR) / "static" / "resident").glob("*.js"))
    senders = [
        script
        for script in scripts
        if "XMLHttpRequest" in script.read_text() or 'method: "POST"' in script.read_text()
    ]
    assert {script.name for script in senders} >= {"repairs.js", "push.js"}
    for script in senders:
        assert "window.linliBusy.start(" in script.read_text(), script.name
    assert "window.linliBusy = {" in SCRIPT.read_text()
