from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grids.access import (
    can_edit_grid,
    get_grid_for_user,
    villages_for_user,
)
from members.views import confirm_delete, save_form

from .. import forms
from ..access import (
    get_post_for_user,
    get_post_type_for_user,
)
from ..models import (
    SERVED,
    Assignment,
    PostType,
    Round,
)


@login_required
def post_types(request):
    village_ids = villages_for_user(request.user).values("pk")
    types = PostType.objects.filter(Q(village=None) | Q(village__in=village_ids)).select_related("village")
    context = {
        "types": types.order_by("village__name", "order", "pk"),
        "can_add": request.user.is_superuser
        or villages_for_user(request.user, edit=True).exists()
        or request.user.committee_towns.exists(),
    }
    return render(request, "posts/post_types.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_type_form(request, pk=None):
    post_type = get_post_type_for_user(request.user, pk, edit=True) if pk else PostType()
    if not pk and not (request.user.committee_towns.exists() or request.user.is_superuser):
        # A village secretary's new type belongs to their village (各村可自行设定岗位).
        post_type.village = villages_for_user(request.user, edit=True).order_by("pk").first()
        if post_type.village is None:
            return render(request, "404.html", status=404)
    form = forms.PostTypeForm(request.POST or None, instance=post_type)
    context = {"title": "修改岗位类型" if pk else "新增岗位类型", "back": reverse("posts:post-types")}
    return save_form(request, form, context, "已保存岗位类型“{obj.name}”。")


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
