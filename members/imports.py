"""Importing the roster from a spreadsheet: read, match headers, validate every row, then save all or nothing.

Each row is checked by the same MemberForm a secretary fills in on screen, so an imported member obeys
exactly the rules of a typed one (ID check digit, birth date and gender, phone, dates, scope of grids).
"""

import csv
import io
import uuid
from collections import defaultdict

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from python_calamine import CalamineError, CalamineWorkbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from grids import figures
from grids.access import grids_for_user
from grids.models import Grid

from .forms import MemberForm, NeedRecordForm
from .idcard import mask, normalise
from .models import (
    CadrePost,
    Education,
    Gender,
    Health,
    ImportJob,
    ImportStatus,
    Member,
    Membership,
    NeedCategory,
    NeedKind,
    NeedMethod,
    NeedRecord,
    Specialty,
)

# Column → the names secretaries' own spreadsheets use for it (the national system's export among them).
HEADERS = {
    "所在网格": ["所在网格", "网格", "网格名称"],
    "姓名": ["姓名", "党员姓名"],
    "公民身份号码": ["公民身份号码", "身份证号", "身份证号码", "身份证"],
    "性别": ["性别"],
    "民族": ["民族"],
    "出生日期": ["出生日期"],
    "联系电话": ["联系电话", "手机号码", "手机", "电话"],
    "文化程度": ["文化程度", "学历"],
    "入党时间": ["入党时间", "入党日期"],
    "党员类别": ["党员类别", "人员类别"],
    "家庭住址": ["家庭住址", "住址", "地址"],
    "特长": ["特长"],
    "身体状况": ["身体状况", "健康状况"],
    "现任村干部职务": ["现任村干部职务", "村干部职务"],
    "长期外出": ["长期外出", "流动党员"],
    "愿意参加设岗定责": ["愿意参加设岗定责", "参加意愿"],
    "备注": ["备注"],
}
REQUIRED = ["姓名", "公民身份号码", "文化程度", "入党时间"]
EXAMPLE = [
    "第一网格",
    "张三",
    "11010519491231002X",
    "",
    "汉族",
    "",
    "13912345678",
    "高中",
    "1975-07-01",
    "正式党员",
    "一组12号",
    "调解沟通、种植养殖",
    "良好",
    "",
    "否",
    "是",
    "",
]
# Form field ← column
FIELDS = {
    "name": "姓名",
    "id_number": "公民身份号码",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_date": "出生日期",
    "phone": "联系电话",
    "education": "文化程度",
    "joined_on": "入党时间",
    "membership": "党员类别",
    "address": "家庭住址",
    "specialties": "特长",
    "health": "身体状况",
    "cadre_post": "现任村干部职务",
    "is_away": "长期外出",
    "is_willing": "愿意参加设岗定责",
    "note": "备注",
    "grid": "所在网格",
}
LABEL_ALIASES = {
    "本科": "大学本科",
    "大专": "大学专科",
    "专科": "大学专科",
    "中专": "中专（中技）",
    "中技": "中专（中技）",
    "小学": "小学及以下",
    "文盲": "小学及以下",
    "健康": "良好",
    "较差": "较差（体弱多病）",
    "差": "较差（体弱多病）",
    "正式": "正式党员",
    "预备": "预备党员",
    "无": "",
}
MAX_BLANK_RUN = 50  # LibreOffice may leave a million empty rows: stop after this many in a row
PROGRESS_EVERY = settings.IMPORT_PROGRESS_ROWS  # a background import records its check's progress this often
ERRORS_KEPT = 500  # a background import keeps this many error messages for its page


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


def read_rows(upload, kind):
    """[(row number, {column: text})] from an .xlsx or .csv upload, headers matched to `kind`'s column names."""
    name = upload.name.lower()
    data = upload.read()
    if not data:
        raise ImportFileError("文件是空的。")
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif name.endswith(".csv"):
        raw = _csv_rows(data)
    else:
        raise ImportFileError("只能导入 .xlsx（Excel）或 .csv 文件；.xls 请在 Excel 中“另存为” .xlsx。")
    header_at, header = _find_header(raw, KINDS[kind])
    rows, blank_run = [], 0
    for number, cells in raw[header_at + 1 :]:
        values = {col: _text(cells[i]) if i < len(cells) else "" for i, col in header.items()}
        if not any(values.values()):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        rows.append((number, values))
    if not rows:
        raise ImportFileError("表头下面没有数据行。")
    return rows


def _xlsx_rows(data):
    """Rows of the first sheet, numbered as Excel numbers them; a merged cell's value fills its whole range.

    Read with calamine (Rust): ten times faster than openpyxl on a 10,000-row roster, and it reads each row
    lazily, so a million blank rows left by LibreOffice cost nothing after the first MAX_BLANK_RUN.
    """
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        cells_iter = sheet.iter_rows()
        merged = sheet.merged_cell_ranges or []
    except (CalamineError, IndexError, ValueError):
        raise ImportFileError("无法读取这个文件：它不是有效的 Excel（.xlsx）文件。") from None
    # iter_rows() counts rows from the sheet's first row but columns from its first used column.
    first_col = sheet.start[1] if sheet.start else 0
    copies = defaultdict(list)  # row → [(column, top-left cell of its merged range)], the top-left first
    for (top, left), (bottom, right) in merged:
        for r in range(top, min(bottom, top + 10_000) + 1):
            copies[r].extend((c, (top, left)) for c in range(left, right + 1))
    rows, blank_run, merged_values = [], 0, {}
    for row, cells in enumerate(cells_iter):
        cells = [None] * first_col + list(cells)
        for c, (top, left) in copies.get(row, ()):
            if (row, c) == (top, left):
                merged_values[top, left] = cells[c] if c < len(cells) else None
            elif c < len(cells):
                cells[c] = merged_values.get((top, left))
        blank_run = 0 if any(c not in (None, "") for c in cells) else blank_run + 1
        if blank_run >= MAX_BLANK_RUN:
            break
        rows.append((row + 1, cells))
    return rows


def _csv_rows(data):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或导入 .xlsx 文件。")
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]


def _find_header(raw, kind):
    """The first of the top rows holding the kind's key headers; returns (index, {cell index: column})."""
    aliases = {alias: col for col, names in kind.headers.items() for alias in names}
    for index, (_, cells) in enumerate(raw[:10]):
        header = {i: aliases[_text(c)] for i, c in enumerate(cells) if _text(c) in aliases}
        if set(kind.required[:2]) <= set(header.values()):
            missing = [c for c in kind.required if c not in header.values()]
            if missing:
                raise ImportFileError(f"表头缺少：{'、'.join(missing)}。请使用导入模板。")
            return index, header
    first, second = kind.required[:2]
    raise ImportFileError(f"找不到表头：第一行（或前几行）应包含“{first}”“{second}”等列名。请使用导入模板。")


def _text(value):
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


_LABELS = {}  # id(choices enum) → {label: value}; Django rebuilds `.choices` lists on every access


def _choice(label, enum):
    labels = _LABELS.get(enum)
    if labels is None:
        labels = _LABELS[enum] = {text: value for value, text in enum.choices}
    label = LABEL_ALIASES.get(label, label)
    return labels.get(label, label)


def _yes_no(text, default):
    return default if text == "" else text in ("是", "Y", "y", "1", "√")


class RowCheck:
    """One row: what it would do (新增/更新/不变) or its errors, column by column.

    `form` is the row's own form when rows are saved one by one; bulk-saved rows keep their checked
    `instance` and `cleaned` values instead.
    """

    def __init__(self, number, values, form, action, columns, instance=None, cleaned=None):
        self.number, self.values, self.action, self.columns = number, values, action, columns
        self.form, self.instance, self.cleaned = form, instance, cleaned
        self.field_errors = {f: list(msgs) for f, msgs in form.errors.items()}

    @property
    def errors(self):
        return [(self.columns.get(f, "整行"), " ".join(msgs)) for f, msgs in self.field_errors.items()]

    @property
    def masked_id_number(self):
        """The preview, like every list, masks the ID number (an uploaded file may be anyone's)."""
        return mask(normalise(self.values.get("公民身份号码", "")))


def grids_by_name(grids):
    """A grid may be written as 第一网格, 金城村第一网格 or 1."""
    by_name = {}
    for g in grids.select_related("village"):
        for key in (g.name, f"{g.village.name}{g.name}", str(g.number)):
            by_name[key] = g
    return by_name


def grid_of(values, by_name, form):
    """An unknown grid name is a row error (an empty one means the only grid in scope)."""
    for field, message in unknown_names(values, by_name):
        form.add_error(field, message)


def unknown_names(values, by_name, specialties=None):
    """[(field, message)] for a grid outside the user's scope and, for members, specialties not on the list."""
    problems = []
    name = values.get("所在网格", "")
    if name and name not in by_name:
        problems.append(("grid", f"网格“{name}”不在您管理的范围内。"))
    unknown = [s for s in _split(values.get("特长", "")) if s not in specialties] if specialties is not None else []
    if unknown:
        problems.append(("specialties", f"没有这些特长选项：{'、'.join(unknown)}。"))
    return problems


class PreloadedChoiceField(forms.Field):
    """A choice among objects loaded once for the whole file, so checking a row costs no query."""

    def __init__(self, objects, many=False, **kwargs):
        super().__init__(**kwargs)
        self.objects, self.many = objects, many

    def to_python(self, value):
        if value in self.empty_values:
            return [] if self.many else None
        try:
            return [self.objects[int(v)] for v in value] if self.many else self.objects[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError("不是有效的选项。") from None


class ImportMemberForm(MemberForm):
    """MemberForm's rules for one spreadsheet row, with lookups and the uniqueness check served from memory."""

    def __init__(self, *args, grid_objects, specialty_objects, taken_ids, archived_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"] = PreloadedChoiceField(grid_objects, label="所在网格")
        self.fields["specialties"] = PreloadedChoiceField(specialty_objects, many=True, required=False)
        self.taken_ids, self.archived_ids = taken_ids, archived_ids

    def is_archived(self, number):
        return number in self.archived_ids

    def _get_validation_exclusions(self):
        # The grid was checked against the user's grids above; the model's own check would query per row.
        return {*super()._get_validation_exclusions(), "grid"}

    def validate_unique(self):
        number = self.cleaned_data.get("id_number")
        owner = self.taken_ids.get(number)
        if owner is not None and owner != self.instance.pk:
            self.add_error("id_number", Member._meta.get_field("id_number").error_messages["unique"])


def only_grid(grids):
    grids = list(grids[:2])
    return grids[0] if len(grids) == 1 else None


def check_member_rows(rows, grids, user, progress=None):
    """Validate every row against the user's editable grids; duplicates within the file are errors too.

    Everything a row is checked against is loaded once, so a file of any length costs a handful of queries.
    """
    by_name = grids_by_name(grids)
    grid_objects = {g.pk: g for g in by_name.values()}
    specialty_objects = {s.pk: s for s in Specialty.objects.all()}
    specialties = {s.name: s.pk for s in specialty_objects.values()}
    members = Member.objects.filter(grid__in=grids).select_related("grid").prefetch_related("specialties")
    existing = {m.id_number: m for m in members}
    taken_ids = dict(Member.everyone.values_list("id_number", "pk"))  # archived members keep their number
    archived_ids = set(Member.everyone.filter(left_on__isnull=False).values_list("id_number", flat=True))
    default_grid = only_grid(grids)
    # One form checks every row in turn: building a form (fields, choices, layout) costs far more than cleaning one.
    form = ImportMemberForm(
        {},
        instance=Member(),
        grids=grids,
        grid_objects=grid_objects,
        specialty_objects=specialty_objects,
        taken_ids=taken_ids,
        archived_ids=archived_ids,
    )
    seen, checks = {}, []
    for index, (number, v) in enumerate(rows):
        if progress and index and index % PROGRESS_EVERY == 0:
            progress(index)
        data = member_data(v, by_name, default_grid, specialties)
        key = normalise(v.get("公民身份号码", ""))
        instance = existing.get(key)
        before = _snapshot(instance)
        form.instance, form.data = instance or Member(), data
        form.full_clean()  # the form's own checks and messages; it fills form.instance as a typed save would
        for field, message in unknown_names(v, by_name, specialties):
            form.add_error(field, message)
        if key in seen:
            form.add_error("id_number", f"与第{seen[key]}行的公民身份号码重复。")
        cleaned = dict(getattr(form, "cleaned_data", {}))
        seen.setdefault(key, number)
        action = "更新" if instance else "新增"
        if instance and not form.errors and _same(before, cleaned):
            action = "不变"
        checks.append(RowCheck(number, v, form, action, FIELDS, instance=form.instance, cleaned=cleaned))
    return checks


def member_data(v, by_name, default_grid, specialties):
    """A row's columns as the member form's data (choice labels turned into their values)."""
    grid = by_name.get(v.get("所在网格", "")) or default_grid
    data = {
        "grid": grid.pk if grid else "",
        "name": v.get("姓名", ""),
        "id_number": v.get("公民身份号码", ""),
        "gender": _choice(v.get("性别", ""), Gender),
        "ethnicity": v.get("民族") or "汉族",
        "birth_date": v.get("出生日期", ""),
        "phone": v.get("联系电话", ""),
        "education": _choice(v.get("文化程度", ""), Education),
        "joined_on": v.get("入党时间", ""),
        "membership": _choice(v.get("党员类别") or "正式党员", Membership),
        "address": v.get("家庭住址", ""),
        "health": _choice(v.get("身体状况") or "良好", Health),
        "cadre_post": _choice(v.get("现任村干部职务", ""), CadrePost),
        "note": v.get("备注", ""),
        "specialties": [specialties[s] for s in _split(v.get("特长", "")) if s in specialties],
    }
    if _yes_no(v.get("长期外出", ""), False):
        data["is_away"] = "on"
    if _yes_no(v.get("愿意参加设岗定责", ""), True):
        data["is_willing"] = "on"
    return data


def _snapshot(record):
    """A record's values before a row is applied to it, to tell 更新 from 不变."""
    if record is None:
        return None
    values = {f.name: getattr(record, f.name) for f in record._meta.concrete_fields}
    if hasattr(record, "specialties"):
        values["specialties"] = {s.pk for s in record.specialties.all()}
    return values


def _same(before, cleaned):
    """Would saving change nothing? (Compared after cleaning: derived gender and birth date included.)"""
    for field, value in cleaned.items():
        if field == "specialties":
            value = {s.pk for s in value}
        if before.get(field) != value:
            return False
    return True


def _split(text):
    return [s for s in text.replace("，", "、").replace(",", "、").replace(";", "、").split("、") if s.strip()]


def save_rows(checks, user):
    """All rows or none: refuse if any row has an error, otherwise save every changed row in one transaction."""
    if any(c.errors for c in checks):
        raise ValueError("rows with errors cannot be saved")
    changed = [c for c in checks if c.action != "不变"]
    counts = count_actions(checks)
    with transaction.atomic():
        if changed and changed[0].instance is not None:
            _save_members(changed, user)
        else:
            for c in changed:
                c.form.save()
    return counts


def count_actions(checks):
    return {a: sum(c.action == a for c in checks) for a in ("新增", "更新", "不变")}


UPDATED_FIELDS = [*(f for f in MemberForm.Meta.fields if f != "specialties"), "updated_at"]


def _save_members(changed, user):
    """Members, their specialties and their history rows by the importing user, all at one time.

    Changed members are written one UPDATE each: Django's bulk_update builds a CASE expression per field and
    row, about 2 ms of Python a row (20 s for a 10,000-row re-import), against 0.2 ms for a plain update;
    simple-history's bulk_update_with_history, given no fields, then writes their history rows. New members go
    in with its bulk_create_with_history. Neither utility copies many-to-many history, so each history row's
    specialties are added here from the new links, as simple-history copies them after a typed save.
    """
    now = timezone.now()
    # The bulk writes below send no signals: the dashboard's kept figures of these grids' towns move on here.
    figures.changed(Grid, {c.instance.grid_id for c in changed}, "village__town_id")
    new = [c.instance for c in changed if c.action == "新增"]
    updated = [c.instance for c in changed if c.action == "更新"]
    for member in updated:
        member.updated_at = now  # update() leaves auto_now fields as they are
        Member.everyone.filter(pk=member.pk).update(**{f: getattr(member, f) for f in UPDATED_FIELDS})
    bulk_update_with_history(updated, Member, [], default_user=user, default_date=now)
    bulk_create_with_history(new, Member, default_user=user, default_date=now)
    through = Member.specialties.through
    through.objects.filter(member__in=updated).delete()
    links = through.objects.bulk_create(
        [through(member_id=c.instance.pk, specialty_id=s.pk) for c in changed for s in c.cleaned["specialties"]]
    )
    if not links:
        return
    history_of = dict(Member.history.filter(history_date=now, history_user=user).values_list("id", "history_id"))
    link_history = Member.history.model.specialties.model
    link_history.objects.bulk_create(
        [
            link_history(
                id=link.pk,
                member_id=link.member_id,
                specialty_id=link.specialty_id,
                history_id=history_of[link.member_id],
            )
            for link in links
        ]
    )


def _store_dir():
    path = settings.MEDIA_ROOT / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(upload, kind):
    """Keep the upload until it is confirmed (under MEDIA_ROOT/imports); returns (token, rows read from it)."""
    rows = read_rows(upload, kind)
    token = f"{uuid.uuid4().hex}{'.xlsx' if upload.name.lower().endswith('.xlsx') else '.csv'}"
    upload.seek(0)
    (_store_dir() / token).write_bytes(upload.read())
    return token, rows


def read_stored(token, kind):
    path = _store_dir() / token
    if "/" in token or not path.exists():
        raise ImportFileError("预览已过期，请重新上传文件。")
    return read_rows(SimpleUploadedFile(token, path.read_bytes()), kind)


def forget(token):
    (_store_dir() / token).unlink(missing_ok=True)


NEED_HEADERS = {
    "所在网格": ["所在网格", "网格", "网格名称"],
    "调查日期": ["调查日期", "日期", "走访日期"],
    "调查方式": ["调查方式", "方式"],
    "参与人员": ["参与人员", "走访对象", "参加人员"],
    "群众反映的问题或意见": ["群众反映的问题或意见", "问题或意见", "群众需求", "问题", "意见"],
    "问题类别": ["问题类别", "类别"],
    "问题性质": ["问题性质", "性质"],
}
NEED_FIELDS = {
    "grid": "所在网格",
    "recorded_on": "调查日期",
    "method": "调查方式",
    "participants": "参与人员",
    "issue": "群众反映的问题或意见",
    "category": "问题类别",
    "kind": "问题性质",
}
NEED_ALIASES = {"走访": "入户走访", "座谈": "座谈会", "焦点": "焦点问题", "热点": "热点问题", "难点": "难点问题"}


def check_need_rows(rows, grids, user, progress=None):
    """Needs rows, matched to what is already recorded by grid, date and issue (re-importing adds nothing)."""
    by_name = grids_by_name(grids)
    existing = {(n.grid_id, n.recorded_on.isoformat(), n.issue): n for n in NeedRecord.objects.filter(grid__in=grids)}
    checks, default_grid = [], only_grid(grids)
    for index, (number, v) in enumerate(rows):
        if progress and index and index % PROGRESS_EVERY == 0:
            progress(index)
        grid = by_name.get(v.get("所在网格", "")) or default_grid
        pick = lambda text, enum: _choice(NEED_ALIASES.get(text, text), enum)  # noqa: E731
        data = {
            "grid": grid.pk if grid else "",
            "recorded_on": v.get("调查日期", ""),
            "method": pick(v.get("调查方式", ""), NeedMethod),
            "participants": v.get("参与人员", ""),
            "issue": v.get("群众反映的问题或意见", ""),
            "category": pick(v.get("问题类别", ""), NeedCategory),
            "kind": pick(v.get("问题性质", ""), NeedKind),
        }
        instance = existing.get((grid.pk if grid else None, data["recorded_on"], data["issue"]))
        before = _snapshot(instance)
        form = NeedRecordForm(data, instance=instance or NeedRecord(recorded_by=user), grids=grids)
        form.is_valid()
        grid_of(v, by_name, form)
        action = "更新" if instance else "新增"
        if instance and form.is_valid() and _same(before, form.cleaned_data):
            action = "不变"
        checks.append(RowCheck(number, v, form, action, NEED_FIELDS))
    return checks


class ImportKind:
    def __init__(self, title, headers, required, example, check):
        self.title, self.headers, self.required, self.example, self.check = title, headers, required, example, check


KINDS = {
    "members": ImportKind("党员名册", HEADERS, REQUIRED, EXAMPLE, check_member_rows),
    "needs": ImportKind(
        "群众需求",
        NEED_HEADERS,
        ["调查日期", "群众反映的问题或意见", "调查方式", "问题类别", "问题性质"],
        ["第一网格", "2026-10-08", "入户走访", "走访农户10户", "河道垃圾堆积，希望定期清理。", "村容村貌", "热点问题"],
        check_need_rows,
    ),
}


def scope_grids(user, village, grid=None):
    """The grids an import into a village (or one of its grids) may write to, as `user` may edit them now."""
    grids = grids_for_user(user, edit=True)
    return grids.filter(pk=grid.pk) if grid else grids.filter(village=village)


def start_job(kind, token, file_name, rows_total, village, grid, user):
    """Record a large upload and queue its check for the worker; the page follows its progress."""
    from .tasks import check_import

    job = ImportJob.objects.create(
        kind=kind,
        token=token,
        file_name=file_name[:200],
        rows_total=rows_total,
        village=village,
        grid=grid,
        requested_by=user,
    )
    transaction.on_commit(lambda: check_import.enqueue(job.pk))
    return job


def confirm_job(job):
    """Queue the import of a checked job without errors; False if it is not (or no longer) in that state."""
    from .tasks import save_import

    updated = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED, error_rows=0).update(
        status=ImportStatus.SAVING, rows_checked=0
    )
    if updated:
        transaction.on_commit(lambda: save_import.enqueue(job.pk))
    return bool(updated)


def run_job(job_id, save=False):
    """Worker side: check every row (recording progress), and on `save` import them all or none.

    The rows are checked again before saving, as for a small file: the roster may have changed meanwhile.
    """
    job = ImportJob.objects.select_related("village", "grid", "requested_by").get(pk=job_id)
    jobs = ImportJob.objects.filter(pk=job.pk)
    user = job.requested_by
    try:
        rows = read_stored(job.token, job.kind)
        jobs.update(rows_total=len(rows))
        checks = KINDS[job.kind].check(
            rows, scope_grids(user, job.village, job.grid), user, progress=lambda n: jobs.update(rows_checked=n)
        )
        bad = [c for c in checks if c.errors]
        errors = [[c.number, column, message] for c in bad for column, message in c.errors][:ERRORS_KEPT]
        result = {"rows_checked": len(checks), "error_rows": len(bad), "errors": errors}
        if save and not bad:
            counts = save_rows(checks, user)
            forget(job.token)
            jobs.update(**result, counts=counts, status=ImportStatus.DONE, finished_at=timezone.now())
        else:
            jobs.update(**result, counts=count_actions(checks), status=ImportStatus.CHECKED)
    except ImportFileError as error:
        jobs.update(status=ImportStatus.FAILED, message=str(error), finished_at=timezone.now())
    except Exception:  # a job must end with a reason, never stay 正在检查 for ever
        message = "处理时出错，没有导入任何数据。请重新上传；如仍失败，请联系系统管理员查看日志。"
        jobs.update(status=ImportStatus.FAILED, message=message, finished_at=timezone.now())
        raise
