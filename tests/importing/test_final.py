"""决算公开 parser, checked against the real Jincheng 2023 final-accounts seed (003)."""

from decimal import Decimal
from pathlib import Path

import pytest

from disclosures.importing.final import parse_final_document
from disclosures.importing.numbers import parse_amount
from disclosures.importing.parsed import ParsedDocument, ParsedSelfEvaluation, ParsedTable, SourceRow

SEED = Path(__file__).resolve().parents[2] / "seeds" / "003_09d390ab03797a85.txt"
WORKED_EXAMPLE = "冶金工贸、非煤矿山、危险化学品企业安全生产标准化建设评审定级"
FOREST = "森林防火应急抢险装备设备和执法记录设备、办公设备更新等购置"


@pytest.fixture(scope="module")
def doc() -> ParsedDocument:
    return parse_final_document(SEED.read_text(encoding="utf-8"))


def table(doc: ParsedDocument, key: str) -> ParsedTable:
    return next(t for t in doc.tables if t.key == key)


def row(t: ParsedTable, *first_cells: str) -> SourceRow:
    return next(r for r in t.rows if r.cells[: len(first_cells)] == list(first_cells))


def form(doc: ParsedDocument, project_name: str) -> ParsedSelfEvaluation:
    return next(f for f in doc.self_evaluations if f.project_name == project_name)


def seed_line(number: int) -> str:
    return SEED.read_text(encoding="utf-8").split("\n")[number - 1]


def test_document_identity_comes_from_the_text(doc):
    assert (doc.kind, doc.fiscal_year, doc.title) == ("final", 2023, "2023年度单位决算公开")
    assert (doc.department_code, doc.department_name) == ("222", "晋城市应急管理局")
    assert (doc.unit_code, doc.unit_name) == ("222001", "晋城市应急管理局")
    assert (doc.region, doc.region_level, doc.province) == ("晋城市", "city", "山西省")
    assert doc.lines_read == 1324


def test_ten_tables_with_keys_titles_labels_and_unit(doc):
    assert [(t.key, t.title, t.label) for t in doc.tables] == [
        ("final_01", "收入支出决算总表", "公开01表"),
        ("final_02", "收入决算表", "公开02表"),
        ("final_03", "支出决算表", "公开03表"),
        ("final_04", "财政拨款收入支出决算总表", "公开04表"),
        ("final_05", "一般公共预算财政拨款支出决算表", "公开05表"),
        ("final_06", "一般公共预算财政拨款基本支出决算明细表", "公开06表"),
        ("final_07", "政府性基金预算财政拨款收入支出决算表", "公开07表"),
        ("final_08", "国有资本经营预算财政拨款支出决算表", "公开08表"),
        ("final_09", "财政拨款“三公”经费支出决算表", "公开09表"),
        ("final_10", "部门决算公开相关信息统计表", "公开10表"),
    ]
    assert {t.unit_label for t in doc.tables} == {"万元"}
    assert [len(t.rows) for t in doc.tables] == [31, 21, 21, 32, 21, 29, 1, 1, 1, 19]
    assert all(t.notes and t.notes[0].startswith("注：本表反映") for t in doc.tables)


def test_rows_keep_their_source_line_numbers(doc):
    for t in doc.tables:
        for r in t.rows:
            assert [cell.strip() for cell in seed_line(r.line).split("\t")] == r.cells


def test_final_01_totals_and_blank_income_rows(doc):
    t = table(doc, "final_01")
    assert t.header_rows == [
        ["收入", "", "", "支出", "", ""],
        ["项目", "行次", "金额", "项目", "行次", "金额"],
        ["栏次", "", "1", "栏次", "", "2"],
    ]
    income_total = row(t, "本年收入合计")
    assert (income_total.line, income_total.cells) == (
        95,
        ["本年收入合计", "27", "3,220.75", "本年支出合计", "58", "3,485.16"],
    )
    assert parse_amount(income_total.cells[2]) == Decimal("3220.75")
    assert row(t, "年初结转和结余").cells[:3] == ["年初结转和结余", "29", "267.24"]
    assert row(t, "总计").cells == ["总计", "31", "3,487.99", "总计", "62", "3,487.99"]
    assert row(t, "", "30").cells == ["", "30", "", "", "61", ""]
    blank_income_rows = [r.cells[1] for r in t.rows if r.cells[0] == "" and r.cells[2] == ""]
    assert blank_income_rows == [str(n) for n in range(9, 27)] + ["30"]
    assert row(t, "", "22").cells[3:] == ["二十二、灾害防治及应急管理支出", "53", "3,295.91"]


def test_final_02_to_05_classified_rows(doc):
    assert row(table(doc, "final_02"), "2240101").cells == [
        "2240101",
        "行政运行",
        "1,292.10",
        "1,291.89",
        "",
        "",
        "",
        "",
        "0.21",
    ]
    assert row(table(doc, "final_03"), "合计").cells[:5] == ["合计", "", "3,485.16", "985.02", "2,500.14"]
    assert table(doc, "final_03").header_rows[0][5:] == ["上缴上级支出", "经营支出", "对附属单位补助支出"]
    assert table(doc, "final_04").header_rows[2][0] == "档次"  # misprint kept as printed
    assert row(table(doc, "final_04"), "总计").cells[:3] == ["总计", "32", "3,220.54"]
    assert row(table(doc, "final_05"), "合计").cells == ["合计", "", "3,220.54", "985.02", "2,235.52"]
    assert [r.cells[0] for r in table(doc, "final_05").rows][-2:] == ["22407", "2240799"]


def test_final_06_four_column_groups_and_totals(doc):
    t = table(doc, "final_06")
    assert t.header_rows[1] == ["科目代码", "科目名称", "决算数"] * 4
    assert row(t, "30302").cells[3:6] == ["30217", "公务接待费", "0.14"]
    assert row(t, "30310").cells[3:6] == ["30231", "公务用车运行维护费", "18.18"]
    assert row(t, "30101").cells[6:9] == ["30701", "国内债务付息", ""]
    assert row(t, "30107").cells[6:9] == ["309", "资本性支出（基本建设）", "——"]
    totals = row(t, "人员经费合计")
    assert (totals.cells[2], totals.cells[3], totals.cells[-1]) == ("829.99", "公用经费合计", "155.03")


def test_final_07_and_08_are_empty(doc):
    for key in ("final_07", "final_08"):
        t = table(doc, key)
        assert t.empty_note == "说明：本表无数据"
        assert [r.cells[0] for r in t.rows] == ["合计"]
        assert all(cell == "" for cell in t.rows[0].cells[1:])
    assert all(not t.empty_note for t in doc.tables if t.key not in ("final_07", "final_08"))


def test_final_09_budget_and_final_groups(doc):
    t = table(doc, "final_09")
    assert t.header_rows[0][0] == "预算数" and t.header_rows[0][6] == "决算数"
    assert t.header_rows[1][:3] == ["合计", "因公出国(境)费", "公务用车购置及运行维护费"]
    assert t.header_rows[2][3:5] == ["公务用车购置费", "公务用车运行维护费"]  # wrapped cells joined
    assert t.header_rows[3] == [str(n) for n in range(1, 13)]
    (data,) = t.rows
    budget, final = data.cells[:6], data.cells[6:]
    assert budget == final == ["29.14", "", "29.00", "", "29.00", "0.14"]


def test_final_10_statistics_rows_and_missing_row_16(doc):
    t = table(doc, "final_10")
    assert row(t, "合计").cells == ["合计", "1", "516.42"]
    assert row(t, "货物").cells == ["货物", "2", "73.96"]
    assert row(t, "(一) 行政单位").cells == ["(一) 行政单位", "5", "155.03"]
    row_numbers = [r.cells[1] for r in t.rows if r.cells[1].isdigit()]
    assert row_numbers == [str(n) for n in range(1, 16)] + ["17"]


def test_overview_and_narrative_sections(doc):
    overview = [s for s in doc.sections if s.part == "overview"]
    assert [(s.heading, s.line) for s in overview] == [("一、本部门（单位）职责", 39), ("二、机构设置情况", 49)]
    assert overview[0].body.count("\n") == 3 and "（十四）开展应急管理方面" in overview[0].body
    narrative = [s for s in doc.sections if s.part == "narrative"]
    assert [s.heading.split("、")[0] for s in narrative if s.level == 1] == list("一二三四五六七八九十")
    assert [s.heading for s in narrative if s.level == 2][:3] == [
        "（一）一般公共预算财政拨款支出决算总体情况",
        "（二）一般公共预算财政拨款支出决算结构情况",
        "（三）一般公共预算财政拨款支出决算具体情况",
    ]
    assert len([s for s in narrative if s.level == 2]) == 9
    income = next(s for s in narrative if s.heading == "二、收入决算情况说明")
    assert income.body.split("\n")[:2] == [
        "2023年度收入合计3,220.75万元，其中：",
        "财政拨款收入3,220.54万元，占比99.99%；",
    ]
    assert next(s for s in narrative if s.heading.startswith("七、")).body == "本年度无此项支出。"
    assert next(s for s in narrative if s.heading.startswith("十、")).body == ""


def test_glossary_has_one_section_per_term(doc):
    glossary = [s for s in doc.sections if s.part == "glossary"]
    assert len(glossary) == 12
    assert (glossary[0].heading, glossary[0].body) == ("一、财政拨款收入", "指单位从同级财政部门取得的财政预算资金。")
    assert glossary[-1].heading == "十二、机关运行经费"
    assert [(i.line, i.message) for i in doc.issues] == [(537, "名词解释中“- 无”不是编号名词，未读入")]


def test_twenty_three_self_evaluations_with_header_fields(doc):
    forms = doc.self_evaluations
    assert len(forms) == 23
    assert all(f.title == f"{f.project_name}项目支出绩效自评表" for f in forms)
    assert {f.year_label for f in forms} == {"(2023年度)"}
    assert {(f.department_label, f.unit_label) for f in forms} == {("222-晋城市应急管理局", "222001-晋城市应急管理局")}
    assert all(f.annual_goal and f.actual_result for f in forms)
    assert sum(len(f.results) for f in forms) == 270
    assert all(len(f.analysis) == 7 for f in forms)
    assert not [i for f in forms for i in f.issues if "未读入" in i.message]


def test_worked_example_form(doc):
    f = form(doc, WORKED_EXAMPLE)
    total, local = f.funds
    assert (total.label, local.label) == ("资金总额", "市县区财政资金")
    printed = ("174", "174", "135.912", "135.912", "0", "100", "10")
    assert (
        total.initial_declared,
        total.initial_budgeted,
        total.full_year_budget,
        total.executed,
        total.balance,
        total.execution_rate,
        total.score,
    ) == tuple(map(Decimal, printed))
    assert total.weight is None  # the template prints no 分值 column for the funds block
    assert (local.execution_rate, local.score) == (Decimal("100.00"), Decimal("10.00"))
    assert [(r.weight, r.score) for r in f.results] == [
        (Decimal(w), Decimal(s))
        for w, s in [
            ("4", "4"), ("4", "4"), ("4", "1.6"), ("4", "4"), ("4", "4"),  # 数量
            ("5", "5"), ("5", "5"),  # 质量
            ("3", "3"), ("3", "3"), ("4", "2"),  # 时效
            ("3", "3"), ("3", "3"), ("4", "4"),  # 成本
            ("15", "15"), ("15", "15"),  # 社会效益
            ("5", "5"), ("5", "5"),  # 满意度
        ]
    ]  # fmt: skip
    partial = f.results[2]
    assert (partial.level1, partial.level2, partial.name) == (
        "产出指标",
        "数量指标",
        "涉及标准化评审一般化工和医药企业数",
    )
    assert (partial.initial_value, partial.adjusted_value, partial.actual_value) == ("≥10个", "≥10个", "≥4个")
    assert partial.deviation.startswith("年初计划有调整") and partial.line == 585
    assert f.results[12].line == 596  # after the blank page-break line
    assert f.results[13].name == "提高从业人员对安全生产的责任和安全风险意识"  # wrapped cell joined
    assert [r.level1 for r in f.results].count("效益指标") == 2
    assert (f.total_score, f.grade) == (Decimal("95.6"), "优")
    assert [heading for heading, _ in f.analysis] == [
        "项目实施的预算执行情况",
        "产出情况及分析",
        "效益情况及分析",
        "满意度情况及分析",
        "主要经验做法",
        "项目管理中存在的主要问题及原因分析",
        "下一步改进措施及管理建议",
    ]
    assert f.analysis[-1] == ("下一步改进措施及管理建议", "无。")
    assert not f.issues


def test_total_is_indicator_scores_plus_funds_score_on_every_form(doc):
    """INV-S1: holds on 23/23 once the 森林防火 时效 row's single number counts as 分值 and 得分 (DOMAIN §5.2)."""
    for f in doc.self_evaluations:
        funds_score = next(fund.score for fund in f.funds if fund.score is not None)
        assert sum((r.score or Decimal(0) for r in f.results), funds_score) == f.total_score, f.project_name
        assert sum(r.weight for r in f.results) == 90, f.project_name


def test_forest_equipment_time_row_prints_one_number_for_weight_and_score(doc):
    f = form(doc, FOREST)
    time_row = next(r for r in f.results if r.level2 == "时效指标")
    assert (time_row.line, time_row.name, time_row.weight, time_row.score) == (
        995,
        "购置设备完成时间",
        Decimal("10"),
        Decimal("10"),
    )
    assert [(i.line, i.cell) for i in f.issues if "只印一个数" in i.message] == [(995, "得分")]


def test_blank_scores_explained_by_a_deviation_stay_blank(doc):
    blanks = [(r.line, r.weight) for f in doc.self_evaluations for r in f.results if r.score is None]
    assert blanks == [
        (1200, Decimal("1")),
        (1201, Decimal("1")),
        (1204, Decimal("2")),
        (1206, Decimal("3")),
        (1235, Decimal("2")),
        (1311, Decimal("1.5")),
    ]


def test_special_exam_form_has_total_and_blank_grade(doc):
    f = form(doc, "特种作业人员安全技术考试收费")
    assert (f.total_score, f.grade) == (Decimal("94.86"), "")
    # the header prints a single 年初预算数 column but the rows carry both sub-columns
    assert (f.funds[0].initial_declared, f.funds[0].initial_budgeted, f.funds[0].executed) == (
        Decimal("156"),
        Decimal("156"),
        Decimal("155.212"),
    )
    assert any("表头只印一列年初预算数" in i.message for i in f.issues)


def test_single_initial_budget_column(doc):
    f = form(doc, "重点行业领域“三大战役”集中攻坚阶段检查验收市级监管煤矿第三方机构安全检查项目")
    assert [(x.initial_declared, x.initial_budgeted, x.full_year_budget, x.score) for x in f.funds] == [
        (Decimal("215.1"), None, Decimal("215.1"), Decimal("10")),
        (Decimal("215.1"), None, Decimal("215.1"), Decimal("10.00")),
    ]


def test_funds_rows_with_unprinted_score_and_wrapped_label(doc):
    drill = form(doc, "晋城市冶金工贸企业、非煤矿山行业、地震防灾减灾、地质灾害等应急演练")
    assert (drill.funds[0].execution_rate, drill.funds[0].score, drill.funds[1].score) == (
        Decimal("100"),
        None,
        Decimal("10.00"),
    )
    base = form(doc, "晋城市东中西部救援基地日常保障补助经费")
    assert base.funds[1].label == "市县区财政资金"
    assert any(i.line == 783 for i in base.issues)


def test_merged_level_cells_are_carried_and_inferred(doc):
    levels = {("产出指标", l2) for l2 in ("数量指标", "质量指标", "时效指标", "成本指标")}
    for f in doc.self_evaluations:
        for r in f.results:
            assert r.level1 in ("产出指标", "效益指标", "满意度指标"), r.line
            assert r.level2, r.line
            if r.level1 == "产出指标":
                assert (r.level1, r.level2) in levels, r.line
    training = form(doc, "应急管理和安全生产及应急干部素质提升专题培训")
    assert (training.results[0].line, training.results[0].level1, training.results[0].level2) == (
        1055,
        "产出指标",
        "数量指标",
    )
    assert form(doc, "晋城市第二届应急救援队伍技能比武活动").results[4].name == "提升队伍专业技能"


def test_missing_indicator_name_is_reported(doc):
    f = form(doc, "森林防灭火、防震减灾救灾、安全生产专题及媒体宣传费用")
    last = f.results[-1]
    assert (last.level1, last.level2, last.name, last.actual_value) == ("满意度指标", "服务对象满意度", "", "≧99%")
    assert any(i.line == 1210 and i.cell == "三级指标" for i in f.issues)
    assert f.results[8].name == "“安全？应急大讲堂”活动完成率"  # kept as printed (Q25)


def test_html_markup_in_analysis_is_stripped(doc):
    f = form(doc, "安委会经费、驻矿监管专员、安全隐患排查专项整治、专家组经费、防灾减灾等指挥部(办)经费等专项业务费")
    heading, text = f.analysis[1]
    assert heading == "产出情况及分析" and text.startswith("2023年全年至少5次") and "<p>" not in text
    assert all("<" not in text for g in doc.self_evaluations for _, text in g.analysis)
