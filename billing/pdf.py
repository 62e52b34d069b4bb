"""Chinese text in PDFs drawn with reportlab.

reportlab embeds TrueType outlines only: WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, a
TrueType collection) works; Noto CJK is CFF and fails; the built-in STSong-Light is not
embedded and shows boxes on machines without Chinese fonts. settings.PDF_CJK_FONT names the
file (a .ttf, or a .ttc with PDF_CJK_FONT_INDEX)."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "LinliCJK"


@cache
def cjk_font() -> str:
    """Register the CJK font once per process; returns the name to use in reportlab."""
    path = settings.PDF_CJK_FONT
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=settings.PDF_CJK_FONT_INDEX))
    except Exception as error:  # reportlab raises TTFError and plain IOError alike
        raise ImproperlyConfigured(
            f"PDF_CJK_FONT {path!r} cannot be embedded ({error}); install fonts-wqy-microhei "
            "or point PDF_CJK_FONT at a TrueType font with Chinese glyphs"
        ) from error
    return FONT_NAME
