"""Values as people write them in their own spreadsheets, read into what the member form accepts.

Secretaries keep rosters typed by hand, exported from the national party-member information system
(全国党员管理信息系统) or copied from other offices: 第1网格 for 第一网格, 调解 for 调解沟通, 1990年7月1日 or
19900701 for a date. Each reader here returns what the form accepts and, where it changed what the person
wrote in a way they should see, a note for the preview ("调解 → 调解沟通").
"""

import datetime
import re

FULL_WIDTH = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")
NUMERALS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def compact(text):
    """Without spaces (a pasted number may carry them), full-width digits and punctuation made half-width."""
    return "".join(str(text).split()).translate(FULL_WIDTH)


def number_in(text):
    """12, 012, 十二, 二十, 第一 … as an int (1 to 99); None when it is not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in NUMERALS and c != "十" for c in text):
        return None
    if "十" not in text:
        return NUMERALS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (NUMERALS[tens] if tens else 1) * 10 + (NUMERALS[ones] if ones else 0)


# What may stand around a grid's name: the Party's prefix and the branch's suffixes.
GRID_SUFFIXES = ("党支部委员会", "支部委员会", "党总支", "党支部", "支部", "党小组")


def grid_number(text, place_names=()):
    """The grid's number in 第1网格, 第一网格, 一网格, 1, 01, 金城村第一网格, 中共金城村第一网格党支部; or None.

    `place_names` are the town's and village's names (with and without 镇/村), which may lead the text.
    """
    text = compact(text)
    text = text.removeprefix("中共")
    for name in sorted(place_names, key=len, reverse=True):
        if name and text.startswith(name):
            text = text[len(name) :]
    for suffix in GRID_SUFFIXES:
        text = text.removesuffix(suffix)
    text = text.removeprefix("第").removesuffix("网格")
    return number_in(text)


def place_names(*names):
    """A village or town name as people may write it: 金城村 and 金城, 金城镇 and 金城."""
    out = []
    for name in names:
        out.append(name)
        for suffix in ("村", "社区", "镇", "乡", "街道"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                out.append(name.removesuffix(suffix))
    return out


EXCEL_EPOCH = datetime.date(1899, 12, 30)
DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?")


def read_date(text):
    """(ISO date the form accepts, or the text unchanged when it is no date; a note when only Y/M was given).

    1990-07-01, 1990/7/1, 1990.07.01, 1990年7月1日, 19900701, 1990年07月 (the 1st of the month), and the
    serial number an Excel date cell holds when the cell lost its date format (32690).
    """
    raw = text
    text = compact(text)
    if not text:
        return "", None
    day = DAY.fullmatch(text)
    if day:
        return _iso(raw, *map(int, day.groups())), None
    if re.fullmatch(r"\d{8}", text):
        return _iso(raw, int(text[:4]), int(text[4:6]), int(text[6:])), None
    month = MONTH.fullmatch(text)
    if month:
        year, mon = map(int, month.groups())
        iso = _iso(raw, year, mon, 1)
        return iso, (f"“{raw}”只有年月，按{year}年{mon}月1日记" if iso != raw else None)
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # Excel's day count since 1899-12-30
        serial = int(float(text))
        if 1 <= serial <= 80_000:
            return (EXCEL_EPOCH + datetime.timedelta(days=serial)).isoformat(), None
    return raw, None


def _iso(raw, year, month, day):
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return raw  # the form says the date is not valid, in its own words


# Short forms and other words people write for the specialties the survey lists (0002_specialties).
SPECIALTY_WORDS = {
    "种植养殖": ["种植", "养殖", "种养", "种田", "种地", "养猪", "养鸡", "果树", "蔬菜"],
    "农机驾驶": ["农机", "驾驶", "开车", "司机", "拖拉机", "农机操作"],
    "建筑施工": ["建筑", "施工", "瓦工", "泥瓦匠", "木工", "盖房"],
    "水电维修": ["水电", "电工", "水电工", "修水电", "管道维修"],
    "家电维修": ["家电", "修家电", "电器维修"],
    "医疗护理": ["医疗", "护理", "医生", "护士", "村医", "看护"],
    "法律知识": ["法律", "懂法", "法律咨询", "普法"],
    "调解沟通": ["调解", "沟通", "纠纷调解", "矛盾调解", "调解纠纷", "做群众工作"],
    "宣传写作": ["宣传", "写作", "写材料", "文字"],
    "文艺表演": ["文艺", "唱歌", "跳舞", "广场舞", "表演", "唱戏"],
    "书法绘画": ["书法", "绘画", "写字", "画画"],
    "电脑网络": ["电脑", "网络", "计算机", "上网"],
    "财务会计": ["财务", "会计", "记账", "出纳"],
    "教育辅导": ["教育", "辅导", "教师", "老师", "教书", "辅导功课"],
    "经商营销": ["经商", "营销", "销售", "做生意", "电商", "直播带货"],
    "治安巡防": ["治安", "巡防", "巡逻", "联防", "安保", "保安"],
    "环境保洁": ["保洁", "环境", "卫生", "环境卫生", "清扫"],
    "照料老人": ["照顾老人", "照料", "养老", "敬老", "照看老人"],
}


def read_specialty(text, names):
    """The specialty on the list (`names`) that `text` means, or None: its own name, a listed short form,
    or the only listed name it is part of (调 → none: too short; 巡防 → 治安巡防)."""
    text = compact(text).strip("。.")
    if text in names:
        return text
    for name, words in SPECIALTY_WORDS.items():
        if name in names and text in words:
            return name
    if len(text) >= 2:
        containing = [n for n in names if text in n or n in text]
        if len(containing) == 1:
            return containing[0]
    return None


def split_list(text):
    """调解沟通、种植养殖 / 调解,种植 / 调解；种植 / 调解 种植 → their parts."""
    return [p for p in re.split(r"[、，,;；/／\s]+", str(text)) if p]
