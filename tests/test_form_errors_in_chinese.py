"""Every form of the product, submitted wrongly under a Chinese browser, answers in Chinese.

Nothing here lists pages or forms: the URL conf is walked, each page is opened as the person
it is for (anonymous first, then a resident; the staff portal as a manager, the technician's
pages as a technician, the admin as an operator), and every `<form method="post">` somebody
types into is submitted: with everything empty, with typed nonsense (a 4-character password,
a 5-digit mobile number, a word for a number, an impossible date) and with that nonsense once
per named submit button (获取验证码 is `action=send_code`). Each submission is rolled back.
Error elements and messages (after a redirect too) must hold no English sentence: three
English words in a row. A form added later is covered as soon as its page can be reached.

URL keywords are filled through staff.scoping (as in the tenancy sweep) with objects of
tests.factories.build_community_world, admin object pages with the first object of their
model; a page whose keywords cannot be filled is left out, and the test checks that the walk
reaches the forms of every portal.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from staff import scoping

from .accounts.social_standin import log_in_with, serve_standin
from .factories import (
    PASSWORD,
    CommunityFactory,
    StaffMemberFactory,
    UserFactory,
    build_community_world,
)

KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")
# Three English words in a row ("This password is too short" …), not brand names or codes.
ENGLISH = re.compile(r"[A-Za-z][a-z’']+(?:[ ,:;]+[A-Za-z][a-z’']*){2,}")
# Elements that hold no others (and option, whose end tag is often left out).
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "option",
        "source", "track", "wbr"}  # fmt: skip
ERROR_CLASSES = {"invalid-feedback", "errorlist", "errornote", "alert", "text-danger"}
# Pages that answer a POST with an action whatever the fields say, and files (no forms).
SKIPPED_ROUTES = re.compile(
    r"^(admin/logout/|accounts/logout/|i18n/setlang/)|(\.svg|\.pdf|pdf/|\.js|\.webmanifest)$"
)
SKIPPED_KINDS = ("hidden", "checkbox", "radio", "file")
# What typed nonsense looks like, per input type; other fields stay empty.
NONSENSE = {
    "password": "abc1",
    "tel": "12345",
    "number": "abc",
    "email": "not-an-address",
    "date": "2020-13-45",
    "datetime-local": "2020-13-45T25:61",
    "time": "25:61",
    "month": "2020-13",
    "url": "nowhere",
}


def walk(resolver=None, prefix="", namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name


# --- Reading forms and errors out of a page ---------------------------------------------------


class PageReader(HTMLParser):
    """The page's POST forms (action, fields, named submit buttons) and its error texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.errors: list[str] = []
        self._form: dict | None = None
        self._error_depth = 0
        self._depth = 0
        self._error_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if self._error_depth:
            self._error_text.append(" ")
        if tag not in VOID:
            self._depth += 1
            if self._error_depth == 0 and ERROR_CLASSES & set(attrs.get("class", "").split()):
                self._error_depth = self._depth
        if tag == "form":
            if attrs.get("method", "get").lower() == "post":
                self._form = {"action": attrs.get("action", ""), "fields": [], "buttons": []}
                self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "image"):
                form["buttons"].append((name, attrs.get("value", "")))
            elif kind in ("checkbox", "radio"):
                form["fields"].append((name, kind, None))
            else:
                form["fields"].append((name, kind, attrs.get("value", "")))
        elif tag == "button" and name and attrs.get("type", "submit").lower() == "submit":
            form["buttons"].append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            form["fields"].append((name, "select", ""))
        elif tag == "textarea" and name:
            form["fields"].append((name, "textarea", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag in VOID:
            return
        if self._error_depth and self._depth == self._error_depth:
            self.errors.append(" ".join("".join(self._error_text).split()))
            self._error_text = []
            self._error_depth = 0
        self._depth -= 1

    def handle_data(self, data):
        if self._error_depth:
            self._error_text.append(data)


def read(response) -> PageReader:
    reader = PageReader()
    reader.feed(response.content.decode())
    return reader


def fillable(form: dict) -> bool:
    """A form somebody types into (not a bare action button such as 通过 or 退出)."""
    return any(kind not in ("hidden",) for _, kind, _ in form["fields"])


def submissions(form: dict):
    """(label, data) pairs: everything empty; typed nonsense where the form has typed fields;
    and that once more per named submit button (such as 获取验证码, action=send_code). The
    admin's _save, _continue and _addanother differ only in where they go next: left out."""
    hidden = [(name, value) for name, kind, value in form["fields"] if kind == "hidden"]
    typed = [(name, kind) for name, kind, _ in form["fields"] if kind not in SKIPPED_KINDS]
    empty = [*hidden, *((name, "") for name, _ in typed)]
    nonsense = [*hidden, *((name, NONSENSE.get(kind, "")) for name, kind in typed)]
    yield "empty", empty
    if nonsense != empty:
        yield "nonsense", nonsense
    for button in dict.fromkeys(form["buttons"]):
        if not button[0].startswith("_"):
            yield f"{button[0]}={button[1]}", [*nonsense, button]


def as_post_data(pairs) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


# --- The people and their world -------------------------------------------------------------


def zh_client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def standin(settings):
    yield from serve_standin(settings)


@pytest.fixture
def world(positions, standin):
    home = CommunityFactory(name="翠湖花园")
    objects = build_community_world(home)
    anonymous = zh_client()
    # Back from WeChat, not yet known here: the bind-phone page has its form.
    log_in_with(anonymous, "weixin")
    resident = objects["owner"].user
    resident_client = zh_client()
    response = resident_client.post(
        reverse("account_login"), {"login": resident.mobile, "password": PASSWORD}
    )
    assert response.status_code == 302
    # A fresh confirmation, so that the change-of-number and e-mail pages show their forms.
    resident_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    manager = StaffMemberFactory(
        communities=[home], position_name="经理", user__is_superuser=True
    ).user
    technician = StaffMemberFactory(communities=[home], position_name="维修工").user
    operator = UserFactory(is_staff=True, is_superuser=True, display_name="平台运营")
    return {
        "community": home,
        "objects": objects,
        "anonymous": anonymous,
        "resident": resident_client,
        "manager": zh_client(manager),
        "technician": zh_client(technician),
        "operator": zh_client(operator),
    }


def admin_object(route: str):
    """The first object of the model an admin page is about (admin/<app>/<model>/…)."""
    _, app_label, model_name, *_ = route.split("/")
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None
    return model._default_manager.order_by("pk").first()


def url_for(route: str, name: str, community) -> str | None:
    """The page's address with objects of the test world, or None if it cannot have one."""
    kwarg_names = [a or b for a, b in KWARG.findall(route)]
    if not kwarg_names:
        return reverse(name)
    if route.startswith("admin/"):
        # Change forms (and the password form); history and delete pages have no fields.
        obj = admin_object(route) if name.endswith(("_change", "_password_change")) else None
        return reverse(name, kwargs=dict.fromkeys(kwarg_names, obj.pk)) if obj else None
    kwargs = {}
    for kwarg in kwarg_names:
        lookup = scoping.lookup_for(kwarg)
        if lookup is None:
            return None
        objects = lookup.model.objects.filter(**{lookup.community_path: community})
        obj = objects.order_by("pk").first()
        if obj is None:
            return None
        kwargs[kwarg] = obj.pk
    return reverse(name, kwargs=kwargs)


def clients_for(route: str) -> list[str]:
    """Who opens a page, in order: the first to get it (200) submits its forms."""
    if route.startswith("admin/"):
        return ["operator"]
    if route.startswith("staff/jobs/"):
        return ["technician"]
    if route.startswith("staff/"):
        return ["manager"]
    return ["anonymous", "resident"]


def english_in(response) -> list[str]:
    return [text for text in read(response).errors if ENGLISH.search(text)]


@pytest.mark.sweep
@pytest.mark.req("X-2")
def test_every_form_answers_wrong_input_in_chinese(world):
    offences: list[str] = []
    seen_forms: set[tuple] = set()
    pages_with_forms: set[str] = set()
    submitted = 0
    for route, name in walk():
        if SKIPPED_ROUTES.search(route):
            continue
        url = url_for(route, name, world["community"])
        if url is None:
            continue
        for role in clients_for(route):
            client = world[role]
            page = client.get(url)
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            forms = [form for form in read(page).forms if fillable(form)]
            for form in forms:
                action = urljoin(url, form["action"]) if form["action"] else url
                if urlsplit(action).netloc not in ("", "testserver"):
                    continue
                pages_with_forms.add(name)
                # One view with the same fields is one form (the admin's action form is on
                # every list page; a form in a page's frame is on every page).
                fields = tuple(sorted((name, kind) for name, kind, _ in form["fields"]))
                key = (role, resolve(urlsplit(action).path)._func_path, fields)
                if key in seen_forms:
                    continue
                seen_forms.add(key)
                for label, pairs in submissions(form):
                    # Whatever a submission changes is undone: the next page sees the same world.
                    with transaction.atomic():
                        response = client.post(action, as_post_data(pairs))
                        if response.status_code in (301, 302, 303):
                            location = response["Location"]
                            if urlsplit(location).netloc in ("", "testserver"):
                                response = client.get(location)
                        transaction.set_rollback(True)
                    submitted += 1
                    for text in english_in(response):
                        offences.append(f"{role} {url} → {action} ({label}): {text}")
            break  # the first person the page opens for
    assert submitted > 100, submitted
    # The walk reaches forms of every portal (a broken walk would pass vacuously).
    assert {
        "account_login",
        "account_signup",
        "socialaccount_signup",
        "account_change_password",
        "accounts:profile_edit",
        "repairs:create",
        "staff:staff_add",
        "notices_staff:create",
        "admin:accounts_user_add",
        "admin:auth_user_password_change",
    } <= pages_with_forms, sorted(pages_with_forms)
    assert not offences, "English in error messages:\n" + "\n".join(dict.fromkeys(offences))
