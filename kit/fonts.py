"""The CJK font (settings.PDF_CJK_FONT) for every drawing of the project: PDFs drawn with
reportlab (receipts, dunning notices, reports), charts drawn with matplotlib and pictures
drawn with Pillow (the demo's activity posters).

reportlab embeds TrueType outlines only: WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, a
TrueType collection) works; Noto CJK is CFF and fails; the built-in STSong-Light is not
embedded and shows boxes on machines without Chinese fonts. settings.PDF_CJK_FONT names the
file (a .ttf, or a .ttc with PDF_CJK_FONT_INDEX)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

FONT_NAME = "LinliCJK"


@cache
def reportlab_font_name() -> str:
    """Register the CJK font once per process; returns the name to use in reportlab (imported
    here: only the pages that draw a PDF need it in the web workers' memory)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = settings.PDF_CJK_FONT
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=settings.PDF_CJK_FONT_INDEX))
    except Exception as error:  # reportlab raises TTFError and plain IOError alike
        raise ImproperlyConfigured(
            f"PDF_CJK_FONT {path!r} cannot be embedded ({error}); install fonts-wqy-microhei "
            "or point PDF_CJK_FONT at a TrueType font with Chinese glyphs"
        ) from error
    return FONT_NAME


@cache
def _register_with_matplotlib(path: str) -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)


def matplotlib_font(size: float | None = None) -> FontProperties:
    """The CJK font for matplotlib, registered with its font manager once per process: pass it
    as `fontproperties=`, or use `.get_name()` as the family in an rc context."""
    from matplotlib.font_manager import FontProperties

    path = settings.PDF_CJK_FONT
    _register_with_matplotlib(path)
    return FontProperties(fname=path, size=size)


def pillow_font(size: int):
    """The CJK font for drawing with Pillow (the demo's posters); Pillow's own font when the
    file cannot be read, since a demo picture is no reason to stop."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(settings.PDF_CJK_FONT, size, index=settings.PDF_CJK_FONT_INDEX)
    except (OSError, ValueError):
        return ImageFont.load_default(size)
