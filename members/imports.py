"""Importing the roster from a spreadsheet: read, match headers, validate every row, then save all or nothing.

Each row is checked by the same MemberForm a secretary fills in on screen, so an imported member obeys
exactly the rules of a typed one (ID check digit, birth date and gender, phone, dates, scope of grids).
"""

import csv
import io
import os
import re
import time
import uuid
from collections import defaultdict

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from python_calamine import CalamineError, CalamineWorkbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from grids import figures
from grids.access import grids_for_user
from grids.models import Grid
from grids.names import sort_key
from jinchen.leases import MAX_CLAIMS, OUTAGE, lease_end, renewing, worker_name

from . import uploads
from .forms import MemberForm, NeedRecordForm
from .idcard import mask, mask_phone, normalise
from .models import (
    ETHNICITIES,
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
    Standing,
)
from .reading import compact, grid_number, place_names, read_date, read_specialty, split_list
from .uploads import ImportFileError

# Column → the names rosters use for it: the import template's, the national party-member information
# system's 党员基本信息采集表 and 汇总表 (公民身份证号, 所在党支部, 人员类别, 加入党组织日期, 是否为流动党员 …) and
# everyday ones (身份证号码, 手机号码, 入党时间, 转正时间). Headers are compared without spaces, * marks and
# notes in brackets ("出生日期（年月日）").
HEADERS = {
    "所在网格": [
        "所在网格",
        "网格",
        "网格名称",
        "所在党支部",
        "党支部",
        "所在支部",
        "支部",
        "所在党组织",
        "党组织名称",
    ],
    "姓名": ["姓名", "党员姓名"],
    "公民身份号码": [
        "公民身份号码",
        "公民身份证号",
        "公民身份证号码",
        "身份证号",
        "身份证号码",
        "身份证",
        "证件号码",
    ],
    "性别": ["性别"],
    "民族": ["民族"],
    "出生日期": ["出生日期", "出生年月"],
    "联系电话": ["联系电话", "手机号", "手机号码", "手机", "电话", "移动电话", "联系方式"],
    "固定电话": ["固定电话", "座机"],
    "文化程度": ["文化程度", "学历"],
    "入党时间": ["入党时间", "入党日期", "加入党组织日期"],
    "党员类别": ["党员类别", "人员类别"],
    "转为正式党员日期": ["转为正式党员日期", "转正时间", "转正日期"],
    "党籍状态": ["党籍状态"],
    "家庭住址": ["家庭住址", "住址", "地址", "现居住地"],
    "特长": ["特长", "个人特长"],
    "身体状况": ["身体状况", "健康状况"],
    "现任村干部职务": ["现任村干部职务", "村干部职务"],
    "长期外出": ["长期外出", "流动党员", "是否为流动党员", "是否流动党员"],
    "外出流向": ["外出流向", "流向"],
    "失联党员": ["失联党员", "是否为失联党员", "是否失联党员"],
    "失去联系日期": ["失去联系日期", "失联日期"],
    "愿意参加设岗定责": ["愿意参加设岗定责", "参加意愿"],
    "备注": ["备注"],
}
REQUIRED = ["姓名", "公民身份号码", "文化程度", "入党时间"]
# Columns a roster may carry that nothing here keeps; the preview does not list them as left out.
IGNORED = {"序号", "编号", "村", "设岗条件"}
# The import template: its columns and an example row.
EXAMPLE = {
    "所在网格": "第一网格",
    "姓名": "张三",
    "公民身份号码": "11010519491231002X",
    "性别": "",
    "民族": "汉族",
    "出生日期": "",
    "联系电话": "13912345678",
    "文化程度": "高中",
    "入党时间": "1975-07-01",
    "党员类别": "正式党员",
    "转为正式党员日期": "1976-07-01",
    "党籍状态": "正常",
    "家庭住址": "一组12号",
    "特长": "调解沟通、种植养殖",
    "身体状况": "良好",
    "现任村干部职务": "",
    "长期外出": "否",
    "外出流向": "",
    "失联党员": "否",
    "失去联系日期": "",
    "愿意参加设岗定责": "是",
    "备注": "",
}
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
    "full_member_on": "转为正式党员日期",
    "standing": "党籍状态",
    "address": "家庭住址",
    "specialties": "特长",
    "health": "身体状况",
    "cadre_post": "现任村干部职务",
    "is_away": "长期外出",
    "away_to": "外出流向",
    "is_lost": "失联党员",
    "lost_contact_on": "失去联系日期",
    "is_willing": "愿意参加设岗定责",
    "note": "备注",
    "grid": "所在网格",
}
DATE_COLUMNS = ("出生日期", "入党时间", "转为正式党员日期", "失去联系日期")
# The words people and the national system use for a choice, → the label the form knows.
LABEL_ALIASES = {
    "本科": "大学本科",
    "大学": "大学本科",
    "大专": "大学专科",
    "专科": "大学专科",
    "博士": "研究生",
    "硕士": "研究生",
    "博士研究生": "研究生",
    "硕士研究生": "研究生",
    "研究生教育": "研究生",
    "中专": "中专（中技）",
    "中技": "中专（中技）",
    "中等专科": "中专（中技）",
    "中等专业学校": "中专（中技）",
    "技工学校": "中专（中技）",
    "技校": "中专（中技）",
    "职业高中": "中专（中技）",
    "职高": "中专（中技）",
    "普通高中": "高中",
    "高中毕业": "高中",
    "初级中学": "初中",
    "初中毕业": "初中",
    "小学": "小学及以下",
    "小学毕业": "小学及以下",
    "文盲": "小学及以下",
    "半文盲": "小学及以下",
    "文盲或半文盲": "小学及以下",
    "健康": "良好",
    "好": "良好",
    "较差": "较差（体弱多病）",
    "差": "较差（体弱多病）",
    "体弱多病": "较差（体弱多病）",
    "正式": "正式党员",
    "预备": "预备党员",
    "停止": "停止党籍",
    "无": "",
}
YES = {"是", "Y", "y", "YES", "yes", "1", "√", "✓", "有"}
NO = {"否", "N", "n", "NO", "no", "0", "×", "无", "不是"}
MAX_BLANK_RUN = 50  # LibreOffice may leave a million empty rows: stop after this many in a row
PROGRESS_EVERY = settings.IMPORT_PROGRESS_ROWS  # a background import records its check's progress this often
ERRORS_KEPT = 500  # a background import keeps this many error messages for its page


class Rows(list):
    """[(row number, {column: text})], and the file's headers that no column takes (`unused`)."""

    unused = ()


def read_rows(upload, kind):
    """Rows from an .xlsx or .csv upload, headers matched to `kind`'s column names; a column the file lacks is
    absent from every row's values (so an update keeps what the roster has there)."""
    name = upload.name.lower()
    uploads.check_size(upload.size)  # before reading it: bounds (members/uploads.py) first, then the reader
    data = upload.read()
    if not data:
        raise ImportFileError("文件是空的。")
    if name.endswith(".xlsx"):
        uploads.check_xlsx(data)
        raw = uploads.contained(_xlsx_rows, data)
    elif name.endswith(".csv"):
        uploads.check_csv(data)
        raw = _csv_rows(data)
    else:
        raise ImportFileError("只能导入 .xlsx（Excel）或 .csv 文件；.xls 请在 Excel 中“另存为” .xlsx。")
    header_at, header, unused = _find_header(raw, KINDS[kind])
    rows, blank_run = Rows(), 0
    rows.unused = unused
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
    try:
        return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)]
    except csv.Error:
        raise uploads.csv_error() from None


def header_key(text):
    """A header as compared: without spaces, the * of a required column, or a note in brackets."""
    text = re.sub(r"[（(【\[].*?[)）】\]]", "", _text(text))
    return "".join(text.split()).strip("*＊:：")


def _find_header(raw, kind):
    """The first of the top rows holding the kind's key headers (title rows above it are skipped).

    Returns (index, {cell index: column}, [the row's other headers, which nothing imports]).
    """
    aliases = {header_key(alias): col for col, names in kind.headers.items() for alias in names}
    for index, (_, cells) in enumerate(raw[:10]):
        keys = [header_key(c) for c in cells]
        header = {}
        for i, key in enumerate(keys):
            if key in aliases and aliases[key] not in header.values():  # the first of two same columns
                header[i] = aliases[key]
        if set(kind.required[:2]) <= set(header.values()):
            missing = [c for c in kind.required if c not in header.values()]
            if missing:
                raise ImportFileError(f"表头缺少：{'、'.join(missing)}。请使用导入模板。")
            unused = [k for i, k in enumerate(keys) if k and i not in header and k not in IGNORED]
            return index, header, unused
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
    """A choice's label (or a word people use for it) → its value; anything else is left for the form to refuse."""
    labels = _LABELS.get(enum)
    if labels is None:
        labels = _LABELS[enum] = {text: value for value, text in enum.choices}
    label = LABEL_ALIASES.get(label, label)
    return labels.get(label, label)


def _yes_no(text, default):
    """是/否 and their everyday forms → True/False; None when the text is neither."""
    if text == "":
        return default
    return True if text in YES else False if text in NO else None


class RowCheck:
    """One row: what it would do (新增/更新/不变) or its errors, column by column, and what the reading changed.

    `notes` say how a value was read ("调解 → 调解沟通"); `changes` list an update's fields, old → new;
    `renamed` is the roster's name when the row's ID number belongs to a member of another name, which the
    person must confirm. `form` is the row's own form when rows are saved one by one; bulk-saved rows keep their
    checked `instance` and `cleaned` values instead.
    """

    def __init__(self, number, values, form, action, columns, instance=None, cleaned=None, notes=(), changes=()):
        self.number, self.values, self.action, self.columns = number, values, action, columns
        self.form, self.instance, self.cleaned = form, instance, cleaned
        self.field_errors = {f: list(msgs) for f, msgs in form.errors.items()}
        self.notes, self.changes = list(notes), list(changes)
        self.renamed, self.confirmed = None, False

    @property
    def errors(self):
        return [(self.columns.get(f, "整行"), " ".join(msgs)) for f, msgs in self.field_errors.items()]

    @property
    def waits_for_confirmation(self):
        return self.renamed is not None and not self.confirmed

    @property
    def masked_id_number(self):
        """The preview, like every list, masks the ID number (an uploaded file may be anyone's)."""
        return mask(normalise(self.values.get("公民身份号码", "")))


class GridReader:
    """Which grid of the import's scope a row's 所在网格 means, however people write it.

    第1网格, 第一网格, 一网格, 1, 01, 金城村第一网格, 中共金城村第一网格党支部 all name grid 1 of the village; a
    grid's own name (东片网格) is always understood. An empty cell means the scope's only grid.
    """

    def __init__(self, grids):
        self.grids = list(grids.select_related("village__town"))
        villages = {g.village_id: g.village for g in self.grids}
        self.village_grids = list(
            Grid.objects.filter(village__in=villages).select_related("village").order_by("number")
        )
        self.places = place_names(*{v.name for v in villages.values()}, *{v.town.name for v in villages.values()})
        self.by_name = {}
        for g in self.village_grids:
            for key in (g.name, f"{g.village.name}{g.name}"):
                self.by_name.setdefault(compact(key), g)
        one_village = len(villages) == 1
        self.by_number = {g.number: g for g in self.village_grids} if one_village else {}
        self.in_scope = {g.pk for g in self.grids}
        self.only = self.grids[0] if len(self.grids) == 1 else None

    def read(self, text):
        """(grid or None, a note when the text is not the grid's name, a message when no grid of scope is meant)."""
        if not text:
            if self.only:
                return self.only, None, None
            return None, None, f"请填写所在网格（可填：{self.names(self.grids)}）。"
        key = compact(text)
        grid = self.by_name.get(key)
        if grid is None:
            number = grid_number(key, self.places)
            grid = self.by_number.get(number)
        if grid is None:
            village = "、".join(sorted({g.village.name for g in self.grids})) or "本村"
            return None, None, f"{village}没有“{text}”。{village}的网格有：{self.names(self.village_grids)}。"
        if grid.pk not in self.in_scope:
            return None, None, f"{grid.name}不在您管理的范围内：您可以导入{self.names(self.grids)}的党员。"
        note = (
            None if key in (compact(grid.name), compact(f"{grid.village.name}{grid.name}")) else f"{text} → {grid.name}"
        )
        return grid, note, None

    @staticmethod
    def names(grids):
        return "、".join(g.name for g in grids)


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
        self.fields["grid"] = PreloadedChoiceField(grid_objects, label="所在网格", required=False)
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


def check_member_rows(rows, grids, user, progress=None, confirmed=()):
    """Validate every row against the user's editable grids; duplicates within the file are errors too.

    Everything a row is checked against is loaded once, so a file of any length costs a handful of queries.
    `confirmed` holds the numbers of the rows whose change of name the person has confirmed.
    """
    reader = GridReader(grids)
    grid_objects = {g.pk: g for g in reader.village_grids}
    specialty_objects = {s.pk: s for s in Specialty.objects.all()}
    specialties = {s.name: s.pk for s in specialty_objects.values()}
    members = Member.objects.filter(grid__in=grids).select_related("grid").prefetch_related("specialties")
    existing = {m.id_number: m for m in members}
    by_mask = defaultdict(list)  # an exported roster's masked number and name → the member it came from
    for m in existing.values():
        by_mask[mask(m.id_number), m.name].append(m)
    taken_ids = dict(Member.everyone.values_list("id_number", "pk"))  # archived members keep their number
    archived_ids = set(Member.everyone.filter(left_on__isnull=False).values_list("id_number", flat=True))
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
        key = normalise(v.get("公民身份号码", ""))
        problems = []
        if "*" in key:  # a row of an exported roster: its number is masked, its name says whose it is
            found = by_mask.get((key, v.get("姓名", "").strip()), [])
            if len(found) == 1:
                key = found[0].id_number
            else:
                problems.append(
                    ("id_number", "号码中间几位已隐去（*），名册中没有同名且号码相符的党员：请填写完整的18位号码。")
                )
        instance = existing.get(key)
        data, notes, more = member_data(v, reader, specialties, instance, key)
        problems += more
        before = _snapshot(instance)
        form.instance, form.data = instance or Member(), data
        form.full_clean()  # the form's own checks and messages; it fills form.instance as a typed save would
        explain_choices(form, data)
        for field, message in problems:
            form.add_error(field, message)
        if key in seen:
            form.add_error("id_number", f"与第{seen[key]}行的公民身份号码重复。")
        cleaned = dict(getattr(form, "cleaned_data", {}))
        seen.setdefault(key, number)
        action, changes = "新增", []
        if instance:
            changes = [] if form.errors else changed_fields(form, before, cleaned)
            action = "更新" if changes or form.errors else "不变"
        check = RowCheck(number, v, form, action, FIELDS, form.instance, cleaned, notes, changes)
        if instance and not form.errors and cleaned.get("name") != before["name"]:
            check.renamed, check.confirmed = before["name"], number in confirmed
        checks.append(check)
    return checks


def member_data(v, reader, specialties, instance=None, id_number=None):
    """A row's columns as the member form's data (words turned into the form's values); columns the file lacks
    keep the roster's values. Returns (data, notes on how values were read, [(field, message)])."""
    data, notes, problems = _form_data(instance), [], []
    present = v.keys()
    if "所在网格" in present or instance is None:
        grid, note, message = reader.read(v.get("所在网格", ""))
        data["grid"] = grid.pk if grid else ""
        notes += [f"所在网格：{note}"] if note else []
        problems += [("grid", message)] if message else []
    for field in ("name", "address", "away_to", "note"):
        if FIELDS[field] in present:
            data[field] = v[FIELDS[field]]
    data["id_number"] = id_number if id_number and "*" not in id_number else v.get("公民身份号码", "")
    for field, enum, default in (
        ("gender", Gender, ""),
        ("education", Education, ""),
        ("membership", Membership, "正式党员"),
        ("standing", Standing, "正常"),
        ("health", Health, "良好"),
        ("cadre_post", CadrePost, ""),
    ):
        column = FIELDS[field]
        if column in present or instance is None:
            text = v.get(column, "") or default
            data[field] = _choice(text, enum)
            if text in LABEL_ALIASES and LABEL_ALIASES[text]:
                notes.append(f"{column}：{text} → {LABEL_ALIASES[text]}")
    if "民族" in present or instance is None:
        text = v.get("民族", "") or "汉族"
        data["ethnicity"] = text if text.endswith("族") or f"{text}族" not in ETHNICITIES else f"{text}族"
    for field in ("birth_date", "joined_on", "full_member_on", "lost_contact_on"):
        column = FIELDS[field]
        if column in present:
            data[field], note = read_date(v[column])
            notes += [f"{column}：{note}"] if note else []
    if "联系电话" in present or "固定电话" in present:
        phone = v.get("联系电话") or v.get("固定电话", "")
        if "*" in phone:  # an exported roster's masked phone: the roster keeps the number it hides
            if instance is None or mask_phone(instance.phone) != compact(phone):
                problems.append(("phone", "号码中间几位已隐去（*）：请填写完整号码，或留空。"))
            phone = instance.phone if instance else ""
        data["phone"] = phone
    for field, default in (("is_away", False), ("is_lost", False), ("is_willing", True)):
        column = FIELDS[field]
        if column in present or instance is None:
            value = _yes_no(v.get(column, ""), default)
            if value is None:
                problems.append((field, f"“{v[column]}”不是可选的值。可填：是、否。"))
            data[field] = "on" if value else ""
    if "特长" in present:
        data["specialties"], kept, more = read_specialties(v["特长"], specialties)
        notes += more
        if kept:
            extra = f"其他特长：{'、'.join(kept)}"
            note = data.get("note", "")
            data["note"] = note if extra in note else f"{note}；{extra}" if note else extra
    return data, notes, problems


def read_specialties(text, specialties):
    """(the listed specialties' keys, the written ones the list lacks, notes) for a cell such as 调解、种菜."""
    pks, kept, notes = [], [], []
    for part in split_list(text):
        name = read_specialty(part, specialties)
        if name is None:
            kept.append(part)
            notes.append(f"特长：“{part}”不在特长选项中，已记入备注")
        elif specialties[name] not in pks:
            pks.append(specialties[name])
            if name != part:
                notes.append(f"特长：{part} → {name}")
    return pks, kept, notes


def _form_data(instance):
    """A member's values as the member form's data, to start a row from (empty for a new member)."""
    if instance is None:
        return {}
    data = {}
    for field in MemberForm.Meta.fields:
        value = getattr(instance, field if field != "grid" else "grid_id")
        if field == "specialties":
            value = [s.pk for s in instance.specialties.all()]
        elif isinstance(value, bool):
            value = "on" if value else ""
        elif value is None:
            value = ""
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        data[field] = value
    return data


DATE_FORMS = "1990-07-01、1990/7/1、1990年7月1日、19900701，或Excel的日期格式"


def explain_choices(form, data):
    """A refused choice or date says what would be accepted: “大本”不是可选的值。可填：研究生、大学本科、…"""
    for field, errors in form.errors.as_data().items():
        if field in ("grid", "specialties"):
            continue
        if any(e.code == "invalid_choice" for e in errors):
            labels = [label for value, label in form.fields[field].choices if value]
            form.errors[field] = form.error_class([f"“{data.get(field)}”不是可选的值。可填：{'、'.join(labels)}。"])
        elif any(e.code == "invalid" for e in errors) and isinstance(form.fields[field], forms.DateField):
            form.errors[field] = form.error_class([f"“{data.get(field)}”不是有效的日期。可填：{DATE_FORMS}。"])


def changed_fields(form, before, cleaned):
    """[(label, old, new)] an update would make, as the preview shows them (numbers masked)."""
    changes = []
    for field, value in cleaned.items():
        old = before.get(field)
        if field == "specialties":
            value = {s.pk for s in value}
        if old == value:
            continue
        changes.append((form.fields[field].label, _shown(form, field, old), _shown(form, field, value)))
    return changes


def _shown(form, field, value):
    if field == "specialties":
        return "、".join(form.fields[field].objects[pk].name for pk in sorted(value)) or "无"
    if field == "grid":
        return getattr(value, "name", None) or next(
            (g.name for g in form.fields["grid"].objects.values() if g.pk == value), ""
        )
    if field == "id_number":
        return mask(value)
    if field == "phone":
        return mask_phone(value) or "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    choices = getattr(form.fields[field], "choices", None)
    if choices and field not in ("grid", "specialties"):
        return dict(choices).get(value, value) or "无"
    if value in (None, ""):
        return "无"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


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


def save_rows(checks, user):
    """All rows or none: refuse if any row has an error, otherwise save every changed row in one transaction."""
    if any(c.errors or c.waits_for_confirmation for c in checks):
        raise ValueError("rows with errors or an unconfirmed change of name cannot be saved")
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


UPDATED_FIELDS = [*(f for f in MemberForm.Meta.fields if f != "specialties"), "name_key", "updated_at"]


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
    for c in changed:
        c.instance.name_key = sort_key(c.instance.name)  # save() would; the bulk writes do not
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
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store_upload(upload, kind):
    """Keep the upload until it is confirmed (under MEDIA_ROOT/imports); returns (token, rows read from it).

    The file holds whole ID numbers: only the server's own account may read it (0600, whatever the umask), and
    `delete_stale_uploads` removes it after UPLOAD_KEEP_HOURS if it was never imported.
    """
    rows = read_rows(upload, kind)
    token = f"{uuid.uuid4().hex}{'.xlsx' if upload.name.lower().endswith('.xlsx') else '.csv'}"
    upload.seek(0)
    fd = os.open(_store_dir() / token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(upload.read())
    return token, rows


def read_stored(token, kind):
    path = _store_dir() / token
    if "/" in token or not path.exists():
        raise ImportFileError("预览已过期，请重新上传文件。")
    return read_rows(SimpleUploadedFile(token, path.read_bytes()), kind)


def forget(token):
    (_store_dir() / token).unlink(missing_ok=True)


def delete_stale_uploads(now=None):
    """Delete the uploads older than UPLOAD_KEEP_HOURS (previews never confirmed, jobs never imported); returns
    how many. A preview confirmed later says 预览已过期 and asks for the file again."""
    limit = (now or time.time()) - settings.UPLOAD_KEEP_HOURS * 3600
    stale = [path for path in _store_dir().iterdir() if path.is_file() and path.stat().st_mtime < limit]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


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


def check_need_rows(rows, grids, user, progress=None, confirmed=()):
    """Needs rows, matched to what is already recorded by grid, date and issue (re-importing adds nothing)."""
    reader = GridReader(grids)
    existing = {(n.grid_id, n.recorded_on.isoformat(), n.issue): n for n in NeedRecord.objects.filter(grid__in=grids)}
    checks = []
    pick = lambda text, enum: _choice(NEED_ALIASES.get(text, text), enum)  # noqa: E731
    for index, (number, v) in enumerate(rows):
        if progress and index and index % PROGRESS_EVERY == 0:
            progress(index)
        grid, note, message = reader.read(v.get("所在网格", ""))
        day, day_note = read_date(v.get("调查日期", ""))
        data = {
            "grid": grid.pk if grid else "",
            "recorded_on": day,
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
        explain_choices(form, data)
        if message:
            form.errors["grid"] = form.error_class([message])
        action = "更新" if instance else "新增"
        if instance and not form.errors and _same(before, form.cleaned_data):
            action = "不变"
        notes = [f"所在网格：{note}"] if note else []
        notes += [f"调查日期：{day_note}"] if day_note else []
        checks.append(RowCheck(number, v, form, action, NEED_FIELDS, notes=notes))
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
        dict(
            zip(
                NEED_HEADERS,
                [
                    "第一网格",
                    "2026-10-08",
                    "入户走访",
                    "走访农户10户",
                    "河道垃圾堆积，希望定期清理。",
                    "村容村貌",
                    "热点问题",
                ],
                strict=True,
            )
        ),
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
        status=ImportStatus.SAVING, rows_checked=0, lease_until=None, attempts=0
    )
    if updated:
        transaction.on_commit(lambda: save_import.enqueue(job.pk))
    return bool(updated)


class ClaimLost(Exception):
    """Another worker took the job over after this one's lease ran out: this one must write nothing."""


CRASHED = "处理时出错，没有导入任何数据。请重新上传；如仍失败，请联系系统管理员查看日志。"


def run_job(job_id, save=False):
    """Worker side: check every row (recording progress), and on `save` import them all or none.

    The rows are checked again before saving, as for a small file: the roster may have changed meanwhile.
    The job is claimed with a lease renewed while it runs (jinchen/leases.py); every write names the claim, and
    the save marks the job done in its own transaction, so a job is saved once even if its first worker
    lingers after another took it over.
    """
    status = ImportStatus.SAVING if save else ImportStatus.CHECKING
    claimed = ImportJob.objects.filter(pk=job_id, status=status, lease_until=None).update(
        worker=worker_name(), lease_until=lease_end(), attempts=F("attempts") + 1
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("village", "grid", "requested_by").get(pk=job_id)
    mine = ImportJob.objects.filter(pk=job.pk, status=status, worker=job.worker, attempts=job.attempts)
    user = job.requested_by
    try:
        with renewing(mine):
            rows = read_stored(job.token, job.kind)
            mine.update(rows_total=len(rows))
            grids = scope_grids(user, job.village, job.grid)
            checks = KINDS[job.kind].check(rows, grids, user, progress=lambda n: mine.update(rows_checked=n))
            # A change of name cannot be confirmed row by row on a large file's page: such rows are refused.
            renamed = "姓名与名册中的“{}”不同：同一身份证号改名，请先在党员信息页修改姓名，再导入。"
            bad = [c for c in checks if c.errors or c.waits_for_confirmation]
            errors = [
                [c.number, column, message]
                for c in bad
                for column, message in c.errors or [("姓名", renamed.format(c.renamed))]
            ][:ERRORS_KEPT]
            result = {"rows_checked": len(checks), "error_rows": len(bad), "errors": errors}
            if save and not bad:
                mine.update(rows_checked=len(checks))  # checked: the page shows the save under way
                with transaction.atomic():
                    counts = save_rows(checks, user)
                    done = {"status": ImportStatus.DONE, "finished_at": timezone.now()}
                    if not mine.update(**result, counts=counts, **done):
                        raise ClaimLost
                forget(job.token)
            elif not mine.update(**result, counts=count_actions(checks), status=ImportStatus.CHECKED):
                raise ClaimLost
    except ClaimLost:
        return
    except ImportFileError as error:
        mine.update(status=ImportStatus.FAILED, message=str(error), finished_at=timezone.now())
    except OUTAGE:
        raise  # nothing was saved (the transaction rolled back): the lease runs out and the job is taken again
    except Exception:  # a job must end with a reason, never stay 正在检查 for ever
        mine.update(status=ImportStatus.FAILED, message=CRASHED, finished_at=timezone.now())
        raise


def recover_jobs():
    """Queue again the check or save of jobs whose worker died (lease run out), or give them up after MAX_CLAIMS
    attempts; every worker calls this now and then. Conditional on the state read: any number may sweep at once."""
    from .tasks import check_import, save_import

    now = timezone.now()
    running = [ImportStatus.CHECKING, ImportStatus.SAVING]
    for job in ImportJob.objects.filter(status__in=running, lease_until__lt=now):
        claim = ImportJob.objects.filter(
            pk=job.pk, status=job.status, worker=job.worker, attempts=job.attempts, lease_until__lt=now
        )
        if job.attempts >= MAX_CLAIMS:
            claim.update(status=ImportStatus.FAILED, message=CRASHED, finished_at=now)
        elif claim.update(lease_until=None, rows_checked=0):
            (save_import if job.status == ImportStatus.SAVING else check_import).enqueue(job.pk)
