"""The audit trail: logins, logouts, failed logins and downloads (AuditEvent), beside the change history.

The 操作日志 page joins them with the field-level change history that django-simple-history keeps of
members, needs, plans, villages, grids, posts, assignments and accounts.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent, AuditKind


def address_of(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record(kind, request=None, user=None, username="", detail=""):
    AuditEvent.objects.create(
        kind=kind, user=user if user and user.is_authenticated else None,
        username=(username or getattr(user, "username", ""))[:150], address=address_of(request),
        path=request.get_full_path()[:500] if request is not None else "", detail=detail[:300],
    )  # fmt: skip


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


class DownloadAuditMiddleware:
    """Every file a user takes away (an .xlsx export, a downloaded PDF) is recorded with who and when."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        if response.status_code == 200 and "attachment" in disposition:
            record(AuditKind.DOWNLOAD, request, request.user, detail=disposition)
        return response
