"""PDF documents as a PNG image, for browsers that cannot show a PDF: WeChat's webview on Android
offers neither a viewer nor a download, but shows an image, enlarges it on a tap and saves it on a
long press. pypdfium2 (PDFium, Chrome's PDF engine) renders the pages; Pillow stacks them into one
image, top to bottom, and writes it with a small palette (documents are text and a few colours).

PDFium is not safe to call from two threads at once: one rendering at a time in a process.
"""

import io
import threading

from PIL import Image

POINTS_PER_INCH = 72
DEFAULT_WIDTH_PX = 1080  # sharp on a 3× phone screen 360 CSS pixels wide
MAX_PAGES = 4  # a receipt has one page, rarely two; more would be an image no one reads
PAGE_GAP_PX = 16
PALETTE_COLOURS = 64

_pdfium = threading.Lock()


def pdf_to_png(
    content: bytes, *, width_px: int = DEFAULT_WIDTH_PX, max_pages: int = MAX_PAGES
) -> bytes:
    """The first `max_pages` pages of the PDF `content`, `width_px` wide, as one PNG."""
    with _pdfium:
        import pypdfium2  # only here: a few pages turn a PDF into a picture

        document = pypdfium2.PdfDocument(content)
        try:
            pages = []
            for index in range(min(len(document), max_pages)):
                page = document[index]
                try:
                    scale = width_px / page.get_width()
                    pages.append(page.render(scale=scale).to_pil().convert("RGB"))
                finally:
                    page.close()
        finally:
            document.close()
    height = sum(page.height for page in pages) + PAGE_GAP_PX * (len(pages) - 1)
    sheet = Image.new("RGB", (max(page.width for page in pages), height), "#e5e7eb")
    top = 0
    for page in pages:
        sheet.paste(page, (0, top))
        top += page.height + PAGE_GAP_PX
    out = io.BytesIO()
    sheet.quantize(PALETTE_COLOURS, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    return out.getvalue()
