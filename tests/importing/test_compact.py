"""disclosures.importing.compact against seed 004 (门源县应急管理局 2023, DOMAIN §4.6). No database."""

from decimal import Decimal
from pathlib import Path

import pytest

from disclosures.importing.compact import parse_compact_document, split_name_value
from disclosures.importing.parsed import ParsedDocument, ParsedTargetForm
from performance.values import normalise_level1, normalise_level2, parse_indicator_value

SEED = Path(__file__).resolve().parents[2] / "seeds" / "004_cab738b0acffaaf0.txt"
HEADER = ["单位编码", "单位及项目名称", "金额 (万元)", "绩效目标", "绩效指标"]


@pytest.fixture(scope="module")
def doc() -> ParsedDocument:
    return parse_compact_document(SEED.read_text(encoding="utf-8"))


def form(doc: ParsedDocument, code: str) -> ParsedTargetForm:
    return next(f for f in doc.target_forms if f.code == code)


def rows(f: ParsedTargetForm) -> list[tuple[str, str, str, str]]:
    return [(i.level1, i.level2, i.name, i.value) for i in f.indicators]


def test_document_header(doc: ParsedDocument) -> None:
    assert (doc.kind, doc.fiscal_year) == ("targets_compact", 2023)
    assert (doc.department_code, doc.department_name) == ("309", "门源县应急管理局")
    assert (doc.unit_code, doc.unit_name) == ("309001", "门源县应急管理局")
    assert (doc.region, doc.region_level, doc.province) == ("门源县", "county", "青海省")
    assert doc.title == "门源县应急管理局2023年部门预算项目支出绩效目标公开表"
    assert doc.issues == []
    assert doc.lines_read == len(SEED.read_text(encoding="utf-8").split("\n"))


def test_table_as_printed(doc: ParsedDocument) -> None:
    (table,) = doc.tables
    assert (table.key, table.title, table.line, table.unit_label) == ("targets_compact", doc.title, 3, "万元")
    assert table.header_rows == [HEADER]  # printed three times (page breaks), kept once
    assert all(row.cells != HEADER for row in table.rows)
    assert [row.cells[0] for row in table.rows] == ["合计:", "309", "309001", *map(str, range(1, 9))]
    assert [row.line for row in table.rows] == [6, 7, 8, 9, 10, 13, 14, 15, 18, 19, 20]
    assert all(len(row.cells) == 5 for row in table.rows)
    assert table.rows[0].cells == ["合计:", "", "135.99", "", ""]
    assert table.rows[1].cells == ["309", "门源县应急管理局", "135.99", "", ""]
    project = table.rows[3].cells
    assert project[:3] == ["1", "全县安全生产监管专项", "50.00"]
    assert project[3].startswith("<p>目标1:") and project[4].startswith("<p>一、产出指标</p>")


def test_forms_and_amounts(doc: ParsedDocument) -> None:
    amounts = [Decimal(a) for a in ("50.00", "1.70", "4.20", "20.00", "6.00", "4.00", "0.09", "50.00")]
    assert [f.code for f in doc.target_forms] == [str(n) for n in range(1, 9)]
    assert [f.amount for f in doc.target_forms] == amounts
    assert sum(amounts) == Decimal("135.99") == Decimal(doc.tables[0].rows[0].cells[2])
    assert [f.project_name for f in doc.target_forms] == [
        "全县安全生产监管专项",
        "防震减灾工作经费",
        "防灾减灾救灾及法制宣传经费",
        "农村住房保险",
        "救灾物资储备库运转经费",
        "森林防火工作经费",
        "退休人员慰问金",
        "应急度汛安全经费",
    ]
    for f in doc.target_forms:
        assert (f.funds_unit, f.department_label, f.implementing_unit) == (
            "万元",
            "309-门源县应急管理局",
            "门源县应急管理局",
        )
        assert f.indicators and all(i.period == "annual" and i.line == f.line for i in f.indicators)
        assert not any(issue.severity == "error" for issue in f.issues)


def test_goal_paragraphs_become_lines(doc: ParsedDocument) -> None:
    goal = form(doc, "1").goal_annual.split("\n")
    assert [line[:4] for line in goal] == ["目标1:", "目标2:", "目标3:", "目标4:"]
    assert goal[3] == "目标4: 安全生产委员会办公室工作经费。"
    assert "<" not in form(doc, "1").goal_annual
    assert (
        form(doc, "4").goal_annual.startswith("目标1: 实施农村住房保险补贴") and "\n" not in form(doc, "4").goal_annual
    )
    assert form(doc, "5").goal_period == ""


def test_project_2_every_indicator(doc: ParsedDocument) -> None:
    # <ol> items without <li>; 社会效益指标 printed inside item 2 of the 经济效益 list (Q13)
    assert rows(form(doc, "2")) == [
        ("产出指标", "数量指标", "地震救援处置", "≥2次"),
        ("产出指标", "数量指标", "地震培训次数", "≥2次"),
        ("产出指标", "数量指标", "地震监督检查", "≥10次"),
        ("产出指标", "质量指标", "重点单位熟悉演练率", "≥100%"),
        ("产出指标", "质量指标", "地震宣传覆盖率", "≥80%"),
        ("产出指标", "质量指标", "地震抢险救援处置率", "≥100%"),
        ("产出指标", "时效指标", "地震及抢险救援处置及时率", "100%"),
        ("产出指标", "时效指标", "地震培训及时率", "100%"),
        ("产出指标", "时效指标", "地震监督检查及时率", "100%"),
        ("产出指标", "成本指标", "地震灾害调查、评估、应急处置", "≤ 0.7万元"),
        ("产出指标", "成本指标", "应急救援、应急人员培训、应急演练", "≤1万元"),
        ("效益指标", "经济效益指标", "受灾对象财产损失降低率", "≥0"),
        ("效益指标", "社会效益指标", "地震安全知识知晓率", "≥95%"),
        ("效益指标", "社会效益指标", "重大地震事故发生次数", "0次"),
        ("效益指标", "社会效益指标", "地震事故降低率", "≥0"),
        ("效益指标", "可持续影响指标", "地震应急预案完备性", "完备"),
        ("效益指标", "可持续影响指标", "跨部门沟通协作机制健全性", "健全"),
        ("满意度指标", "服务对象满意度指标", "群众对突发情况处置满意度", "≥95%"),
        ("满意度指标", "服务对象满意度指标", "群众地震安全知识普及满意度", "≥95%"),
        ("满意度指标", "服务对象满意度指标", "群众对地震监督检查满意度", "≥95%"),
    ]


def test_project_4_every_indicator(doc: ParsedDocument) -> None:
    # unnumbered <p> items, 质量指标 on the same <p> as its first item, (二) repeated, 满意度 printed under 效益,
    # and 服务对象满意度指标 as a standalone item 1 (Q13)
    assert rows(form(doc, "4")) == [
        ("产出指标", "数量指标", "农村住房保险补贴户数", "3.2 万户"),
        ("产出指标", "质量指标", "农村住房保险补贴覆盖率", "≥95%"),
        ("产出指标", "质量指标", "农险查勘定损准确率", "100%"),
        ("产出指标", "时效指标", "农村住房保险办理及时率", "100%"),
        ("产出指标", "时效指标", "受灾参保农民理赔及时率", "100%"),
        ("产出指标", "成本指标", "农村住房保险总成本", "20万"),
        ("产出指标", "成本指标", "人均农村住房保险补贴标准", "10元/每户"),
        ("效益指标", "经济效益指标", "受灾参保农民财产损失降低率", "≥0"),
        ("效益指标", "经济效益指标", "受灾理赔金额增长率", "≥0"),
        ("效益指标", "社会效益指标", "农村住房保险参保人数提升率", "≥0"),
        ("效益指标", "社会效益指标", "农村住房政策性保险知晓率", "100%"),
        ("效益指标", "可持续影响指标", "农村住房保险管理制度健全性", "健全"),
        ("效益指标", "可持续影响指标", "跨部门沟通协作机制健全性", "健全"),
        ("效益指标", "服务对象满意度指标", "参保农民满意度", "≥95%"),
        ("效益指标", "服务对象满意度指标", "受灾被保农民满意度", "≥95%"),
    ]
    households = parse_indicator_value(form(doc, "4").indicators[0].value)
    assert (households.number, households.unit, households.scaled) == (Decimal("3.2"), "万户", Decimal(32000))


def test_cost_indicators_of_flood_safety_project(doc: ParsedDocument) -> None:
    f = form(doc, "8")
    assert f.project_name == "应急度汛安全经费"
    costs = [i for i in f.indicators if normalise_level2(i.level2)[0] == "cost"]
    assert [(i.name, i.value) for i in costs] == [
        ("火灾及抢险救援处置成本", "≤45万元"),
        ("安保执勤成本", "≤30万元"),
        ("消防培训成本", "≤30万元"),
        ("消防监督检查成本", "≤30万元"),
    ]
    values = [parse_indicator_value(i.value) for i in costs]
    assert all(v.operator == "≤" and v.unit == "万元" for v in values)
    assert sum(v.number for v in values) == Decimal(135) > f.amount  # DOMAIN Q15: cost ceiling 135 > 50
    # two items in one <p>: "1. 火灾及抢险救援处置 ≥30次 2. 安保执勤 ≥5次"
    assert rows(f)[:4] == [
        ("产出指标", "数量指标", "火灾及抢险救援处置", "≥30次"),
        ("产出指标", "数量指标", "安保执勤", "≥5次"),
        ("产出指标", "数量指标", "消防培训次数", "≥50次"),
        ("产出指标", "数量指标", "消防监督检查", "≥150次"),
    ]


def _is_satisfaction(level1: str, level2: str) -> bool:
    return normalise_level2(level2)[0] == "satisfaction" or normalise_level1(level1)[0] == "satisfaction"


def test_project_5_has_no_satisfaction_indicator(doc: ParsedDocument) -> None:
    assert not any(_is_satisfaction(i.level1, i.level2) for i in form(doc, "5").indicators)  # DOMAIN Q14
    for code in ("1", "2", "3", "4", "6", "7", "8"):
        assert any(_is_satisfaction(i.level1, i.level2) for i in form(doc, code).indicators), code


def test_indicator_counts(doc: ParsedDocument) -> None:
    assert [len(f.indicators) for f in doc.target_forms] == [20, 20, 15, 15, 14, 20, 7, 26]


def test_misplaced_labels_are_reported(doc: ParsedDocument) -> None:
    def q13(code: str) -> list[str]:
        return [i.message for i in form(doc, code).issues if "Q13" in i.message and i.severity == "warning"]

    assert any("社会效益指标" in m for m in q13("2"))
    assert any("社会效益指标" in m for m in q13("6"))
    assert any("满意度指标" in m and "效益指标" in m for m in q13("3"))
    assert any("质量指标" in m for m in q13("4")) and any("单独成项" in m for m in q13("4"))
    assert q13("1") == q13("5") == q13("8") == []


def test_unsplittable_values_are_kept_with_an_issue(doc: ParsedDocument) -> None:
    seven = form(doc, "7")
    assert ("产出指标", "成本指标", "每人每年300元", "3*300") in rows(seven)
    assert ("产出指标", "时效指标", "2023年01月--12月", "≥12个月") in rows(seven)
    assert any("3*300" in i.message for i in seven.issues)
    assert ("效益指标", "社会效益指标", "群众依法维权次数提升", "≥2022年依法维权次数") in rows(form(doc, "3"))
    assert rows(seven)[-1] == ("服务对象满意度指标", "服务对象满意度指标", "退休人员满意度", "≥95%")


def test_values_glued_to_names_are_split(doc: ParsedDocument) -> None:
    three = [(i.name, i.value) for i in form(doc, "3").indicators if i.level2 == "成本指标"]
    assert three == [
        ("制定印发宣传手册、制作宣传展板", "1.2万"),
        ("业务工作经费", "1万元"),
        ("法制培训全年三次", "2万元"),
    ]
    six = [(i.name, i.value) for i in form(doc, "6").indicators if i.level2 == "成本指标"]
    assert six == [("全县会务费、日常巡查检查业务办公工作经费", "≤2万元"), ("培训费", "2万元")]


def test_every_value_parses(doc: ParsedDocument) -> None:
    unparsed = {
        i.value
        for f in doc.target_forms
        for i in f.indicators
        if parse_indicator_value(i.value).kind in ("text", "blank")
    }
    assert unparsed == {"3*300", "≥2022年依法维权次数"}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("企业安全检查 50次", ("企业安全检查", "50次", "")),
        ("地震灾害调查、评估、应急处置 ≤ 0.7万元;", ("地震灾害调查、评估、应急处置", "≤ 0.7万元", "")),
        ("农村住房保险补贴户数 3.2 万户", ("农村住房保险补贴户数", "3.2 万户", "")),
        ("安全事故应急预案健全性 健全", ("安全事故应急预案健全性", "健全", "")),
        ("业务工作经费1万元", ("业务工作经费", "1万元", "")),
        ("保障33名退休干部工作的正常开展 ≥3人", ("保障33名退休干部工作的正常开展", "≥3人", "")),
        ("提供法律咨询时间 2022年12月底前", ("提供法律咨询时间", "2022年12月底前", "")),
    ],
)
def test_split_name_value(item: str, expected: tuple[str, str, str]) -> None:
    assert split_name_value(item) == expected


def test_split_failure_keeps_the_name() -> None:
    name, value, problem = split_name_value("没有指标值的指标")
    assert (name, value) == ("没有指标值的指标", "") and problem


def test_empty_and_garbage_input_do_not_raise() -> None:
    for text in ("", "随便什么", "单位编码\t单位及项目名称\t金额 (万元)\t绩效目标\t绩效指标\n1\tx"):
        doc = parse_compact_document(text)
        assert doc.kind == "targets_compact" and any(i.severity == "error" for i in doc.issues)
