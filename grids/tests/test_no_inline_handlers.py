"""The Content-Security-Policy blocks inline handlers: no template may carry one (a dead button otherwise);
behaviour is wired from static files, print buttons by static/js/site.js on every page."""

import re

from django.conf import settings

INLINE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_an_inline_event_handler():
    found = [
        str(path.relative_to(settings.BASE_DIR))
        for path in (settings.BASE_DIR / "templates").rglob("*.html")
        if INLINE.search(path.read_text())
    ]
    assert found == []


def test_print_buttons_are_wired_on_every_page():
    base = (settings.BASE_DIR / "templates" / "base.html").read_text()
    assert "js/site.js" in base
    assert "[data-print]" in (settings.BASE_DIR / "static" / "js" / "site.js").read_text()
