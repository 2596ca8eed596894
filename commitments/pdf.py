"""HTML sections → PDF with WeasyPrint.

One document per render call is slow (each call lays out and subsets fonts anew), so a batch is printed as
a few large documents: services.run_batch cuts it into parts, every `db_worker` process prints each part it
claims as one HTML document with page breaks, reusing one font configuration and the parsed stylesheet for
all of them, and the worker that finishes the last part joins them in order (join_pdfs). Memory stays flat
because no process holds more than one part's layout at a time.

WeasyPrint is imported on first use, not at module import, so processes that never print do not pay for it.
"""

import io
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string

STYLESHEET = settings.BASE_DIR / "static" / "css" / "print.css"


@lru_cache(maxsize=1)
def _shared():
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return fonts, CSS(filename=str(STYLESHEET), font_config=fonts)


def render_pdf(sections, title):
    """Sections → (PDF bytes, page count) as one document, reusing this process's fonts and stylesheet."""
    from weasyprint import HTML

    fonts, css = _shared()
    html = render_to_string("commitments/print.html", {"sections": sections, "title": title})
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(stylesheets=[css], font_config=fonts)
    return document.write_pdf(), len(document.pages)


def join_pdfs(parts):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in parts:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
