from axes.models import AccessAttempt
from axes.utils import reset as reset_lockouts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from jinchen.security import DEMO_GROUP

from . import inbox
from .access import Role, get_message_for_user, messages_for_user, role_of, towns_for_user
from .accounts import USERNAME_TAKEN, AccountForm, PasswordForm, role_in, town_people
from .models import Grid, Town, Village

# --- accounts ------------------------------------------------------------------------------------------------


def committee_town(request):
    """The town whose accounts this town committee member manages (404/403 otherwise)."""
    if role_of(request.user) != Role.TOWN:
        raise PermissionDenied
    town = towns_for_user(request.user).order_by("pk").first()
    if town is None:
        raise PermissionDenied
    return town


def get_account(request, town, pk):
    """An account of this town, never a superuser (those are managed by the system administrator)."""
    return get_object_or_404(town_people(Town.objects.filter(pk=town.pk)).exclude(is_superuser=True), pk=pk)


@login_required
def account_list(request):
    town = committee_town(request)
    people = list(town_people(Town.objects.filter(pk=town.pk)))
    committee = set(town.committee.values_list("pk", flat=True))
    villages = {v.secretary_id: v for v in Village.objects.filter(town=town, secretary__isnull=False)}
    grids = {
        g.secretary_id: g
        for g in Grid.objects.filter(village__town=town, secretary__isnull=False).select_related("village")
    }
    demo = set(get_user_model().objects.filter(groups__name=DEMO_GROUP).values_list("pk", flat=True))
    locked = locked_usernames([u.username for u in people])
    rows = []
    for user in people:
        if user.pk in committee:
            role = "镇党委"
        elif user.pk in villages:
            role = f"{villages[user.pk].name}党总支书记"
        elif user.pk in grids:
            role = f"{grids[user.pk].village.name}{grids[user.pk].name}支部书记"
        else:
            role = "暂无职务"
        rows.append((user, role, user.pk in demo, user.username in locked))
    return render(request, "grids/accounts.html", {"town": town, "rows": rows})


def locked_usernames(usernames):
    """Which of these user names are locked now, from some address, by too many wrong passwords (django-axes)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(
        username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )
    return set(attempts.values_list("username", flat=True))


@login_required
@require_http_methods(["GET", "POST"])
def account_form(request, pk=None):
    town = committee_town(request)
    account = get_account(request, town, pk) if pk else None
    initial = {}
    if account:
        role, village, grid = role_in(account, town)
        initial = {
            "username": account.username,
            "full_name": account.first_name,
            "role": role,
            "village": village,
            "grid": grid,
        }
    form = AccountForm(request.POST or None, town=town, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.save()
        except IntegrityError:  # the same name saved by someone else since the form was checked
            form.add_error("username", USERNAME_TAKEN)
        else:
            messages.success(request, f"已{'保存' if account else '新建'}账号 {user.username}。")
            return redirect("grids:accounts")
    return render(request, "grids/account_form.html", {"form": form, "account": account, "town": town})


@login_required
@require_http_methods(["GET", "POST"])
def account_password(request, pk):
    town = committee_town(request)
    account = get_account(request, town, pk)
    form = PasswordForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        account.set_password(form.cleaned_data["password1"])
        account.save()
        reset_lockouts(username=account.username)  # the lock page promises a new password unlocks
        messages.success(request, f"已为 {account.username} 设置新密码（登录锁定同时解除），请当面或电话告知本人。")
        return redirect("grids:accounts")
    return render(request, "grids/account_password.html", {"form": form, "account": account})


@login_required
@require_POST
def account_unlock(request, pk):
    town = committee_town(request)
    account = get_account(request, town, pk)
    reset_lockouts(username=account.username)
    messages.success(request, f"已解除 {account.username} 的登录锁定，本人现在可以重新登录。")
    return redirect("grids:accounts")


@login_required
@require_POST
def account_active(request, pk):
    town = committee_town(request)
    account = get_account(request, town, pk)
    if account == request.user:
        messages.error(request, "不能停用自己的账号。")
    else:
        account.is_active = not account.is_active
        account.save(update_fields=["is_active"])
        messages.success(request, f"已{'启用' if account.is_active else '停用'}账号 {account.username}。")
    return redirect("grids:accounts")


# --- messages ------------------------------------------------------------------------------------------------


@login_required
def message_list(request):
    """消息: what came to this person, newest first, the unread ones marked; the latest 200."""
    messages_ = messages_for_user(request.user).order_by("-created_at", "-pk")[:200]
    return render(request, "grids/messages.html", {"items": messages_})


@login_required
@require_POST
def message_open(request, pk):
    """Open a message: it is read now, and the person goes where the thing it is about is done."""
    message = get_message_for_user(request.user, pk)
    inbox.mark_read(messages_for_user(request.user).filter(pk=message.pk))
    safe = url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()})
    return redirect(message.url if message.url and safe else "grids:messages")


@login_required
@require_POST
def messages_read(request):
    count = inbox.mark_read(messages_for_user(request.user))
    messages.success(request, f"已将{count}条消息标为已读。" if count else "没有未读消息。")
    return redirect("grids:messages")
