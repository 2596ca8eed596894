"""操作日志: who changed what and when, from what to what; logins, failed logins and downloads too."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render

from grids.access import Role, role_of, towns_for_user
from grids.accounts import town_people
from grids.models import AuditEvent, Grid, Village
from members.forms import DateInput
from members.idcard import mask
from members.models import Member, NeedRecord, VillagePlan

from ..models import Assignment, Post

SHOWN = 100  # entries on the page, newest first

# Record kinds of the change history: (key, label, model, path from the record to its village, name field).
HISTORIES = [
    ("member", "党员", Member, "grid__village", "name"),
    ("need", "群众需求", NeedRecord, "grid__village", "issue"),
    ("plan", "实施方案", VillagePlan, "village", "title"),
    ("village", "村", Village, "id", "name"),
    ("grid", "网格", Grid, "village", "name"),
    ("post", "岗位", Post, "grid__village", "name"),
    ("assignment", "申报与定岗", Assignment, "post__grid__village", "member__name"),
    ("account", "账号", get_user_model(), None, "username"),
]
EVENTS = ("event", "登录与导出")
RECORD_CHOICES = [*((key, label) for key, label, *_ in HISTORIES), EVENTS]
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}


class AuditFilter(forms.Form):
    person = forms.ModelChoiceField(
        label="人员", queryset=get_user_model().objects.none(), required=False, empty_label="全部人员"
    )
    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none(), required=False, empty_label="全部村")
    record = forms.ChoiceField(label="记录", required=False, choices=[("", "全部记录"), *RECORD_CHOICES])
    name = forms.CharField(label="名称包含", required=False, max_length=50)
    since = forms.DateField(label="从", required=False, widget=DateInput())
    until = forms.DateField(label="到", required=False, widget=DateInput())

    def __init__(self, *args, villages, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: f"{u.get_full_name() or u.username}（{u.username}）"
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"


@login_required
def audit_log(request):
    """操作日志: who changed what and when, from what to what; logins, failed logins and downloads too."""
    if role_of(request.user) != Role.TOWN:
        raise PermissionDenied
    towns = towns_for_user(request.user)
    villages = Village.objects.filter(town__in=towns).order_by("name")
    people = town_people(towns)
    form = AuditFilter(request.GET or None, villages=villages, people=people)
    entries = []
    if form.is_valid() or not request.GET:
        f = form.cleaned_data if request.GET else {}
        entries = history_entries(f, villages, people) + event_entries(f, people)
        entries.sort(key=lambda e: e["at"], reverse=True)
        entries = entries[:SHOWN]
    return render(request, "posts/audit_log.html", {"form": form, "entries": entries, "shown": SHOWN})


def dated(qs, field, f):
    if f.get("since"):
        qs = qs.filter(**{f"{field}__date__gte": f["since"]})
    if f.get("until"):
        qs = qs.filter(**{f"{field}__date__lte": f["until"]})
    return qs


def history_entries(f, villages, people):
    entries = []
    for key, label, model, to_village, name_field in HISTORIES:
        if f.get("record") not in (None, "", key):
            continue
        rows = dated(model.history.all(), "history_date", f)
        if to_village:
            rows = rows.filter(**{f"{to_village}__in": [f["village"].pk] if f.get("village") else villages})
        elif f.get("village"):
            continue
        else:
            rows = rows.filter(id__in=people.values("pk"))
        if f.get("person"):
            rows = rows.filter(history_user=f["person"])
        if f.get("name"):
            rows = rows.filter(**{f"{name_field}__contains": f["name"]})
        rows = list(rows.select_related("history_user").order_by("-history_date")[:SHOWN])
        previous = previous_versions(model, rows)
        for row in rows:
            delta = changes(row, previous.get(row.history_id))
            if row.history_type == "~" and previous.get(row.history_id) and not delta:
                continue  # saved without a change that is kept (a login stamps last_login, which is not)
            entries.append(
                {
                    "at": row.history_date,
                    "who": row.history_user,
                    "kind": label,
                    "record": str(row.instance) if key != "assignment" else f"申报记录#{row.id}",
                    "action": ACTIONS.get(row.history_type, row.history_type),
                    "changes": delta,
                }
            )
    return entries


def previous_versions(model, rows):
    """{history_id: the version before it} for the rows shown, in one query."""
    if not rows:
        return {}
    ids = {r.id for r in rows}
    older = model.history.filter(id__in=ids, history_id__lt=max(r.history_id for r in rows)).order_by("history_id")
    by_object, result = {}, {}
    for version in older:
        by_object.setdefault(version.id, []).append(version)
    for row in rows:
        before = [v for v in by_object.get(row.id, []) if v.history_id < row.history_id]
        result[row.history_id] = before[-1] if before else None
    return result


def changes(row, before):
    """[(field label, old, new)] of one version against the one before it."""
    if before is None or row.history_type != "~":
        return []
    delta = row.diff_against(before, foreign_keys_are_objs=False)
    labels = {f.name: str(f.verbose_name) for f in row.instance_type._meta.fields}
    return [
        (labels.get(c.field, c.field), display(row, c.field, c.old), display(row, c.field, c.new))
        for c in delta.changes
    ]


def display(row, field, value):
    try:
        model_field = row.instance_type._meta.get_field(field)
    except Exception:  # a field the model no longer has
        return value
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if field == "id_number" and value:
        return mask(value)
    return "（空）" if value in ("", None) else value


def event_entries(f, people):
    if f.get("record") not in (None, "", EVENTS[0]) or f.get("village"):
        return []
    events = dated(AuditEvent.objects.all(), "at", f).filter(Q(user__in=people) | Q(user=None))
    if f.get("person"):
        events = events.filter(user=f["person"])
    if f.get("name"):
        events = events.filter(Q(username__contains=f["name"]) | Q(detail__contains=f["name"]))
    return [
        {
            "at": e.at,
            "who": e.user,
            "who_text": e.username,
            "kind": EVENTS[1],
            "record": e.path,
            "action": e.get_kind_display(),
            "changes": [],
            "detail": e.detail,
            "address": e.address,
        }
        for e in events.select_related("user")[:SHOWN]
    ]
