"""Target forms (000, 001, 004) and their funds/indicators as stored: 元 exactly, order kept, links made."""

from decimal import Decimal

import pytest
from django.utils import timezone

from disclosures.models import ProjectLine
from performance.models import Indicator, Level1, Level2, Period, TargetForm, TargetFunding


@pytest.fixture
def jinzhong(import_seed):
    import_seed("000")
    return TargetForm.objects.filter(department__code="206")


class TestStandaloneForms:
    def test_all_forms_with_funds_in_yuan(self, jinzhong):
        assert jinzhong.count() == 43
        assert all(f.disclosure_id is None and f.fiscal_year == 2022 for f in jinzhong)
        form = jinzhong.get(project_name="安全检查费用")
        period = form.funding.get(period=Period.PERIOD)
        annual = form.funding.get(period=Period.ANNUAL)
        assert (period.total, period.local, period.central, period.other) == (
            Decimal("4500000"),
            Decimal("4500000"),
            Decimal("0"),
            None,
        )
        assert (annual.total, annual.local) == (Decimal("1500000"), Decimal("1500000"))
        assert (form.handler, form.phone, form.filled_at_raw) == ("赵军", "3026350", "20211208102338")
        local = timezone.localtime(form.filled_at)  # stamps are Beijing time
        assert (local.year, local.month, local.day, local.hour, local.minute) == (2021, 12, 8, 10, 23)

    def test_indicator_tree_in_printed_order_with_parsed_values(self, jinzhong):
        form = jinzhong.get(project_name="安全检查费用")
        annual = list(form.indicators.filter(period=Period.ANNUAL))
        assert [(i.level1, i.level2, i.name, i.value) for i in annual] == [
            (Level1.OUTPUT, Level2.QUANTITY, "检查企业数", "≥200家"),
            (Level1.OUTPUT, Level2.QUALITY, "安全检查覆盖率", "≥90%"),
            (Level1.OUTPUT, Level2.TIMELINESS, "安全检查工作开展时间", "全年开展"),
            (Level1.OUTPUT, Level2.COST, "安全生产检查费用", "≤150万元"),
            (Level1.OUTCOME, Level2.SOCIAL, "有效解决安全生产工作的", "长效"),
            (Level1.OUTCOME, Level2.SUSTAINABILITY, "项目持续发挥作用的期限", "全年"),
            (Level1.SATISFACTION, Level2.SATISFACTION, "被检查企业满意度", "≥90%"),
        ]
        first = annual[0]
        assert (first.value_operator, first.value_number, first.value_unit, first.value_kind) == (
            "≥",
            Decimal("200"),
            "家",
            "quantity",
        )
        cost = form.indicators.get(period=Period.PERIOD, level2=Level2.COST)
        assert (cost.value_number, cost.value_unit) == (Decimal("450"), "万元")

    def test_placeholders_are_kept_and_flagged(self, jinzhong):
        flagged = [i for i in Indicator.objects.filter(form__in=jinzhong) if "placeholder" in i.value_flags]
        assert flagged and all("XX" in i.value for i in flagged)

    def test_reimport_replaces_standalone_forms(self, import_seed, jinzhong):
        import_seed("000")
        assert TargetForm.objects.filter(department__code="206").count() == 43


class TestEmbeddedForms:
    def test_forms_link_to_their_project_rows(self, import_seed):
        report = import_seed("001")
        forms = TargetForm.objects.filter(disclosure_id=report.disclosure_id)
        assert forms.count() == 33
        assert forms.filter(project__isnull=True).count() == 0
        assert len({f.project_id for f in forms}) == 33
        uniform = forms.get(project_name="综合行政执法制服和标志配备")
        assert uniform.project.name == "综合行政执法制式服装和标志配备"  # DOMAIN Q21 name mismatch

    def test_annual_funds_sum_and_the_blank_one(self, import_seed):
        report = import_seed("001")
        annual = TargetFunding.objects.filter(form__disclosure_id=report.disclosure_id, period=Period.ANNUAL)
        assert sum(f.total for f in annual if f.total is not None) == Decimal("21760900")
        assert annual.get(form__project_name="慰问款").total is None  # blank, not zero (DOMAIN Q12)
        special = annual.get(form__project_name="应急工作专项业务费")
        assert special.total == ProjectLine.objects.get(name="应急工作专项业务费").general == Decimal("1930000")

    def test_each_period_of_the_worked_example(self, import_seed):
        report = import_seed("001")
        form = TargetForm.objects.get(disclosure_id=report.disclosure_id, project_name="应急工作专项业务费")
        for period in (Period.PERIOD, Period.ANNUAL):
            levels = [i.level1 for i in form.indicators.filter(period=period)]
            assert (levels.count(Level1.OUTPUT), levels.count(Level1.OUTCOME), levels.count(Level1.SATISFACTION)) == (
                11,
                2,
                1,
            )


class TestCompactForms:
    def test_menyuan_projects(self, import_seed):
        import_seed("004")
        forms = TargetForm.objects.filter(department__code="309").order_by("order")
        assert forms.count() == 8 and {f.variant for f in forms} == {TargetForm.Variant.COMPACT}
        totals = [f.funding.get(period=Period.ANNUAL).total for f in forms]
        assert totals == [Decimal(x) * 10000 for x in ("50", "1.7", "4.2", "20", "6", "4", "0.09", "50")]
        assert sum(totals) == Decimal("1359900")  # 合计 135.99 万元
        assert not forms[4].indicators.filter(level1=Level1.SATISFACTION).exists()  # 项目5 lacks 满意度 (Q14)
        costs = forms[7].indicators.filter(level2=Level2.COST)
        assert sorted(i.value_number for i in costs) == [Decimal(30), Decimal(30), Decimal(30), Decimal(45)]
