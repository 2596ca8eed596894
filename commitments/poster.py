"""How a grid's wall sheet (网格公示牌) fills its A3 page: the columns and type sizes for its posts.

The sheet is read from two metres, so the names should be as large as the page allows, and it must stay one
page whether the grid has one post or a dozen. WeasyPrint cannot shrink text to fit a box, so the sizes are
chosen here, before layout, from an estimate of each card's height: the largest names that fit, with the duties
shown when they still fit beside names of at least DUTIES_MIN_NAME pt. The estimate errs on the large side
(every character as wide as a CJK one or wider), so a sheet it passes fits on its page.

The page geometry below is the one in static/css/print.css (section "网格公示牌"): change them together.
"""

import math
from dataclasses import dataclass, field

PT = 25.4 / 72  # mm per point

# The area the post cards share (mm): A3 portrait inside 12 mm margins and the body's 8 px, less the head and the foot.
BODY_WIDTH = 268
BODY_HEIGHT = 240
GAP = 4  # between cards
CARD_PADDING = 3.5  # inside a card, each side, with its border
NAME_GAP = 0.7  # em, the margins of a name
NAME_SIZES = [120, 108, 96, 84, 72, 64, 56, 48, 44, 40, 36, 32, 30, 28, 26, 24, 22, 20, 18, 16]
MAX_COLUMNS = 4
MIN_SCALE = 0.6  # a card's names may be this much smaller than the sheet's
DUTIES_MIN_NAME = 32
SAFETY = 0.98  # of a card's height the estimate may use (the heights are exact, the widths generous)


@dataclass
class Card:
    """One post on the sheet: its members on post and how many of its places nobody holds yet."""

    name: str
    names: list
    places: int
    duties: list = field(default_factory=list)
    # Set by fit(): the size of this card's names, and the style that sets it when it is not the sheet's.
    name_pt: int = 0
    style: str = ""

    @property
    def vacant(self):
        return max(self.places - len(self.names), 0)

    @property
    def vacancy_text(self):
        if not self.names:
            return "待定"
        return "空缺" if self.vacant == 1 else f"空缺{self.vacant}名"


@dataclass
class Layout:
    cols: int
    name_pt: int
    post_pt: int
    duty_pt: int
    duties: bool
    smallest_pt: int  # of any card's names
    total_pt: int  # of all cards' names
    fits: bool = True  # False: too much for one page even in the smallest type; the cards flow onto a second

    @property
    def rank(self):
        """Better layouts rank higher: duties shown, then the largest smallest names, the largest names on the
        whole, titles in proportion to the names (the sheet's size no larger than needed), fewer columns."""
        return (self.duties, self.smallest_pt, self.total_pt, -self.name_pt, -self.cols)

    @property
    def style(self):
        return f"--name-size: {self.name_pt}pt; --post-size: {self.post_pt}pt; --duty-size: {self.duty_pt}pt;"


def em_width(text):
    """The width of text in ems, generously: CJK and punctuation such as · one em, Latin letters and digits 0.62
    (digits are 0.55 in Noto Sans CJK)."""
    return sum(0.62 if c.isascii() else 1.0 for c in text)


def wrapped_lines(words, width_em, break_words):
    """Lines that words (width in ems) take when packed into lines width_em wide; None if a word is wider than a
    line and may not be broken (a name cut in two reads as two people)."""
    lines, used = 1, 0.0
    for word in words:
        if used and used + word > width_em:
            lines, used = lines + 1, 0.0
        used += word
        while used > width_em:
            if not break_words:
                return None
            lines, used = lines + 1, used - width_em
    return lines


def text_lines(text_em, width_em):
    """Lines that running text text_em wide takes in lines width_em wide."""
    return max(1, math.ceil(text_em / width_em))


def sizes_for(name_pt, duties):
    post_pt = min(40, max(18 if name_pt >= 28 else 14, round(name_pt * 0.55)))
    duty_pt = min(24, max(12, round(name_pt * 0.4))) if duties else 12
    return post_pt, duty_pt


def card_height(card, width, name_pt, post_pt, duty_pt, duties, break_words=False):
    """An estimate, in mm, of the card's height at these sizes (see print.css for the line heights); infinite if a
    name would have to be broken and break_words is false."""
    inner = width - 2 * CARD_PADDING
    height = 2 * CARD_PADDING
    # The post's name, then its places in half the size, ruled under.
    title_em = em_width(card.name) + 0.5 * (em_width(f"职数{card.places}名") + 1)
    height += text_lines(title_em, inner / (post_pt * PT)) * post_pt * 1.3 * PT + 2.5
    name_em = inner / (name_pt * PT)
    words = [em_width(n) + NAME_GAP for n in card.names]
    if card.vacant:
        words.append((em_width(card.vacancy_text) + 0.6 + 2 * 0.7) * 0.5)  # the vacancy mark: half size, boxed
    lines = wrapped_lines(words, name_em, break_words)
    if lines is None:
        return math.inf
    height += lines * name_pt * 1.25 * PT
    if duties and card.duties:
        duty_em = inner / (duty_pt * PT)
        lines = sum(text_lines(em_width(f"{i}. {d}"), duty_em - 1.2) for i, d in enumerate(card.duties, start=1))
        height += 2 + lines * duty_pt * 1.4 * PT
    return height


def card_sizes(cards, width, height, name_pt, duties, break_words):
    """Each card's own name size (the sheet's, or smaller down to MIN_SCALE of it) that fits it in width × height;
    None if some card does not fit."""
    post_pt, duty_pt = sizes_for(name_pt, duties)
    candidates = [pt for pt in NAME_SIZES if name_pt * MIN_SCALE <= pt <= name_pt]
    sizes = []
    for card in cards:
        fitting = (
            pt for pt in candidates if card_height(card, width, pt, post_pt, duty_pt, duties, break_words) <= height
        )
        own = next(fitting, None)
        if own is None:
            return None
        sizes.append(own)
    return sizes


def fit(cards):
    """The layout whose smallest names are the largest that fit every card on the page, with the duties while the
    names stay at least DUTIES_MIN_NAME. A card that cannot take the sheet's name size (a long name beside another)
    gets its own, down to MIN_SCALE of it, rather than shrinking every card: fit() sets each card's name_pt and
    style."""
    for break_words in (False, True):
        best, best_sizes = None, None
        for cols in range(1, MAX_COLUMNS + 1):
            rows = math.ceil(len(cards) / cols)
            width = (BODY_WIDTH - (cols - 1) * GAP) / cols
            height = (BODY_HEIGHT - (rows - 1) * GAP) / rows * SAFETY
            for duties in (True, False):
                for name_pt in NAME_SIZES:
                    if duties and name_pt < DUTIES_MIN_NAME:
                        break
                    if best and best.duties >= duties and name_pt < best.smallest_pt:
                        break  # nothing smaller can rank higher
                    sizes = card_sizes(cards, width, height, name_pt, duties, break_words)
                    if sizes is None or duties and min(sizes) < DUTIES_MIN_NAME:
                        continue
                    layout = Layout(cols, name_pt, *sizes_for(name_pt, duties), duties, min(sizes), sum(sizes))
                    if best is None or layout.rank > best.rank:
                        best, best_sizes = layout, sizes
        if best:
            for card, pt in zip(cards, best_sizes, strict=True):
                card.name_pt = pt
                card.style = f"--name-size: {pt}pt;" if pt != best.name_pt else ""
            return best
    # Nothing fits even in the smallest type (dozens of posts with several long names each): rather than print
    # cards over one another, let them run on to a second page.
    return Layout(MAX_COLUMNS, NAME_SIZES[-1], 14, 12, False, NAME_SIZES[-1], 0, fits=False)
