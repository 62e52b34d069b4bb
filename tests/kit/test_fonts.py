"""kit.fonts: the one place the CJK font (settings.PDF_CJK_FONT) is given to reportlab and
matplotlib, and the only module that reads the setting."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from matplotlib import font_manager
from reportlab.pdfbase import pdfmetrics

from kit import fonts


def test_reportlab_gets_the_font_under_one_name():
    name = fonts.reportlab_font_name()
    assert name == fonts.FONT_NAME
    font = pdfmetrics.getFont(name)
    assert font.face.filename == settings.PDF_CJK_FONT


def test_matplotlib_gets_the_same_font_at_any_size():
    small, large = fonts.matplotlib_font(9), fonts.matplotlib_font(12.5)
    assert small.get_file() == large.get_file() == settings.PDF_CJK_FONT
    assert (small.get_size(), large.get_size()) == (9, 12.5)
    registered = {entry.fname for entry in font_manager.fontManager.ttflist}
    assert settings.PDF_CJK_FONT in registered  # so that rc "font.family" can name it


def test_a_font_reportlab_cannot_embed_is_a_configuration_error(settings, tmp_path):
    settings.PDF_CJK_FONT = str(tmp_path / "missing.ttf")
    fonts.reportlab_font_name.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="PDF_CJK_FONT"):
            fonts.reportlab_font_name()
    finally:
        fonts.reportlab_font_name.cache_clear()


FONT_WORK = re.compile(r"PDF_CJK_FONT|registerFont\(|addfont\(|FontProperties\(")


def test_no_other_module_registers_or_reads_the_font():
    root = Path(settings.BASE_DIR)
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "node_modules/", "tests/", "config/settings/")):
            continue
        if FONT_WORK.search(path.read_text(encoding="utf-8")):
            found.append(relative)
    assert found == ["kit/fonts.py"]
