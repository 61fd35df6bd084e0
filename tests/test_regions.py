"""GB/T 2260 divisions from unit names: county first, context for same-named divisions, OCR variants."""

from __future__ import annotations

import subprocess
import sys

from budgetkg.loader.records import Region
from budgetkg.loader.regions import gazetteer, resolve_region


def _chain(region: Region | None) -> list[tuple[str, str, str | None]]:
    out = []
    while region is not None:
        out.append((region.name, region.level, region.adcode))
        region = region.parent
    return out


def test_county_with_parents() -> None:
    m = resolve_region("兴县人民政府办公室")
    assert _chain(m.region) == [
        ("兴县", "county", "141123"),
        ("吕梁市", "prefecture", "141100"),
        ("山西省", "province", "140000"),
    ]
    assert not m.warnings
    assert _chain(resolve_region("巨鹿县人民政府办公室").region)[0] == ("巨鹿县", "county", "130529")
    # leftmost-longest: 新兴县 is not 兴县
    assert resolve_region("新兴县财政局").region.adcode == "445321"  # type: ignore[union-attr]


def test_ocr_variant_is_corrected() -> None:
    for written in ("埭桥区人民政府办公室", "宿州市埭桥区人民政府办公室"):
        m = resolve_region(written)
        assert _chain(m.region) == [
            ("埇桥区", "county", "341302"),
            ("宿州市", "prefecture", "341300"),
            ("安徽省", "province", "340000"),
        ]
        assert m.canonical_unit_name(written) == written.replace("埭", "埇")
        assert any("埇桥区" in w for w in m.warnings)
    # the document's own mentions decide when glyphs alone would not
    m = resolve_region("涌桥区人民政府办公室", "宿州市 … 埇桥区人民政府办公室 2023 年部门预算")
    assert m.region is not None and m.region.adcode == "341302"


def test_same_name_resolved_by_context_or_reported() -> None:
    m = resolve_region("上海市普陀区人民政府办公室")
    assert _chain(m.region) == [("普陀区", "county", "310107"), ("上海市", "province", "310000")]
    m = resolve_region("普陀区人民政府办公室", "浙江省舟山市普陀区……舟山")
    assert m.region is not None and m.region.adcode == "330903"
    assert m.region.parent is not None and m.region.parent.adcode == "330900"
    m = resolve_region("普陀区人民政府办公室")
    assert m.region is None
    assert any("ambiguous" in w and "310107" in w and "330903" in w for w in m.warnings)


def test_prefecture_and_province_bodies() -> None:
    assert _chain(resolve_region("烟台市人民政府办公室").region) == [
        ("烟台市", "prefecture", "370600"),
        ("山东省", "province", "370000"),
    ]
    assert _chain(resolve_region("山西省财政厅").region) == [("山西省", "province", "140000")]
    # a county name that is not under the named prefecture is not taken (城区 is in 阳泉, 长治 …)
    assert resolve_region("吕梁市城区管理局").region.adcode == "141100"  # type: ignore[union-attr]


def test_municipality_counties_hang_under_the_province() -> None:
    m = resolve_region("北京市朝阳区财政局")
    assert _chain(m.region) == [("朝阳区", "county", "110105"), ("北京市", "province", "110000")]
    gz = gazetteer()
    assert "310100" not in gz.places  # the 市辖区 placeholder is not a division


def test_no_division_in_name_falls_back_to_document() -> None:
    m = resolve_region("县人民政府办公室", "巨鹿县 " * 5 + "邢台市")
    assert m.region is not None and m.region.adcode == "130529"
    assert m.warnings
    m = resolve_region("人民政府办公室", "")
    assert m.region is None and m.warnings


def test_does_not_import_cpca_or_pandas() -> None:
    code = (
        "import sys; from budgetkg.loader.regions import resolve_region; "
        "resolve_region('兴县人民政府办公室'); "
        "print('cpca' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
