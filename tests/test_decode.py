"""Bytes → text: encodings, refusals with the file named, amounts and comparison keys.

Seed documents are read from ../shared/seeds (never copied into the repository).
"""

from __future__ import annotations

import codecs
import dataclasses
from decimal import Decimal

import pytest

from budgetkg.loader.amounts import looks_like_amount, parse_amount, parse_unit, to_yuan
from budgetkg.loader.decode import comparison_key, decode, decode_with_warnings, sniff
from budgetkg.loader.errors import DocumentError
from budgetkg.loader.parse import parse_bytes

from .conftest import seed as _seed


def _without_hash(doc: object) -> dict:
    d = dataclasses.asdict(doc)  # type: ignore[call-overload]
    d.pop("sha256")
    d.pop("source")
    return d


# -- encodings ---------------------------------------------------------------------------------


def test_seed_reencoded_parses_identically() -> None:
    raw = _seed("004").read_bytes()
    text = raw.decode("utf-8")
    reference = parse_bytes(raw, "004.txt")
    variants = {
        "gb18030": text.encode("gb18030"),
        "utf-8-bom": codecs.BOM_UTF8 + raw,
        "utf-16-bom": text.encode("utf-16"),  # Python writes a BOM for "utf-16"
        "crlf": text.replace("\n", "\r\n").encode("utf-8"),
    }
    for name, data in variants.items():
        assert data != raw
        doc = parse_bytes(data, f"004-{name}.txt")
        assert _without_hash(doc) == _without_hash(reference), name
        assert doc.sha256 != reference.sha256


@pytest.mark.parametrize(
    "codec", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]
)
def test_decode_round_trip(codec: str) -> None:
    text = "兴县人民政府办公室 2023年度部门预算公开\n单位：万元\n（晋政办发〔2017〕10号）≥95%\n"
    data = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):
        # no BOM: recognised from the NUL pattern only when there is enough ASCII
        text = "2023 budget table 2023 budget table\n" * 4 + text
        data = text.encode(codec)
    assert decode(data, "x.txt") == text


def test_decode_keeps_fullwidth_punctuation() -> None:
    text = "依据《关于印发…的通知》（兴政发〔2022〕32号）：１２３"
    assert decode(text.encode("gb18030"), "x.txt") == text


def test_comparison_key() -> None:
    assert comparison_key("政府办公厅（室）及相关机构事务") == comparison_key("政府办公厅(室)及相关机构事务")
    assert comparison_key("收 入 总 计") == "收入总计"
    assert comparison_key("合\u3000计") == "合计"
    assert comparison_key("〔2017〕") == comparison_key("[2017]")


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \n\n\t ", "empty"),
        (b"\x00\x01\x02\x03binary\x00\x00data" * 10, "binary"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Office"),
        (bytes(range(0x80, 0x100)) * 8, "cannot decode"),
        ("这是一段普通的文字，没有任何预算内容。".encode(), "not a budget disclosure"),
    ],
)
def test_refused_with_file_name(data: bytes, words: str) -> None:
    with pytest.raises(DocumentError) as exc:
        parse_bytes(data, "bad-file.txt")
    assert exc.value.source == "bad-file.txt"
    assert "bad-file.txt" in str(exc.value)
    assert words.lower() in exc.value.problem.lower()


def test_sniff() -> None:
    assert sniff(b"%PDF-1.4\n...", "a.pdf") == "pdf"
    assert sniff("部门预算".encode(), "a.txt") == "text"
    assert sniff("部门预算".encode("utf-16"), "a.txt") == "text"
    with pytest.raises(DocumentError, match=r"a\.txt"):
        sniff(b"", "a.txt")


def test_unit_and_year_missing_named() -> None:
    with pytest.raises(DocumentError) as exc:
        parse_bytes("2023年预算收支总表\n单位：万元\n项目\t金额\n合计\t1.00\n".encode(), "t.txt")
    assert "unit" in exc.value.problem


# -- amounts ---------------------------------------------------------------------------------------


def test_parse_amount() -> None:
    assert parse_amount("1,623.35") == Decimal("1623.35")
    assert parse_amount(" 473.16 ") == Decimal("473.16")
    assert parse_amount("91,016,775.35") == Decimal("91016775.35")
    assert parse_amount("（3.00）") == Decimal("-3.00")
    assert parse_amount("-0.5") == Decimal("-0.5")
    assert parse_amount("１２.５") == Decimal("12.5")
    for blank in ("", "-", "—", " ", "－"):
        assert parse_amount(blank) is None
    for word in ("合计", "2023年", "12.3.4", "1,2345.00"):
        assert parse_amount(word) is None
    assert looks_like_amount("1,623.35") and looks_like_amount("0.05")
    assert not looks_like_amount("12") and not looks_like_amount("2023")


def test_to_yuan_is_exact() -> None:
    assert to_yuan(Decimal("473.16"), Decimal(10000)) == Decimal("4731600.00")
    assert str(to_yuan(Decimal("833.90"), Decimal(10000))) == "8339000.00"
    assert to_yuan(Decimal("0.01"), Decimal(10000)) == Decimal(100)
    assert parse_unit("部门名称：兴县人民政府办公室 单位：万元") == ("万元", Decimal(10000))
    assert parse_unit("金额单位:元") == ("元", Decimal(1))
    assert parse_unit("单位名称") is None


def test_damaged_or_cut_bytes_are_reported_not_fatal() -> None:
    text = _seed("004").read_text("utf-8")
    for codec in ("utf-8", "gb18030"):
        data = text.encode(codec)
        at = data.index(b"\n", 3000) + 1  # between two characters
        damaged = data[:at] + b"\xff" + data[at:]
        decoded, warnings = decode_with_warnings(damaged, "d.txt")
        assert decoded.count("\ufffd") == 1 and len(warnings) == 1, codec
        assert decoded.replace("\ufffd", "") == text
        # cut in the middle of a character, as a truncated download is
        cut = data[: len(data) // 2]
        while True:
            try:
                cut.decode(codec)
            except UnicodeDecodeError:
                break
            cut = cut[:-1]
        decoded, warnings = decode_with_warnings(cut, "c.txt")
        assert text.startswith(decoded.rstrip("\ufffd")) and warnings
