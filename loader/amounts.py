"""Amounts as printed → ``Decimal`` yuan. Never through float.

Accepted cells: ``1216.27``, ``1,623.35``, ``91,016,775.35``, ``-3.00``, ``（3.00）`` (negative),
``0``, ``473.16 ``; full-width digits are folded. A dash or an empty cell is *blank*, not zero.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Unit of measure → multiplier to yuan.
UNIT_MULTIPLIERS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "百万元": Decimal(1000000),
    "亿元": Decimal(100000000),
}
DEFAULT_UNIT = "万元"

_AMOUNT = re.compile(
    r"""^(?P<neg>[-−－])?\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?   # 1,623.35
              |\d+(?:\.\d+)?                    # 1623.35
              |\.\d+)$""",
    re.X,
)
_PAREN_NEG = re.compile(r"^[(（]\s*(.+?)\s*[)）]$")
_BLANKS = {"", "-", "—", "－", "--", "——", "/", "／", "…", "...", "无", "0.00-"}
_UNIT_RE = re.compile(r"(?:金额)?单位\s*[:：]\s*(百万元|千元|万元|亿元|元)")


def _fold(cell: str) -> str:
    s = unicodedata.normalize("NFKC", cell).strip()
    return s.replace(" ", "").replace("\u3000", "")


def is_blank(cell: str) -> bool:
    return _fold(cell) in _BLANKS


def parse_amount(cell: str) -> Decimal | None:
    """The number in a table cell, as written (not yet in yuan), or None if it is not a number."""
    s = _fold(cell)
    if s in _BLANKS:
        return None
    neg = False
    m = _PAREN_NEG.match(s)
    if m:
        neg, s = True, m.group(1)
    m = _AMOUNT.match(s)
    if not m:
        return None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
        return None
    if m.group("neg"):
        neg = not neg
    return -value if neg else value


def looks_like_amount(cell: str) -> bool:
    """A cell that is a money amount: a number with decimals or thousands separators.

    Plain small integers ("1", "12") are deliberately *not* amounts here: in header and 栏次 rows
    and 序号 columns they are column or row numbers. Callers decide for integer cells in context.
    """
    s = _fold(cell)
    if s.startswith(("(", "（")):
        s = s.strip("()（）")
    return bool(_AMOUNT.match(s)) and ("." in s or "," in s)


def to_yuan(value: Decimal, multiplier: Decimal) -> Decimal:
    """``Decimal("473.16")`` in a 万元 table → ``Decimal("4731600.00")``; exact, keeps the scale."""
    return value * multiplier


def parse_unit(text: str) -> tuple[str, Decimal] | None:
    """``单位：万元`` (also ``金额单位:元``) anywhere in ``text`` → ("万元", 10000)."""
    m = _UNIT_RE.search(unicodedata.normalize("NFKC", text).replace(" ", ""))
    if not m:
        return None
    return m.group(1), UNIT_MULTIPLIERS[m.group(1)]
