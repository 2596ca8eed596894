import datetime

import pytest
from django.core.exceptions import ValidationError

from members import idcard

# Check digits worked by hand from GB 11643's weights: 11010519491231002 → sum 167 → 167 % 11 = 2 → "X".
VALID = "11010519491231002X"


def test_valid_number_gives_birth_date_and_gender():
    info = idcard.parse_id_number(VALID)
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.gender == idcard.FEMALE  # 17th digit 2 is even


def test_lowercase_x_and_spaces_are_normalised():
    assert idcard.parse_id_number(" 110105 19491231 002x ").number == VALID


def test_male_from_odd_seventeenth_digit():
    number = idcard.make_id_number("320981", datetime.date(1980, 2, 29), 13)
    assert idcard.parse_id_number(number).gender == idcard.MALE


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("110105194912310021", "check", "校验位"),  # last character should be X
        ("11010519491331002X", "date", "出生日期"),  # month 13
        ("110105190002300029", "date", "出生日期"),  # 30 February
        ("11010519491231002", "length", "18位"),
        ("1101051949123100AX", "chars", "数字"),
        ("99010519491231002X", "region", "行政区划"),
    ],
)
def test_invalid_numbers_are_refused_in_chinese(number, code, words):
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(number)
    assert err.value.code == code
    assert words in err.value.messages[0]


def test_future_birth_date_is_refused():
    number = idcard.make_id_number("320981", datetime.date(2030, 1, 1), 11)
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(number, today=datetime.date(2026, 11, 28))
    assert err.value.code == "date"


def test_mask_keeps_only_ends():
    assert idcard.mask(VALID) == "1101**********002X"
