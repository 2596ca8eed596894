"""Template tags for the pages that offer printing (grid, village and town pages include their buttons)."""

from django import template

from commitments.documents import public_base_url, qr_warning

register = template.Library()


@register.simple_tag(takes_context=True)
def qr_address_warning(context):
    """The warning that the QR codes a print started from this page would carry point at this machine."""
    request = context.get("request")
    return qr_warning(public_base_url(request)) if request is not None else ""
