"""The audit trail: logins, logouts, failed logins and downloads (AuditEvent), beside the change history.

The 操作日志 page joins them with the field-level change history that django-simple-history keeps of
members, needs, plans, villages, grids, posts, assignments and accounts.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import pre_save
from django.dispatch import receiver

from jinchen.ratelimit import client_address

from .models import AuditEvent, AuditKind


def address_of(request):
    return (client_address(request) or None) if request is not None else None


def record(kind, request=None, user=None, username="", detail=""):
    AuditEvent.objects.create(
        kind=kind,
        user=user if user and user.is_authenticated else None,
        username=(username or getattr(user, "username", ""))[:150],
        address=address_of(request),
        path=request.get_full_path()[:500] if request is not None else "",
        detail=detail[:300],
    )


@receiver(user_logged_in)
def logged_in(sender, request, user, **kwargs):
    record(AuditKind.LOGIN, request, user)


@receiver(user_logged_out)
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditKind.LOGOUT, request, user)


@receiver(user_login_failed)
def login_failed(sender, credentials, request=None, **kwargs):
    record(AuditKind.LOGIN_FAILED, request, username=str(credentials.get("username", "")))


@receiver(pre_save, sender=get_user_model())
def no_history_for_login_stamps(sender, instance, update_fields=None, **kwargs):
    """A login stamps last_login, which the accounts' history does not keep: no empty version for it (the
    login itself is an AuditEvent). Any other save of the same user is kept as before."""
    if update_fields and set(update_fields) <= {"last_login"}:
        instance.skip_history_when_saving = True
    elif hasattr(instance, "skip_history_when_saving"):
        del instance.skip_history_when_saving


class DownloadAuditMiddleware:
    """Every file a user takes away or opens (an .xlsx export, a PDF saved or shown in the browser's viewer) is
    recorded with who and when; the detail says which (attachment or inline)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        if response.status_code == 200 and disposition.startswith(("attachment", "inline")):
            record(AuditKind.DOWNLOAD, request, request.user, detail=disposition)
        return response
