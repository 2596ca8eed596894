"""HTML sections → PDF with WeasyPrint.

One document per render call is slow (each call lays out and subsets fonts anew), so a batch is printed as
a few large documents: services.run_batch cuts it into parts, every `db_worker` process prints each part it
claims as one HTML document with page breaks, reusing one font configuration and the parsed stylesheet for
all of them, and the worker that finishes the last part joins them in order (join_pdfs). Memory stays nearly
flat: no process holds more than one part's layout at a time, and the join reads the parts from their files
(qpdf holds about the size of the joined PDF, some 10 KB a letter).

Each section is a document of its own on paper: its pages are numbered from 1 ("— 1 —", GB/T 9704), and a
document of one page carries no number. print.css numbers the pages of every `.document.numbered` wrapper as a
page group of its own; which documents run over one page is only known once laid out, so a render that gives
more pages than documents is laid out again with those numbered. Letters, one page each, are laid out once.

WeasyPrint is imported on first use, not at module import, so processes that never print do not pay for it.
"""

import gc
from contextlib import contextmanager
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


@contextmanager
def fewer_collections():
    """Laying out makes millions of short-lived objects, many in reference cycles (boxes point to their
    parents): with Python's default thresholds the collector ran some 1,700 times for 50 letters and took about
    a sixth of the time. Collect less often while printing; the cycles are still freed, later and in bulk."""
    threshold = gc.get_threshold()
    gc.set_threshold(10_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def lay_out(sections, title, numbered=frozenset(), anchored=False):
    """Lay out the sections as one HTML document; `numbered`: the indexes of those whose pages are numbered;
    `anchored`: give each document an id, so that its pages can be told (Page.anchors)."""
    from weasyprint import HTML

    fonts, css = _shared()
    documents = [
        {"html": section, "numbered": i in numbered, "anchor": f"document-{i}" if anchored else ""}
        for i, section in enumerate(sections)
    ]
    html = render_to_string("commitments/print.html", {"documents": documents, "title": title})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(stylesheets=[css], font_config=fonts)


def page_counts(document, count):
    """How many pages each of the `count` documents of an anchored layout takes."""
    counts = [0] * count
    for page in document.pages:
        # A document's id is on each page its wrapper reaches; the last one is the document the page belongs to.
        ids = [int(name.removeprefix("document-")) for name in page.anchors if name.startswith("document-")]
        counts[max(ids)] += 1
    return counts


def render_pdf(sections, title):
    """Sections → (PDF bytes, page count) as one document, reusing this process's fonts and stylesheet."""
    with fewer_collections():
        document = lay_out(sections, title)
        if len(document.pages) > len(sections):  # some document runs over one page: number its pages
            if len(sections) == 1:
                counts = [len(document.pages)]
            else:
                counts = page_counts(lay_out(sections, title, anchored=True), len(sections))
            document = lay_out(sections, title, numbered=frozenset(i for i, n in enumerate(counts) if n > 1))
        return document.write_pdf(), len(document.pages)


def join_pdfs(parts, out):
    """Write the PDFs in `parts` (binary files), in order, as one PDF into the binary file `out`, with each
    part's bookmarks (a notice's title) pointing to the same pages in the joined PDF.

    pikepdf (qpdf) copies the pages without parsing them in Python: a town's 1,000 letters in 21 parts join in
    about 0.2 s, where pypdf took about a second, all of it while the user's batch showed 99%."""
    import pikepdf

    with pikepdf.new() as joined:
        sources = [pikepdf.open(part) for part in parts]
        with joined.open_outline() as outline:  # written when closed: before saving
            for source in sources:
                first = len(joined.pages)
                joined.pages.extend(source.pages)
                pages = {page.objgen: first + i for i, page in enumerate(source.pages)}
                with source.open_outline() as bookmarks:
                    outline.root.extend(_copied_bookmarks(bookmarks.root, pages))
        joined.save(out)
        for source in sources:
            source.close()


def _copied_bookmarks(items, pages):
    """A part's bookmarks as new ones to the joined PDF's pages (`pages`: the part's page → its joined index)."""
    import pikepdf

    copied = []
    for item in items:
        target = item.destination
        page = pages.get(target[0].objgen) if isinstance(target, pikepdf.Array) and len(target) else None
        bookmark = pikepdf.OutlineItem(item.title, page if page is not None else None)
        bookmark.children.extend(_copied_bookmarks(item.children, pages))
        copied.append(bookmark)
    return copied
