"""parse_noisy_budget_document against seed 002 (大同市应急管理局 2023, noisy extraction); no database."""

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from disclosures.importing.noisy import parse_noisy_budget_document
from disclosures.importing.numbers import parse_amount
from disclosures.importing.parsed import ParsedDocument, ParsedTable, ParsedTargetForm, SourceRow

SEED = Path(__file__).resolve().parents[2] / "seeds" / "002_7d06cbc203346049.txt"


@pytest.fixture(scope="module")
def text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc(text: str) -> ParsedDocument:
    return parse_noisy_budget_document(text)


def table(doc: ParsedDocument, number: int) -> ParsedTable:
    return next(t for t in doc.tables if t.key == f"budget_{number:02d}")


def row(t: ParsedTable, first: str, column: int = 0) -> SourceRow:
    return next(r for r in t.rows if r.cells[column] == first)


def amount(cell: str) -> Decimal:
    return parse_amount(cell) or Decimal(0)


def forms_named(doc: ParsedDocument, name: str) -> list[ParsedTargetForm]:
    return [f for f in doc.target_forms if f.project_name == name]


def all_issues(doc: ParsedDocument) -> list[str]:
    return [i.message for i in doc.issues] + [i.message for f in doc.target_forms for i in f.issues]


class TestDocumentFacts:
    def test_identity_comes_from_the_text(self, doc: ParsedDocument):
        assert (doc.kind, doc.fiscal_year) == ("budget", 2023)
        assert (doc.department_code, doc.department_name) == ("114", "大同市应急管理局")
        assert (doc.region, doc.region_level, doc.province) == ("大同市", "city", "山西省")
        assert doc.unit_name == "大同市应急管理局"
        assert doc.lines_read == 5827  # the file ends with a line holding one space

    def test_derived_unit_code_and_province_are_reported_as_not_printed(self, doc: ParsedDocument):
        assert doc.unit_code == "114001"
        messages = [i.message for i in doc.issues]
        assert any("未印出预算单位编码" in m and "114001" in m for m in messages)
        assert any("未印出所属省份" in m and "山西省" in m for m in messages)

    def test_http_error_pages_are_reported_with_their_lines(self, doc: ParsedDocument):
        errors = [i for i in doc.issues if "HTTP错误页" in i.message]
        assert [(i.line, "500 Internal Server Error" in i.message) for i in errors] == [(3285, True), (5635, True)]
        assert "第3285–3287行" in errors[0].message


class TestTables:
    TITLES = [
        "2023年预算收支总表",
        "2023年预算收入总表",
        "2023年预算支出总表",
        "2023年财政拨款收支总表",
        "2023年一般公共预算支出预算表（不含上年结转）",
        "2023年一般公共预算安排基本支出分经济科目表（不含上年结转）",
        "2023年政府性基金预算收入表（不含上年结转）",
        "2023年政府性基金预算支出表（不含上年结转）",
        "2023年国有资本经营预算收支预算表（不含上年结转）",
        "2023年一般公共预算“三公”经费支出预算表",
        "2023年机关运行经费预算财政拨款情况统计表",
        "2023年项目支出预算表（本年预算）",
        "2023年项目支出预算表（上年结转）",
    ]

    def test_thirteen_tables_with_de_doubled_titles_and_labels(self, doc: ParsedDocument):
        assert [t.key for t in doc.tables] == [f"budget_{n:02d}" for n in range(1, 14)]
        assert [t.title for t in doc.tables] == self.TITLES
        assert [t.label for t in doc.tables][8] == "部门公开表9"
        assert {t.label for t in doc.tables} - {"部门公开表9"} == {f"预算公开表{n}" for n in range(1, 14) if n != 9}
        assert {t.unit_label for t in doc.tables} == {"万元"}

    def test_headers_use_the_001_column_layout(self, doc: ParsedDocument):
        assert table(doc, 2).header_rows[-1] == [
            "科目编码",
            "科目名称",
            "合计",
            "一般公共预算",
            "政府性基金",
            "国有资本经营预算",
            "财政专户管理资金",
            "单位资金",
            "",
        ]
        assert table(doc, 1).header_rows[-1] == ["项目", "2023年", "项目", "2023年合计", "当年预算安排", "上年结转安排"]
        assert table(doc, 12).header_rows[-1] == list("1234567")

    def test_summary_table_totals(self, doc: ParsedDocument):
        t = table(doc, 1)
        assert len(t.rows) == 33
        assert row(t, "本年收入合计").cells == ["本年收入合计", "2,296.59", "本年支出合计", "2,296.59", "2,296.59", ""]
        assert row(t, "收入总计").cells == ["收入总计", "2,296.59", "支出总计", "2,296.59", "2,296.59", ""]
        assert row(t, "一、一般公共预算").cells[:3] == ["一、一般公共预算", "2,296.59", "一、一般公共服务支出"]
        wrapped = row(t, "二十三、灾害防治及应急管理支出", 2)
        assert (wrapped.line, wrapped.cells[3:]) == (207, ["1,634.95", "1,634.95", ""])
        assert row(t, "二十八、债务付息支出", 2).line == 221  # right after the part heading printed inside the table

    def test_fiscal_summary_keeps_the_carry_over_sub_rows(self, doc: ParsedDocument):
        t = table(doc, 4)
        assert len(t.rows) == 36
        assert [r.cells[0] for r in t.rows[-5:]] == [
            "上年财政拨款结转",
            "一、一般公共预算",
            "二、政府性基金预算",
            "三、国有资本经营预算",
            "收入总计",
        ]
        assert row(t, "八、社会保障和就业支出", 2).cells[3:] == ["166.70", "166.70", "", ""]

    def test_all_income_is_general_public_budget(self, doc: ParsedDocument):
        t = table(doc, 2)
        assert len(t.rows) == 21
        assert all(r.cells[2] == r.cells[3] and not any(r.cells[4:]) for r in t.rows)
        assert row(t, "合计").cells[:4] == ["合计", "", "2,296.59", "2,296.59"]

    # 科目编码 → (基本支出, 项目支出) for every 项 row of 表3 and 表5
    ITEMS = {
        "2080299": ("", "20.00"),
        "2080505": ("146.70", ""),
        "2101101": ("54.70", ""),
        "2130299": ("", "274.91"),
        "2210201": ("151.50", ""),
        "2210202": ("13.83", ""),
        "2240101": ("1,120.06", ""),
        "2240106": ("", "208.06"),
        "2240199": ("", "306.83"),
    }

    @pytest.mark.parametrize("number", [3, 5])
    def test_basic_and_project_columns_are_attributed(self, doc: ParsedDocument, number: int):
        t = table(doc, number)
        assert row(t, "合计").cells[2:] == ["2,296.59", "1,486.79", "809.80"]
        assert {r.cells[0]: tuple(r.cells[3:]) for r in t.rows if len(r.cells[0]) == 7} == self.ITEMS
        assert row(t, "20802").cells[2:] == ["20.00", "", "20.00"]
        assert row(t, "208").cells[2:] == ["166.70", "146.70", "20.00"]
        for r in t.rows:
            assert amount(r.cells[2]) == amount(r.cells[3]) + amount(r.cells[4])

    def test_wrapped_code_row_keeps_its_first_line(self, doc: ParsedDocument):
        wrapped = row(table(doc, 5), "2080505")
        assert (wrapped.line, wrapped.cells[1]) == (527, "机关事业单位基本养老保险缴费支出")

    def test_basic_expenditure_by_economic_class(self, doc: ParsedDocument):
        t = table(doc, 6)
        assert row(t, "合计").cells == ["合计", "", "1,486.79", "1,327.00", "159.79"]
        assert row(t, "商品和服务支出").cells == ["商品和服务支出", "", "159.79", "", "159.79"]
        assert row(t, "公务用车运行维护费").cells[1:] == ["公务用车运行维护费", "10.50", "", "10.50"]
        for r in t.rows:
            assert amount(r.cells[2]) == amount(r.cells[3]) + amount(r.cells[4])

    def test_three_public_expenses_and_running_costs(self, doc: ParsedDocument):
        assert [r.cells for r in table(doc, 10).rows] == [
            ["因公出国（境）费", "", "", "", ""],
            ["公务接待费", "", "", "", ""],
            ["公务用车购置及运行费", "10.50", "10.50", "", ""],
            ["①公务用车购置费", "", "", "", ""],
            ["②公务用车运行维护费", "10.50", "10.50", "", ""],
            ["合计", "10.50", "10.50", "", ""],
        ]
        assert [r.cells for r in table(doc, 11).rows] == [
            ["部门合计", "159.79", "159.79", "", ""],
            ["大同市应急管理局", "159.79", "159.79", "", ""],
        ]

    def test_project_rows_keep_prefixes_and_duplicate_names(self, doc: ParsedDocument):
        t = table(doc, 12)
        names = [r.cells[0] for r in t.rows]
        assert len(t.rows) == 23 and len(set(names)) == 19
        assert sum((amount(r.cells[1]) for r in t.rows), Decimal(0)) == Decimal("809.81")  # INV-B14: 表5 says 809.80
        assert (t.rows[0].line, names[0]) == (842, "J核灾救灾工作经费")
        assert "Z安全生产监管系统网络及网站运行维护费" in names  # wrapped over two lines
        assert [r.cells[1] for r in t.rows if r.cells[0] == "J专项业务费"] == ["28.86", "30.00"]
        assert [r.cells[1] for r in t.rows if r.cells[0] == "Z森林防火工作经费"] == ["10.00", "100.00"]

    def test_empty_tables_keep_their_note(self, doc: ParsedDocument):
        assert [r.cells for r in table(doc, 7).rows] == [["合计", "", ""]]
        assert [r.cells for r in table(doc, 8).rows] == [["合计", "", "", "", ""]]
        assert table(doc, 13).rows == []
        assert {table(doc, n).empty_note for n in (7, 8, 9, 13)} == {"注：本表无数据"}
        assert all(t.notes == [] for t in doc.tables)

    def test_state_capital_table_keeps_zero_rows_and_the_no_data_note(self, doc: ParsedDocument):
        t = table(doc, 9)
        assert len(t.rows) == 21 and t.empty_note == "注：本表无数据"
        assert row(t, "合计").cells == ["合计", "", "0.00", "", "", "0.00", "0.00", "0.00"]
        assert row(t, "208").cells[:5] == ["208", "社会保障和就业支出", "0.00", "208", "社会保障和就业支出"]
        assert any(i.cell == "部门公开表9" and "本表无数据" in i.message for i in doc.issues)

    def test_no_arithmetic_complaints_on_the_seed(self, doc: ParsedDocument):
        assert not [i for i in doc.issues if "≠" in i.message or "列位置" in i.message]


class TestAmbiguousSpacing:
    def test_value_after_a_line_break_is_placed_by_the_parent_sums(self, text: str):
        printed = "2080299 其他民政管理事务支出 20.00  20.00"
        broken = text.replace(printed, "2080299 其他民政管理事务支出 20.00\n20.00", 1)  # 表3 comes before 表5
        doc = parse_noisy_budget_document(broken)
        assert row(table(doc, 3), "2080299").cells[2:] == ["20.00", "", "20.00"]
        issue = next(i for i in doc.issues if "列位置" in i.message)
        assert issue.line == 318 and issue.cell == "预算公开表3 2080299 项目支出"
        assert "20802" in issue.message and "项目支出" in issue.message


class TestSections:
    def test_overview_has_one_paragraph_per_duty(self, doc: ParsedDocument):
        overview = [s for s in doc.sections if s.part == "overview"]
        assert [s.heading for s in overview] == ["一、本单位职责", "二、机构设置情况"]
        duties = overview[0].body.split("\n")
        assert len(duties) == 18 and duties[0].startswith("（一）") and duties[-1].startswith("（十八）")
        assert duties[11].endswith("依法组织并指导监督实施安全生产准入制度。")  # wraps over five lines and a page break
        assert "\n" not in overview[1].body

    def test_narrative_items_and_sub_items(self, doc: ParsedDocument):
        narrative = [(s.level, s.heading) for s in doc.sections if s.part == "narrative"]
        assert [h for level, h in narrative if level == 1][0] == "一、单位预算收支数据变动情况及原因"
        assert len([h for level, h in narrative if level == 1]) == 12
        assert (2, "（一）一般公共预算当年拨款规模变化情况") in narrative
        assert narrative[-2:] == [(2, "（一）政府购买服务指导性目录"), (2, "（二）其他")]
        three = next(s for s in doc.sections if s.heading == "三、支出预算情况说明")
        assert three.body.startswith("2023年度支出预算2,296.59万元，其中：基本支出1,486.79万元，占")  # two lines joined
        assert three.body.endswith("项目支出809.8万元，占35.26%。") and "\n" not in three.body

    def test_glossary_terms(self, doc: ParsedDocument):
        glossary = [s for s in doc.sections if s.part == "glossary"]
        assert len(glossary) == 12
        assert glossary[0].heading == "一、基本支出"
        assert glossary[0].body == "指为保障机构正常运转、完成日常工作任务而发生的人员支出和公用支出。"
        assert glossary[-1].heading == "十二、财政拨款"


class TestTargetForms:
    def test_twenty_two_form_instances(self, doc: ParsedDocument):
        forms = doc.target_forms
        assert len(forms) == 22
        assert len([f for f in forms if f.project_name]) == 21
        assert len({f.project_name for f in forms if f.project_name}) == 18
        special = forms_named(doc, "J专项业务费")  # 表12 has 28.86 and 30.00: only the 30.00 row has a form
        assert [f.funds_annual.total for f in special] == [Decimal(300000)]

    def test_foreign_block_is_removed_and_the_genuine_form_kept(self, doc: ParsedDocument):
        [form] = forms_named(doc, "J安委会工作经费")
        assert (form.line, form.filled_at, len(form.indicators)) == (1024, "20230119161218", 10)
        assert (form.funds_period.total, form.funds_annual.total) == (Decimal(300000), Decimal(100000))
        issue = next(i for i in doc.issues if "J安委会工作经费" in i.message)
        assert issue.line == 1122 and "42次" in issue.message

    def test_header_fields(self, doc: ParsedDocument):
        form = forms_named(doc, "J电费")[0]
        assert form.title == "大同市市级预算部门（单位）项目支出绩效目标申报表" and form.year_label == "（2023年度）"
        assert (form.department_label, form.implementing_unit) == ("114-大同市应急管理局[部门]", "大同市应急管理局")
        assert (form.attribute, form.period_label) == ("经常性项目（长期开展）", "4年")
        assert (form.responsible, form.handler, form.phone) == ("", "王永胜", "13994336848")

    @pytest.mark.parametrize(
        ("name", "period", "annual"),
        [
            ("J电费", [183076], [45769]),  # funds block interrupted by the foreign block
            ("J物业费", [203520], [5088]),
            ("J核灾救灾工作经费", [300000, 600000], [50000, 150000]),
            ("Z森林防火工作经费", [450000, 4000000], [100000, 1000000]),
            ("Z森林防火远程视频监控系统运行维护费", [6800000], [1649120]),
        ],
    )
    def test_funds_in_yuan(self, doc: ParsedDocument, name: str, period: list[int], annual: list[int]):
        forms = forms_named(doc, name)
        assert [f.funds_period.total for f in forms] == [Decimal(v) for v in period]
        assert [f.funds_annual.local for f in forms] == [Decimal(v) for v in annual]
        assert all(f.funds_annual.central == 0 and f.funds_annual.other is None for f in forms)

    def test_annual_funds_match_the_project_table(self, doc: ParsedDocument):
        rows = {(r.cells[0], r.cells[1]) for r in table(doc, 12).rows}
        funded = [f for f in doc.target_forms if f.funds_annual.total is not None]
        assert len(funded) == 20  # 22 forms, two lost their funds block after an error page
        for form in funded:
            wan = (form.funds_annual.total / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert (form.project_name, f"{wan:,.2f}") in rows
        known = sum((f.funds_annual.total for f in funded), Decimal(0))
        assert known / 10000 == Decimal("695.9416")  # DOMAIN INV-B16: Σ 695.94 for the rows that have funds

    def test_indicators_for_both_periods_keep_the_printed_value(self, doc: ParsedDocument):
        form = forms_named(doc, "J安委会工作经费")[0]
        first = [i for i in form.indicators if i.line == 1083]
        assert [(i.period, i.level1, i.level2, i.name, i.value) for i in first] == [
            ("period", "产出指标", "数量指标", "满足检查、考核需求工作完成率", "100100%"),
            ("annual", "产出指标", "数量指标", "满足检查、考核需求工作完成率", "100100%"),
        ]
        satisfaction = form.indicators[-1]
        assert (satisfaction.level1, satisfaction.level2, satisfaction.name) == (
            "满意度指标",
            "服务对象满意度指标",
            "政府、部门、企业满意度",
        )
        assert any("疑似重复值 100100%→100%" in i.message and i.line == 1083 for i in form.issues)

    def test_suspect_values_other_than_100(self, doc: ParsedDocument):
        form = forms_named(doc, "QT其他供养人员经费")[0]
        assert form.indicators[0].value == "17100%"
        assert any("17100%→17" in i.message for i in form.issues)
        equipment = forms_named(doc, "Z应急救援装备购置及演练经费")[1]
        values = [i.value for i in equipment.indicators if i.period == "period"]
        assert values[:3] == ["≥100台（套）", "≥100%", "100XX月XX日前"]
        assert any("占位符XX" in i.message for i in equipment.issues)

    def test_duplicated_block_inside_a_form_is_removed(self, doc: ParsedDocument):
        [form] = forms_named(doc, "J专项业务费")
        assert len(form.indicators) == 12 and form.filled_at == "20230119123719"
        assert form.goal_annual.endswith("非正式人员正常发放薪金并正常开展工作。")  # the first copy was truncated
        assert "2021年需支出" in form.goal_period  # the two copies differ: the first is kept and reported
        messages = [i.message for i in form.issues]
        assert any("第3072–3084行的10个指标与前面重复" in m for m in messages)
        assert any("实施期目标" in m and "内容不同" in m for m in messages)

    def test_goal_cells_are_split(self, doc: ParsedDocument):
        form = forms_named(doc, "J核灾救灾工作经费")[0]
        assert form.goal_period == form.goal_annual
        assert form.goal_period.startswith("先进的核灾救灾设备") and form.goal_period.endswith("救灾资金。")
        water = forms_named(doc, "J水费")[0]
        assert (water.goal_period, water.goal_annual) == ("保障办公正常运行，及时交费", "保障办公正常运行，及时交费")

    def test_form_cut_by_an_error_page_loses_its_footer(self, doc: ParsedDocument):
        [form] = forms_named(doc, "QT其他供养人员经费")
        assert form.filled_at == "" and len(form.indicators) == 10
        assert any("3285–3287" in i.message and "填报日期" in i.message for i in form.issues)

    def test_headless_form_after_an_error_page_claims_nothing(self, doc: ParsedDocument):
        [form] = [f for f in doc.target_forms if not f.project_name]
        assert form.line == 3345 and form.title == "" and form.department_label == ""
        assert form.funds_annual.total is None and form.overview == "" and form.basis == ""
        assert form.necessity.startswith("通过牢固树立“举国救援不如全民预防”理念")
        assert (form.filled_at, len(form.indicators)) == ("20230119150052", 10)
        assert any("3285–3287" in i.message and "无法确定所属项目" in i.message for i in form.issues)

    def test_error_page_inside_a_form_keeps_name_goal_and_indicators(self, doc: ParsedDocument):
        form = forms_named(doc, "Z应急救援装备购置及演练经费")[1]
        assert form.line == 5630 and form.department_label == "" and form.funds_annual.total is None
        assert form.goal_period.startswith("通过依法改进危险化学品应急装备") and len(form.indicators) == 10
        assert any("5635–5637" in i.message and "项目资金" in i.message for i in form.issues)

    def test_every_issue_is_chinese_and_a_warning(self, doc: ParsedDocument):
        issues = doc.issues + [i for f in doc.target_forms for i in f.issues]
        assert {i.severity for i in issues} == {"warning"}
        assert all(any("\u4e00" <= char <= "\u9fff" for char in i.message) for i in issues)
        assert len(all_issues(doc)) == len(issues)
