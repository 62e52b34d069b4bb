import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.req("X-2")
def test_chinese_catalogue_is_complete():
    catalogue = polib.pofile(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(catalogue) > 100
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries() if not entry.obsolete]
    assert not missing, f"untranslated: {missing[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


@pytest.mark.req("X-2")
def test_every_msgid_in_the_code_is_in_the_catalogue(tmp_path):
    """makemessages on the current code adds nothing the committed catalogue lacks."""
    from django.core.management import call_command

    committed = {e.msgid for e in polib.pofile(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")}
    work = tmp_path / "project"
    work.mkdir()
    project_apps = [
        Path(app.path).name for app in apps.get_app_configs() if Path(app.path).parent == ROOT
    ]
    for name in [*project_apps, "templates", "config"]:
        (work / name).symlink_to(ROOT / name)
    import os

    cwd = os.getcwd()
    os.chdir(work)
    try:
        (work / "locale").mkdir()
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            verbosity=0,
            symlinks=True,
            ignore_patterns=["tests/*"],
        )
    finally:
        os.chdir(cwd)
    fresh = {e.msgid for e in polib.pofile(work / "locale/zh_Hans/LC_MESSAGES/django.po")}
    assert not fresh - committed, f"run makemessages: {sorted(fresh - committed)[:10]}"


@pytest.mark.req("X-2")
def test_templates_hold_no_untranslatable_chinese():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if CJK.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"put these strings through {{% translate %}}: {offenders}"


@pytest.mark.req("X-2")
def test_english_is_the_second_language(client, db):
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("account_login")).content.decode()
    assert "Log in" in body and "登录" not in body


@pytest.mark.req("X-2")
def test_browser_language_does_not_override_chinese(client, db):
    body = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "登录" in body


def test_language_can_be_switched_from_the_me_page(client_for, resident):
    client = client_for(resident)
    client.post(reverse("set_language"), {"language": "en", "next": "/me/"})
    assert "Log out" in client.get(reverse("accounts:me")).content.decode()
