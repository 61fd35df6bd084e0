"""parse_citations on short made-up strings in the genre's style (no seed text is copied here)."""

from __future__ import annotations

import random
import sys

import pytest

from budgetkg.loader.citations import normalize_number, parse_citations, resolve_context

XING = ["兴县", "吕梁市", "山西省"]  # a county unit's places: county, prefecture, province
JULU = ["巨鹿县", "邢台市", "河北省"]

STYLES = [
    ("〔", "〕"),
    ("[", "]"),
    ("【", "】"),
    ("﹝", "﹞"),
    ("(", ")"),
    ("（", "）"),
    ("［", "］"),
]


@pytest.mark.parametrize(("open_", "close"), STYLES)
def test_every_bracket_style_normalises(open_: str, close: str) -> None:
    text = f"《关于印发某某办法的通知》(晋政办发{open_}2017{close}10号)"
    (c,) = parse_citations(text)
    assert c.number == "晋政办发〔2017〕10号"
    assert c.title == "关于印发某某办法的通知"
    assert c.year == 2017


@pytest.mark.parametrize(
    "written",
    [
        "晋政办发 〔 2017 〕 10 号",
        "晋政办发〔2017〕010号",
        "晋政办发［２０１７］１０号",
        "晋政办发【2017】第10号",
    ],
)
def test_spaces_full_width_digits_and_zero_padding(written: str) -> None:
    assert normalize_number(written) == "晋政办发〔2017〕10号"


def test_normalising_is_idempotent_in_any_bracket_style() -> None:
    """Property: normalise, re-render in any style, normalise again → the same number."""
    rng = random.Random(20230315)
    prefixes = ["晋政办发", "厅字", "国办发", "冀政字", "兴政发", "晋银保监发", "吕政办函", "皖财预"]
    for _ in range(300):
        prefix = rng.choice(prefixes)
        year = rng.randint(1990, 2030)
        serial = rng.randint(1, 999)
        open_, close = rng.choice(STYLES)
        pad = rng.choice(["", " ", "  "])
        first = normalize_number(f"{prefix}{pad}{open_}{year}{close}{pad}{serial}{pad}号")
        assert first == f"{prefix}〔{year}〕{serial}号"
        body = first.removeprefix(prefix)
        rest = body[len(f"〔{year}〕") :]
        open2, close2 = rng.choice(STYLES)
        again = normalize_number(f"{prefix}{open2}{year}{close2}{rest}")
        assert again == first
        assert normalize_number(again) == first


def test_two_numbered_titles_split_and_issuers_follow_the_prefix() -> None:
    text = (
        "按照《关于某某系统建设的通知》(晋政办发〔2017〕10号)、"
        "《关于印发某某工作方案的通知》(吕政办发〔2017〕8号)文件要求执行。"
    )
    first, second = parse_citations(text, 12, context=XING)
    assert (first.number, first.issuer, first.issuer_level, first.basis_type) == (
        "晋政办发〔2017〕10号",
        "山西省人民政府办公厅",
        "provincial",
        "policy",
    )
    assert (second.number, second.issuer, second.issuer_level) == (
        "吕政办发〔2017〕8号",
        "吕梁市人民政府办公室",
        "prefecture",
    )
    assert first.source_line == second.source_line == 12
    assert first.raw == "《关于某某系统建设的通知》(晋政办发〔2017〕10号)"


def test_titles_joined_by_he_without_numbers() -> None:
    cits = parse_citations("《关于组织编制某某计划的通知》和《关于明确某某有关问题的通知》")
    assert [c.title for c in cits] == ["关于组织编制某某计划的通知", "关于明确某某有关问题的通知"]
    assert all(c.number is None and c.basis_type == "policy" for c in cits)


def test_title_missing_its_opening_bracket_is_recovered() -> None:
    text = (
        "根据《兴县人民政府关于表彰某某单位的决定》(兴政发〔2022〕3号)精神,"
        "及兴县人民政府办公室关于印发某某考核办法(试行)的通知》(兴政办发〔2021〕6号)精神"
    )
    decision, notice = parse_citations(text, context=XING)
    assert decision.basis_type == "decision"
    assert (decision.number, decision.issuer, decision.issuer_level) == (
        "兴政发〔2022〕3号",
        "兴县人民政府",
        "county",
    )
    assert notice.title == "兴县人民政府办公室关于印发某某考核办法(试行)的通知"
    assert (notice.number, notice.issuer, notice.issuer_level) == (
        "兴政办发〔2021〕6号",
        "兴县人民政府办公室",
        "county",
    )
    assert notice.basis_type == "policy"
    assert not notice.truncated


def test_title_cut_by_a_cell_boundary_is_kept_and_flagged() -> None:
    cits = parse_citations("按照《关于某某的通知》(晋政发〔2021〕2号)、《关于印发某某市委")
    assert cits[0].number == "晋政发〔2021〕2号" and not cits[0].truncated
    assert cits[1].title == "关于印发某某市委"
    assert cits[1].truncated and cits[1].number is None


def test_number_without_a_title() -> None:
    (c,) = parse_citations("根据冀政字〔2019〕5号文件精神")
    assert (c.title, c.number, c.issuer, c.issuer_level) == (
        None,
        "冀政字〔2019〕5号",
        "河北省人民政府",
        "provincial",
    )
    assert c.basis_type == "policy"


def test_text_named_issuer_wins_over_the_number_prefix() -> None:
    (c,) = parse_citations(
        "按照市委办、市政府办《关于某某制度的督办通知》(厅字〔2017〕2号)文件要求执行。", context=XING
    )
    assert c.number == "厅字〔2017〕2号"
    assert c.issuer == "中共吕梁市委办公室"  # the lead of a joint issue, completed from the context
    assert c.issuer_level == "prefecture"
    assert c.raw.startswith("市委办、市政府办《")


def test_central_prefixes() -> None:
    (c,) = parse_citations("《关于某某工作的意见》(厅字〔2017〕28号)")
    assert (c.issuer, c.issuer_level) == ("中共中央办公厅", "central")
    (d,) = parse_citations("《国务院办公厅关于印发某某指引的通知》（国办发〔2017〕47号）")
    assert (d.issuer, d.issuer_level) == ("国务院办公厅", "central")


def test_issuer_from_the_head_of_a_joint_title_and_a_regulator_prefix() -> None:
    (c,) = parse_citations("《山西银保监局山西省财政厅关于印发某某实施方案的通知》(晋银保监发〔2021〕6号)")
    assert c.number == "晋银保监发〔2021〕6号"
    assert (c.issuer, c.issuer_level) == ("山西银保监局", "provincial")


def test_issuer_named_before_the_title() -> None:
    (c,) = parse_citations(
        "中共某县委农村工作领导小组《关于某某的实施意见》(兴农组发〔2022〕1号)", context=XING
    )
    assert c.issuer == "中共某县委农村工作领导小组"
    assert c.issuer_level == "county"  # from the number prefix: 兴 is the unit's county
    (d,) = parse_citations("中共中央办公厅、国务院办公厅印发了《关于某某发展的指导意见》，第七条指出……")
    assert (d.issuer, d.issuer_level, d.number) == ("中共中央办公厅", "central", None)


def test_context_resolves_single_character_prefixes() -> None:
    (with_ctx,) = parse_citations("兴政办发〔2021〕36号", context=XING)
    assert (with_ctx.issuer, with_ctx.issuer_level) == ("兴县人民政府办公室", "county")
    (without,) = parse_citations("兴政办发〔2021〕36号")
    assert without.issuer is None  # 兴 alone names many places
    (prefecture,) = parse_citations("邢政字〔2020〕3号", context=JULU)
    assert (prefecture.issuer, prefecture.issuer_level) == ("邢台市人民政府", "prefecture")
    (relative,) = parse_citations("市政发〔2020〕3号", context=JULU)
    assert (relative.issuer, relative.issuer_level) == ("邢台市人民政府", "prefecture")
    (unique,) = parse_citations("吕政办发〔2018〕5号")
    assert unique.issuer == "吕梁市人民政府办公室"  # 吕 starts one place name only


def test_provincial_and_multi_character_prefixes() -> None:
    assert parse_citations("皖政办〔2019〕1号")[0].issuer == "安徽省人民政府办公厅"
    assert parse_citations("晋办发〔2019〕1号")[0].issuer == "中共山西省委办公厅"
    assert parse_citations("晋财预〔2019〕1号")[0].issuer == "山西省财政厅"
    assert parse_citations("晋中政发〔2019〕1号")[0].issuer == "晋中市人民政府"
    assert parse_citations("国发〔2019〕1号")[0].issuer_level == "central"


def test_context_resolution_adds_ancestors() -> None:
    places = resolve_context(["兴县"])
    assert [p.name for p in places] == ["兴县", "吕梁市", "山西省"]
    assert [p.level for p in places] == ["county", "prefecture", "province"]


@pytest.mark.parametrize(
    ("text", "number", "year"),
    [
        ("国家标准《信息技术 某某技术要求与测试方法》（GB/T 37668—2019）", "GB/T 37668-2019", 2019),
        ("按照GB 1526-89执行", "GB 1526-89", 1989),
        ("《某某服务规范》DB14/T 1234-2020", "DB14/T 1234-2020", 2020),
    ],
)
def test_standards(text: str, number: str, year: int) -> None:
    (c,) = parse_citations(text)
    assert (c.basis_type, c.number, c.year) == ("standard", number, year)


def test_laws() -> None:
    (c,) = parse_citations("《中华人民共和国某某法》")
    assert (c.basis_type, c.issuer_level, c.title) == ("law", "central", "中华人民共和国某某法")
    (d,) = parse_citations("依据《某某管理条例》")
    assert d.basis_type == "law"
    (e,) = parse_citations("《某某管理办法》")
    assert e.basis_type == "policy"  # 办法 is not 法


def test_contracts() -> None:
    (c,) = parse_citations("《政府网站某某服务合同》")
    assert c.basis_type == "contract"
    cits = parse_citations("某市某某网租赁服务项目合作协议书、某县政府网站技术服务合同。")
    assert [c.basis_type for c in cits] == ["contract", "contract"]
    assert cits[1].title == "某县政府网站技术服务合同"


def test_decisions() -> None:
    (c,) = parse_citations("经县政府研究决定,由相关部门组织实施。", context=XING)
    assert (c.basis_type, c.issuer, c.issuer_level) == ("decision", "兴县人民政府", "county")
    (d,) = parse_citations("县政府常务会议纪要")
    assert d.basis_type == "decision"


@pytest.mark.parametrize(
    "text",
    [
        "实际需要",
        "工作需要",
        "根据工作安排",
        "根据实际工作要求",
        "根据县委领导工作安排",
        "问卷调查",
        "根据上级文件要求",
    ],
)
def test_informal(text: str) -> None:
    (c,) = parse_citations(text)
    assert (c.basis_type, c.raw, c.title, c.number, c.issuer) == ("informal", text, None, None, None)


def test_institutional_mandate_is_a_policy_document() -> None:
    (c,) = parse_citations("政府办三定方案")
    assert (c.basis_type, c.title, c.issuer) == ("policy", "政府办三定方案", None)


def test_relative_issuer_in_a_bare_document_name() -> None:
    (c,) = parse_citations("依据省某某办公室某某工作考评方案。", context=["濉溪县"])
    assert c.basis_type == "policy"
    assert (c.issuer, c.issuer_level) == ("安徽省某某办公室", "provincial")


def test_identical_citations_are_deduplicated() -> None:
    text = "《关于某某的通知》(晋政发〔2020〕1号)、《关于某某的通知》（晋政发[2020]1号）"
    assert len(parse_citations(text)) == 1


def test_blank_text_has_no_citation() -> None:
    assert parse_citations("") == []
    assert parse_citations("   ") == []


def test_cpca_is_read_not_imported() -> None:
    parse_citations("吕政办发〔2018〕5号")
    assert "cpca" not in sys.modules and "pandas" not in sys.modules


# ---------------------------------------------------------------------------------------------
# standards of every prefix, decisions by meeting, contracts without 《》, department codes


@pytest.mark.parametrize(
    ("text", "number", "year"),
    [
        ("依据DA/T 31—2017等标准要求。", "DA/T 31-2017", 2017),
        ("《某某数字化规范》(DA/T 31—2017)", "DA/T 31-2017", 2017),
        ("按照GA/T 1400.1–2017执行", "GA/T 1400.1-2017", 2017),
        ("JR/T 0171-2020", "JR/T 0171-2020", 2020),
        ("WS/T 500.1‐2016", "WS/T 500.1-2016", 2016),
        ("《某某设计规范》GB 50016—2014", "GB 50016-2014", 2014),
        ("DB14/T 1234—2020", "DB14/T 1234-2020", 2020),
        ("JGJ/T 16－2008", "JGJ/T 16-2008", 2008),
        ("SL/Z 123-2015", "SL/Z 123-2015", 2015),
    ],
)
def test_standards_of_any_prefix_and_dash(text: str, number: str, year: int) -> None:
    (c,) = parse_citations(text)
    assert (c.basis_type, c.number, c.year, c.issuer) == ("standard", number, year, None)


@pytest.mark.parametrize("text", ["PM2.5浓度达标", "采购CPU 2台", "COVID-19疫情防控需要"])
def test_letters_and_digits_that_are_no_standard(text: str) -> None:
    assert all(c.basis_type != "standard" for c in parse_citations(text))


@pytest.mark.parametrize(
    ("text", "issuer", "level", "raw"),
    [
        ("经县政府研究决定，同意安排该项目经费。", "兴县人民政府", "county", "经县政府研究决定"),
        ("经县政府常务会议研究决定", "兴县人民政府", "county", None),
        ("根据县政府专题会议研究决定", "兴县人民政府", "county", None),
        ("经兴县人民政府常务会议研究决定", "兴县人民政府", "county", None),
        ("县长办公会议纪要", "兴县人民政府", "county", None),
        ("市长办公会议纪要", "吕梁市人民政府", "prefecture", None),
        ("经县委常委会议研究决定", "中共兴县委", "county", None),
        ("经省政府常务会议研究决定", "山西省人民政府", "provincial", None),
    ],
)
def test_decisions_by_meeting_have_no_title_and_an_issuer_from_the_context(
    text: str, issuer: str, level: str, raw: str | None
) -> None:
    (c,) = parse_citations(text, context=XING)
    assert (c.basis_type, c.title, c.number, c.issuer, c.issuer_level) == (
        "decision",
        None,
        None,
        issuer,
        level,
    )
    assert c.raw == (raw or text)


def test_decisions_of_a_banner_and_of_a_place_with_he_in_its_name() -> None:
    (c,) = parse_citations("经旗政府研究决定", context=["喀喇沁旗"])
    assert (c.issuer, c.issuer_level) == ("喀喇沁旗人民政府", "county")
    (d,) = parse_citations("经太和区人民政府常务会议研究决定", context=["太和区", "锦州市"])
    assert (d.issuer, d.issuer_level) == ("太和区人民政府", "county")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("按照与某某科技有限公司签订的某某平台运维服务合同执行。", "某某平台运维服务合同"),
        ("根据某某大厦物业服务协议书", "某某大厦物业服务协议书"),
        ("按照已签订的某某网络租赁合同执行", "某某网络租赁合同"),
    ],
)
def test_contracts_written_without_book_title_marks(text: str, title: str) -> None:
    (c,) = parse_citations(text, context=XING)
    assert (c.basis_type, c.title, c.number, c.issuer, c.year) == ("contract", title, None, None, None)


def test_a_year_of_coverage_is_not_the_year_of_issue() -> None:
    (c,) = parse_citations("与某某公司签订的《2022年度某某服务合同》")
    assert (c.basis_type, c.year) == ("contract", None)


@pytest.mark.parametrize(
    ("number", "context", "issuer", "level"),
    [
        ("冀民发〔2019〕99号", JULU, "河北省民政厅", "provincial"),
        ("晋教发〔2019〕9号", XING, "山西省教育厅", "provincial"),
        ("晋卫基层发〔2020〕3号", XING, "山西省卫生健康委员会", "provincial"),
        ("苏人社发〔2017〕20号", None, "江苏省人力资源和社会保障厅", "provincial"),
        ("蒙人社发〔2017〕74号", None, "内蒙古自治区人力资源和社会保障厅", "provincial"),
        ("晋统字〔2018〕5号", XING, "山西省统计局", "provincial"),
        ("晋自然资发〔2020〕5号", XING, "山西省自然资源厅", "provincial"),
        ("晋国土资发〔2016〕5号", XING, "山西省自然资源厅", "provincial"),
        ("晋市监发〔2020〕5号", XING, "山西省市场监督管理局", "provincial"),
        ("晋医保发〔2020〕5号", XING, "山西省医疗保障局", "provincial"),
        ("吕民发〔2020〕1号", XING, "吕梁市民政局", "prefecture"),
        ("吕审发〔2020〕1号", XING, "吕梁市审计局", "prefecture"),
        ("兴民发〔2020〕1号", XING, "兴县民政局", "county"),
        ("兴应急发〔2020〕1号", XING, "兴县应急管理局", "county"),
        ("兴住建发〔2020〕1号", XING, "兴县住房和城乡建设局", "county"),
        ("民发〔2020〕1号", XING, "民政部", "central"),
        ("教发〔2018〕3号", None, "教育部", "central"),
        ("国卫基层发〔2022〕21号", XING, "国家卫生健康委员会", "central"),
        ("人社部发〔2019〕1号", None, "人力资源和社会保障部", "central"),
        ("交公路发〔2018〕3号", None, "交通运输部", "central"),
        ("国市监〔2019〕2号", None, "国家市场监督管理总局", "central"),
        ("财预〔2020〕10号", XING, "财政部", "central"),
        ("审办发〔2020〕1号", None, "审计署", "central"),
    ],
)
def test_department_codes(number: str, context: list[str] | None, issuer: str, level: str) -> None:
    (c,) = parse_citations(f"《关于某某工作的通知》({number})", context=context)
    assert (c.number, c.issuer, c.issuer_level) == (number, issuer, level)


def test_a_place_beats_a_department_code_it_starts_with() -> None:
    # 公安县's government, not the 公安部; 环县's, not the 生态环境部 (环 is also 环县's first character)
    assert parse_citations("公安政发〔2020〕1号")[0].issuer == "公安县人民政府"
    (c,) = parse_citations("环政发〔2020〕1号", context=["环县", "庆阳市", "甘肃省"])
    assert (c.issuer, c.issuer_level) == ("环县人民政府", "county")


def test_place_names_beginning_with_he_are_not_split_at_the_conjunction() -> None:
    ctx = ["和林格尔县", "呼和浩特市", "内蒙古自治区"]
    (c,) = parse_citations("《关于印发某某方案的通知》(和政发〔2016〕25号)", context=ctx)
    assert (c.number, c.issuer, c.issuer_level) == ("和政发〔2016〕25号", "和林格尔县人民政府", "county")
    first, second = parse_citations(
        "《关于某某的通知》(晋政发〔2020〕1号)和和林格尔县人民政府办公室《关于某某的通知》(和政办发〔2019〕5号)",
        context=ctx,
    )
    assert first.issuer == "山西省人民政府"
    assert (second.number, second.issuer) == ("和政办发〔2019〕5号", "和林格尔县人民政府办公室")
    (d,) = parse_citations("《关于某某的通知》(和财预〔2018〕79号)", context=["墨玉县", "和田地区"])
    assert (d.number, d.issuer, d.issuer_level) == ("和财预〔2018〕79号", "和田地区财政局", "prefecture")


def test_secondary_province_abbreviations_yield_to_the_context_place() -> None:
    # 陇 names 甘肃 in prose, but 甘肃省's own numbers use 甘: 陇政办发 is 陇南市's for a 陇南 unit
    (c,) = parse_citations("陇政办发〔2016〕33号", context=["武都区", "陇南市", "甘肃省"])
    assert (c.issuer, c.issuer_level) == ("陇南市人民政府办公室", "prefecture")
    # 晋 is 山西省's own: 晋政发 stays provincial for a 晋中市 unit
    (d,) = parse_citations("晋政发〔2016〕3号", context=["榆次区", "晋中市", "山西省"])
    assert (d.issuer, d.issuer_level) == ("山西省人民政府", "provincial")
