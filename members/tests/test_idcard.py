"""Citizen ID numbers (GB 11643-1999) against numbers checked without the module: the standard's own example
and check characters worked out here by ISO 7064 MOD 11-2 in its recursive form, which is not how the module
computes them (a weighted sum), so a wrong weight or a wrong table in the module cannot agree by accident."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import idcard
from members.models import Member

# The example printed in GB 11643-1999 itself (北京市朝阳区, born 1949-12-31, a woman).
PUBLISHED = "11010519491231002X"


def iso7064_check(first17):
    """ISO 7064 MOD 11-2, the recursive way the standard states it: p ← (p + digit)·2 mod 11 for each digit,
    then the check value c makes (p + c) ≡ 1 (mod 11); c = 10 is written X."""
    p = 0
    for digit in first17:
        p = (p + int(digit)) * 2 % 11
    c = (12 - p) % 11
    return "X" if c == 10 else str(c)


def with_check(first17):
    return first17 + iso7064_check(first17)


def test_the_hand_check_agrees_with_the_standards_example():
    # 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → X.
    assert iso7064_check(PUBLISHED[:17]) == "X"
    # Worked by hand: 3·7+2·9+0·10+9·5+8·8+1·4+1·2+9·1+8·6+0·3+0·7+2·9+2·10+9·5+0·8+0·4+1·2 = 296;
    # 296 mod 11 = 10 → "2" (the table 1 0 X 9 8 7 6 5 4 3 2).
    assert iso7064_check("32098119800229001") == "2"


def test_the_standards_example_gives_birth_date_and_gender():
    info = idcard.parse_id_number(PUBLISHED)
    assert info.number == PUBLISHED
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.gender == idcard.FEMALE  # 17th digit 2 is even


@pytest.mark.parametrize(
    ("first17", "birth", "gender"),
    [
        ("32098119800229001", datetime.date(1980, 2, 29), idcard.MALE),  # a leap day
        ("32098120000229002", datetime.date(2000, 2, 29), idcard.FEMALE),  # 2000 is a leap year (÷400)
        ("44030419851231987", datetime.date(1985, 12, 31), idcard.MALE),
        ("65010219700101000", datetime.date(1970, 1, 1), idcard.FEMALE),  # sequence 000: even, a woman
        ("81000019991009123", datetime.date(1999, 10, 9), idcard.MALE),  # 香港 (a province-level code 81)
    ],
)
def test_numbers_with_a_hand_computed_check_are_accepted(first17, birth, gender):
    number = with_check(first17)
    info = idcard.parse_id_number(number, today=datetime.date(2026, 11, 28))
    assert (info.number, info.birth_date, info.gender) == (number, birth, gender)


def test_every_wrong_check_character_is_refused():
    wrong = [c for c in "0123456789X" if c != "X"]
    for c in wrong:
        with pytest.raises(ValidationError) as err:
            idcard.parse_id_number(PUBLISHED[:17] + c)
        assert err.value.code == "check", c
        assert "校验位不正确" in err.value.messages[0]


@pytest.mark.parametrize(
    "typo",
    [
        "11010519491231003X",  # one digit of the sequence mistyped
        "11010519491231020X",  # two neighbouring digits swapped (02 → 20)
        "11010519491213002X",  # day and month digits swapped into another real date (12-13)
        "12010519491231002X",  # another province, same check
    ],
)
def test_typing_mistakes_are_caught_by_the_check_character(typo):
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(typo)
    assert err.value.code == "check"


@pytest.mark.parametrize(
    "first17",
    [
        "11010519491331002",  # month 13
        "11010519490001002",  # month 00
        "11010519490100002",  # day 00
        "11010519490132002",  # 32 January
        "11010519490431002",  # 31 April
        "11010519810229002",  # 29 February in a common year
        "11010519000229002",  # 1900 is not a leap year (÷100, not ÷400)
    ],
)
def test_impossible_dates_are_refused_even_with_a_right_check_character(first17):
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(with_check(first17))
    assert err.value.code == "date"
    assert "出生日期" in err.value.messages[0] and first17[6:14] in err.value.messages[0]


def test_birth_dates_before_1900_or_after_today_are_refused():
    old = with_check("44052418800101001")  # the often-quoted sample number 440524188001010014
    assert old == "440524188001010014"
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(old)
    assert err.value.code == "date" and "不合理" in err.value.messages[0]
    tomorrow = with_check("32098120261129001")
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(tomorrow, today=datetime.date(2026, 11, 28))
    assert err.value.code == "date"
    assert idcard.parse_id_number(tomorrow, today=datetime.date(2026, 11, 29)).birth_date == datetime.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("11010519491231002", "length", "现在是17位"),
        ("11010519491231002X1", "length", "现在是19位"),
        ("", "length", "现在是0位"),
        ("1101051949123100AX", "chars", "数字"),
        ("X10105194912310021", "chars", "数字"),
        ("99010519491231002X", "region", "“99”"),
        ("00010519491231002X", "region", "行政区划"),
    ],
)
def test_malformed_numbers_are_refused_in_chinese(number, code, words):
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number(number)
    assert err.value.code == code
    assert words in err.value.messages[0]


def test_old_15_digit_numbers_are_refused_with_what_to_do():
    # 15-digit numbers (before 1999, no check character) were withdrawn; the module does not accept them, but
    # offers the 18-digit form (GB 11643-1999: 19 before the year, a check character) for the person to confirm.
    with pytest.raises(ValidationError) as err:
        idcard.parse_id_number("110105491231002")
    assert err.value.code == "old"
    assert "现在是15位" in err.value.messages[0] and "换算成18位是 11010519491231002X" in err.value.messages[0]


def test_lowercase_x_spaces_and_full_width_digits_are_normalised():
    assert idcard.parse_id_number(" 110105 19491231 002x ").number == PUBLISHED
    assert idcard.parse_id_number("１１０１０５１９４９１２３１００２Ｘ").number == PUBLISHED


def test_numbers_made_for_demo_data_and_tests_carry_the_right_check():
    # conftest's new_id_number and seed_demo build numbers with make_id_number: they must be truly valid.
    for sequence in (0, 1, 13, 500, 999):
        for birth in (datetime.date(1949, 12, 31), datetime.date(1980, 2, 29), datetime.date(1970, 5, 17)):
            number = idcard.make_id_number("320981", birth, sequence)
            assert number == with_check(f"320981{birth:%Y%m%d}{sequence:03d}")
    assert idcard.make_id_number("110105", datetime.date(1949, 12, 31), 2) == PUBLISHED


def test_mask_keeps_only_ends():
    assert idcard.mask(PUBLISHED) == "1101**********002X"


@pytest.mark.django_db
def test_the_member_form_takes_birth_date_and_gender_from_the_published_number(login, sec_a, grid_a1):
    from members.tests.test_member_form import form_data

    client = login(sec_a)
    url = reverse("members:member-create", args=[grid_a1.pk])
    typo = client.post(url, form_data(grid_a1, id_number="11010519491231003X", joined_on="1975-07-01"))
    assert typo.status_code == 200 and "校验位不正确" in typo.text and not Member.objects.exists()
    impossible = with_check("11010519810229002")
    refused = client.post(url, form_data(grid_a1, id_number=impossible, joined_on="2000-07-01"))
    assert "不是有效日期" in refused.text and not Member.objects.exists()
    response = client.post(url, form_data(grid_a1, id_number="110105 19491231 002x", joined_on="1975-07-01"))
    assert response.status_code == 302
    member = Member.objects.get()
    assert (member.id_number, member.birth_date, member.gender) == (PUBLISHED, datetime.date(1949, 12, 31), "F")
