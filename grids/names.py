"""Names as Chinese readers sort them: by pinyin (王 wáng before 张 zhāng), numbers by value (测试2 before 测试10).

Stored as a key beside the name (`name_key`) so SQLite and PostgreSQL order lists the same way, whatever
collation the database was created with: only letters and digits, digits first in every collation.
"""

import re

from pypinyin import Style, lazy_pinyin

KEY_LENGTH = 400
OTHER = "zzzzzz9"  # a character with no reading sorts after every syllable


def sort_key(name):
    """王芳 → 'wang002fang001', 测试10 → 'ce00004shi00040000000000010': seven characters per syllable."""
    tokens = []
    for chunk in re.split(r"(\d+)", "".join(str(name or "").split()).lower()):
        if chunk.isdigit():
            tokens.append(f"0{int(chunk):012d}")
            continue
        for syllable in lazy_pinyin(chunk, style=Style.TONE3, neutral_tone_with_five=True, errors=list):
            letters, tone = (syllable[:-1], syllable[-1]) if syllable[-1:].isdigit() else (syllable, "0")
            if letters.isascii() and letters.isalpha() and len(letters) <= 6:
                tokens.append(letters.ljust(6, "0") + tone)
            else:
                tokens.append(OTHER)
    return "".join(tokens)[:KEY_LENGTH]
