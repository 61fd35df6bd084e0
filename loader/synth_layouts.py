"""The layouts of the seed disclosures, for the generator (``loader/synth.py``).

``synth.py`` builds one document model and prints it in the tab-separated layout of seed 004,
recording what it printed as events: text lines, tables (title, unit, header and body rows as
tab-joined cells) and 绩效目标申报表 forms. :func:`render` prints the same events in another
layout, so one truth file fits every layout:

``paged``          seed 003: each table under a page header block (``434 某县某局`` /
                   ``预算年度：2023`` / ``单位：万元``), a 序号 column and a 栏次 row, a page
                   break every 14–24 rows with the block and the column headers printed again;
``cell-per-line``  seed 000: every cell on a line of its own after a tab, a blank line after
                   each row (tables and forms alike);
``html-cells``     seed 001: amounts with thousands separators, long form cells as ``<p>``
                   paragraphs, 项目属性 as ``<input type="checkbox">`` boxes;
``pdf-like``       what ``loader/pdf.py`` hands to the readers: ruled tables as tab rows with
                   a blank line around them, amounts in 元 with thousands separators, prose
                   lines without blank lines between them, a page number at each page break
                   and the column headers again on the continuation page (running titles are
                   dropped by the PDF reader).

Hazards (``hazards=True``) per layout, on their own random generator: ``paged`` — a row whose
name is cut by the page break, the rest printed on the next page, and a page printed twice;
``cell-per-line`` — cells wrapped onto lines without a tab (a label printed one character a
line, long names cut) and indicator rows split into their mid-term and annual halves, one row
each; ``html-cells`` — a long form cell cut mid-sentence, its rest on the next
line; ``pdf-like`` — one table left in 万元 among the 元 tables, and a row's name cut by a page
break.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["LAYOUTS", "LOADER_LAYOUT", "FormEvent", "Page", "TableEvent", "TextEvent", "render"]

LAYOUTS = ("tsv", "paged", "cell-per-line", "html-cells", "pdf-like")

# bkg:layout the loader reports for each (a PDF-like text is a text file: its page breaks are
# what makes it "paged").
LOADER_LAYOUT = {
    "tsv": "tsv",
    "paged": "paged-tsv",
    "cell-per-line": "cell-per-line",
    "html-cells": "tsv",
    "pdf-like": "paged-tsv",
}


@dataclass(frozen=True)
class TextEvent:
    line: str


@dataclass(frozen=True)
class TableEvent:
    """A budget table as the tab-separated layout prints it (rows are tab-joined cells)."""

    key: str
    title: str
    unit_label: str  # 万元 or 元
    header: list[str]
    body: list[str]
    empty: bool
    cont: frozenset[int]  # body rows that only continue the name in the row above (a wrapped cell)


@dataclass(frozen=True)
class FormEvent:
    """A 项目支出绩效目标申报表 (or a truncated copy of one): its title lines and tab rows."""

    lines: list[str]


Event = TextEvent | TableEvent | FormEvent


@dataclass(frozen=True)
class Page:
    unit: str
    code: str
    fiscal_year: int
    county: str


def render(
    layout: str, events: list[Event], page: Page, rng: random.Random, hazards: random.Random | None
) -> str:
    """The document in ``layout``; ``rng`` draws the layout's own choices (page lengths),
    ``hazards`` (None: a clean document) what goes wrong."""
    writer = {
        "paged": _paged,
        "cell-per-line": _cell_per_line,
        "html-cells": _html_cells,
        "pdf-like": _pdf_like,
    }.get(layout)
    if writer is None:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    return "\n".join(writer(events, page, rng, hazards)) + "\n"


# ---------------------------------------------------------------------------------------------
# helpers

_AMOUNT = re.compile(r"\d+\.\d\d")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _cells(row: str) -> list[str]:
    return row.split("\t")


def _grouped(amount: str) -> str:
    """4731.60 → 4,731.60"""
    whole, frac = amount.split(".")
    return f"{int(whole):,}.{frac}"


def _to_yuan(cell: str) -> str:
    """An amount in 万元 → the same in 元, grouped (473.16 → 4,731,600.00)."""
    return f"{Decimal(cell) * 10000:,.2f}"


def _amounts(row: str, fmt: Callable[[str], str]) -> str:
    return "\t".join(fmt(c) if _AMOUNT.fullmatch(c) else c for c in _cells(row))


def _label_cell(cells: list[str]) -> int | None:
    """Index of the row's name cell: the first cell with Chinese text."""
    for j, c in enumerate(cells):
        if _CJK.search(c):
            return j
    return None


def _cut_label(row: str, rng: random.Random) -> tuple[str, str] | None:
    """A row whose name is cut in two: (the row with the head of the name, a row with only the
    tail in the same column), or None when the name is too short to cut."""
    cells = _cells(row)
    j = _label_cell(cells)
    if j is None or len(cells[j]) < 6 or not any(_AMOUNT.fullmatch(c) for c in cells):
        return None
    name = cells[j]
    cut = rng.randint(2, len(name) - 2)
    head = [*cells[:j], name[:cut], *cells[j + 1 :]]
    tail = [""] * len(cells)
    tail[j] = name[cut:]
    return "\t".join(head), "\t".join(tail)


def _pages(n: int, rng: random.Random) -> list[int]:
    """Where page breaks fall in ``n`` body rows (indexes of the first row of each new page)."""
    out, at = [], 0
    while True:
        at += rng.randint(14, 24)
        if at >= n:
            return out
        out.append(at)


# ---------------------------------------------------------------------------------------------
# paged (seed 003)


def _paged(events: list[Event], page: Page, rng: random.Random, hz: random.Random | None) -> list[str]:
    out: list[str] = []
    cut_table = _pick_table(events, hz)
    dup_table = _pick_table(events, hz, other_than=cut_table)
    for ev in events:
        if isinstance(ev, TextEvent):
            out.append(ev.line)
        elif isinstance(ev, FormEvent):
            out.extend(ev.lines)
        else:
            out.extend(_paged_table(ev, page, rng, hz, cut=ev.key == cut_table, dup=ev.key == dup_table))
    return out


def _pick_table(events: list[Event], hz: random.Random | None, other_than: str | None = None) -> str | None:
    """The table a page-break hazard strikes (one per document and hazard)."""
    if hz is None:
        return None
    long = [
        ev.key for ev in events if isinstance(ev, TableEvent) and len(ev.body) > 15 and ev.key != other_than
    ]
    return hz.choice(long) if long else None


def _paged_table(
    ev: TableEvent, page: Page, rng: random.Random, hz: random.Random | None, cut: bool, dup: bool
) -> list[str]:
    """One table, paged; with ``cut`` a page break cuts a row's name in two (the rest printed
    on the next page), with ``dup`` a page is printed twice."""
    block = [
        f"{page.code} {page.unit}",
        "",
        f"预算年度：{page.fiscal_year}",
        "",
        f"单位：{ev.unit_label}",
        "",
    ]
    header = list(ev.header)
    ncols = len(_cells(header[0]))
    if header and all(c.isdigit() for c in _cells(header[-1])):
        numbers = "栏次\t" + header.pop()
    else:
        numbers = "栏次\t" + "\t".join(str(k) for k in range(1, ncols + 1))
    head = [("序号\t" if k == 0 else "\t") + row for k, row in enumerate(header)] + [numbers]
    rows: list[str] = []
    serial = 0
    for k, row in enumerate(ev.body):
        if k in ev.cont:
            rows.append("\t" + row)
        else:
            serial += 1
            rows.append(f"{serial}\t{row}")
    breaks = _pages(len(rows), rng)
    out = [ev.title, "", *block, *head]
    cut_at = hz.choice(breaks) if hz and cut and breaks else None
    dup_at = hz.choice(breaks) if hz and dup and breaks else None
    for k, row in enumerate(rows):
        if k in breaks:
            carry = None
            if k == cut_at:
                got = _cut_label(out[-1], hz)  # type: ignore[arg-type]
                if got:
                    out[-1], carry = got
            if k == dup_at:  # the page just printed, printed again
                start = max([b for b in breaks if b < k], default=0)
                out.extend(["", *block, *head, *rows[start:k]])
            out.extend(["", *block, *head])
            if carry is not None:
                out.append(carry)
        out.append(row)
    out.append("")
    if ev.empty:
        out.extend(["注：本表无数据", ""])
    return out


# ---------------------------------------------------------------------------------------------
# cell-per-line (seed 000)


def _cell_per_line(
    events: list[Event], page: Page, rng: random.Random, hz: random.Random | None
) -> list[str]:
    out: list[str] = []

    def row(line: str) -> None:
        for cell in _cells(line):
            out.extend(_wrapped(cell, hz))
        out.append("")

    for ev in events:
        if isinstance(ev, TextEvent | FormEvent):  # tab-separated text lines (目录) are rows too
            for line in [ev.line] if isinstance(ev, TextEvent) else ev.lines:
                if "\t" not in line:
                    out.append(line)
                elif (
                    isinstance(ev, FormEvent) and hz is not None and _both_halves(line) and hz.random() < 0.1
                ):
                    # the mid-term half and the annual half of an indicator row as two rows
                    cells = _cells(line)
                    row("\t".join(cells[:5] + [""] * (len(cells) - 5)))
                    row("\t".join([""] * 5 + cells[5:]))
                else:
                    row(line)
        else:
            block = [f"部门名称：{page.unit}", "", f"单位：{ev.unit_label}", ""]
            out.extend([ev.title, "", *block])
            for line in ev.header:
                row(line)
            for line in ev.body:
                row(line)
            out.append("")
            if ev.empty:
                out.extend(["注：本表无数据", ""])
    return out


def _both_halves(line: str) -> bool:
    """An indicator row of a form with a name and a target in both halves."""
    cells = _cells(line)
    return len(cells) == 8 and not cells[0] and all(cells[k] for k in (3, 4, 6, 7))


def _wrapped(cell: str, hz: random.Random | None) -> list[str]:
    """One cell's lines: a tab and the cell; with hazards a Chinese cell sometimes runs on over
    lines without a tab (a short label one character a line, as narrow form columns print it)."""
    if hz is None or not _CJK.search(cell) or _AMOUNT.search(cell) or hz.random() >= 0.08:
        return ["\t" + cell]
    if len(cell) <= 4:
        return ["\t" + cell[0], *cell[1:]]
    if len(cell) < 6:
        return ["\t" + cell]
    cut = hz.randint(2, len(cell) - 2)
    return ["\t" + cell[:cut], cell[cut:]]


# ---------------------------------------------------------------------------------------------
# html-cells (seed 001)

_PROSE_ROWS = ("项目概况", "项目设立必要性", "保证项目实施的制度、措施", "项目实施计划", "立项依据")


def _html_cells(events: list[Event], page: Page, rng: random.Random, hz: random.Random | None) -> list[str]:
    out: list[str] = []
    forms = [k for k, ev in enumerate(events) if isinstance(ev, FormEvent)]
    cut_form = hz.choice(forms) if hz and forms else None
    for k, ev in enumerate(events):
        if isinstance(ev, TextEvent):
            out.append(ev.line)
        elif isinstance(ev, FormEvent):
            out.extend(_html_form(ev, rng, hz if k == cut_form else None))
        else:
            block = [f"部门名称：{page.unit}", "", f"单位：{ev.unit_label}", ""]
            out.extend([ev.title, "", *block, *ev.header])
            out.extend(_amounts(row, _grouped) for row in ev.body)
            out.append("")
            if ev.empty:
                out.extend(["注：本表无数据", ""])
    return out


def _paragraphs(text: str) -> str:
    parts = [p for p in re.split(r"(?<=[；。])", text) if p]
    return " ".join(f"<p>{p}</p>" for p in parts)


def _html_form(ev: FormEvent, rng: random.Random, hz: random.Random | None) -> list[str]:
    out: list[str] = []
    prose = [k for k, line in enumerate(ev.lines) if line.split("\t", 1)[0] in _PROSE_ROWS]
    cut_row = hz.choice(prose) if hz and prose else None
    for k, line in enumerate(ev.lines):
        cells = _cells(line)
        if cells[0] == "项目属性" and len(cells) > 2:
            long = "长期" in cells[2]
            mark = ('<input checked="" type="checkbox"/>', '<input type="checkbox"/>')
            cells[2] = f"经常性项目 {mark[0] if long else mark[1]} 一次性项目 {mark[1] if long else mark[0]}"
        elif cells[0] in _PROSE_ROWS and len(cells) > 2 and cells[2]:
            text = cells[2]
            if k == cut_row and len(text) >= 12:
                # the cell cut mid-sentence: its rest printed on the next line, outside the row
                cut = hz.randint(5, len(text) - 5)  # type: ignore[union-attr]
                cells[2] = text[:cut]
                out.append("\t".join(cells))
                out.append(text[cut:])
                continue
            if cells[0] != "立项依据" or rng.random() < 0.5:
                cells[2] = _paragraphs(text)
        out.append("\t".join(cells))
    return out


# ---------------------------------------------------------------------------------------------
# pdf-like (loader/pdf.py's output)


def _pdf_like(events: list[Event], page: Page, rng: random.Random, hz: random.Random | None) -> list[str]:
    out: list[str] = []
    keep_wan = None
    if hz is not None:
        wan = [
            ev.key for ev in events if isinstance(ev, TableEvent) and ev.unit_label == "万元" and not ev.empty
        ]
        keep_wan = hz.choice(wan) if wan else None
    cut_table = _pick_table(events, hz)
    number = 1
    for ev in events:
        if isinstance(ev, TextEvent):
            if ev.line:  # a PDF's prose has no blank lines between its lines
                out.append(ev.line)
        elif isinstance(ev, FormEvent):
            out.append("")
            out.extend(line for line in ev.lines if line)
            out.append("")
        else:
            in_yuan = ev.unit_label == "万元" and ev.key != keep_wan
            unit = "元" if in_yuan else ev.unit_label
            out.extend([ev.title, f"部门名称：{page.unit}", f"单位：{unit}", ""])
            out.extend(ev.header)
            fmt = _to_yuan if in_yuan else _grouped
            body = [_amounts(row, fmt) for row in ev.body]
            breaks = _pages(len(body), rng)
            cut_at = hz.choice(breaks) if hz and breaks and ev.key == cut_table else None
            for k, row in enumerate(body):
                if k in breaks:
                    carry = None
                    if k == cut_at:
                        got = _cut_label(out[-1], hz)  # type: ignore[arg-type]
                        if got:
                            out[-1], carry = got
                    number += 1
                    out.extend(["", f"- {number} -", "", *ev.header])
                    if carry is not None:
                        out.append(carry)
                out.append(row)
            out.append("")
            if ev.empty:
                out.append("注：本表无数据")
            number += 1
    return out
