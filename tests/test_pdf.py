"""PDF disclosures: the two real PDFs of ../shared/corpus ingest with the figures they print.

Expected values were read off the printed pages. The PDFs are third-party documents: they are read
from ../shared/corpus, never copied here; the tests skip (saying why) only when it is absent.
Broken inputs (truncated, encrypted, scanned) are PDFs written by hand below.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from budgetkg.api.cli import main
from budgetkg.loader.errors import DocumentError
from budgetkg.loader.parse import parse_bytes
from budgetkg.loader.pdf import _fix_char, _join_wrapped, pdf_to_text, read_pdf
from budgetkg.loader.records import Indicator, Line, ParsedDocument, Project

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SHANGHAI = "shanghai-putuo-zhengfuban-2025.pdf"
YANTAI = "shandong-yantai-zhengfuban-2026.pdf"


def corpus_pdf(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus PDF not available: {path} is absent (CI always has ../shared)")
    return path


@cache
def _parsed(name: str) -> ParsedDocument:
    path = CORPUS / name
    return parse_bytes(path.read_bytes(), path.name)


def parsed(name: str) -> ParsedDocument:
    corpus_pdf(name)
    return _parsed(name)


def line(doc: ParsedDocument, table: str, code: str | None, column: str, occurrence: int = 0) -> Line:
    hits = [
        ln
        for ln in doc.lines
        if ln.table == table
        and ln.column == column
        and ln.occurrence == occurrence
        and (ln.is_total if code is None else code in (ln.function_code, ln.economic_code))
    ]
    assert len(hits) == 1, (table, code, column, hits)
    return hits[0]


def project(doc: ParsedDocument, name: str, unit: str | None = None) -> Project:
    hits = [p for p in doc.projects if p.name == name and (unit is None or p.implementing_unit == unit)]
    assert len(hits) == 1, (name, unit, [(p.name, p.implementing_unit) for p in doc.projects])
    return hits[0]


Y = Decimal  # amounts in yuan


# --------------------------------------------------------------------------------------------
# Shanghai (上海市普陀区人民政府办公室 2025): nine tables in 元, 类/款/项 in three columns
# --------------------------------------------------------------------------------------------


def test_shanghai_unit_year_region() -> None:
    doc = parsed(SHANGHAI)
    assert doc.unit.name == "上海市普陀区人民政府办公室"
    assert doc.fiscal_year == 2025
    assert doc.unit.region is not None
    assert (doc.unit.region.name, doc.unit.region.adcode) == ("普陀区", "310107")
    assert doc.unit.region.parent is not None and doc.unit.region.parent.adcode == "310000"
    assert doc.unit.subunits == ["上海市普陀区交流服务中心"]
    assert doc.layout.startswith("pdf-")


def test_shanghai_tables_and_totals() -> None:
    doc = parsed(SHANGHAI)
    kinds = {t.key: t for t in doc.tables}
    assert set(kinds) >= {
        "income_expenditure_summary",
        "income_summary",
        "expenditure_summary",
        "fiscal_summary",
        "general_budget_expenditure",
        "government_fund_expenditure",
        "state_capital_expenditure",
        "general_budget_basic_economic",
        "sangong",
    }
    assert kinds["expenditure_summary"].unit_multiplier == 1  # 单位：元
    assert kinds["sangong"].unit_multiplier == 10000  # 单位:万元
    assert kinds["government_fund_expenditure"].empty and kinds["state_capital_expenditure"].empty
    assert line(doc, "expenditure_summary", None, "total").amount == Y("91016775.35")
    assert line(doc, "expenditure_summary", None, "basic").amount == Y("24606775.35")
    assert line(doc, "expenditure_summary", None, "project").amount == Y("66410000.00")
    assert line(doc, "general_budget_basic_economic", None, "total").amount == Y("24606775.35")


def test_shanghai_function_lines_from_three_code_columns() -> None:
    doc = parsed(SHANGHAI)
    # 201 | 03 | 01 | 行政运行 | 12,029,501.84 | 11,919,501.84 | 110,000.00
    assert line(doc, "expenditure_summary", "2010301", "total").amount == Y("12029501.84")
    assert line(doc, "expenditure_summary", "2010301", "basic").amount == Y("11919501.84")
    assert line(doc, "expenditure_summary", "2010301", "project").amount == Y("110000.00")
    assert line(doc, "expenditure_summary", "2080505", "total").amount == Y("1763159.52")
    assert line(doc, "income_summary", "2210203", "total").amount == Y("1867680.00")
    assert line(doc, "expenditure_summary", "20103", "total").item == "政府办公厅（室）及相关机构事务"
    # the general-budget table runs over pages 14-15, its header printed again on page 15
    continued = line(doc, "general_budget_expenditure", "2101102", "general_public_budget")
    assert continued.amount == Y("314218.15") and continued.source_page == 15
    # economic classification in two columns (类 | 款)
    assert line(doc, "general_budget_basic_economic", "30101", "personnel").amount == Y("2540192.00")
    assert line(doc, "general_budget_basic_economic", "30217", "public").amount == Y("185000.00")


def test_shanghai_sangong_and_operating_costs() -> None:
    doc = parsed(SHANGHAI)
    got = {ln.sangong_item: ln.amount for ln in doc.lines if ln.table == "sangong"}
    assert got == {
        "total": Y("8675000.00"),
        "travel_abroad": Y("8390000.00"),
        "reception": Y("285000.00"),
        "operating_costs": Y("2132800.00"),  # its own column, not part of 公务用车购置及运行费
    }


def test_shanghai_project_and_its_legal_basis() -> None:
    doc = parsed(SHANGHAI)
    assert [p.name for p in doc.projects] == ["区政府督查及建议提案工作业务经费"]
    p = doc.projects[0]
    assert p.amount is None  # the 项目经费情况说明 states no figure
    assert p.legal_basis_text == "《区委、区政府2024年重点工作任务书》和《区政府2024年重点工作任务书》。"
    assert [(c.title, c.number) for c in p.citations] == [
        ("区委、区政府2024年重点工作任务书", None),
        ("区政府2024年重点工作任务书", None),
    ]
    assert all(c.source_page == 22 for c in p.citations)
    assert p.source_page == 22


def test_shanghai_ingests_and_conforms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = corpus_pdf(SHANGHAI)
    assert main(["ingest", "--store", str(tmp_path / "store"), str(path)]) == 0
    out = capsys.readouterr().out
    assert "SHACL 0 violations" in out, out


# --------------------------------------------------------------------------------------------
# Yantai (烟台市人民政府办公室 2026): twelve tables in 万元, ten projects with performance forms
# --------------------------------------------------------------------------------------------


def test_yantai_unit_year_region() -> None:
    doc = parsed(YANTAI)
    assert doc.unit.name == "烟台市人民政府办公室"
    assert doc.fiscal_year == 2026
    assert doc.unit.region is not None
    assert (doc.unit.region.name, doc.unit.region.level, doc.unit.region.adcode) == (
        "烟台市",
        "prefecture",
        "370600",
    )


def test_yantai_totals_and_function_lines() -> None:
    doc = parsed(YANTAI)
    # 12 printed tables, and 机关运行经费 stated only in the text (loader.narrative)
    assert len([t for t in doc.tables if not t.from_narrative]) == 12
    assert [t.key for t in doc.tables if t.from_narrative] == ["operating_costs"]
    assert all(t.unit_multiplier == 10000 for t in doc.tables)
    assert line(doc, "expenditure_summary", None, "total").amount == Y("93255700.00")  # 9,325.57
    assert line(doc, "expenditure_summary", None, "basic").amount == Y("42856000.00")
    assert line(doc, "expenditure_summary", None, "project").amount == Y("50399700.00")
    # 类 | 款 | 项 with 款 and 项 printed without their parent: 01 行政运行 under 201 03
    assert line(doc, "general_budget_expenditure", "2010301", "total").amount == Y("22200400.00")
    assert line(doc, "general_budget_expenditure", "2010301", "personnel").amount == Y("17112600.00")
    assert line(doc, "general_budget_expenditure", "2010301", "public").amount == Y("5087800.00")
    assert line(doc, "general_budget_expenditure", "2050803", "project").amount == Y("120000.00")
    after_break = line(
        doc, "general_budget_expenditure", "2101199", "total"
    )  # page 17, after a repeated title
    assert (after_break.amount, after_break.source_page) == (Y("234400.00"), 17)
    assert line(doc, "income_summary", "2010302", "other_income").amount == Y("930100.00")


def test_yantai_economic_codes_beside_government_codes() -> None:
    doc = parsed(YANTAI)
    # 301 01 基本工资 is printed under 501 01 and again under 505 01: two rows, two amounts
    first = line(doc, "general_budget_basic_economic", "30101", "basic", occurrence=0)
    second = line(doc, "general_budget_basic_economic", "30101", "basic", occurrence=1)
    assert (first.amount, first.government_economic_code) == (Y("5737200.00"), "50101")
    assert (second.amount, second.government_economic_code) == (Y("2388000.00"), "50501")
    assert not any(
        (ln.economic_code or "").startswith("5") for ln in doc.lines
    )  # 政府经济分类 never read as the 部门 code


def test_yantai_sangong_current_year_only() -> None:
    doc = parsed(YANTAI)
    got = {ln.sangong_item: ln.amount for ln in doc.lines if ln.table == "sangong"}
    assert got["total"] == Y("3476000.00")  # 2026: 347.60, not 2025's 356.10
    assert got["travel_abroad"] == Y("940000.00")
    assert got["vehicle_operation"] == Y("616000.00")
    assert got["reception"] == Y("1920000.00")


def test_yantai_ten_projects_with_amounts() -> None:
    doc = parsed(YANTAI)
    assert len(doc.projects) == 10
    assert all(p.amount is not None for p in doc.projects)
    assert project(doc, "政务热线整合经费").amount == Y("31700000.00")
    assert project(doc, "公务公车购置经费").amount == Y("250000.00")
    # the same name twice, for two liaison offices: two projects
    beijing = project(doc, "驻外机构工作保障经费", "烟台市人民政府驻北京联络处")
    shanghai = project(doc, "驻外机构工作保障经费", "烟台市人民政府驻沪联络处")
    assert (beijing.amount, shanghai.amount) == (Y("1599600.00"), Y("940100.00"))
    assert (len(beijing.indicators), len(shanghai.indicators)) == (18, 19)
    assert sum(p.amount or 0 for p in doc.projects) == Y("50399700.00")  # = the 项目支出 total


def test_yantai_indicators() -> None:
    doc = parsed(YANTAI)
    counts = {(p.name, p.implementing_unit): len(p.indicators) for p in doc.projects}
    assert counts[("国际零碳岛屿合作组织专班经费", "烟台市人民政府办公室")] == 15
    assert counts[("办公室政务运行保障经费", "烟台市人民政府办公室")] == 69  # a form over four pages
    assert counts[("政务热线整合经费", "烟台市人民政府办公室")] == 44
    assert sum(counts.values()) == 197

    def ind(project_name: str, name: str) -> Indicator:
        p = project(
            doc, project_name, None if project_name != "驻外机构工作保障经费" else "烟台市人民政府驻沪联络处"
        )
        hits = [i for i in p.indicators if i.name == name]
        assert len(hits) == 1, (project_name, name)
        return hits[0]

    i = ind("国际零碳岛屿合作组织专班经费", "制作宣传图册数量")
    assert (i.level1, i.level2, i.target_text) == ("产出指标", "数量指标", "≥1000册")
    assert (i.operator, i.value, i.unit) == (">=", Y("1000"), "册")
    i = ind("国际零碳岛屿合作组织专班经费", "项目支出总成本")
    assert (i.level1, i.operator, i.value, i.unit) == ("成本指标", "<=", Y("155"), "万元")
    i = ind("办公室政务运行保障经费", "信息咨询人员满意度")  # the fourth page of the form
    assert (i.level1, i.operator, i.value, i.unit, i.source_page) == ("满意度指标", ">=", Y("90"), "%", 35)
    i = ind("办公室政务运行保障经费", "计算机硬盘、外置光驱、内存等维修配件购置数量")  # a wrapped cell
    assert i.target_text == "≥30件"
    i = ind("驻外机构工作保障经费", "在沪流动党员满意度")
    assert (i.level2, i.operator, i.value) == ("服务对象满意度指标", ">=", Y("95"))
    i = ind("政务热线整合经费", "12345政务服务便民热线话务服务热线平台运行天数")
    assert (i.operator, i.value, i.unit) == (">=", Y("360"), "天")


# --------------------------------------------------------------------------------------------
# The text the PDF reader produces
# --------------------------------------------------------------------------------------------


def test_pdf_text_is_tab_separated_with_a_page_per_line() -> None:
    path = corpus_pdf(SHANGHAI)
    text, pages = pdf_to_text(path.read_bytes(), path.name)
    lines = text.split("\n")
    assert len(lines) == len(pages)
    assert pages[0] == 1 and pages[-1] == 22 and pages == sorted(pages)
    row = "201\t03\t01\t行政运行\t12,029,501.84\t11,919,501.84\t110,000.00"
    assert row in lines
    assert pages[lines.index(row)] == 11
    # a wrapped header cell is joined; a wrapped paragraph is one line
    assert any("事业单位经营收入" in ln.split("\t") for ln in lines)
    assert any(
        ln.startswith("上海市普陀区人民政府办公室是协助") and ln.endswith("合署办公。") for ln in lines
    )


def test_running_headers_and_overprinted_titles() -> None:
    path = corpus_pdf(YANTAI)
    lines = read_pdf(path.read_bytes(), path.name).text.split("\n")
    # a table title printed again on its continuation page is read once
    assert lines.count("收入总体情况表") == 1
    # a heading stamped over the form title is not interleaved with it
    assert "（三）部门预算项目绩效目标表" in lines
    assert not any("政绩策效" in ln for ln in lines)


def test_character_repairs() -> None:
    assert _fix_char("\u2f00") == "一"  # KANGXI RADICAL ONE
    assert _fix_char("\uf900") == "豈"  # a CJK compatibility ideograph
    assert _fix_char("（") == "（"  # full-width punctuation stays
    assert _join_wrapped(["事业单位", "经营收入"]) == "事业单位经营收入"
    assert _join_wrapped(["see", "page 3"]) == "see page 3"


# --------------------------------------------------------------------------------------------
# PDFs that cannot be read
# --------------------------------------------------------------------------------------------


def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A minimal PDF with a correct cross-reference table; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), extra, data)


CATALOG = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]


def scanned_pdf() -> bytes:
    """One page holding only an image, as a scanner writes it."""
    image = zlib.compress(bytes([128]) * 64 * 64)
    return _pdf(
        [
            *CATALOG,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
            _stream(b"q 495 0 0 742 50 50 cm /Im1 Do Q"),
            _stream(
                image,
                b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Filter /FlateDecode ",
            ),
        ]
    )


def encrypted_pdf() -> bytes:
    """A PDF protected by a user password (standard security handler, revision 2)."""
    return _pdf(
        [
            *CATALOG,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>",
        ],
        b"/Encrypt 4 0 R /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">] ",
    )


def test_scanned_pdf_is_refused() -> None:
    with pytest.raises(DocumentError) as err:
        parse_bytes(scanned_pdf(), "scan.pdf")
    assert err.value.source == "scan.pdf"
    assert "no text layer (scanned image?); OCR is not supported" in str(err.value)


def test_encrypted_pdf_is_refused() -> None:
    with pytest.raises(DocumentError) as err:
        parse_bytes(encrypted_pdf(), "locked.pdf")
    assert "locked.pdf" in str(err.value) and "encrypted" in err.value.problem


@pytest.mark.parametrize("name", [SHANGHAI, YANTAI])
def test_truncated_pdf_is_refused(name: str) -> None:
    data = corpus_pdf(name).read_bytes()
    with pytest.raises(DocumentError) as err:
        parse_bytes(data[: len(data) // 2], "cut.pdf")
    assert "cut.pdf" in str(err.value) and "damaged or truncated" in err.value.problem


def test_bad_pdf_fails_cleanly_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(scanned_pdf())
    code = main(["ingest", "-q", "--no-validate", "--store", str(tmp_path / "store"), str(bad)])
    err = capsys.readouterr().err
    assert code != 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "scan.pdf" in lines[0] and "OCR is not supported" in lines[0], err


# --------------------------------------------------------------------------------------------
# Variants of a corpus PDF, made in memory: pages turned sideways, tables without rulings
# --------------------------------------------------------------------------------------------


def _variant(path: Path, rotate: int = 0, strip_rulings: bool = False) -> bytes:
    import io

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        for index in range(len(doc)):
            page = doc[index]
            if rotate:
                page.set_rotation((page.get_rotation() + rotate) % 360)
            if strip_rulings:
                for obj in [o for o in page.get_objects() if o.type == pdfium_c.FPDF_PAGEOBJ_PATH]:
                    page.remove_obj(obj)
                page.gen_content()
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()
    finally:
        doc.close()


def test_pages_printed_sideways_are_turned_upright() -> None:
    path = corpus_pdf(SHANGHAI)
    doc = parse_bytes(_variant(path, rotate=90), "sideways.pdf")
    upright = parsed(SHANGHAI)
    assert [(ln.table, ln.function_code, ln.column, ln.amount) for ln in doc.lines] == [
        (ln.table, ln.function_code, ln.column, ln.amount) for ln in upright.lines
    ]
    assert any("sideways" in w for w in doc.warnings)


def test_tables_without_rulings_are_reported_not_misread() -> None:
    path = corpus_pdf(SHANGHAI)
    doc = parse_bytes(_variant(path, strip_rulings=True), "unruled.pdf")
    # the cells of a table printed without rulings cannot be told apart: no amount is guessed …
    # (figures the explanatory text states in sentences are read from there: loader.narrative)
    assert [ln for ln in doc.lines if not ln.from_narrative] == []
    # … and the user is told where the rows of figures are
    assert any("without rulings" in w and "page 9, 10, 11" in w for w in doc.warnings), doc.warnings
