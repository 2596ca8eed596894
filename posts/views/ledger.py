"""The duty ledger (履职纪实) and members' periodic reports (定期汇报).

A member on post records their work on their phone; their contact or the grid's secretaries may record it for
them (marked 代记) and check it (核实) or send it back with a reason, after which the member amends it and it
waits for checking again. Each entry may close a resident's request the member was working on.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grids.access import can_edit_grid, get_grid_for_user
from jinchen.xlsx import xlsx_response

from .. import forms, ledger, onpost, photos, points
from ..models import DutyPhoto, DutyState, ResidentRequest, Status, TransitionError, WorkReport
from ..models.duty import WITH_MEMBER, create_record


def back_url(user, assignment):
    """Where a page about one member's ledger leads back to: the member's home for themself, else their page."""
    if onpost.member_of(user) is not None and not can_edit_grid(user, assignment.post.grid):
        return reverse("posts:home")
    return reverse("posts:assignment", args=[assignment.pk])


def page_context(request, assignment, title, **more):
    grid = assignment.post.grid
    return {"a": assignment, "grid": grid, "village": grid.village, "title": title,
            "back": back_url(request.user, assignment), **more}  # fmt: skip


# --- an entry ------------------------------------------------------------------------------------------------


def resident_request_for(assignment, pk):
    """The resident's request an entry answers (?request=), from the member's grid; 404 for anyone else's."""
    if not pk:
        return None
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(ResidentRequest, pk=pk, grid=assignment.post.grid_id)


def close_request(resident_request, record, by):
    """Done by this entry: refused, with where the request stands, when it has left the member meanwhile."""
    current = ResidentRequest.objects.select_for_update().get(pk=resident_request.pk)
    if current.assignment_id != record.assignment_id or current.state not in WITH_MEMBER:
        who = f"（{current.assignment.member.name}）" if current.assignment_id else ""
        raise TransitionError(f"这条诉求刚刚已有变化，现在是“{current.get_state_display()}”{who}，纪实没有保存。")
    current.complete(record, by=by)


@login_required
@require_http_methods(["GET", "POST"])
def duty_add(request, pk):
    a = ledger.get_ledger_assignment_for_user(request.user, pk)
    if not onpost.may_record_for(request.user, a):
        raise Http404
    if a.status != Status.ON_POST:
        messages.error(request, f"{a.member.name}现在是“{a.get_status_display()}”，只有在岗党员才能记录履职纪实。")
        return redirect(back_url(request.user, a))
    answering = resident_request_for(a, request.GET.get("request"))
    form = forms.DutyRecordForm(request.POST or None, request.FILES or None, assignment=a)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                fields = {k: v for k, v in form.cleaned_data.items() if k in forms.DutyRecordForm.Meta.fields}
                record = create_record(a, request.user, onpost.on_behalf(request.user, a), **fields)
                if answering is not None:
                    close_request(answering, record, request.user)
                photos.save_photos(record, form.prepared)
        except TransitionError as error:
            form.add_error(None, error.missing)
        else:
            done = "，群众诉求已办结" if answering is not None else ""
            messages.success(request, f"已保存履职纪实{done}。")
            return redirect("posts:duty-record", record.pk)
    if request.method == "POST":
        messages.error(request, "没有保存：请按红色提示修改后再提交。")
    title = f"{a.member.name}：记履职纪实"
    with_member = answering is not None and answering.assignment_id == a.pk and answering.state in WITH_MEMBER
    context = page_context(request, a, title, form=form, answering=answering, answering_open=with_member)
    return render(request, "posts/ledger/record_form.html", context)


@login_required
def duty_record(request, pk):
    record = ledger.get_duty_record_for_user(request.user, pk)
    a = record.assignment
    context = page_context(
        request,
        a,
        f"{a.member.name}的履职纪实",
        record=record,
        photos=record.photos.all(),
        may_verify=onpost.may_verify(request.user, a) and record.state == DutyState.RECORDED,
        may_edit=may_amend(request.user, record),
        return_form=forms.DutyReturnForm(),
        answered=ResidentRequest.objects.filter(record=record).first(),
    )
    return render(request, "posts/ledger/record.html", context)


def may_amend(user, record):
    """A returned entry is amended by the member, or by whoever wrote it for them."""
    if record.state != DutyState.RETURNED:
        return False
    member = onpost.member_of(user)
    return (member is not None and member.pk == record.assignment.member_id) or record.recorded_by_id == user.pk


@login_required
@require_POST
def duty_verify(request, pk, verdict):
    record = ledger.get_duty_record_for_user(request.user, pk)
    if not onpost.may_verify(request.user, record.assignment) or verdict not in ("verify", "return"):
        raise Http404
    form = forms.DutyReturnForm(request.POST) if verdict == "return" else None
    if form is not None and not form.is_valid():
        messages.error(request, "没有退回：" + "".join(form.errors["reason"]))
        return redirect("posts:duty-record", record.pk)
    try:
        record.verify(by=request.user, verified=form is None, reason=form.cleaned_data["reason"] if form else "")
    except TransitionError as error:
        messages.info(request, str(error))
    else:
        points.refresh([record.assignment_id])
        messages.success(request, "已核实。" if form is None else "已退回，党员修改后会再次提交核实。")
    return redirect("posts:duty-record", record.pk)


@login_required
@require_http_methods(["GET", "POST"])
def duty_edit(request, pk):
    record = ledger.get_duty_record_for_user(request.user, pk)
    if not may_amend(request.user, record):
        raise Http404
    a = record.assignment
    form = forms.DutyRecordForm(request.POST or None, request.FILES or None, assignment=a, instance=record)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            record = form.save(commit=False)
            record._history_user = request.user
            record.save()
            removed = list(form.cleaned_data.get("remove_photos") or [])
            for photo in removed:
                photo.delete()
            photos.save_photos(record, form.prepared)
            record.resubmit(by=request.user)
            transaction.on_commit(lambda: [p.image.storage.delete(p.image.name) for p in removed])
        messages.success(request, "已修改并重新提交核实。")
        return redirect("posts:duty-record", record.pk)
    if request.method == "POST":
        messages.error(request, "没有保存：请按红色提示修改后再提交。")
    context = page_context(request, a, f"{a.member.name}：修改履职纪实", form=form, record=record)
    return render(request, "posts/ledger/record_form.html", context)


@login_required
def duty_photo(request, pk):
    """A photo, only to those who may read its entry: media files are never served by address alone."""
    photo = get_object_or_404(DutyPhoto.objects.select_related("record"), pk=pk)
    ledger.get_duty_record_for_user(request.user, photo.record_id)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- a grid's ledger -------------------------------------------------------------------------------------------


def grid_ledger_context(request, pk):
    grid = get_grid_for_user(request.user, pk)
    today = timezone.localdate()
    period = ledger.parse_period(request.GET.get("period"), today)
    return grid, period, ledger.records_of_grid(grid, period)


@login_required
def grid_ledger(request, pk):
    grid, period, records = grid_ledger_context(request, pk)
    today = timezone.localdate()
    context = {
        "grid": grid,
        "village": grid.village,
        "period": period,
        "choices": ledger.period_choices(today),
        "records": records,
        "on_post": grid_assignments(grid),
    }
    return render(request, "posts/ledger/grid.html", context)


def grid_assignments(grid):
    from ..models import Assignment

    return Assignment.objects.filter(post__grid=grid, status=Status.ON_POST).select_related("member", "post")


LEDGER_HEADERS = ["日期", "党员", "岗位", "类别", "地点", "服务对象", "工作内容", "结果", "照片", "核实", "记录"]


def ledger_row(r):
    return [
        r.done_on,
        r.assignment.member.name,
        r.assignment.post.name,
        r.kind.name,
        r.place,
        r.served,
        r.content,
        r.result,
        r.photo_count,
        r.get_state_display() + (f"：{r.return_reason}" if r.state == DutyState.RETURNED else ""),
        "代记" if r.on_behalf else "本人",
    ]


@login_required
def grid_ledger_export(request, pk):
    import tablib

    grid, period, records = grid_ledger_context(request, pk)
    dataset = tablib.Dataset(*(ledger_row(r) for r in records), headers=LEDGER_HEADERS)
    title = f"{grid.village.name}{grid.name}履职纪实台账（{period.name}）"
    return xlsx_response(dataset, title, "履职纪实")


# --- periodic reports ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_add(request, pk):
    """定期汇报: the member writes theirs; a secretary enters a paper one (on_paper) and may note its meeting."""
    a = ledger.get_ledger_assignment_for_user(request.user, pk)
    by_member = not onpost.on_behalf(request.user, a)
    if not (by_member or can_edit_grid(request.user, a.post.grid)):
        raise Http404
    missing = a.missing_for_records()
    if missing:
        messages.error(request, "现在不能登记：" + "；".join(m.rstrip("。") for m in missing) + "。")
        return redirect(back_url(request.user, a))
    initial = {"period": request.GET["period"]} if request.GET.get("period") else None
    form = forms.WorkReportForm(request.POST or None, initial=initial, assignment=a, by_member=by_member)
    form.instance.assignment, form.instance.recorded_by = a, request.user
    form.instance.on_paper = not by_member
    if request.method == "POST" and form.is_valid():
        form.instance._history_user = request.user
        form.save()
        points.refresh([a.pk])
        messages.success(request, "已提交汇报。" if by_member else "已登记汇报。")
        return redirect(back_url(request.user, a))
    if request.method == "POST":
        messages.error(request, "没有保存：请按红色提示修改后再提交。")
    title = f"{a.member.name}：{'写' if by_member else '登记'}定期汇报"
    button = "提交汇报" if by_member else "保存"
    context = page_context(request, a, title, form=form, records=form.period_records(), button=button)
    return render(request, "posts/ledger/report_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_heard(request, pk):
    """The meeting that heard a report, as the secretary records it."""
    report = get_object_or_404(
        WorkReport.objects.select_related("assignment__post__grid__village", "assignment__member"), pk=pk
    )
    a = ledger.get_ledger_assignment_for_user(request.user, report.assignment_id)
    if not can_edit_grid(request.user, a.post.grid):
        raise Http404
    form = forms.HeardForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        form.instance._history_user = request.user
        form.save()
        messages.success(request, "已登记听取汇报的会议。")
        return redirect("posts:assignment", a.pk)
    if request.method == "POST":
        messages.error(request, "没有保存：请按红色提示修改后再提交。")
    title = f"{a.member.name}的汇报（{report.period_name or report.reported_on}）：听取汇报的会议"
    context = page_context(request, a, title, form=form)
    return render(request, "form.html", context)
