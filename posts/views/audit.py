"""操作日志: who did what and when. Every stage move of a round and every move of an assignment (who, when,
from, to, meeting, note), the field changes of every record that keeps a history, logins, failed logins and
downloads.

The town committee reads its town; a village secretary reads their own village, read-only. A grid secretary
(and the county) is refused as before: a grid's work shows on its village's log.
"""

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from grids.access import Role, role_of, towns_for_user, villages_for_user
from grids.accounts import town_people, village_people
from grids.models import AuditEvent, AuditKind, Grid, Village
from members.forms import DateInput
from members.idcard import mask, mask_phone
from members.models import Member, MemberAccount, NeedRecord, VillagePlan

from ..models import (
    Assignment,
    AssignmentLog,
    BranchPointEntry,
    DutyRecord,
    Feedback,
    Meeting,
    Notice,
    Objection,
    PointClaim,
    PointsNotice,
    PointsObjection,
    Post,
    ResidentRequest,
    Round,
    RoundLog,
    StarRating,
    StarRound,
    WorkReport,
)

SHOWN = 100  # entries on the page, newest first
EMPTY = "（空）"
ACTIONS = {"+": "新增", "~": "修改", "-": "删除"}
MOVED_FIELDS = {"status", "stage"}  # what a move changes; its log row shows it, from → to


def full_name(user):
    """A person as the page names them; works for a saved version of an account too."""
    return f"{user.first_name} {user.last_name}".strip() or user.username


def month_day(day):
    return date_format(day, "MONTH_DAY_FORMAT")


@dataclass(frozen=True)
class Kind:
    """Records of one model whose versions django-simple-history keeps."""

    key: str  # the filter's 记录
    label: str
    model: type
    to_village: str | None  # path from a record to its village; None for accounts, which go by person
    search: tuple  # fields 名称包含 looks in
    related: tuple  # loaded with each version, for its name
    name: Callable  # the record's name, from one of its versions
    added: tuple = ()  # fields worth reading when a record is added
    nobody: str = "系统"  # who, when a version has no user: a command, or a resident on the public page


HISTORIES = [
    Kind("member", "党员", Member, "grid__village", ("name",), ("grid__village",), lambda r: r.name),
    Kind(
        "need",
        "群众需求",
        NeedRecord,
        "grid__village",
        ("issue",),
        ("grid__village",),
        lambda r: f"{r.grid.name}：{r.issue[:20]}",
    ),
    Kind("plan", "实施方案", VillagePlan, "village", ("title",), ("village",), lambda r: r.title),
    Kind("village", "村", Village, "id", ("name",), (), lambda r: r.name),
    Kind("grid", "网格", Grid, "village", ("name",), ("village",), lambda r: r.name),
    Kind("post", "岗位", Post, "grid__village", ("name",), ("grid__village",), lambda r: f"{r.grid.name} · {r.name}"),
    Kind(
        "round",
        "年度工作",
        Round,
        "village",
        ("village__name",),
        ("village",),
        lambda r: f"{r.village.name}{r.year}年度设岗定责",
    ),
    Kind(
        "meeting",
        "会议",
        Meeting,
        "grid__village",
        ("grid__name", "resolution"),
        ("grid__village",),
        lambda r: f"{r.grid.name}{r.get_kind_display()}（{date_format(r.held_on)}）",
        added=("attendees", "present", "resolution"),
    ),
    Kind(
        "notice",
        "公示",
        Notice,
        "grid__village",
        ("grid__name",),
        ("grid__village",),
        lambda r: f"{r.grid.name}公示（{month_day(r.starts_on)}至{month_day(r.ends_on)}）",
        added=("place", "phone"),
    ),
    Kind(
        "objection",
        "异议",
        Objection,
        "notice__grid__village",
        ("raised_by", "content", "assignment__member__name"),
        ("notice__grid__village", "assignment__member"),
        lambda r: f"{r.raised_by}对{r.assignment.member.name}的异议" if r.assignment_id else f"{r.raised_by}的异议",
        added=("raised_on", "content"),
        nobody="群众",
    ),
    Kind(
        "assignment",
        "申报与定岗",
        Assignment,
        "post__grid__village",
        ("member__name", "post__name"),
        ("member", "post__grid__village"),
        lambda r: f"{r.member.name} · {r.post.name}",
        added=("source", "reason"),
    ),
    Kind(
        "feedback",
        "群众反馈",
        Feedback,
        "grid__village",
        ("content", "name"),
        ("grid__village",),
        lambda r: f"{r.grid.name}{r.get_kind_display()}：{r.content[:20]}",
        added=("name", "content"),
        nobody="群众",
    ),
    Kind(
        "duty",
        "履职纪实",
        DutyRecord,
        "assignment__post__grid__village",
        ("content", "assignment__member__name"),
        ("assignment__member", "assignment__post__grid__village", "kind"),
        lambda r: f"{r.assignment.member.name}{date_format(r.done_on)}{r.kind}",
        added=("content", "result"),
    ),
    Kind(
        "report",
        "定期汇报",
        WorkReport,
        "assignment__post__grid__village",
        ("content", "assignment__member__name"),
        ("assignment__member", "assignment__post__grid__village"),
        lambda r: f"{r.assignment.member.name}{r.period_name or date_format(r.reported_on)}汇报",
        added=("content",),
    ),
    Kind(
        "request",
        "群众点单",
        ResidentRequest,
        "grid__village",
        ("content", "code"),
        ("grid__village",),
        lambda r: f"{r.grid.name}{r.get_kind_display()}（{r.code}）：{r.content[:20]}",
        added=("content",),
        nobody="群众",
    ),
    Kind(
        "member_account",
        "党员手机登录",
        MemberAccount,
        "member__grid__village",
        ("member__name",),
        ("member__grid__village",),
        lambda r: f"{r.member.name}的手机登录",
    ),
    Kind(
        "claim",
        "积分申报",
        PointClaim,
        "assignment__post__grid__village",
        ("reason", "assignment__member__name"),
        ("assignment__member", "assignment__post__grid__village", "rule"),
        lambda r: f"{r.assignment.member.name}申报{r.rule.name}",
        added=("reason",),
    ),
    Kind(
        "points_notice",
        "积分公示",
        PointsNotice,
        "grid__village",
        ("grid__name",),
        ("grid__village",),
        lambda r: f"{r.grid.name}{r.year}年第{r.quarter}季度积分公示",
        added=("starts_on", "ends_on", "phone"),
    ),
    Kind(
        "points_objection",
        "积分异议",
        PointsObjection,
        "notice__grid__village",
        ("raised_by", "content", "assignment__member__name"),
        ("notice__grid__village", "assignment__member"),
        lambda r: (
            f"{r.raised_by}对{r.assignment.member.name}积分的异议"
            if r.assignment_id
            else f"{r.raised_by}对积分公示的异议"
        ),
        added=("raised_on", "content"),
        nobody="群众",
    ),
    Kind(
        "branch_points",
        "支部积分",
        BranchPointEntry,
        "grid__village",
        ("grid__name", "note"),
        ("grid__village", "rule"),
        lambda r: f"{r.grid.name}支部积分：{r.rule.name}",
        added=("on", "points", "note"),
    ),
    Kind(
        "star_round",
        "星级评定",
        StarRound,
        "grid__village",
        ("grid__name",),
        ("grid__village",),
        lambda r: f"{r.grid.name}{r.year}年度星级评定",
    ),
    Kind(
        "star",
        "党员星级",
        StarRating,
        "assignment__post__grid__village",
        ("assignment__member__name",),
        ("assignment__member", "assignment__post__grid__village"),
        lambda r: f"{r.assignment.member.name}的星级",
        added=("stars",),
    ),
    Kind("account", "账号", get_user_model(), None, ("username", "first_name"), (), full_name),
]


@dataclass(frozen=True)
class Moves:
    """The append-only log of a transition: one row per move, the record's own account of it."""

    key: str  # the kind of record moved (the filter's 记录 shows both)
    label: str
    model: type
    moved: str  # the field that points to the record moved
    to_village: str
    search: tuple
    related: tuple


MOVES = [
    Moves(
        "round", "阶段变更", RoundLog, "round", "round__village", ("round__village__name",), ("by", "round__village")
    ),
    Moves(
        "assignment",
        "定岗变更",
        AssignmentLog,
        "assignment",
        "assignment__post__grid__village",
        ("assignment__member__name", "assignment__post__name"),
        ("by", "meeting", "assignment__member", "assignment__post__grid__village"),
    ),
]
EVENTS = ("event", "登录与导出")
RECORD_CHOICES = [*((kind.key, kind.label) for kind in HISTORIES), EVENTS]


@dataclass(frozen=True)
class Scope:
    villages: QuerySet  # whose records are shown
    people: QuerySet  # whose logins, downloads and account changes are shown
    strangers: bool  # also failed logins under names no account of the scope has (the town sees those)


def scope_for(user, role):
    if role == Role.TOWN:
        towns = towns_for_user(user)
        return Scope(Village.objects.filter(town__in=towns).order_by("name_key"), town_people(towns), strangers=True)
    if role == Role.VILLAGE:
        villages = villages_for_user(user, edit=True).order_by("name_key")
        return Scope(villages, village_people(villages), strangers=False)
    raise PermissionDenied


class AuditFilter(forms.Form):
    person = forms.ModelChoiceField(
        label="人员", queryset=get_user_model().objects.none(), required=False, empty_label="全部人员"
    )
    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none(), required=False, empty_label="全部村")
    record = forms.ChoiceField(label="记录", required=False, choices=[("", "全部记录"), *RECORD_CHOICES])
    name = forms.CharField(label="名称包含", required=False, max_length=50)
    since = forms.DateField(label="从", required=False, widget=DateInput())
    until = forms.DateField(label="到", required=False, widget=DateInput())

    def __init__(self, *args, scope, one_village, **kwargs):
        super().__init__(*args, **kwargs)
        if one_village:
            del self.fields["village"]
        else:
            self.fields["village"].queryset = scope.villages
        self.fields["person"].queryset = scope.people
        self.fields["person"].label_from_instance = lambda u: f"{full_name(u)}（{u.username}）"
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "结束日期不能早于开始日期。")
        return cleaned


@login_required
def audit_log(request):
    """操作日志 of the town, or of a village secretary's own village."""
    role = role_of(request.user)
    scope = scope_for(request.user, role)
    town = role == Role.TOWN  # a village secretary has one village: no village to choose, none to name
    form = AuditFilter(request.GET or None, scope=scope, one_village=not town)
    entries = []
    if not form.is_bound or form.is_valid():
        f = form.cleaned_data if form.is_bound else {}
        if f.get("village"):
            villages = Village.objects.filter(pk=f["village"].pk)
            scope = Scope(villages, village_people(villages), strangers=False)
        moves, by_version = move_entries(f, scope)
        entries = [*moves, *history_entries(f, scope, by_version), *event_entries(f, scope)]
        entries = sorted(entries, key=lambda e: e["at"], reverse=True)[:SHOWN]
        present(entries)
    context = {"form": form, "entries": entries, "shown": SHOWN, "town": town}
    return render(request, "posts/audit_log.html", context)


def dated(qs, field, f):
    if f.get("since"):
        qs = qs.filter(**{f"{field}__date__gte": f["since"]})
    if f.get("until"):
        qs = qs.filter(**{f"{field}__date__lte": f["until"]})
    return qs


def containing(fields, text):
    return functools.reduce(lambda q, field: q | Q(**{f"{field}__contains": text}), fields, Q())


def village_of(row, path):
    if path in (None, "id"):  # an account; a village itself
        return ""
    return functools.reduce(getattr, path.split("__"), row).name


def move_entries(f, scope):
    """The stage and assignment moves, and {(record kind, record id, when): entry} to find each one by the
    version of the record that the same move wrote (and, for a new assignment, by the version that added it)."""
    entries, by_version = [], {}
    for moves in MOVES:
        if f.get("record") not in (None, "", moves.key):
            continue
        rows = dated(moves.model.objects.filter(**{f"{moves.to_village}__in": scope.villages}), "at", f)
        if f.get("person"):
            rows = rows.filter(by=f["person"])
        if f.get("name"):
            rows = rows.filter(containing(moves.search, f["name"]))
        for log in rows.select_related(*moves.related).order_by("-at", "-pk")[:SHOWN]:
            moved = getattr(log, f"{moves.moved}_id")
            facts = [("依据的会议", str(log.meeting or "")), ("说明", log.note)]
            entry = {
                "at": log.at,
                "who": full_name(log.by),
                "kind": moves.label,
                "record": str(getattr(log, moves.moved)),
                "place": village_of(log, moves.to_village),
                "action": str(log),  # 原状态 → 新状态
                "move": True,
                "changes": [],
                "facts": [(label, text) for label, text in facts if text],
            }
            entries.append(entry)
            by_version[(moves.key, moved, log.at)] = entry
            if getattr(log, "from_status", None) == "":
                by_version[(moves.key, moved, "+")] = entry
    return entries, by_version


def history_entries(f, scope, moves):
    """The versions of the records in scope, each against the one before it; a version that a move wrote is
    folded into the move's entry."""
    entries = []
    for kind in HISTORIES:
        if f.get("record") not in (None, "", kind.key):
            continue
        rows = dated(kind.model.history.all(), "history_date", f)
        if kind.to_village:
            rows = rows.filter(**{f"{kind.to_village}__in": scope.villages})
        else:
            rows = rows.filter(id__in=scope.people.values("pk"))
        if f.get("person"):
            rows = rows.filter(history_user=f["person"])
        if f.get("name"):
            rows = rows.filter(containing(kind.search, f["name"]))
        newest = rows.select_related("history_user", *kind.related, *named_paths(kind.model))
        newest = newest.order_by("-history_date", "-history_id")[:SHOWN]
        # The versions before them and their many-to-many values find the records shown by a subquery: a query
        # each, whatever the data (none at all for an empty list would make the page's cost depend on it).
        shown_ids = newest.values("id")
        rows = list(newest)
        previous = previous_versions(kind.model, rows, shown_ids)
        m2m = m2m_values(kind.model, shown_ids)
        for row in rows:
            before = previous.get(row.history_id)
            delta = changes(row, before, m2m)
            move = moves.get((kind.key, row.id, "+" if row.history_type == "+" else row.history_date))
            if move is not None:  # the move's own entry; the version adds what else it wrote (a letter's date)
                move["changes"] += [c for c in delta if c[0].name not in MOVED_FIELDS]
                continue
            if row.history_type == "~" and before is not None and not delta:
                continue  # saved without a change that is kept
            added = [kind.model._meta.get_field(name) for name in kind.added] if row.history_type == "+" else []
            added = [field for field in added if getattr(row, field.attname) not in ("", None)]
            entries.append(
                {
                    "at": row.history_date,
                    "who": full_name(row.history_user) if row.history_user else kind.nobody,
                    "kind": kind.label,
                    "record": kind.name(row),
                    "place": village_of(row, kind.to_village),
                    "action": ACTIONS.get(row.history_type, row.history_type),
                    "changes": delta,
                    "facts": [(field, getattr(row, field.attname)) for field in added],
                }
            )
    return entries


def previous_versions(model, rows, shown_ids):
    """{history_id: the version before it} for the rows shown, in one query."""
    older = model.history.filter(id__in=shown_ids).select_related(*named_paths(model)).order_by("history_id")
    by_object, result = {}, {}
    for version in older:
        by_object.setdefault(version.id, []).append(version)
    for row in rows:
        before = [v for v in by_object.get(row.id, []) if v.history_id < row.history_id]
        result[row.history_id] = before[-1] if before else None
    return result


def m2m_values(model, shown_ids):
    """{(field name, history_id): ((related id, its name), …)} of the many-to-many fields a history keeps, for
    every version of the records shown: one query a field."""
    history, result = model.history.model, {}
    for field in history._history_m2m_fields:
        target = field.m2m_reverse_field_name()
        rows = getattr(history, field.name).model.objects.filter(history__id__in=shown_ids).select_related(target)
        for row in rows.order_by(f"{target}_id"):
            related_id = getattr(row, f"{target}_id")
            result.setdefault((field.name, row.history_id), []).append((related_id, named(getattr(row, target))))
    return {key: tuple(values) for key, values in result.items()}


# What the name (__str__) of a related record reads beyond its own row: loaded with it.
NAME_READS = {Grid: ("village",), Round: ("village",), Notice: ("grid",), Assignment: ("member", "post")}


@functools.cache
def named_paths(model):
    """select_related paths loading, with each version, the records its keys point to, named without a query."""
    paths = []
    for field in kept_fields(model):
        if field.many_to_one or field.one_to_one:
            paths += [field.name, *(f"{field.name}__{path}" for path in NAME_READS.get(field.related_model, ()))]
    return tuple(paths)


def named(obj):
    """A related record as the page names it; one deleted since is named so."""
    if obj is None:
        return "（已删除）"
    return full_name(obj) if isinstance(obj, get_user_model()) else str(obj)


@functools.cache
def kept_fields(model):
    """The fields of a model that its history keeps and that can change (not the key, not Django's stamps)."""
    fields = [model._meta.get_field(f.name) for f in model.history.model.tracked_fields]
    return [
        f for f in fields if not (f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]


def changes(row, before, m2m):
    """[(field, old, new)] of one version against the one before it. Every kept field is compared: the library's
    diff_against leaves out the fields no form edits, such as an assignment's status, which moves change."""
    if before is None or row.history_type != "~":
        return []
    model = row.instance_type
    delta = [
        (f, value_of(before, f), value_of(row, f))
        for f in kept_fields(model)
        if getattr(before, f.attname) != getattr(row, f.attname)
    ]
    for field in model.history.model._history_m2m_fields:
        old, new = m2m.get((field.name, before.history_id), ()), m2m.get((field.name, row.history_id), ())
        if [pk for pk, _ in old] != [pk for pk, _ in new]:
            delta.append((field, listed(old), listed(new)))
    return delta


def listed(values):
    return "、".join(name for _, name in values) or EMPTY


def value_of(version, field):
    """A field's value in a version; a key as the name of what it points to (loaded with the version)."""
    if not field.is_relation:
        return getattr(version, field.attname)
    return EMPTY if getattr(version, field.attname) is None else named(getattr(version, field.name))


def event_entries(f, scope):
    if f.get("record") not in (None, "", EVENTS[0]):
        return []
    whose = Q(user__in=scope.people) | Q(user=None, username__in=scope.people.values("username"))
    if scope.strangers:
        whose |= Q(user=None)
    events = dated(AuditEvent.objects.filter(whose), "at", f)
    if f.get("person"):
        events = events.filter(user=f["person"])
    if f.get("name"):
        events = events.filter(Q(username__contains=f["name"]) | Q(detail__contains=f["name"]))
    return [
        {
            "at": e.at,
            "who": full_name(e.user) if e.user else e.username,
            "kind": EVENTS[1],
            # A download is known by its file; a login's address (/login/) tells a reader nothing.
            "record": (downloaded_file(e.detail) or e.path) if e.kind == AuditKind.DOWNLOAD else "",
            "place": "",
            "action": e.get_kind_display(),
            "changes": [],
            "facts": [("IP地址", e.address)] if e.address else [],
        }
        for e in events.select_related("user").order_by("-at", "-pk")[:SHOWN]
    ]


def downloaded_file(disposition):
    """The file name in a Content-Disposition header: filename*=utf-8''… for Chinese names, else filename="…"."""
    encoded = re.search(r"filename\*=utf-8''([^;]+)", disposition, re.IGNORECASE)
    if encoded:
        return unquote(encoded.group(1))
    plain = re.search(r'filename="?([^";]+)', disposition)
    return plain.group(1) if plain else ""


def present(entries):
    """Turn the values of the entries shown into text: labels for choices, dates as people write them, ID numbers
    masked (keys and many-to-many values are named already, from the records loaded with each version)."""
    for e in entries:
        e["changes"] = [(label_of(f), shown(f, old), shown(f, new)) for f, old, new in e["changes"]]
        e["facts"] = [(label_of(f), shown(f, value)) for f, value in e["facts"]]


def label_of(field):
    return field if isinstance(field, str) else str(field.verbose_name)


def shown(field, value):
    if isinstance(field, str) or field.is_relation:  # already text
        return value
    if value in ("", None):
        return EMPTY
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.name == "id_number":
        return mask(value)
    if field.model in (Member, ResidentRequest) and field.name == "phone":  # a person's own; a notice's is public
        return mask_phone(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value)
    return str(value)
