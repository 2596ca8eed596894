from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from grids.access import (
    can_edit_grid,
    get_grid_for_user,
)
from grids.models import Town
from members.views import confirm_delete, save_form

from .. import forms
from ..access import (
    get_post_for_user,
    get_post_type_for_user,
    post_type_owners_for_user,
    post_types_for_user,
)
from ..models import (
    SERVED,
    Assignment,
    PostType,
    Round,
)


@login_required
def post_types(request):
    types = post_types_for_user(request.user).select_related("county", "town", "village")
    editable = set(post_types_for_user(request.user, edit=True).values_list("pk", flat=True))
    types = list(types.order_by("county__name", "town__name", "village__name_key", "order", "pk"))
    for t in types:
        t.can_edit = t.pk in editable
    owners = post_type_owners_for_user(request.user)
    # A town added after the catalogue moved to towns starts from nothing: its committee loads the plan's six.
    bare_towns = [o for o in owners if isinstance(o, Town) and not any(t.town_id == o.pk for t in types)]
    context = {"types": types, "can_add": bool(owners), "bare_towns": bare_towns}
    return render(request, "posts/post_types.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_type_form(request, pk=None):
    post_type = get_post_type_for_user(request.user, pk, edit=True) if pk else PostType()
    owners = [] if pk else post_type_owners_for_user(request.user)
    if not pk and not owners:
        raise Http404
    form = forms.PostTypeForm(request.POST or None, instance=post_type, owners=owners)
    context = {
        "title": f"修改岗位类型（{post_type.owner_label}）" if pk else "新增岗位类型",
        "back": reverse("posts:post-types"),
    }
    return save_form(request, form, context, "已保存岗位类型“{obj.name}”。")


@login_required
@require_POST
def post_types_suggested(request, pk):
    """A town committee loads the six post types of the plan into its town's catalogue."""
    towns = Town.objects.all() if request.user.is_superuser else Town.objects.filter(committee=request.user)
    town = get_object_or_404(towns, pk=pk)
    added = PostType.add_suggested(town)
    messages.success(request, f"已为{town.name}载入《实施方案》建议的{added}类岗位，可按本镇实际修改。")
    return redirect("posts:post-types")


@login_required
def grid_posts(request, pk):
    grid = get_grid_for_user(request.user, pk)
    posts = list(grid.posts.select_related("post_type").prefetch_related("needs").order_by("post_type__order", "pk"))
    served = Assignment.objects.filter(post__grid=grid, status__in=SERVED).select_related("round", "member")
    by_post = {}
    for a in served.order_by("-round__year", "pk"):
        by_post.setdefault(a.post_id, {}).setdefault(a.round.year, []).append(a.member.name)
    for p in posts:
        p.years = sorted(by_post.get(p.pk, {}).items(), reverse=True)  # who held it, year by year
    context = {
        "grid": grid,
        "village": grid.village,
        "posts": posts,
        "can_edit": can_edit_grid(request.user, grid),
        "locked": Round.posts_locked_reason(grid.village_id),
        "current_round": Round.current_for(grid.village_id),
    }
    return render(request, "posts/grid_posts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_form(request, grid_pk=None, pk=None):
    post = get_post_for_user(request.user, pk, edit=True) if pk else None
    grid = post.grid if post else get_grid_for_user(request.user, grid_pk, edit=True)
    back = reverse("posts:grid-posts", args=[grid.pk])
    locked = Round.posts_locked_reason(grid.village_id)
    if locked:
        messages.error(request, locked)
        return redirect(back)
    form = forms.PostForm(request.POST or None, instance=post, grid=grid)
    context = {
        "grid": grid,
        "village": grid.village,
        "title": f"修改岗位：{post.name}" if post else "设置岗位",
        "back": back,
    }
    return save_form(request, form, context, "已保存岗位“{obj.name}”。")


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request, pk):
    post = get_post_for_user(request.user, pk, edit=True)
    back = reverse("posts:grid-posts", args=[post.grid_id])
    locked = Round.posts_locked_reason(post.grid.village_id)
    if locked:
        messages.error(request, locked)
        return redirect(back)
    if request.method == "POST" and post.assignments.exists():
        messages.error(request, f"岗位“{post.name}”已有党员申报或上岗的记录，不能删除（历年记录要保留）。")
        return redirect(back)
    return confirm_delete(request, post, f"岗位“{post.name}”", back)
