"""Review rules of the performance forms (performance/checks.py): 绩效目标表 and 绩效自评表.

Each rule: the factory form is clean, and breaking one value yields exactly the expected finding."""

from decimal import Decimal

import pytest

from disclosures.checks import ERROR, INFO, WARNING, Finding, rules_for, run_evaluation_checks, run_form_checks
from performance.checks import EvaluationContext, FormContext, grade_for, load_evaluation, load_form
from performance.models import (
    Indicator,
    IndicatorResult,
    SelfEvaluation,
    SelfEvaluationFunds,
    TargetForm,
    TargetFunding,
)
from performance.services import value_fields
from tests.factories import make_self_evaluation, make_target_form, make_unit, yuan

D = Decimal


def codes(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [(f.rule, f.message) for f in findings]
    return findings[0]


def set_value(form: TargetForm, name: str, value: str, period: str | None = None) -> Indicator:
    indicators = Indicator.objects.filter(form=form, name=name)
    if period:
        indicators = indicators.filter(period=period)
    indicators.update(value=value, **value_fields(value))
    return indicators.first()


@pytest.fixture
def form(db):
    return make_target_form()


@pytest.fixture
def evaluation(db):
    return make_self_evaluation()


# ================================================================ target forms


class TestTargetForm:
    def test_clean(self, form):
        assert run_form_checks(form) == []

    def test_each_rule_clean(self, form):
        ctx = FormContext(load_form(form))
        for registered in rules_for("form"):
            assert registered(ctx) == [], registered.code

    def test_query_count(self, form, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            run_form_checks(form)

    def test_responsible_blank(self, form):
        TargetForm.objects.filter(pk=form.pk).update(responsible="")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.severity, finding.expected, finding.location.form_id) == (
            "Q10-header",
            WARNING,
            "负责人",
            form.pk,
        )

    def test_department_blank_is_an_error(self, form):
        TargetForm.objects.filter(pk=form.pk).update(department_label="")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.severity, finding.expected) == ("Q10-header", ERROR, "主管部门及代码")

    @pytest.mark.parametrize("raw", ["202601161", "20260109 15:10", "2026011611300", "20261301101010"])
    def test_malformed_fill_date(self, form, raw):
        TargetForm.objects.filter(pk=form.pk).update(filled_at_raw=raw)
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.actual, finding.location.column) == ("Q19-fill-date", raw, "填报日期")

    def test_fill_date_spaces_are_extraction_noise(self, form):
        TargetForm.objects.filter(pk=form.pk).update(filled_at_raw="202512010 93000")
        assert run_form_checks(form) == []

    def test_fill_date_outside_preparation(self, form):
        TargetForm.objects.filter(pk=form.pk).update(filled_at_raw="20261209154958")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.actual) == ("Q19-fill-date", "20261209154958")
        assert "编制期" in finding.message

    def test_funds_sources_do_not_add_up(self, form):
        TargetFunding.objects.filter(form=form, period="annual").update(local=yuan("149.00"))
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.column, finding.expected, finding.actual) == (
            "B17-funds",
            "年度资金总额",
            yuan("149.00"),
            yuan("150.00"),
        )

    def test_annual_above_period(self, form):
        TargetFunding.objects.filter(form=form, period="period").update(total=yuan("100.00"), local=yuan("100.00"))
        findings = run_form_checks(form)
        finding = only([f for f in findings if f.rule == "B17-funds"])
        assert (finding.expected, finding.actual) == (yuan("100.00"), yuan("150.00"))

    def test_one_off_with_longer_period(self, form):
        TargetForm.objects.filter(pk=form.pk).update(attribute="一次性项目（1年结束）", period_label="1年")
        TargetFunding.objects.filter(form=form, period="period").update(total=yuan("300.00"), local=yuan("300.00"))
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.column, finding.expected, finding.actual) == (
            "B17-funds",
            "实施期资金总额",
            yuan("150.00"),
            yuan("300.00"),
        )

    def test_annual_funds_blank(self, form):
        TargetFunding.objects.filter(form=form, period="annual").update(total=None, local=None)
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.column, finding.actual) == ("B17-funds", "年度资金总额", None)

    def test_period_funds_far_from_years(self, form):
        TargetForm.objects.filter(pk=form.pk).update(period_label="4年")
        TargetFunding.objects.filter(form=form, period="period").update(total=yuan("6000.00"), local=yuan("6000.00"))
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.expected, finding.actual) == ("Q23-funds-period", yuan("600.00"), yuan("6000.00"))

    def test_period_funds_equal_to_years(self, form):
        TargetForm.objects.filter(pk=form.pk).update(period_label="4年")
        TargetFunding.objects.filter(form=form, period="period").update(total=yuan("600.00"), local=yuan("600.00"))
        assert run_form_checks(form) == []

    def test_annual_value_blank(self, form):
        indicator = set_value(form, "隐患整改率", "", "annual")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.indicator, finding.location.column) == (
            "T01-annual",
            "隐患整改率",
            "年度指标值",
        )
        assert finding.fix_url.endswith(f"/indicator/{indicator.pk}/change/")

    def test_annual_column_empty(self, form):
        Indicator.objects.filter(form=form, period="annual").delete()
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.expected, finding.actual) == ("T01-annual", "6", "0")

    def test_annual_goal_blank(self, form):
        TargetForm.objects.filter(pk=form.pk).update(goal_annual="")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.column) == ("T01-annual", "年度目标")

    def test_satisfaction_missing(self, form):
        Indicator.objects.filter(form=form, level1="satisfaction").delete()
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.severity, finding.expected) == ("T02-levels", ERROR, "满意度指标")

    def test_timeliness_missing(self, form):
        Indicator.objects.filter(form=form, level2="timeliness").delete()
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.expected) == ("T03-output-level2", "时效指标")

    def test_level2_printed_in_level1_column(self, form):
        Indicator.objects.filter(form=form, name="检查企业数量").update(level1_label="数量指标")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.severity, finding.location.indicator) == ("Q13-levels", INFO, "检查企业数量")

    def test_cost_above_annual_funds(self, form):
        set_value(form, "项目成本", "≤200万元")  # both columns: only the annual one is held against 年度资金
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.indicator, finding.expected, finding.actual) == (
            "B18-cost-ceiling",
            "项目成本",
            yuan("150.00"),
            D("2000000"),
        )

    def test_cost_in_yuan(self, form):
        set_value(form, "项目成本", "1,500,001元")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.actual) == ("B18-cost-ceiling", D("1500001"))

    def test_costs_together_above_funds(self, form):
        set_value(form, "项目成本", "≤100万元")
        cost = Indicator.objects.get(form=form, period="annual", name="项目成本")
        Indicator.objects.create(
            form=form,
            period="annual",
            order=99,
            level1="output",
            level2="cost",
            name="专家费",
            value="≤60万元",
            **value_fields("≤60万元"),
        )
        Indicator.objects.create(
            form=form,
            period="period",
            order=99,
            level1="output",
            level2="cost",
            name="专家费",
            value="≤60万元",
            **value_fields("≤60万元"),
        )
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.indicator, finding.expected, finding.actual) == (
            "T04-cost-sum",
            cost.name,
            yuan("150.00"),
            D("1600000"),
        )

    def test_annual_quantity_above_period(self, form):
        set_value(form, "检查企业数量", "≥300家", "annual")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.expected, finding.actual) == ("T05-annual-vs-period", "≥200家", "≥300家")

    def test_quantity_not_quantified(self, form):
        set_value(form, "检查企业数量", "若干家企业")
        finding = only(run_form_checks(form))  # reported once for both columns
        assert (finding.rule, finding.severity, finding.actual) == ("Q16-quantified", WARNING, "若干家企业")

    def test_cost_as_rate_is_info(self, form):
        set_value(form, "项目成本", "500元/人")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.severity, finding.actual) == ("Q16-quantified", INFO, "500元/人")

    def test_cost_not_money(self, form):
        set_value(form, "项目成本", "≥100100%")
        findings = run_form_checks(form)
        assert codes(findings) == {"Q16-quantified", "Q04-doubled"}
        assert only([f for f in findings if f.rule == "Q16-quantified"]).severity == WARNING

    def test_placeholder_value(self, form):
        set_value(form, "检查完成时间", "12月31日前XX月XX日前")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.severity, finding.actual) == ("Q09-placeholder", ERROR, "12月31日前XX月XX日前")

    def test_placeholder_text(self, form):
        TargetForm.objects.filter(pk=form.pk).update(plan="某某月完成验收")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.location.column, finding.actual) == ("Q09-placeholder", "项目实施计划", "某某")

    def test_doubled_value(self, form):
        set_value(form, "隐患整改率", "100100%")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.expected, finding.actual) == ("Q04-doubled", "100", "100100%")

    def test_malformed_operator(self, form):
        set_value(form, "被检查企业满意度", "≧90%")
        finding = only(run_form_checks(form))
        assert (finding.rule, finding.actual) == ("Q25-operator", "≧90%")


class TestCompactForm:
    @pytest.fixture
    def compact(self, db):
        unit = make_unit()
        form = TargetForm.objects.create(
            department=unit.department,
            unit=unit,
            fiscal_year=2023,
            variant=TargetForm.Variant.COMPACT,
            project_name="应急度汛安全经费",
            department_label=f"{unit.department.code}-{unit.department.name}",
            goal_annual="目标1: 保障度汛安全。",
        )
        TargetFunding.objects.create(form=form, period="annual", total=yuan("50.00"))
        rows = [
            ("output", "quantity", "巡查次数", "≥12次"),
            ("output", "quality", "隐患整改率", "≥95%"),
            ("output", "timeliness", "完成时间", "汛期"),
            ("output", "cost", "物资储备", "≤30万元"),
            ("output", "cost", "巡查经费", "≤20万元"),
            ("outcome", "social", "群众安全", "有效保障"),
            ("satisfaction", "satisfaction", "群众满意度", "≥90%"),
        ]
        Indicator.objects.bulk_create(
            Indicator(form=form, period="annual", order=i, level1=l1, level2=l2, name=name, value=v, **value_fields(v))
            for i, (l1, l2, name, v) in enumerate(rows, start=1)
        )
        return form

    def test_clean(self, compact):
        assert run_form_checks(compact) == []

    def test_costs_above_amount(self, compact):
        set_value(compact, "巡查经费", "≤30万元")  # 30 + 30 > 50 (INV-T4)
        finding = only(run_form_checks(compact))
        assert (finding.rule, finding.expected, finding.actual) == ("T04-cost-sum", yuan("50.00"), D("600000"))


# ================================================================ self-evaluations


def result(evaluation: SelfEvaluation, name: str):
    return IndicatorResult.objects.filter(evaluation=evaluation, name=name)


def total_row(evaluation: SelfEvaluation):
    return SelfEvaluationFunds.objects.filter(evaluation=evaluation, label="资金总额")


class TestSelfEvaluation:
    def test_clean(self, evaluation):
        assert run_evaluation_checks(evaluation) == []

    def test_each_rule_clean(self, evaluation):
        ctx = EvaluationContext(load_evaluation(evaluation))
        for registered in rules_for("evaluation"):
            assert registered(ctx) == [], registered.code

    @pytest.mark.parametrize(
        ("score", "grade"),
        [("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"), ("59.99", "差")],
    )
    def test_grade_bands(self, score, grade):
        assert grade_for(D(score)) == grade

    def test_total_score(self, evaluation):
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(total_score=D("97"))
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.location.column, finding.expected, finding.actual) == (
            "S01-total-score",
            "总分",
            D("96"),
            D("97.00"),
        )

    def test_weights(self, evaluation):
        result(evaluation, "隐患整改率").update(weight=D("11"))
        findings = run_evaluation_checks(evaluation)
        # the score 10 is now below its weight 11 without a reason (S07) as well
        assert codes(findings) == {"S01-weights", "S07-deviation-reason"}
        finding = only([f for f in findings if f.rule == "S01-weights"])
        assert (finding.expected, finding.actual) == (D("100"), D("101.00"))

    def test_grade_mismatch(self, evaluation):
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(grade="良")
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.severity, finding.expected, finding.actual) == ("S02-grade", ERROR, "优", "良")

    def test_grade_blank(self, evaluation):
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(grade="")
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.expected, finding.actual) == ("S02-grade", "优", None)

    def test_execution_rate(self, evaluation):
        total_row(evaluation).update(executed=yuan("140.00"))
        findings = run_evaluation_checks(evaluation)
        finding = only([f for f in findings if f.rule == "S03-execution-rate"])
        assert (finding.location.row_code, finding.expected, finding.actual) == ("资金总额", D("93.33"), D("100.00"))
        # the text still says 实际执行150.00万元 (S04)
        assert codes(findings) == {"S03-execution-rate", "S04-narrative-funds"}

    def test_funds_score(self, evaluation):
        total_row(evaluation).update(score=D("9"))
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(total_score=D("95"))
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.expected, finding.actual) == ("S03-funds-score", D("10.00"), D("9.00"))

    def test_narrative_rate(self, evaluation):
        analysis = evaluation.analysis
        analysis[0][1] = analysis[0][1].replace("预算执行率100%", "预算执行率39.50%")
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(analysis=analysis)
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.expected, finding.actual) == ("S03-narrative-rate", D("100.00"), D("39.50"))

    def test_narrative_funds(self, evaluation):
        analysis = evaluation.analysis
        analysis[0][1] = analysis[0][1].replace("年初预算150.00万元", "年初预算50.00万元")
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(analysis=analysis)
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.location.column, finding.expected, finding.actual) == (
            "S04-narrative-funds",
            "年初预算数",
            D("150"),
            D("50.00"),
        )

    def test_partial_score(self, evaluation):
        result(evaluation, "检查企业数量").update(score=D("15"))  # 20 × 8/10 = 16
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(total_score=D("95"))
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.location.indicator, finding.expected, finding.actual) == (
            "S06-partial-score",
            "检查企业数量",
            D("16.00"),
            D("15.00"),
        )

    def test_partial_score_rounds_half_up(self, evaluation):
        result(evaluation, "检查企业数量").update(actual_value="≥5.5个", score=D("11"))  # 20 × 5.5/10 = 11
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(total_score=D("91"))
        assert run_evaluation_checks(evaluation) == []

    def test_met_but_zero(self, evaluation):
        result(evaluation, "检查成本").update(score=D("0"), deviation="成本节约")
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(total_score=D("86"), grade="良")
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.location.indicator, finding.expected, finding.actual) == (
            "Q25-zero-score",
            "检查成本",
            D("10.00"),
            D("0.00"),
        )

    def test_deviation_reason_missing(self, evaluation):
        result(evaluation, "检查企业数量").update(deviation="")
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.location.indicator) == ("S07-deviation-reason", "检查企业数量")

    def test_malformed_operator(self, evaluation):
        result(evaluation, "隐患整改率").update(adjusted_value="≧90%", **value_fields("≧90%"))
        finding = only(run_evaluation_checks(evaluation))
        assert (finding.rule, finding.actual) == ("Q25-result-operator", "≧90%")
