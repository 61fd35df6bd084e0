"""PDF → text in the loader's tab-separated convention, with the page of every line.

Real users download disclosures as PDFs. This module turns one into the same kind of text the
other readers take (:func:`budgetkg.loader.parse.parse_text`):

* a ruled table (lines or thin filled rectangles drawn around the cells, as WPS/Excel/iText print
  them) becomes one line per table row, cells separated by ``\\t``; a cell wrapped over several
  lines is joined again ("事业单位" + "经营收入" → "事业单位经营收入"); cells of a merged range are
  left empty after the first, which is how the table reader expects merged headers;
* text outside tables becomes one line per printed line, and the lines of one paragraph (a line
  that runs to the right margin continues on the next) are joined, so a citation or an amount
  is never cut by the page width;
* two strings printed over each other (a stamped heading over a form title) are kept apart
  instead of being interleaved character by character;
* Kangxi radicals and CJK compatibility ideographs, which some PDF fonts map their glyphs to
  ("⼀" for "一"), are read as the ideographs they stand for;
* a running header (a form or table title and its "单位：万元" line printed again at the top of a
  continuation page) is read once, so the form or table is not cut in two;
* a page whose text is printed sideways is read turned upright;
* a blank line separates tables from text and pages from each other.

Not read, and said so in a warning: pages without a text layer (scanned), and tables printed
without rulings (rows of figures with nothing to tell their cells apart: guessing the columns
from the alignment was tried, and misplaced figures between columns on the corpus PDFs).

The text extraction is pdfplumber's (pdfminer.six; MIT), chosen by measuring it against PyMuPDF
and poppler's ``pdftotext`` on real disclosures (see the README): it is the one that keeps
table cells whole and in order ("91,016,775.35", not "91 016 775 35" + ", , ."), and it is on PyPI.

:func:`pdf_to_text` returns the text and a list mapping each line (index = ``source_line - 1``)
to its 1-based page. Encrypted, damaged and scanned PDFs (no text layer) raise
:class:`~budgetkg.loader.errors.DocumentError` naming the file and the problem.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from budgetkg.loader.errors import DocumentError

__all__ = ["PdfText", "pdf_to_text", "read_pdf"]

# pdfminer logs every odd object it meets; a user sees our warnings instead.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).setLevel(logging.ERROR)


@dataclass
class PdfText:
    text: str
    pages: list[int]  # line index → 1-based page number
    page_count: int
    warnings: list[str] = field(default_factory=list)


def pdf_to_text(data: bytes, source: str) -> tuple[str, list[int]]:
    """The PDF's text (tables as tab-separated rows) and, per line, the page it is printed on."""
    got = read_pdf(data, source)
    return got.text, got.pages


# --------------------------------------------------------------------------------------------
# characters
# --------------------------------------------------------------------------------------------

_CID = re.compile(r"\(cid:\d+\)")


def _fix_char(text: str) -> str:
    """Kangxi radicals (U+2F00–2FDF), CJK radicals with a compatibility mapping and CJK
    compatibility ideographs (U+F900–FAFF, U+2F800–2FA1F) → the unified ideograph. Everything
    else as printed (full-width punctuation is meaningful downstream)."""
    if len(text) != 1:
        return text
    o = ord(text)
    if 0x2E80 <= o <= 0x2FDF or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F:
        return unicodedata.normalize("NFKC", text)
    return text


def _is_cjk(ch: str) -> bool:
    if not ch:
        return False
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFFEF
        or o in (0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7)
    )


def _join_wrapped(parts: list[str]) -> str:
    """Lines of one wrapped cell or paragraph → one string: no space where the break fell between
    Chinese characters (the usual case), one space between two Latin words or numbers."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and not _is_cjk(out[-1]) and not _is_cjk(part[0]) and out[-1].isalnum() and part[0].isalnum():
            out += " "
        out += part
    return out


def _cell_text(cell: str | None) -> str:
    if not cell:
        return ""
    text = "".join(_fix_char(ch) for ch in cell)
    text = _join_wrapped(text.replace("\r", "\n").split("\n"))
    return re.sub(r"[\t\x0b\x0c]+", " ", text).strip()


# --------------------------------------------------------------------------------------------
# text lines outside tables
# --------------------------------------------------------------------------------------------


@dataclass
class _TextLine:
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    nchars: int


def _runs(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Characters in content-stream order, cut wherever the pen jumps back or to another line: one
    run is one string as the producer wrote it."""
    runs: list[list[dict[str, Any]]] = []
    prev: dict[str, Any] | None = None
    for ch in chars:
        if prev is not None:
            size = max(prev["size"], ch["size"], 1.0)
            same_line = abs(ch["top"] - prev["top"]) <= 0.3 * size
            forward = ch["x0"] >= prev["x1"] - 0.35 * size
            if same_line and forward:
                runs[-1].append(ch)
                prev = ch
                continue
        runs.append([ch])
        prev = ch
    return runs


def _render(chars: list[dict[str, Any]]) -> str:
    out: list[str] = []
    prev: dict[str, Any] | None = None
    for ch in chars:
        t = _fix_char(ch["text"])
        if prev is not None:
            gap = ch["x0"] - prev["x1"]
            size = max(prev["size"], ch["size"], 1.0)
            if gap > 0.25 * size and out and not out[-1].endswith(" ") and not t.isspace():
                out.append(" ")
        out.append(t)
        prev = ch
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _text_lines(chars: list[dict[str, Any]]) -> list[_TextLine]:
    """Printed lines: runs grouped by their vertical position, ordered left to right; a run that
    overlaps another horizontally (text printed over text) becomes a line of its own."""
    runs = [r for r in _runs(chars) if any(not c["text"].isspace() for c in r)]
    runs.sort(key=lambda r: (min(c["top"] for c in r), r[0]["x0"]))
    groups: list[list[list[dict[str, Any]]]] = []
    for run in runs:
        top = min(c["top"] for c in run)
        size = max(c["size"] for c in run)
        if groups:
            g_top = min(c["top"] for c in groups[-1][0])
            if abs(top - g_top) <= max(2.0, 0.35 * size):
                groups[-1].append(run)
                continue
        groups.append([run])
    lines: list[_TextLine] = []
    for group in groups:
        group.sort(key=lambda r: r[0]["x0"])
        layers: list[list[dict[str, Any]]] = []  # each layer: runs that do not overlap
        for run in group:
            x0 = min(c["x0"] for c in run)
            size = max(c["size"] for c in run)
            for layer in layers:
                if x0 >= max(c["x1"] for c in layer) - 0.35 * size:
                    layer.extend(run)
                    break
            else:
                layers.append(list(run))
        for layer in layers:
            text = _render(layer)
            if not text:
                continue
            lines.append(
                _TextLine(
                    top=min(c["top"] for c in layer),
                    bottom=max(c["bottom"] for c in layer),
                    x0=min(c["x0"] for c in layer),
                    x1=max(c["x1"] for c in layer),
                    size=median(c["size"] for c in layer),
                    text=text,
                    nchars=len(layer),
                )
            )
    return lines


# A line that starts a new item, never the continuation of the paragraph above.
_STARTS_ITEM = re.compile(
    r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|"
    r"\d{1,2}\s*[、.．](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩]|附件|附表|注[:：]|目标\s*\d)"
)


def _continues(prev: _TextLine, line: _TextLine, right: float) -> bool:
    """Whether ``line`` continues the paragraph of ``prev`` (prev runs to the right margin)."""
    if abs(prev.size - line.size) > 0.6 or prev.nchars < 8:
        return False
    if prev.x1 < right - 1.6 * prev.size:
        return False
    gap = line.top - prev.bottom
    if gap < -0.2 * prev.size or gap > 1.2 * prev.size:
        return False
    return not _STARTS_ITEM.match(line.text)


# --------------------------------------------------------------------------------------------
# pages
# --------------------------------------------------------------------------------------------


@dataclass
class _Block:
    top: float
    kind: str  # "text" / "table"
    lines: list[str]
    text_lines: list[_TextLine] = field(default_factory=list)


def _inside(ch: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (ch["x0"] + ch["x1"]) / 2
    cy = (ch["top"] + ch["bottom"]) / 2
    return any(x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1 for x0, top, x1, bottom in boxes)


def _table_rows(table: Any) -> list[list[str]]:
    rows = []
    for row in table.extract():
        cells = [_cell_text(c) for c in row]
        if any(cells):
            rows.append(cells)
    return rows


def _page_blocks(page: Any) -> tuple[list[_Block], list[_TextLine]]:
    boxes: list[tuple[float, float, float, float]] = []
    blocks: list[_Block] = []
    for table in page.find_tables():
        rows = _table_rows(table)
        # a "table" of one column is a framed paragraph or a table of contents: text, not rows
        if not rows or max(sum(1 for c in r if c) for r in rows) < 2:
            continue
        boxes.append(table.bbox)
        blocks.append(_Block(table.bbox[1], "table", ["\t".join(r) for r in rows]))
    chars = [
        c
        for c in page.chars
        if c.get("upright", True) and c["text"].strip() and not (boxes and _inside(c, boxes))
    ]
    lines = sorted(_text_lines(chars), key=lambda ln: (ln.top, ln.x0))
    for line in lines:
        blocks.append(_Block(line.top, "text", [line.text], [line]))
    blocks.sort(key=lambda b: (b.top, b.kind != "text"))
    return blocks, lines


def _right_margins(pages_lines: list[tuple[float, list[_TextLine]]]) -> dict[int, float]:
    """The right edge of full prose lines, per page width: the most common right end of long
    lines (a justified paragraph's lines all end there)."""
    ends: dict[int, Counter[int]] = {}
    for width, lines in pages_lines:
        for ln in lines:
            if ln.nchars >= 15:
                ends.setdefault(round(width), Counter())[round(ln.x1)] += 1
    out: dict[int, float] = {}
    for width, counter in ends.items():
        # neighbouring points count together (justification differs by a fraction of a point)
        best = max(counter, key=lambda x: sum(counter[x + d] for d in (-2, -1, 0, 1, 2)))
        if sum(counter[best + d] for d in (-2, -1, 0, 1, 2)) >= 3:
            out[width] = float(max(x for x in counter if abs(x - best) <= 2))
    return out


def _drop_running_headers(pages_blocks: list[list[_Block]], heights: list[float]) -> None:
    """Remove a running header: the text lines at the top of a page (above its first table, in
    the top fifth) when the previous page starts with every one of them. A form title, or a
    table's title and "单位：万元" line, printed again on a continuation page would otherwise cut
    the form or table in two; the first page keeps them, and a page that starts anything new
    (another table number or title) keeps its whole header."""
    previous: set[str] = set()
    for number, blocks in enumerate(pages_blocks):
        height = heights[number] if number < len(heights) else 0.0
        head: list[_Block] = []
        for block in blocks:
            if block.kind != "text" or not height or block.top > 0.2 * height:
                break
            head.append(block)
        texts = {re.sub(r"\s+", "", b.lines[0]) for b in head}
        if texts and texts <= previous:
            for b in head:
                blocks.remove(b)
        previous = texts


# --------------------------------------------------------------------------------------------
# the document
# --------------------------------------------------------------------------------------------


def _open(data: bytes, source: str) -> Any:
    try:
        import pdfplumber
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DocumentError(source, "reading PDFs needs pdfplumber (pip install pdfplumber)") from exc
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages  # parses the page tree: a damaged file fails here, not later
    except Exception as exc:
        raise DocumentError(source, _open_problem(exc, (PDFEncryptionError, PDFPasswordIncorrect))) from exc
    if not pdf.pages:
        pdf.close()
        raise DocumentError(source, "the PDF has no pages (damaged or truncated?)")
    return pdf


def _open_problem(exc: BaseException, encryption: tuple[type[BaseException], ...]) -> str:
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in chain:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    names = " ".join(type(e).__name__ for e in chain) + " " + " ".join(str(e) for e in chain)
    if any(isinstance(e, encryption) for e in chain) or re.search(r"(?i)encrypt|password", names):
        return "the PDF is encrypted (password-protected); save an unprotected copy and try again"
    detail = next((str(e) for e in chain if str(e)), type(exc).__name__)
    return f"the PDF is damaged or truncated and cannot be read ({detail[:120]})"


@dataclass
class _Page:
    width: float = 0.0
    height: float = 0.0
    blocks: list[_Block] = field(default_factory=list)
    lines: list[_TextLine] = field(default_factory=list)
    chars: int = 0  # printed characters (not blanks)
    cid: int = 0  # "(cid:N)": a glyph without a Unicode mapping
    turn: int = 0  # clockwise degrees that would set sideways text upright (0: it is upright)
    error: str | None = None
    loose_rows: int = 0  # text lines that look like table rows (figures apart), outside ruled tables


# "82,096,797.42 15,686,797.42": two figures side by side in a text line, a table row whose
# cells had no rulings to be found by
_FIGURES_APART = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})*\.\d{2}\s+[-—]?\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")


def _read_page(page: Any) -> _Page:
    out = _Page(float(page.width or 0), float(page.height or 0))
    try:
        page = page.dedupe_chars()  # characters printed twice (a bold look) once
        chars = [c for c in page.chars if c["text"].strip()]
        out.chars = len(chars)
        out.cid = sum(1 for c in chars if _CID.fullmatch(c["text"]))
        sideways = [c for c in chars if not c.get("upright", True)]
        if len(sideways) >= 20 and len(sideways) > len(chars) / 2:
            # text printed along the page's height: read after turning the page (see read_pdf)
            turns = Counter(90 if (c.get("matrix") or (0, 1))[1] > 0 else 270 for c in sideways)
            out.turn = turns.most_common(1)[0][0]
        elif chars:
            out.blocks, out.lines = _page_blocks(page)
            out.loose_rows = sum(1 for ln in out.lines if _FIGURES_APART.search(ln.text))
    except Exception as exc:  # a damaged page: the rest of the document is still read
        out.error = f"{type(exc).__name__}: {exc}"
    finally:
        page.close()
    return out


def _turned(data: bytes, turns: dict[int, int]) -> bytes | None:
    """The PDF with the given pages (0-based index → clockwise degrees) turned, or None."""
    try:
        import pypdfium2 as pdfium  # installed with pdfplumber

        doc = pdfium.PdfDocument(data)
        try:
            for index, degrees in turns.items():
                page = doc[index]
                page.set_rotation((page.get_rotation() + degrees) % 360)
            buf = io.BytesIO()
            doc.save(buf)
            return buf.getvalue()
        finally:
            doc.close()
    except Exception:  # pragma: no cover - pypdfium2 missing or the file beyond it
        return None


def read_pdf(data: bytes, source: str) -> PdfText:
    """Read a PDF disclosure: text (tables as tab-separated rows), line → page, warnings."""
    pdf = _open(data, source)
    warnings: list[str] = []
    with pdf:
        pages = [_read_page(page) for page in pdf.pages]
    n_pages = len(pages)
    turns = {i: pg.turn for i, pg in enumerate(pages) if pg.turn}
    if turns:
        turned = _turned(data, turns)
        if turned is not None:
            with _open(turned, source) as again:
                for i in turns:
                    pages[i] = _read_page(again.pages[i])
        shown = ", ".join(str(i + 1) for i in sorted(turns)[:10]) + (" …" if len(turns) > 10 else "")
        if turned is not None and not any(pages[i].turn for i in turns):
            warnings.append(f"pdf: text printed sideways on page {shown}; read with the page turned upright")
        else:
            warnings.append(f"pdf: text printed sideways on page {shown} could not be turned upright")
    for number, pg in enumerate(pages, start=1):
        if pg.error:
            warnings.append(f"pdf: page {number} cannot be read ({pg.error}); skipped")
    total_chars = sum(pg.chars for pg in pages)
    cid_chars = sum(pg.cid for pg in pages)
    if total_chars == 0:
        if all(pg.error for pg in pages):
            raise DocumentError(source, "the PDF is damaged: none of its pages can be read")
        raise DocumentError(source, "the PDF has no text layer (scanned image?); OCR is not supported")
    if cid_chars > 0.3 * total_chars:
        raise DocumentError(
            source,
            "the PDF's fonts carry no Unicode mapping, so its text cannot be extracted (it reads as "
            "“(cid:…)” codes); OCR is not supported",
        )
    no_text = [n for n, pg in enumerate(pages, start=1) if not pg.chars and not pg.error]
    if no_text:
        shown = ", ".join(str(p) for p in no_text[:10]) + (" …" if len(no_text) > 10 else "")
        warnings.append(
            f"pdf: {len(no_text)} of {n_pages} pages have no text layer (scanned images?) and were "
            f"skipped: page {shown}"
        )
    loose = [n for n, pg in enumerate(pages, start=1) if pg.loose_rows >= 3]
    if loose:
        shown = ", ".join(str(p) for p in loose[:10]) + (" …" if len(loose) > 10 else "")
        warnings.append(
            f"pdf: rows of figures outside any ruled table on page {shown} (a table printed without "
            "rulings?): their cells cannot be told apart, so they are not read as a table"
        )
    pages_blocks = [pg.blocks for pg in pages]
    pages_lines = [(pg.width, pg.lines) for pg in pages]
    heights = [pg.height for pg in pages]

    _drop_running_headers(pages_blocks, heights)
    margins = _right_margins(pages_lines)
    out_lines: list[str] = []
    out_pages: list[int] = []

    def emit(text: str, page_no: int) -> None:
        out_lines.append(text)
        out_pages.append(page_no)

    for number, blocks in enumerate(pages_blocks, start=1):
        if not blocks:
            continue
        if out_lines:
            emit("", number)  # a blank line between pages
        right = margins.get(round(pages_lines[number - 1][0]))
        prev_kind: str | None = None
        prev_line: _TextLine | None = None
        for block in blocks:
            if prev_kind is not None and block.kind != prev_kind:
                emit("", number)
            if block.kind == "table":
                for row in block.lines:
                    emit(row, number)
                prev_line = None
            else:
                line = block.text_lines[0]
                if (
                    prev_kind == "text"
                    and prev_line is not None
                    and right is not None
                    and _continues(prev_line, line, right)
                ):
                    out_lines[-1] = _join_wrapped([out_lines[-1], line.text])
                else:
                    emit(line.text, number)
                prev_line = line
            prev_kind = block.kind
    return PdfText("\n".join(out_lines), out_pages, n_pages, warnings)
