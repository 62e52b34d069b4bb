"""Static files follow one layout: static/<portal>/<file>, portal in shared|resident|staff|platform
(third-party assets arrive from npm under vendor/, see STATICFILES_DIRS), and every reference to
one in the templates or the code finds it."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(settings.BASE_DIR)
PORTALS = {"shared", "resident", "staff", "platform"}
STATIC_TAG = re.compile(r"""\{% static ['"]([^'"]+)['"] %\}""")
STATIC_CALL = re.compile(r"""\bstatic\(['"]([^'"]+)['"]\)""")


def test_our_static_files_live_under_a_portal():
    strays = [
        str(path.relative_to(ROOT / "static"))
        for path in (ROOT / "static").rglob("*")
        if path.is_file()
        and path.relative_to(ROOT / "static").parts[0] not in PORTALS
        and path.name != ".gitkeep"
    ]
    assert not strays, f"put them in static/<{'|'.join(sorted(PORTALS))}>/: {strays}"


def test_every_static_reference_is_found():
    referenced = {}
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            for name in STATIC_TAG.findall(path.read_text(encoding="utf-8")):
                referenced.setdefault(name, str(path.relative_to(ROOT)))
    for app in apps.get_app_configs():
        if Path(app.path).parent != ROOT:
            continue
        for path in Path(app.path).rglob("*.py"):
            for name in STATIC_CALL.findall(path.read_text(encoding="utf-8")):
                referenced.setdefault(name, str(path.relative_to(ROOT)))
    assert len(referenced) > 20
    missing = {name: where for name, where in referenced.items() if not finders.find(name)}
    assert not missing, missing
