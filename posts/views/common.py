from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from ..models import (
    Status,
    TransitionError,
)


def act(request, form, action, success, done_url, context):
    """On a valid POST run `action(cleaned_data)`; a refusal shows on the form and nothing changes.

    `success` is the message (or a function of the cleaned data); `done_url` the page to go to next (or a
    function of what the action returned).
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except TransitionError as error:
            if error.refresh:  # overtaken: say what happened instead, and where to see it
                context = {**context, "overtaken": error.what_happened, "refresh": error.refresh}
            else:
                form.add_error(None, error.missing)  # one item each, as the checklist reads
        else:
            messages.success(request, success(form.cleaned_data) if callable(success) else success)
            return redirect(done_url(result) if callable(done_url) else done_url)
    if request.method == "POST" and "overtaken" not in context:
        messages.error(request, "没有办理：请按红色提示修改后再提交。")
    return render(request, "form.html", {**context, "form": form})


def round_grid_url(round, grid):
    return reverse("posts:round-grid", args=[round.pk, grid.pk])


MOVE_TITLES = {
    Status.PROPOSED: "确定为拟上岗人选",
    Status.NOT_CHOSEN: "未选中",
    Status.ON_POST: "签订承诺书，确认上岗",
    Status.LEFT: "不再上岗 / 离岗",
    Status.ADJUSTED: "调整岗位",
}
