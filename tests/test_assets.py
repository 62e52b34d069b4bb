"""Weight and speed of the pages (issue 20): the built stylesheets keep every class the templates
use (bin/build-assets.mjs purges the rest), the icon font's subset draws the icons we name,
pages go out compressed and hashed static files are cached for good."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
BUILT = ROOT / "build" / "assets"
NODE = ROOT / "node_modules"
CLASS_ATTR = re.compile(r'class="([^"]*)"')
SELECTOR_CLASS = re.compile(r"\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)")


def built(name: str) -> str:
    path = BUILT / name
    assert path.exists(), f"{path} is missing: `make assets` (node bin/build-assets.mjs) builds it"
    return path.read_text(encoding="utf-8")


def literal_classes(templates) -> set[str]:
    """Class names written out in class="…" (the parts without template code)."""
    names = set()
    for path in templates:
        for value in CLASS_ATTR.findall(path.read_text(encoding="utf-8")):
            value = re.sub(r"\{[{%].*?[%}]\}", " ", value)
            names.update(
                token for token in value.split() if re.fullmatch(r"[a-z][a-z0-9-]*", token)
            )
    return names


def defined_classes(*css_files: Path) -> set[str]:
    names = set()
    for path in css_files:
        text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        for selectors in re.findall(r"([^{}]+)\{", text):
            if not selectors.lstrip().startswith("@"):
                names.update(SELECTOR_CLASS.findall(selectors))
    return names


def classes_in(css: str) -> set[str]:
    return set(SELECTOR_CLASS.findall(re.sub(r'content:"[^"]*"', "", css)))


def test_the_residents_bundle_keeps_every_class_their_templates_use():
    sources = [
        NODE / "bootstrap" / "dist" / "css" / "bootstrap.css",
        NODE / "bootstrap-icons" / "font" / "bootstrap-icons.css",
        ROOT / "static" / "shared" / "linli.css",
        *sorted((ROOT / "static" / "resident").glob("*.css")),
    ]
    templates = [
        *(ROOT / "templates" / "resident").rglob("*.html"),
        ROOT / "templates" / "_messages.html",
    ]
    used = literal_classes(templates) & defined_classes(*sources)
    assert {"app-bar", "tab-bar", "card", "btn-primary", "bi-plus-lg"} <= used
    missing = used - classes_in(built("resident.css"))
    assert not missing, f"purged although a resident template uses them: {sorted(missing)}"


def test_the_other_portals_bundle_keeps_every_class_their_templates_use():
    sources = [
        NODE / "bootstrap" / "dist" / "css" / "bootstrap.css",
        NODE / "bootstrap-icons" / "font" / "bootstrap-icons.css",
        ROOT / "static" / "shared" / "linli.css",
    ]
    used = literal_classes((ROOT / "templates").rglob("*.html")) & defined_classes(*sources)
    missing = used - classes_in(built("site.css"))
    assert not missing, f"purged although a template uses them: {sorted(missing)}"


def test_icons_named_in_python_are_kept_with_their_fill_variant():
    # The tab bar draws bi-{{ tab.icon }}, plus -fill on the active tab; the names are in
    # accounts/apps.py ("house-door") and the other apps' tabs.
    css = built("resident.css")
    for name in ("house-door", "house-door-fill", "person", "person-fill"):
        assert f".bi-{name}:before" in css, name
    # Repair categories' icons come from repairs.models.CATEGORY_ICONS.
    from repairs.models import CATEGORY_ICONS

    for icon, _label in CATEGORY_ICONS:
        assert f".bi-{icon}:before" in css, icon


def test_the_icon_font_is_the_subset_and_the_classes_keep_their_code_points():
    icons = json.loads((NODE / "bootstrap-icons" / "font" / "bootstrap-icons.json").read_text())
    css = built("resident.css")
    kept = dict(re.findall(r'\.bi-([a-z0-9-]+):before\{content:"(.)"\}', css))
    classes = literal_classes((ROOT / "templates" / "resident").rglob("*.html"))
    used = {name.removeprefix("bi-") for name in classes if name.startswith("bi-")} & set(icons)
    assert len(used) > 40
    for name in used:
        assert name in kept, name
        assert ord(kept[name]) == icons[name], name
    assert 'src:url(bootstrap-icons.woff2)format("woff2")' in css.replace(" ", "")
    font = (BUILT / "bootstrap-icons.woff2").read_bytes()
    assert font[:4] == b"wOF2"
    full = (NODE / "bootstrap-icons" / "font" / "fonts" / "bootstrap-icons.woff2").stat().st_size
    assert len(font) < full / 3


@pytest.mark.django_db
def test_a_resident_page_loads_one_stylesheet_and_no_bootstrap_script(client, resident):
    client.force_login(resident)
    html = client.get(reverse("repairs:list")).content.decode()
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert sheets == ["/static/bundle/resident.css"]
    assert 'rel="preload" href="/static/bundle/bootstrap-icons.woff2" as="font"' in html
    assert "bootstrap.bundle" not in html
    assert all(" defer" in tag for tag in re.findall(r"<script src=[^>]*>", html))


@pytest.mark.django_db
def test_pages_are_gzip_compressed_when_the_browser_accepts_it(client, resident):
    client.force_login(resident)
    compressed = client.get(reverse("accounts:home"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    plain = client.get(reverse("accounts:home"))
    assert not plain.has_header("Content-Encoding")
    assert len(compressed.content) < len(plain.content) / 2


def test_hashed_static_files_are_compressed_and_cached_for_a_year(tmp_path):
    production = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    with override_settings(
        STATIC_ROOT=tmp_path,
        STATICFILES_DIRS=[("bundle", BUILT)],
        STORAGES={**settings.STORAGES, "staticfiles": production},
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.templatetags.static import static

        url = static("bundle/resident.css")
        assert re.fullmatch(r"/static/bundle/resident\.[0-9a-f]{12}\.css", url)
        response = Client().get(url, HTTP_ACCEPT_ENCODING="br, gzip")
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert "max-age=315360000" in response["Cache-Control"]
        assert "immutable" in response["Cache-Control"]
        # The stylesheet names the subset font by its hashed name too.
        css = (tmp_path / url.removeprefix("/static/")).read_text(encoding="utf-8")
        assert re.search(r"url\(\"?bootstrap-icons\.[0-9a-f]{12}\.woff2", css)
