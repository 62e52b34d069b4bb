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


@pytest.mark.req("X-2")
def test_every_password_validator_of_django_speaks_chinese():
    """Django's own catalogue falls behind its messages at times (5.2.19 changed the msgid of
    "This password is too short…"): every built-in validator's error message and help text,
    and the configured validators' refusals of bad passwords, are checked here in Chinese."""
    import inspect

    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from accounts.models import User

    built_in = [
        cls
        for _, cls in inspect.getmembers(password_validation, inspect.isclass)
        if cls.__module__ == password_validation.__name__ and hasattr(cls, "get_help_text")
    ]
    assert len(built_in) >= 4
    placeholder = re.compile(r"%(\(\w+\))?[sd]")
    user = User(mobile="13900001234", display_name="Zhang Wei", email="zhangwei@example.com")
    with translation.override("zh-hans"):
        texts = []
        for cls in built_in:
            validator = cls()
            texts += [str(validator.get_help_text()), str(validator.get_error_message())]
        for password in ("1", "12345678", "password", "13900001234", "zhangwei1"):
            try:
                password_validation.validate_password(password, user=user)
            except ValidationError as refusal:
                texts += refusal.messages
    for text in texts:
        assert CJK.search(text) and not re.search(r"[A-Za-z]{3,}", placeholder.sub("", text)), text


CJK_CHAR = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
PLACEHOLDER = r"(?:%\([A-Za-z_0-9]+\)[sdf]|%[sd]|\{[A-Za-z_0-9.]*\})"
LATIN_SPACE = re.compile(rf"{CJK_CHAR} +(?:{PLACEHOLDER}|{CJK_CHAR})|{PLACEHOLDER} +{CJK_CHAR}")
# Spaced on purpose: a database alias is a Latin word (数据库 default).
SPACED_ON_PURPOSE = {
    "Database %(alias)s",
    "Database %(alias)s (%(engine)s): %(tables)s tables, %(rows)s rows",
}


@pytest.mark.req("X-2")
def test_no_latin_spaces_around_chinese_words_and_names_in_the_catalogue():
    """「以 张伟 成功登录」 reads as a machine's Chinese: no space between a Chinese character
    and a placeholder (a name, a room, a number) or another Chinese character."""
    catalogue = polib.pofile(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    spaced = [
        translation
        for entry in catalogue
        if not entry.obsolete and entry.msgid not in SPACED_ON_PURPOSE
        for translation in [entry.msgstr, *entry.msgstr_plural.values()]
        if LATIN_SPACE.search(translation)
    ]
    assert not spaced, f"remove the spaces: {spaced[:10]}"


@pytest.mark.req("X-2")
def test_allauth_messages_we_word_again_are_still_allauths():
    """accounts/django_messages.py words allauth's messages again by their msgids: an allauth
    upgrade that changes one would bring its own translation back unnoticed."""
    import allauth

    from accounts import django_messages

    theirs = {
        entry.msgid
        for entry in polib.pofile(
            Path(allauth.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        )
    }
    ours = polib.pofile(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    translated = {entry.msgid: entry.msgstr for entry in ours}
    for msgid in django_messages.RETRANSLATED_FROM_ALLAUTH:
        assert msgid in theirs, f"allauth no longer has {msgid!r}"
        assert translated.get(msgid), f"not translated: {msgid!r}"
        assert "和/或" not in translated[msgid]
