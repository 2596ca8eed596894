from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Max, ProtectedError, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from tablib import Dataset

from grids.access import (
    can_edit_grid,
    can_edit_village,
    get_grid_for_user,
    get_town_for_user,
    get_village_for_user,
    grids_for_user,
)
from jinchen.xlsx import xlsx_response

from . import imports
from .access import get_member_for_user, get_need_for_user, get_plan_for_user, members_for_user
from .forms import MemberForm, NeedRecordForm, VillagePlanForm
from .models import ImportJob, Member, NeedRecord, VillagePlan, first_free_year
from .resources import MemberResource, NeedRecordResource
from .survey import member_figures, need_figures, with_counts


@login_required
def member_detail(request, pk):
    member = get_member_for_user(request.user, pk)
    context = {
        "member": member,
        "reasons": member.ineligibility_reasons(),
        "can_edit": can_edit_grid(request.user, member.grid),
        "full_numbers": member.shows_full_numbers_to(request.user),
        "history": member.history.select_related("history_user").order_by("-history_date")[:20],
        # Posts applied for and held, year by year (posts builds on members: reached through the reverse name).
        "assignments": member.assignments.select_related("round", "post__grid")
        # 公示期满 once the grid's notice is over (posts.models.workflow.notice_end, reached by name)
        .annotate(notice_ends_on=Max("round__notices__ends_on", filter=Q(round__notices__grid=F("post__grid"))))
        .order_by("-round__year", "rank"),
    }
    return render(request, "members/member_detail.html", context)


def save_form(request, form, context, success):
    """Validate a bound form; on success save it, say so and go to the saved object's page."""
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, success.format(obj=obj))
        return redirect(obj.get_absolute_url())
    if request.method == "POST":
        messages.error(request, "没有保存：请按红色提示修改后再提交。")
    return render(request, "form.html", {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def member_form(request, grid_pk=None, pk=None):
    member = get_member_for_user(request.user, pk, edit=True) if pk else None
    grid = member.grid if member else get_grid_for_user(request.user, grid_pk, edit=True)
    form = MemberForm(
        request.POST or None,
        instance=member,
        initial=None if member else {"grid": grid},
        grids=grids_for_user(request.user, edit=True).filter(village=grid.village),
        full_numbers=member is None or member.shows_full_numbers_to(request.user),
    )
    context = {
        "village": grid.village,
        "grid": grid,
        "title": f"修改党员信息：{member.name}" if member else "新增党员",
        "back": member.get_absolute_url() if member else reverse("posts:grid", args=[grid.pk]),
    }
    return save_form(request, form, context, "已保存党员“{obj.name}”的信息。")


@login_required
@require_http_methods(["GET", "POST"])
def need_form(request, grid_pk=None, pk=None):
    need = get_need_for_user(request.user, pk, edit=True) if pk else None
    grid = need.grid if need else get_grid_for_user(request.user, grid_pk, edit=True)
    if need is None:
        need = NeedRecord(recorded_by=request.user)
    form = NeedRecordForm(
        request.POST or None,
        instance=need,
        initial=None if need.pk else {"grid": grid},
        grids=grids_for_user(request.user, edit=True).filter(village=grid.village),
    )
    context = {
        "village": grid.village,
        "grid": grid,
        "title": "修改群众需求" if need.pk else "记录群众需求",
        "back": reverse("posts:grid", args=[grid.pk]) + "#needs",
    }
    return save_form(request, form, context, "已保存群众需求记录。")


@login_required
def archived_members(request, pk):
    """A village's members who left the roster, with why and when; their secretary may bring one back."""
    village = get_village_for_user(request.user, pk)
    members = Member.everyone.filter(grid__village=village, left_on__isnull=False).select_related("grid")
    context = {
        "village": village,
        "members": members.order_by("-left_on", "name_key"),
        "can_edit": can_edit_village(request.user, village),
    }
    return render(request, "members/archived_members.html", context)


@login_required
@require_POST
def member_restore(request, pk):
    member = get_object_or_404(
        Member.everyone.filter(grid__in=grids_for_user(request.user, edit=True), left_on__isnull=False), pk=pk
    )
    member.left_on, member.leave_reason, member.leave_note = None, "", ""
    member.save()
    messages.success(request, f"{member.name}已恢复到名册。")
    return redirect(member)


@login_required
@require_http_methods(["GET", "POST"])
def need_delete(request, pk):
    need = get_need_for_user(request.user, pk, edit=True)
    return confirm_delete(request, need, f"群众需求“{need.issue[:30]}”", reverse("posts:grid", args=[need.grid_id]))


def confirm_delete(request, obj, description, back):
    """GET asks for confirmation; POST deletes (the change history keeps the old record)."""
    if request.method == "POST":
        try:
            obj.delete()
        except ProtectedError:
            messages.error(request, f"{description}已被其他记录引用，不能删除。")
            return redirect(back)
        messages.success(request, f"已删除{description}。")
        return redirect(back)
    context = {"object": obj, "description": description, "back": back, "grid": obj.grid, "village": obj.grid.village}
    return render(request, "members/confirm_delete.html", context)


@login_required
def grid_survey(request, pk):
    grid = get_grid_for_user(request.user, pk)
    context = {
        "scope_name": str(grid),
        "grid": grid,
        "village": grid.village,
        "members": member_figures(grid.members.all()),
        "needs": need_figures(grid.needs.all()),
    }
    return render(request, "members/survey.html", context)


@login_required
def village_survey(request, pk):
    village = get_village_for_user(request.user, pk)
    grids = grids_for_user(request.user).filter(village=village).values("pk")
    context = {
        "scope_name": village.name,
        "village": village,
        "members": member_figures(members_for_user(request.user).filter(grid__in=grids)),
        "needs": need_figures(NeedRecord.objects.filter(grid__in=grids)),
        "grids": with_counts(village.grids.filter(pk__in=grids), "grid").order_by("number"),
    }
    return render(request, "members/survey.html", context)


@login_required
def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk)
    context = {"plan": plan, "village": plan.village, "can_edit": can_edit_village(request.user, plan.village)}
    return render(request, "members/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_form(request, village_pk=None, pk=None):
    plan = get_plan_for_user(request.user, pk, edit=True) if pk else None
    village = plan.village if plan else get_village_for_user(request.user, village_pk, edit=True)
    if plan is None:
        plan = VillagePlan(village=village, title=f"{village.name}“无职党员设岗定责”活动实施方案")
    plan.updated_by = request.user
    taken = village.plans.values_list("year", flat=True)
    initial = None if plan.pk else {"year": first_free_year(taken, timezone.localdate().year)}
    form = VillagePlanForm(request.POST or None, instance=plan, initial=initial, village=village)
    context = {
        "village": village,
        "title": f"修改{plan.year}年度实施方案" if plan.pk else "新建实施方案",
        "back": plan.get_absolute_url() if plan.pk else reverse("posts:village", args=[village.pk]),
    }
    return save_form(request, form, context, "已保存实施方案“{obj.title}”。")


def export_scope(request):
    """What ?grid=, ?village= or ?town= names, as (name, filter on a grid field)."""
    user, params = request.user, request.GET
    for key in ("grid", "village", "town"):
        value = params.get(key, "")
        if value:
            if not value.isdigit():
                raise Http404
            if key == "grid":
                grid = get_grid_for_user(user, value)
                return str(grid), {"grid": grid}
            if key == "village":
                village = get_village_for_user(user, value)
                grids = grids_for_user(user).filter(village=village).values("pk")
                return village.name, {"grid__in": grids}
            town = get_town_for_user(user, value)
            return town.name, {"grid__village__town": town}
    raise Http404


@login_required
def members_export(request):
    name, scope = export_scope(request)
    members = Member.objects.filter(**scope).select_related("grid__village").prefetch_related("specialties")
    members = members.order_by("grid__village__name_key", "grid__number", "name_key", "pk")
    # A list, not the queryset: the library pages a prefetching queryset by 100 rows, two queries a page.
    dataset = MemberResource().export(list(members))
    return xlsx_response(dataset, f"{name}党员名册", "党员名册")


@login_required
def needs_export(request):
    name, scope = export_scope(request)
    needs = NeedRecord.objects.filter(**scope).select_related("grid__village")
    needs = needs.order_by("grid__village__name", "grid__number", "-recorded_on", "-pk")
    return xlsx_response(NeedRecordResource().export(needs), f"{name}群众需求", "群众需求")


def import_scope(request):
    """The grids an import may write to (?grid= or ?village=, edit scope), with a name and a page to return to."""
    for key in ("grid", "village"):
        value = request.GET.get(key, "")
        if value.isdigit():
            if key == "grid":
                grid = get_grid_for_user(request.user, value, edit=True)
                return imports.scope_grids(request.user, grid.village, grid), str(grid), grid.village, grid
            village = get_village_for_user(request.user, value, edit=True)
            return imports.scope_grids(request.user, village), village.name, village, None
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def import_rows(request, kind):
    """Upload → preview of every row (新增/更新/不变 or its errors) → confirm: all rows or none."""
    if kind not in imports.KINDS:
        raise Http404
    spec = imports.KINDS[kind]
    grids, name, village, grid = import_scope(request)
    jobs = ImportJob.objects.filter(requested_by=request.user, kind=kind, village=village, grid=grid)[:5]
    context = {
        "title": f"导入{spec.title}：{name}",
        "village": village,
        "grid": grid,
        "kind": kind,
        "query": request.GET.urlencode(),
        "jobs": jobs,
        "background_rows": settings.IMPORT_BACKGROUND_ROWS,
    }
    if request.method == "GET":
        return render(request, "members/import.html", context)
    token = request.POST.get("token", "")
    confirmed = {int(n) for n in request.POST.getlist("rename") if n.isdigit()}
    try:
        if token:  # confirm: read the stored upload again and check it again; the data may have changed
            if request.session.get(f"import:{token}") != kind:
                raise imports.ImportFileError("预览已过期，请重新上传文件。")
            rows = imports.read_stored(token, kind)
        else:
            upload = request.FILES.get("file")
            if upload is None:
                raise imports.ImportFileError("请选择要导入的文件。")
            token, rows = imports.store_upload(upload, kind)
            if len(rows) > settings.IMPORT_BACKGROUND_ROWS:  # checked by the worker, the page shows progress
                return redirect(imports.start_job(kind, token, upload.name, len(rows), village, grid, request.user))
            request.session[f"import:{token}"] = kind
        checks = spec.check(rows, grids, request.user, confirmed=confirmed)
    except imports.ImportFileError as error:
        messages.error(request, f"没有导入：{error}")
        return render(request, "members/import.html", context)
    has_errors = any(c.errors for c in checks)
    waiting = [c for c in checks if c.waits_for_confirmation]
    if request.POST.get("confirm") and not has_errors:
        if not waiting:
            counts = imports.save_rows(checks, request.user)
            imports.forget(token)
            request.session.pop(f"import:{token}", None)
            messages.success(request, "导入完成：新增{新增}条，更新{更新}条，未变化{不变}条。".format(**counts))
            return redirect(roster_url(village, grid))
        rows_named = "、".join(f"第{c.number}行" for c in waiting)
        messages.error(request, f"没有导入：{rows_named}的姓名与名册不同，请逐行勾选“确认改名”后再导入。")
    context.update(
        checks=checks,
        token=token,
        has_errors=has_errors,
        renames=[c for c in checks if c.renamed],
        unused=rows.unused,
        noted=sum(bool(c.notes) for c in checks),
    )
    return render(request, "members/import_preview.html", context)


def roster_url(village, grid):
    return grid.get_absolute_url() if grid else reverse("posts:village", args=[village.pk])


@login_required
@require_http_methods(["GET", "POST"])
def import_job(request, pk):
    """A large import's page: progress while the worker checks, the result, confirmation, then the outcome."""
    job = get_object_or_404(ImportJob.objects.select_related("village", "grid"), pk=pk, requested_by=request.user)
    if request.method == "POST":
        if imports.confirm_job(job):
            messages.info(request, "已开始导入，请稍候。")
        else:
            messages.error(request, "这个文件不能导入：检查尚未完成、有错误，或已经导入过。")
        return redirect(job)
    context = {"job": job, "spec": imports.KINDS.get(job.kind), "roster": roster_url(job.village, job.grid)}
    template = "members/_import_job_status.html" if request.headers.get("HX-Request") else "members/import_job.html"
    return render(request, template, context)


@login_required
def import_template(request, kind):
    if kind not in imports.KINDS:
        raise Http404
    spec = imports.KINDS[kind]
    dataset = Dataset(headers=list(spec.example))
    dataset.append(list(spec.example.values()))
    return xlsx_response(dataset, f"{spec.title}导入模板", f"{spec.title}导入模板", stamped=False)
