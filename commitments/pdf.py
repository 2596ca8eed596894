"""HTML sections → PDF with WeasyPrint.

One document per render call is slow (each call lays out and subsets fonts anew), so a batch is printed as
a few large documents: services.run_batch cuts it into parts, every `db_worker` process prints each part it
claims as one HTML document with page breaks, reusing one font configuration and the parsed stylesheet for
all of them, and the worker that finishes the last part joins them in order (join_pdfs). Memory stays nearly
flat: no process holds more than one part's layout at a time, and the join reads the parts from their files
(pypdf holds about the size of the joined PDF, some 10 KB a letter).

WeasyPrint is imported on first use, not at module import, so processes that never print do not pay for it.
"""

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


def join_pdfs(parts, out):
    """Write the PDFs in `parts` (binary files), in order, as one PDF into the binary file `out`."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(part)
    writer.write(out)
