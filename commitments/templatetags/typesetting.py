"""Filters for printed documents."""

from itertools import pairwise

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def words(name):
    """A name that breaks only between its words when it must wrap: no character alone on a line.

    Chinese sets no spaces, so a line may break between any two characters and a narrow cell printed
    "社会治安巡逻/岗". Most words are two characters: a name of up to four is kept whole, a longer one in pairs
    from the start, the last three together when the count is odd ("社会|治安|巡逻|示范岗"). Each piece is a
    `.word` (print.css: nowrap), so lines break between pieces only.
    """
    name = str(name)
    cuts = [0, *range(2, len(name) - 1, 2), len(name)] if len(name) > 4 else [0, len(name)]
    pieces = [name[a:b] for a, b in pairwise(cuts)]
    return mark_safe("<wbr>".join(f'<span class="word">{conditional_escape(p)}</span>' for p in pieces))
