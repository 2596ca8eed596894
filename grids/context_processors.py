from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from .access import role_of, roles_loaded, unit_name


def role(request):
    """The user's role, worked out only when a template asks (for breadcrumbs and menus), and the county or
    town whose name heads every page: the user's own (loaded with the user), else SITE_UNIT."""
    # A page rendered before the authentication middleware ran has no user: the 404 page for a missing static
    # file, served by the live server's static handler, rendered as a 500 without this.
    user = getattr(request, "user", None)
    if user is None:
        user = AnonymousUser()
    return {
        "role": SimpleLazyObject(lambda: role_of(user) or ""),
        "unit": SimpleLazyObject(lambda: unit_name(user) or settings.SITE_UNIT),
        # loaded with the user's roles (grids.access.with_roles): no query of its own
        "unread_messages": SimpleLazyObject(lambda: roles_loaded(user).unread_messages if user.is_authenticated else 0),
    }
