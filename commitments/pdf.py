"""HTML sections → PDF with WeasyPrint.

One document per render call is slow (each call lays out and subsets fonts anew), so a batch is printed
as a few large documents: the sections are cut into parts of PART_SIZE, each part is one HTML document
with page breaks, the parts are rendered side by side in worker processes (each keeps one font
configuration and the parsed stylesheet for all its parts), and pypdf joins the parts in order. Memory
stays flat because no process holds more than one part's layout at a time.

WeasyPrint is imported on first use, not at module import, so processes that never print do not pay for it.
"""

import io
import multiprocessing
import os
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string

STYLESHEET = settings.BASE_DIR / "static" / "css" / "print.css"
PART_SIZE = 100  # sections per document in a batch


@lru_cache(maxsize=1)
def _shared():
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return fonts, CSS(filename=str(STYLESHEET), font_config=fonts)


def wrap(sections, title):
    return render_to_string("commitments/print.html", {"sections": sections, "title": title})


def html_to_pdf(html):
    """One HTML document → (PDF bytes, page count), reusing this process's fonts and stylesheet."""
    from weasyprint import HTML

    fonts, css = _shared()
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(stylesheets=[css], font_config=fonts)
    return document.write_pdf(), len(document.pages)


def render_pdf(sections, title):
    """A few sections as one document, in this process: single letters, notices and wall sheets."""
    return html_to_pdf(wrap(sections, title))


def join_pdfs(parts):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in parts:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_batch(sections, title, processes=None, progress=None):
    """Many sections → one PDF, printed in parts by several processes; `progress(pages_done)` after each part."""
    htmls = [wrap(sections[i : i + PART_SIZE], title) for i in range(0, len(sections), PART_SIZE)]
    processes = min(processes or os.cpu_count() or 1, len(htmls))
    parts, pages = [], 0
    if processes > 1:
        # fork: the children inherit the loaded code; they only lay out HTML and never touch the database.
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for pdf, n in pool.imap(html_to_pdf, htmls):
                parts.append(pdf)
                pages += n
                progress and progress(pages)
    else:
        for html in htmls:
            pdf, n = html_to_pdf(html)
            parts.append(pdf)
            pages += n
            progress and progress(pages)
    return (parts[0] if len(parts) == 1 else join_pdfs(parts)), pages
