"""Citizen ID numbers (公民身份号码) per GB 11643-1999.

18 characters: a 6-digit region code, the birth date as YYYYMMDD, a 3-digit sequence whose last
digit is odd for men and even for women, and a check character computed from the first 17.
"""

import datetime
import operator
from dataclasses import dataclass

from django.core.exceptions import ValidationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level codes in use (GB/T 2260); the first two digits must be one of them.
PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
}

MALE = "M"
FEMALE = "F"


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: datetime.date
    gender: str


def check_char(first17):
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX", "'‘’-")


def normalise(value):
    """Strip spaces and dashes people paste in and the ' Excel puts before a number kept as text; accept a
    lowercase x and full-width digits (全角数字)."""
    return "".join(str(value).split()).translate(FULL_WIDTH).upper()


def parse_id_number(value, today=None):
    """Return the birth date and gender an ID number carries, or raise a ValidationError in Chinese."""
    number = normalise(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            f"公民身份号码应为18位，现在是15位：这是停止使用的旧号码，换算成18位是 {upgrade15(number)}，"
            "请与本人换发后的身份证核对后填写18位号码。",
            code="old",
        )
    if len(number) != 18:
        raise ValidationError(f"公民身份号码应为18位，现在是{len(number)}位。", code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("公民身份号码前17位应为数字，最后一位为数字或X。", code="chars")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(f"公民身份号码前两位“{number[:2]}”不是有效的省级行政区划代码。", code="region")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            f"公民身份号码中的出生日期“{number[6:14]}”不是有效日期，请核对第7至14位。", code="date"
        ) from None
    today = today or datetime.date.today()
    if birth.year < 1900 or birth > today:
        raise ValidationError(f"公民身份号码中的出生日期“{number[6:14]}”不合理，请核对第7至14位。", code="date")
    if check_char(number[:17]) != number[17]:
        raise ValidationError(
            "公民身份号码校验位不正确，请逐位核对（常见原因：录入时多打、漏打或打错一位）。", code="check"
        )
    gender = MALE if int(number[16]) % 2 else FEMALE
    return IdInfo(number=number, birth_date=birth, gender=gender)


def upgrade15(number):
    """The 18-digit form of a 15-digit number issued before 1999 (GB 11643-1999): 19 before the year, a check."""
    first17 = f"{number[:6]}19{number[6:15]}"
    return first17 + check_char(first17)


def make_id_number(region, birth_date, sequence):
    """Build a valid ID number; used by demo data and tests. `sequence` is 0–999; its parity sets the gender."""
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask_phone(phone):
    """Phones as lists, exports and printouts show them: the first three and the last four digits."""
    if not phone or len(phone) < 8:
        return phone or ""
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask(number):
    """What lists and public papers show: the region's first four and the last four characters."""
    if not number or len(number) < 8:
        return number or ""
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"
