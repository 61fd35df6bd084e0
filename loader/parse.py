"""One disclosure file → :class:`~budgetkg.loader.records.ParsedDocument`.

The steps, each in its own module:

1. :mod:`~budgetkg.loader.decode` — bytes to text (UTF-8/BOM, GB18030, UTF-16), binaries refused;
   :mod:`~budgetkg.loader.pdf` — PDFs to the same tab-separated text, with the page of every line;
2. :mod:`~budgetkg.loader.unit` — unit name, unit code and fiscal year, weighed over the whole text;
3. :mod:`~budgetkg.loader.regions` — the administrative division, and the canonical spelling of the name;
4. :mod:`~budgetkg.loader.tables` — budget tables and their amounts as Lines;
5. :mod:`~budgetkg.loader.projects` — projects, 立项依据 and performance indicators;
6. :mod:`~budgetkg.loader.narrative` — figures the 情况说明 states in sentences: previous-year
   amounts and their reasons on the lines above, lines only the prose gives (机关运行经费 …), and
   the 绩效目标管理 count and amount.

A file that is not a budget disclosure (no unit, no year, or neither tables nor projects) raises
:class:`DocumentError` saying what is missing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from budgetkg.loader.decode import decode_with_warnings, sniff
from budgetkg.loader.errors import DocumentError
from budgetkg.loader.narrative import read_narrative
from budgetkg.loader.pdf import read_pdf
from budgetkg.loader.projects import read_projects
from budgetkg.loader.records import Citation, ParsedDocument, Unit
from budgetkg.loader.regions import resolve_region
from budgetkg.loader.tables import Context, read_tables
from budgetkg.loader.unit import find_subunits, guess_unit, guess_year


def parse_file(path: Path) -> ParsedDocument:
    """Read and parse one disclosure file (the name, without folders, becomes ``source``)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path.name, f"cannot read file: {exc.strerror or exc}") from exc
    return parse_bytes(data, path.name)


def parse_text(text: str, source: str, sha256: str, warnings: list[str] | None = None) -> ParsedDocument:
    """Parse already-decoded text (a PDF reader's output, for instance)."""
    lines = text.split("\n")
    warnings = list(warnings or [])

    unit_guess = guess_unit(lines)
    year_guess = guess_year(lines)
    missing = []
    if not unit_guess.name:
        missing.append("the budget unit (no 部门名称/编制部门 header, title or unit name found)")
    if year_guess.year is None:
        missing.append("the fiscal year (no 预算年度 or “20xx年…预算” found)")
    if missing:
        raise DocumentError(source, "not a budget disclosure: cannot find " + " nor ".join(missing))
    assert unit_guess.name is not None and year_guess.year is not None
    warnings += unit_guess.warnings + year_guess.warnings

    match = resolve_region(unit_guess.name, text)
    warnings += match.warnings
    name = match.canonical_unit_name(unit_guess.name)
    if name != unit_guess.name:
        warnings.append(f"unit: name read as {unit_guess.name!r}, written {name!r} (place-name spelling)")

    ctx = Context(
        unit_names=set(unit_guess.variants) | {name, unit_guess.name}, fiscal_year=year_guess.year, text=text
    )
    result = read_tables(lines, ctx)
    warnings += result.warnings

    subunits = find_subunits(lines, ctx.unit_names)
    projects, project_warnings = read_projects(lines, result.tables, units=[*ctx.unit_names, *subunits])
    warnings += project_warnings

    narrative = read_narrative(lines, result.tables, result.lines, year_guess.year)
    warnings += narrative.warnings

    if not result.tables and not projects:
        raise DocumentError(
            source,
            f"not a budget disclosure: found the unit ({name}) and year ({year_guess.year}) but no budget "
            "table (收支总表, 支出总表 …) and no project",
        )
    unit = Unit(name=name, region=match.region, code=unit_guess.code, subunits=subunits)
    return ParsedDocument(
        source=source,
        sha256=sha256,
        fiscal_year=year_guess.year,
        unit=unit,
        layout=result.layout,
        tables=result.tables + narrative.tables,
        lines=result.lines + narrative.lines,
        projects=projects,
        warnings=warnings,
        performance_projects=narrative.performance_projects,
        performance_amount=narrative.performance_amount,
        performance_line=narrative.performance_line,
    )


def parse_bytes(data: bytes, source: str) -> ParsedDocument:
    """Parse a disclosure given as bytes; ``source`` is the file name used in messages and records.

    A PDF is turned into text by :mod:`~budgetkg.loader.pdf` (tables as tab-separated rows) and
    then read like any other text; every record it yields also gets the page its line is on.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    if sniff(data, source) == "pdf":
        got = read_pdf(data, source)
        doc = parse_text(got.text, source, sha256, got.warnings)
        doc.layout = f"pdf-{doc.layout}"
        set_pages(doc, got.pages)
        return doc
    text, warnings = decode_with_warnings(data, source)
    return parse_text(text, source, sha256, warnings)


def set_pages(doc: ParsedDocument, pages: list[int]) -> None:
    """Fill ``source_page`` of every record from its ``source_line`` (``pages[line - 1]``)."""

    def page(line: int) -> int | None:
        return pages[line - 1] if 1 <= line <= len(pages) else None

    def cite(c: Citation | None) -> None:
        if c is not None:
            c.source_page = page(c.source_line)

    for t in doc.tables:
        t.source_page = page(t.source_line)
    for ln in doc.lines:
        ln.source_page = page(ln.source_line)
    for p in doc.projects:
        p.source_page = page(p.source_line)
        for c in p.citations:
            cite(c)
        for ind in p.indicators:
            ind.source_page = page(ind.source_line)
            cite(ind.basis)
            for c in ind.bases:
                cite(c)
