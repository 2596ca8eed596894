"""HTML sections → one PDF with WeasyPrint, reusing one font configuration and the parsed stylesheet.

WeasyPrint is imported on first use, not at module import, so web and worker processes that never print
do not pay for it.
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


def render_document(sections, title):
    """Lay out sections as one document; returns WeasyPrint's Document (pages can be counted or merged)."""
    from weasyprint import HTML

    fonts, css = _shared()
    html = render_to_string("commitments/print.html", {"sections": sections, "title": title})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(stylesheets=[css], font_config=fonts)


def write_pdf(documents):
    """One PDF from one or more rendered documents, in order; returns (bytes, page count)."""
    first, *rest = documents
    pages = [page for doc in documents for page in doc.pages]
    merged = first.copy(pages) if rest else first
    return merged.write_pdf(), len(pages)


def render_pdf(sections, title):
    return write_pdf([render_document(sections, title)])
