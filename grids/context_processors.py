from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .access import role_of, unit_name


def role(request):
    """The user's role, worked out only when a template asks (for breadcrumbs and menus), and the county or
    town whose name heads every page: the user's own (loaded with the user), else SITE_UNIT."""
    return {
        "role": SimpleLazyObject(lambda: role_of(request.user) or ""),
        "unit": SimpleLazyObject(lambda: unit_name(request.user) or settings.SITE_UNIT),
    }
