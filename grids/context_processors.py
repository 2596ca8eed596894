from django.utils.functional import SimpleLazyObject

from .access import role_of


def role(request):
    """The user's role, worked out only when a template asks (for breadcrumbs and menus)."""
    return {"role": SimpleLazyObject(lambda: role_of(request.user) or "")}
