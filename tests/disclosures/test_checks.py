"""The review engine (disclosures/checks.py): every rule clean on a consistent disclosure, every rule firing on
exactly the number a test breaks, and the known problems of the seed documents (DOMAIN §7, §8)."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from disclosures.checks import (
    ERROR,
    INFO,
    WARNING,
    DisclosureContext,
    Finding,
    Location,
    rule_list,
    rules_for,
    run_checks,
    tolerance,
)
from disclosures.models import (
    Balance,
    Disclosure,
    EconomicLine,
    FunctionClass,
    FunctionLine,
    Fund,
    OperatingCost,
    ProjectLine,
    Section,
    SourceTable,
    ThreePublicLine,
    VehicleCount,
)
from performance.models import SelfEvaluation, TargetForm, TargetFunding
from tests.factories import (
    attach_source_tables,
    economic_class,
    function_class,
    make_clean_budget,
    make_clean_final,
    regenerate_sections,
    yuan,
)

D = Decimal


def run(disclosure: Disclosure, code: str | None = None) -> list[Finding]:
    findings = run_checks(disclosure)
    return findings if code is None else [f for f in findings if f.rule == code]


def codes(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def section(disclosure: Disclosure, start: str) -> Section:
    return disclosure.sections.get(part=Section.Part.NARRATIVE, heading__startswith=start)


def edit(disclosure: Disclosure, start: str, old: str, new: str) -> Section:
    target = section(disclosure, start)
    assert old in target.body, target.body
    target.body = target.body.replace(old, new, 1)
    target.save()
    return target


@pytest.fixture
def budget(db):
    return make_clean_budget()


@pytest.fixture
def final(db):
    return make_clean_final()


# ================================================================ engine


class TestEngine:
    def test_rules_registered_with_code_severity_title(self, db):
        rules = {code: (severity, title, scope) for code, severity, title, scope in rule_list()}
        for code in (
            "B05-hierarchy",
            "F04-hierarchy",
            "B16-forms",
            "B18-cost-ceiling",
            "S06-partial-score",
            "X01-source-cell",
        ):
            assert code in rules
        assert all(severity in (ERROR, WARNING, INFO) for severity, _, _ in rules.values())
        assert all(title for _, title, _ in rules.values())
        assert {scope for *_, scope in rules.values()} == {"budget", "final", "disclosure", "form", "evaluation"}

    def test_clean_budget_has_no_finding(self, budget):
        assert run(budget) == []

    def test_clean_final_has_no_finding(self, final):
        assert run(final) == []

    @pytest.mark.parametrize("kind", ["budget", "final"])
    def test_each_rule_clean(self, db, kind):
        disclosure = make_clean_budget() if kind == "budget" else make_clean_final()
        ctx = DisclosureContext(disclosure)
        for registered in rules_for(kind):
            assert registered(ctx) == [], registered.code

    def test_bounded_queries(self, budget, final, django_assert_max_num_queries):
        with django_assert_max_num_queries(40):
            run_checks(budget)
        with django_assert_max_num_queries(40):
            run_checks(final)

    def test_a_failing_rule_does_not_raise(self, budget, monkeypatch):
        def broken(self):
            raise RuntimeError("boom")

        monkeypatch.setattr(DisclosureContext, "tables", property(broken))
        findings = run(budget)
        assert findings and all(f.severity == WARNING and "执行出错" in f.message for f in findings)

    def test_finding_json(self):
        finding = Finding(
            "B05-hierarchy",
            WARNING,
            "表五…",
            Location(table="budget_05", table_label="表五", row_code="21011", column="基本支出"),
            expected=D("49.69"),
            actual=D("49.70"),
            fix_url="/admin/x/",
        )
        data = finding.to_json()
        assert data["expected"] == "49.69" and data["actual"] == "49.70"
        assert data["location"]["row_code"] == "21011" and data["title"]
        assert finding.location_key == "B05-hierarchy|budget_05|21011|基本支出|||"

    def test_tolerance(self):
        assert tolerance(2) == D("0.015")
        assert tolerance(33) == D("0.170")


# ================================================================ budget: cross-table arithmetic


def reported_line(disclosure, code, fund=Fund.GENERAL, carryover=False, **amounts):
    return FunctionLine.objects.create(
        disclosure=disclosure,
        function=function_class(code, disclosure.fiscal_year),
        fund=fund,
        carryover=carryover,
        reported_subtotal=True,
        **{k: yuan(v) for k, v in amounts.items()},
    )


class TestBudgetArithmetic:
    def test_hierarchy_tail_difference_is_a_warning(self, budget):
        line = reported_line(budget, "22401", project="200.01")  # Σ 2240106 + 2240199 = 200.00
        regenerate_sections(budget)
        [finding] = run(budget, "B05-hierarchy")
        assert (finding.severity, finding.expected, finding.actual) == (WARNING, D("200.00"), D("200.01"))
        assert (finding.location.table, finding.location.row_code, finding.location.column) == (
            "budget_05",
            "22401",
            "项目支出",
        )
        assert "尾差" in finding.message and finding.fix_url.endswith(f"/functionline/{line.pk}/change/")
        # the 0.01 also reaches the 项目支出 total that 表十二 is compared with (a 尾差 there too)
        assert codes(run(budget)) == {"B05-hierarchy", "B14-project-total"}

    def test_hierarchy_beyond_tolerance_is_an_error(self, budget):
        reported_line(budget, "22401", project="200.50")
        [finding] = run(budget, "B05-hierarchy")
        assert (finding.severity, finding.expected, finding.actual) == (ERROR, D("200.00"), D("200.50"))

    def test_balance_year_end_carryover(self, budget):
        budget.year_end_carryover = yuan("10.00")
        budget.save()
        regenerate_sections(budget)
        [finding] = run(budget, "B01-balance")
        assert (finding.location.table, finding.location.row_code) == ("budget_01", "收入总计")
        assert (finding.expected, finding.actual) == (D("720.00"), D("730.00"))
        assert codes(run(budget)) == {"B01-balance"}

    def test_category_missing_from_the_summary_tables(self, budget):
        for code, name in (("299", "测试类"), ("29901", "测试款"), ("2990101", "测试项")):
            FunctionClass.objects.create(code=code, name=name)
        FunctionLine.objects.create(
            disclosure=budget, function=FunctionClass.objects.get(code="2990101"), fund=Fund.GENERAL, basic=yuan("1.00")
        )
        found = run(budget, "B03-summary")
        assert [(f.location.table, f.expected, f.actual) for f in found] == [
            ("budget_01", D("721.00"), D("720.00")),
            ("budget_04", D("721.00"), D("720.00")),
        ]
        assert "299" in found[0].message

    def test_row_sum(self, budget):
        ctx = DisclosureContext(budget)
        row = ctx.tables["budget_03"].rows[0]
        row.cells[2] += yuan("1.00")  # 合计 printed 721.00 with 基本 500.00 + 项目 220.00
        from disclosures.checks import check_budget_row_sum

        [finding] = check_budget_row_sum(ctx)
        assert (finding.rule, finding.location.table, finding.location.row_code) == ("B06-row-sum", "budget_03", "合计")
        assert (finding.expected, finding.actual) == (D("720.00"), D("721.00"))

    def test_economic_total_against_basic(self, budget):
        EconomicLine.objects.filter(disclosure=budget, economic_class__code="30101").update(personnel=yuan("200.50"))
        regenerate_sections(budget)
        [finding] = run(budget, "B09-basic-economic")
        assert (finding.severity, finding.location.table, finding.expected, finding.actual) == (
            ERROR,
            "budget_06",
            D("500.00"),
            D("500.50"),
        )
        assert codes(run(budget)) == {"B09-basic-economic"}

    def test_economic_subtotal_tail(self, budget):
        EconomicLine.objects.create(
            disclosure=budget,
            economic_class=economic_class("301", budget.fiscal_year),
            personnel=yuan("380.01"),
            reported_subtotal=True,
        )
        regenerate_sections(budget)
        [finding] = run(budget, "B10-economic-subtotal")
        assert (finding.severity, finding.location.table, finding.location.row_code, finding.location.column) == (
            WARNING,
            "budget_06",
            "301",
            "人员经费",
        )
        assert (finding.expected, finding.actual) == (D("380.00"), D("380.01"))
        # 表六 合计 now 500.01 against 表五 基本支出 500.00: a 尾差 as well
        assert [f.severity for f in run(budget, "B09-basic-economic")] == [WARNING]

    def test_insurance_links(self, budget):
        EconomicLine.objects.filter(disclosure=budget, economic_class__code="30110").update(personnel=yuan("31.00"))
        regenerate_sections(budget)
        [finding] = run(budget, "B11-insurance-links")
        assert (finding.location.row_code, finding.expected, finding.actual) == ("30110", D("30.00"), D("31.00"))
        assert "2101101" in finding.message
        assert codes(run(budget)) == {"B11-insurance-links", "B09-basic-economic"}

    def test_operating_cost(self, budget):
        OperatingCost.objects.filter(disclosure=budget).update(amount=yuan("121.00"))
        regenerate_sections(budget)
        [finding] = run(budget)
        assert (finding.rule, finding.location.table, finding.expected, finding.actual) == (
            "B12-operating-cost",
            "budget_11",
            D("120.00"),
            D("121.00"),
        )

    def test_three_public_below_economic_row(self, budget):
        ThreePublicLine.objects.filter(disclosure=budget, item="reception").update(amount=yuan("4.00"))
        regenerate_sections(budget)
        [finding] = run(budget)
        assert (finding.rule, finding.location.table, finding.location.row_code) == (
            "B13-three-public",
            "budget_10",
            "公务接待费",
        )
        assert (finding.expected, finding.actual) == (D("5.00"), D("4.00"))

    def test_project_table_total(self, budget):
        ProjectLine.objects.filter(disclosure=budget, name="应急管理专项业务费").update(general=yuan("50.30"))
        [finding] = run(budget, "B14-project-total")
        assert (finding.severity, finding.location.table, finding.expected, finding.actual) == (
            ERROR,
            "budget_12",
            D("200.00"),
            D("200.30"),
        )

    def test_carryover_projects(self, budget):
        ProjectLine.objects.filter(disclosure=budget, carryover=True).update(general=yuan("21.00"))
        [finding] = run(budget)
        assert (finding.rule, finding.location.table, finding.expected, finding.actual) == (
            "B15-carryover",
            "budget_13",
            D("20.00"),
            D("21.00"),
        )


class TestBudgetForms:
    def test_form_annual_funds_blank(self, budget):
        form = TargetForm.objects.get(disclosure=budget, project_name="安全生产监管专项经费")
        TargetFunding.objects.filter(form=form, period="annual").update(total=None, local=None)
        found = run(budget, "B16-forms")
        assert [(f.location.form_id, f.location.row_code, f.expected, f.actual) for f in found] == [
            (form.pk, "安全生产监管专项经费", D("150.00"), None),
            (None, budget.unit.name, D("200.00"), D("50.00")),
        ]
        assert codes(run(budget)) == {"B16-forms", "B17-funds"}  # B17: the form's own 年度资金总额 is blank

    def test_project_without_form(self, budget):
        TargetForm.objects.filter(disclosure=budget, project_name="应急管理专项业务费").delete()
        regenerate_sections(budget)
        found = run(budget, "B16-forms")
        assert (found[0].location.row_code, found[0].expected, found[0].actual) == (
            "应急管理专项业务费",
            D("50.00"),
            None,
        )
        assert found[1].severity == ERROR and found[1].actual == D("150.00")

    def test_form_amount_differs(self, budget):
        form = TargetForm.objects.get(disclosure=budget, project_name="应急管理专项业务费")
        TargetFunding.objects.filter(form=form).update(total=yuan("50.01"), local=yuan("50.01"))
        found = run(budget, "B16-forms")
        assert [(f.severity, f.expected, f.actual) for f in found] == [(ERROR, D("50.00"), D("50.01"))]

    def test_project_name_mismatch(self, budget):
        TargetForm.objects.filter(disclosure=budget, project_name="应急管理专项业务费").update(
            project_name="应急管理专项业务经费"
        )
        [finding] = run(budget)
        assert (finding.rule, finding.severity, finding.expected, finding.actual) == (
            "Q21-project-name",
            WARNING,
            "应急管理专项业务费",
            "应急管理专项业务经费",
        )

    def test_duplicate_project_names(self, budget):
        ProjectLine.objects.filter(disclosure=budget, name="应急管理专项业务费").update(name="安全生产监管专项经费")
        [finding] = run(budget, "Q29-duplicate-projects")
        assert (finding.location.row_code, finding.actual) == ("安全生产监管专项经费", "2")
        assert "150.00万元、50.00万元" in finding.message


class TestBudgetNarrative:
    def test_amount_differs(self, budget):
        target = edit(budget, "三、", "基本支出500.00万元", "基本支出501.00万元")
        [finding] = run(budget)
        assert (finding.rule, finding.severity, finding.expected, finding.actual) == (
            "B19-narrative",
            ERROR,
            D("500.00"),
            D("501.00"),
        )
        assert finding.location.section == target.heading
        assert "基本支出501.00万元" in finding.message and "500.00万元" in finding.message
        assert finding.fix_url.endswith(f"/narrative/#section-{target.pk}")  # the 编辑情况说明 page

    def test_share_differs(self, budget):
        edit(budget, "三、", "占69.44%", "占69.45%")
        [finding] = run(budget)
        assert (finding.rule, finding.expected, finding.actual) == ("B19-narrative", D("69.44"), D("69.45"))

    def test_previous_year_figures_are_info(self, budget):
        edit(budget, "一、", "与上年基本持平", "比上年增加10.00万元，增长1.41%")
        found = run(budget)
        assert {(f.rule, f.severity) for f in found} == {("B19-narrative", INFO)}
        assert sorted(f.actual for f in found) == [D("1.41"), D("10.00")]
        assert all("上年数据未入库" in f.message for f in found)

    def test_year_over_year_rate(self, budget):
        edit(budget, "一、", "与上年基本持平", "比上年增加10.00万元，增长5.00%")
        [finding] = run(budget, "B19-yoy")
        assert (finding.expected, finding.actual) == (D("1.41"), D("5.00"))  # 10 / (720 − 10)

    def test_project_count(self, budget):
        target = edit(budget, "十、", "二级项目2个", "二级项目3个")
        [finding] = run(budget)
        assert (finding.rule, finding.expected, finding.actual, finding.location.section) == (
            "B20-project-count",
            D("2"),
            D("3"),
            target.heading,
        )


class TestCompleteness:
    def test_function_at_item_level(self, budget):
        FunctionLine.objects.filter(disclosure=budget, function__code="2240106").update(
            function=FunctionClass.objects.get(code="22401")
        )
        [finding] = run(budget)
        assert (finding.rule, finding.location.row_code, finding.actual) == ("C03-function-depth", "22401", "22401")

    def test_economic_at_section_level(self, budget):
        EconomicLine.objects.filter(disclosure=budget, economic_class__code="30201").update(
            economic_class=economic_class("302", budget.fiscal_year)
        )
        [finding] = run(budget)
        assert (finding.rule, finding.location.row_code, finding.actual) == ("C04-economic-depth", "302", "302")

    def test_missing_section(self, budget):
        section(budget, "九、").delete()
        [finding] = run(budget)
        assert (finding.rule, finding.severity, finding.location.section) == ("C05-sections", ERROR, "政府采购情况")

    def test_empty_section(self, budget):
        Section.objects.filter(pk=section(budget, "九、").pk).update(body="")
        [finding] = run(budget)
        assert (finding.rule, finding.severity) == ("C05-sections", WARNING)

    def test_three_public_part_not_explained(self, budget):
        edit(budget, "七、", "公务接待费5.00万元；", "")
        [finding] = run(budget)
        assert (finding.rule, finding.expected) == ("C06-three-public-parts", "公务接待费")

    def test_glossary(self, budget):
        budget.sections.filter(part=Section.Part.GLOSSARY, heading__contains="机关运行经费").delete()
        [finding] = run(budget)
        assert (finding.rule, finding.severity, finding.expected) == ("C07-glossary", WARNING, "机关运行经费")
        budget.sections.filter(part=Section.Part.GLOSSARY).delete()
        [finding] = run(budget)
        assert (finding.rule, finding.severity) == ("C07-glossary", ERROR)

    def test_placeholder_left_in_text(self, budget):
        edit(budget, "八、", "主要原因是：略", "主要原因是：（请填写）")
        [finding] = run(budget)
        assert (finding.rule, finding.actual) == ("C08-narrative-placeholder", "1")


class TestSourceDocument:
    def test_printed_as_projected(self, budget):
        attach_source_tables(budget)
        assert run(budget) == []

    def test_printed_cell_differs(self, budget):
        attach_source_tables(budget)
        source = SourceTable.objects.get(disclosure=budget, key="budget_05")
        rows = source.rows
        row = next(r for r in rows if r["cells"][0] == "2240106")
        row["cells"][4] = "150.10"
        source.rows = rows
        source.save()
        [finding] = run(budget)
        assert (finding.rule, finding.location.table, finding.location.row_code, finding.location.source_line) == (
            "X01-source-cell",
            "budget_05",
            "2240106",
            row["line"],
        )
        assert (finding.expected, finding.actual) == ("150.00", "150.10")

    def test_table_missing(self, budget):
        attach_source_tables(budget)
        SourceTable.objects.filter(disclosure=budget, key="budget_11").delete()
        [finding] = run(budget)
        assert (finding.rule, finding.location.table) == ("C01-tables", "budget_11")

    def test_empty_table_without_note(self, budget):
        attach_source_tables(budget)
        SourceTable.objects.filter(disclosure=budget, key="budget_07").update(empty_note="")
        [finding] = run(budget)
        assert (finding.rule, finding.severity, finding.expected) == ("C02-empty-table", WARNING, "注：本表无数据")

    def test_note_on_a_table_with_data(self, budget):
        attach_source_tables(budget)
        SourceTable.objects.filter(disclosure=budget, key="budget_11").update(empty_note="注：本表无数据")
        [finding] = run(budget)
        assert (finding.rule, finding.severity, finding.location.table) == ("C02-empty-table", ERROR, "budget_11")


# ================================================================ final accounts


class TestFinal:
    def test_balance(self, final):
        Balance.objects.create(disclosure=final, item=Balance.Item.CLOSING, fund=Fund.GENERAL, amount=yuan("5.00"))
        regenerate_sections(final)
        found = run(final, "F02-balance")
        assert [(f.location.table, f.expected, f.actual) for f in found] == [
            ("final_01", D("720.00"), D("725.00")),
            ("final_04", D("720.00"), D("725.00")),
        ]
        [roll] = run(final, "F08-carryover-roll")
        assert (roll.location.column, roll.expected, roll.actual) == ("一般公共预算", D("0.00"), D("5.00"))

    def test_carryover_roll_by_fund(self, final):
        Balance.objects.filter(disclosure=final).update(amount=yuan("10.00"))
        Balance.objects.create(disclosure=final, item=Balance.Item.OPENING, fund=Fund.NON_FISCAL, amount=yuan("10.00"))
        regenerate_sections(final)
        found = run(final, "F08-carryover-roll")
        assert [(f.location.column, f.expected, f.actual) for f in found] == [
            ("一般公共预算", D("-10.00"), D("0.00")),
            ("非财政拨款资金", D("10.00"), D("0.00")),
        ]
        # 公开01表 still balances (720 = 720); 公开04表 counts fiscal money only: 700 + 10 against 720
        assert [(f.location.table, f.expected, f.actual) for f in run(final, "F02-balance")] == [
            ("final_04", D("710.00"), D("720.00"))
        ]

    def test_opening_balance_only_non_fiscal(self, final):
        Balance.objects.filter(disclosure=final).update(fund=Fund.NON_FISCAL)
        FunctionLine.objects.filter(disclosure=final, function__code="2240199").update(project=yuan("50.00"))
        FunctionLine.objects.create(
            disclosure=final, function=function_class("2240199", 2025), fund=Fund.NON_FISCAL, project=yuan("20.00")
        )
        regenerate_sections(final)
        [finding] = run(final)
        assert (finding.rule, finding.severity, finding.expected, finding.actual) == (
            "F09-opening-fiscal",
            WARNING,
            D("20.00"),
            D("0.00"),
        )

    def test_hierarchy(self, final):
        reported_line(final, "22401", project="220.01")
        regenerate_sections(final)
        [finding] = run(final, "F04-hierarchy")
        assert (finding.severity, finding.location.table, finding.expected, finding.actual) == (
            WARNING,
            "final_05",
            D("220.00"),
            D("220.01"),
        )

    def test_row_sum(self, final):
        ctx = DisclosureContext(final)
        ctx.tables["final_03"].rows[0].cells[3] -= yuan("1.00")
        from disclosures.checks import check_final_row_sum

        [finding] = check_final_row_sum(ctx)
        assert (finding.rule, finding.location.table, finding.expected, finding.actual) == (
            "F05-row-sum",
            "final_03",
            D("719.00"),
            D("720.00"),
        )

    def test_public_subtotal_tail(self, final):
        EconomicLine.objects.create(
            disclosure=final, economic_class=economic_class("302", 2025), public=yuan("120.02"), reported_subtotal=True
        )
        regenerate_sections(final)
        [finding] = run(final, "F10-economic-subtotal")
        assert (finding.severity, finding.location.table, finding.expected, finding.actual) == (
            WARNING,
            "final_06",
            D("120.00"),
            D("120.02"),
        )
        # 公开10表 机关运行经费 120.00 no longer equals the printed 公用经费合计 120.02
        assert codes(run(final)) == {"F10-economic-subtotal", "F10-basic-economic", "F14-operating-cost"}

    def test_insurance_links(self, final):
        EconomicLine.objects.filter(disclosure=final, economic_class__code="30113").update(personnel=yuan("41.00"))
        regenerate_sections(final)
        [finding] = run(final, "F11-insurance-links")
        assert (finding.location.table, finding.expected, finding.actual) == ("final_06", D("40.00"), D("41.00"))

    def test_three_public(self, final):
        ThreePublicLine.objects.filter(disclosure=final, stage="actual", item="vehicle_operation").update(
            amount=yuan("14.00")
        )
        regenerate_sections(final)
        [finding] = run(final)
        assert (finding.rule, finding.location.table, finding.expected, finding.actual) == (
            "F13-three-public",
            "final_09",
            D("15.00"),
            D("14.00"),
        )

    def test_operating_cost(self, final):
        OperatingCost.objects.filter(disclosure=final).update(amount=yuan("119.00"))
        regenerate_sections(final)
        [finding] = run(final)
        assert (finding.rule, finding.location.table, finding.expected, finding.actual) == (
            "F14-operating-cost",
            "final_10",
            D("120.00"),
            D("119.00"),
        )

    def test_narrative_amount(self, final):
        edit(final, "二、", "财政拨款收入700.00万元", "财政拨款收入701.00万元")
        [finding] = run(final)
        assert (finding.rule, finding.expected, finding.actual) == ("F16-narrative", D("700.00"), D("701.00"))

    def test_initial_budget_sums(self, final):
        target = section(final, "（三）一般")
        body = target.body
        for value in ("800.00", "60.00", "30.00", "40.00", "600.00"):
            body = body.replace("年初预算略万元", f"年初预算{value}万元", 1)
        target.body = body
        target.save()
        found = run(final)
        [error] = [f for f in found if f.severity == ERROR]
        assert (error.rule, error.expected, error.actual) == ("F17-initial-budget", D("800.00"), D("730.00"))
        assert {(f.rule, f.severity) for f in found if f is not error} == {("F17-initial-budget", INFO)}

    def test_completion_rate(self, final):
        target = section(final, "（三）一般")
        target.body = target.body.replace("年初预算略万元", "年初预算800.00万元", 1).replace(
            "完成年初预算的略%", "完成年初预算的80.00%", 1
        )
        target.save()
        [finding] = [f for f in run(final) if f.severity == ERROR]
        assert (finding.rule, finding.expected, finding.actual) == ("F17-initial-budget", D("90.00"), D("80.00"))

    def test_year_over_year_rate(self, final):
        target = section(final, "（三）一般")
        paragraphs = target.body.split("\n")
        index = next(i for i, p in enumerate(paragraphs) if p.startswith("灾害防治"))
        paragraphs[index] = paragraphs[index].replace("与上年基本持平", "较上年决算增加90.00万元，增长15.25%")
        target.body = "\n".join(paragraphs)
        target.save()
        [finding] = run(final, "F17-yoy")
        assert (finding.expected, finding.actual) == (D("18.00"), D("15.25"))  # 90 / (590 − 90)
        assert {f.rule for f in run(final) if f.severity != INFO} == {"F17-yoy"}

    def test_vehicles(self, final):
        edit(final, "（二）“三公”", "保有量共略辆", "保有量共5辆")
        [finding] = [f for f in run(final) if f.severity != INFO]  # 5辆 itself cannot be checked: an info
        assert (finding.rule, finding.expected, finding.actual) == ("F18-vehicles", D("3"), D("5"))

    def test_vehicle_costs_without_vehicles(self, final):
        VehicleCount.objects.filter(disclosure=final).update(count=0)
        regenerate_sections(final)
        [finding] = run(final)
        assert (finding.rule, finding.severity, finding.location.table) == ("F18-vehicles", WARNING, "final_10")

    def test_self_evaluation_count(self, final):
        edit(final, "（四）", "绩效自评个数2个", "绩效自评个数3个")
        [finding] = run(final)
        assert (finding.rule, finding.severity, finding.expected, finding.actual) == (
            "F19-self-evaluations",
            ERROR,
            D("2"),
            D("3"),
        )

    def test_embedded_self_evaluation_is_checked(self, final):
        evaluation = SelfEvaluation.objects.filter(disclosure=final).first()
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(grade="良")
        regenerate_sections(final)
        [finding] = run(final)
        assert (finding.rule, finding.location.form_id, finding.expected, finding.actual) == (
            "S02-grade",
            evaluation.pk,
            "优",
            "良",
        )


# ================================================================ the seed documents

CROSS_TABLE = {
    "B01-balance",
    "B03-summary",
    "B05-hierarchy",
    "B06-row-sum",
    "B09-basic-economic",
    "B10-economic-subtotal",
    "B11-insurance-links",
    "B12-operating-cost",
    "B13-three-public",
    "B14-project-total",
    "B15-carryover",
    "B19-narrative",
    "B19-yoy",
    "F02-balance",
    "F03-summary",
    "F04-hierarchy",
    "F05-row-sum",
    "F08-carryover-roll",
    "F10-basic-economic",
    "F10-economic-subtotal",
    "F11-insurance-links",
    "F13-three-public",
    "F14-operating-cost",
    "F16-narrative",
    "X01-source-cell",
    "C01-tables",
    "C03-function-depth",
    "C04-economic-depth",
}


def seed_findings(import_seed, name: str) -> list[Finding]:
    return run_checks(Disclosure.objects.get(pk=import_seed(name).disclosure_id))


def pairs(findings, code, severity=None) -> set:
    return {(f.expected, f.actual) for f in findings if f.rule == code and (severity is None or f.severity == severity)}


class TestSeed001:
    """晋城 2026 budget: cross-table ✓ except three 尾差 (DOMAIN INV-B5, B10); forms INV-B16/B17/B18, Q15/Q19/Q21."""

    @pytest.fixture
    def findings(self, import_seed):
        return seed_findings(import_seed, "001")

    def test_only_tail_differences_across_tables(self, findings):
        cross = [f for f in findings if f.rule in CROSS_TABLE and f.severity != INFO]
        assert {(f.rule, f.severity, f.location.row_code, f.expected, f.actual) for f in cross} == {
            ("B05-hierarchy", WARNING, "21011", D("49.69"), D("49.70")),  # INV-B5
            ("B10-economic-subtotal", WARNING, "301", D("807.63"), D("807.64")),  # INV-B10
            ("B10-economic-subtotal", WARNING, "合计", D("928.55"), D("928.56")),  # INV-B10
        }

    def test_forms_against_project_table(self, findings):
        # INV-B16: 慰问款 年度资金总额 blank; Σ forms 2176.09 vs 表十二 2186.09
        assert pairs(findings, "B16-forms") == {(D("10.00"), None), (D("2186.09"), D("2176.09"))}
        # Q21: four names differ between form and 表十二
        assert len([f for f in findings if f.rule == "Q21-project-name"]) == 4

    def test_form_funds(self, findings):
        # INV-B17: one-off 培训平台尾款 实施期 1,149,800 vs 年度 220,000 (and Q12 慰问款 blank)
        assert (D("220000.00"), D("1149800.00")) in pairs(findings, "B17-funds")

    def test_cost_ceilings(self, findings):
        # INV-B18 / Q15: 8 forms, 暖气片 with two indicators
        found = [f for f in findings if f.rule == "B18-cost-ceiling"]
        assert len({f.location.form_id for f in found}) == 8 and len(found) == 9
        upgrade = next(f for f in found if f.location.indicator == "系统升级改造成本")
        assert (upgrade.expected, upgrade.actual) == (D("200000.00"), D("647100.00"))

    def test_satisfaction_missing(self, findings):
        # INV-T2 / Q14
        names = {f.location.form_name for f in findings if f.rule == "T02-levels"}
        assert names == {"森林消防高压水带采购", "2026年其他项目应支未支款项"}

    def test_fill_dates(self, findings):
        # Q19
        assert sorted(f.actual for f in findings if f.rule == "Q19-fill-date") == sorted(
            ["202601161", "2026011611300", "20260109 15:10", "20261209154958"]
        )

    def test_narrative_has_no_error(self, findings):
        # INV-B19/B20 ✓: previous-year figures and 项目类别 are not stored → info only
        assert not [f for f in findings if f.rule.startswith(("B19", "B20")) and f.severity != INFO]


class TestSeed002:
    """大同 2023 budget (noisy): INV-B14 尾差, B16, B20, Q26, Q29."""

    @pytest.fixture
    def findings(self, import_seed):
        return seed_findings(import_seed, "002")

    def test_project_table_tail(self, findings):
        assert pairs(findings, "B14-project-total", WARNING) == {(D("809.80"), D("809.81"))}

    def test_forms(self, findings):
        found = [f for f in findings if f.rule == "B16-forms"]
        assert (D("28.86"), None) in pairs(findings, "B16-forms")  # no form for J专项业务费 28.86
        assert any(f.location.row_code == "J专项业务费" for f in found)
        assert (D("45.00"), None) in pairs(findings, "B16-forms")  # header lost at the HTTP error page
        assert any("未对应到表十二" in f.message for f in found)  # the headless form

    def test_narrative_project_count(self, findings):
        assert pairs(findings, "B20-project-count", ERROR) == {(D("23"), D("19"))}  # 809.8 = 表五 ✓

    def test_empty_table_with_zero_rows(self, findings):
        [finding] = [f for f in findings if f.rule == "C02-empty-table"]
        assert (finding.severity, finding.location.table) == (WARNING, "budget_09")  # Q26

    def test_duplicate_project_names(self, findings):
        names = {f.location.row_code for f in findings if f.rule == "Q29-duplicate-projects"}
        assert names == {"J核灾救灾工作经费", "Z森林防火工作经费", "Z应急救援装备购置及演练经费", "J专项业务费"}

    def test_form_quality(self, findings):
        assert len([f for f in findings if f.rule == "Q04-doubled"]) == 22  # Q4: one per affected form
        [物业] = [f for f in findings if f.rule == "Q23-funds-period"]
        assert 物业.location.form_name == "J物业费"  # ×40 for 4年
        [placeholder] = [f for f in findings if f.rule == "Q09-placeholder"]
        assert placeholder.actual == "100XX月XX日前"

    def test_no_error_across_tables(self, findings):
        assert not [f for f in findings if f.rule in CROSS_TABLE and f.severity == ERROR]


class TestSeed003:
    """晋城 2023 final accounts: INV-F9/F17/F18/F19, INV-S2/S3/S4/S6; cross-table ✓ except 公开06 302 尾差."""

    @pytest.fixture
    def findings(self, import_seed):
        return seed_findings(import_seed, "003")

    def test_only_tail_difference_across_tables(self, findings):
        cross = [f for f in findings if f.rule in CROSS_TABLE and f.severity != INFO]
        assert [(f.rule, f.severity, f.location.row_code, f.expected, f.actual) for f in cross] == [
            ("F10-economic-subtotal", WARNING, "302", D("155.05"), D("155.03"))  # INV-F10
        ]

    def test_opening_balance(self, findings):
        assert pairs(findings, "F09-opening-fiscal", WARNING) == {(D("267.24"), D("0.00"))}  # INV-F9

    def test_initial_budget_section(self, findings):
        # INV-F17: 3295.91 (公开03) for 3031.29 (公开05); Σ 年初预算 4176.10 ≠ 4727.11; Σ Δ 807.57 ≠ 1069.04
        assert pairs(findings, "F17-initial-budget", ERROR) == {
            (D("1069.04"), D("807.57")),
            (D("3031.29"), D("3295.91")),
            (D("4727.11"), D("4176.10")),
        }
        assert pairs(findings, "F17-yoy") == {(D("31.66"), D("24.04"))}  # 792.62 / (3295.91 − 792.62)

    def test_vehicles(self, findings):
        assert pairs(findings, "F18-vehicles", ERROR) == {(D("0"), D("10"))}  # INV-F18

    def test_self_evaluation_summary(self, findings):
        assert pairs(findings, "F19-self-evaluations", ERROR) == {(D("5"), D("6")), (D("23"), D("24"))}
        assert pairs(findings, "F19-self-evaluations", WARNING) == {(D("1841.72"), D("1964.55"))}

    def test_self_evaluations(self, findings):
        [grade] = [f for f in findings if f.rule == "S02-grade"]
        assert (grade.location.form_name, grade.expected, grade.actual) == ("特种作业人员安全技术考试收费", "优", None)
        rates = [f for f in findings if f.rule == "S03-narrative-rate"]
        assert len(rates) == 16  # INV-S3: 16 of 23 forms
        assert (D("100.00"), D("39.50")) in pairs(findings, "S03-narrative-rate")
        assert len({f.location.form_id for f in findings if f.rule == "S04-narrative-funds"}) == 9  # INV-S4
        assert pairs(findings, "S06-partial-score") == {  # INV-S6
            (D("3.99"), D("4.00")),
            (D("29.45"), D("29.46")),
            (D("4.74"), D("4.73")),
        }
        [zero] = [f for f in findings if f.rule == "Q25-zero-score"]
        assert zero.location.indicator == "聘请专家诊断出勤费"


class TestSeed004And000:
    def test_compact_forms(self, import_seed):
        import_seed("004")
        from disclosures.checks import run_form_checks

        findings = [f for form in TargetForm.objects.filter(variant="compact") for f in run_form_checks(form)]
        [levels] = [f for f in findings if f.rule == "T02-levels"]  # INV-T2: 项目5 lacks 满意度
        assert levels.location.form_name == "救灾物资储备库运转经费"
        [cost] = [f for f in findings if f.rule == "T04-cost-sum"]  # INV-T4: 45 + 30 + 30 + 30 > 50
        assert (cost.location.form_name, cost.expected, cost.actual) == (
            "应急度汛安全经费",
            D("500000.00"),
            D("1350000"),
        )

    def test_standalone_forms(self, import_seed):
        import_seed("000")
        from disclosures.checks import run_form_checks

        findings = [f for form in TargetForm.objects.all() for f in run_form_checks(form)]
        assert len({f.location.form_id for f in findings if f.rule == "Q09-placeholder"}) == 8  # Q9: 8 forms
        empty = {f.location.form_name for f in findings if f.rule == "T01-annual" and "整栏为空" in f.message}
        assert {"公用经费项目", "人员类项目"} <= empty  # INV-T1 / Q11
        ratio = {f.location.form_name for f in findings if f.rule == "Q23-funds-period"}
        assert ratio == {"公用经费项目", "人员类项目"}  # Q23: ×1 for 3年


# ================================================================ command


class TestCommand:
    def test_json(self, import_seed, capsys):
        import_seed("003")
        import_seed("004")
        call_command("review_disclosures", "--format", "json")
        data = json.loads(capsys.readouterr().out)
        assert set(data) == {"disclosures", "forms", "self_evaluations"}
        [disclosure] = data["disclosures"]
        assert disclosure["title"] == "晋城市应急管理局2023年度单位决算公开"
        finding = next(f for f in disclosure["findings"] if f["rule"] == "F10-economic-subtotal")
        assert (finding["severity"], finding["expected"], finding["actual"]) == (WARNING, "155.05", "155.03")
        assert finding["location"]["table"] == "final_06" and finding["message"]
        assert len(data["forms"]) == 8 and all({"id", "project_name", "findings"} <= set(f) for f in data["forms"])

    def test_one_disclosure(self, db, capsys):
        budget = make_clean_budget()
        call_command("review_disclosures", "--format", "json", "--id", str(budget.pk))
        data = json.loads(capsys.readouterr().out)
        assert data == {
            "disclosures": [{"id": budget.pk, "title": str(budget), "findings": []}],
            "forms": [],
            "self_evaluations": [],
        }

    def test_unknown_id(self, db):
        with pytest.raises(CommandError):
            call_command("review_disclosures", "--id", "999999")
