"""Seed 001 (晋城市应急管理局 2026 单位预算公开): every printed number lands in the facts and comes back out."""

from decimal import Decimal

import pytest

from disclosures.exports import disclosure_json
from disclosures.facts import FunctionFacts
from disclosures.models import (
    Disclosure,
    EconomicLine,
    FunctionLine,
    Fund,
    ProjectLine,
    Section,
    SourceTable,
    ThreePublicLine,
)
from disclosures.tablespecs import DisclosureData, build_table
from tests.conftest import seed_text
from tests.seedtables import projected_amounts, seed_table_amounts, source_amounts

W = Decimal(10000)


def yuan(wan: str) -> Decimal:
    return Decimal(wan) * W


@pytest.fixture
def budget(import_seed):
    report = import_seed("001")
    return Disclosure.objects.get(pk=report.disclosure_id)


def row(table, first_cell):
    return next(r.cells for r in table.rows if r.cells[0] == first_cell)


class TestBudgetImport:
    def test_identity_of_the_disclosure(self, budget):
        assert (budget.fiscal_year, budget.kind, budget.unit.code, budget.unit.department.code) == (
            2026,
            "budget",
            "222001",
            "222",
        )
        assert budget.unit.department.region.name == "晋城市"
        assert budget.status == Disclosure.Status.DRAFT

    def test_every_projected_table_prints_exactly_the_source_amounts(self, budget):
        """Per table, the multiset of printed amounts equals the source table's: nothing lost, nothing invented."""
        exported = {t["key"]: t for t in disclosure_json(budget)["tables"]}
        for source in SourceTable.objects.filter(disclosure=budget):
            assert projected_amounts(exported[source.key]) == source_amounts(source), source.key

    def test_all_table_numbers_of_the_seed_are_in_the_export(self, budget):
        expected = seed_table_amounts(seed_text("001"))
        found = sum((projected_amounts(t) for t in disclosure_json(budget)["tables"]), type(expected)())
        assert expected - found == type(expected)()
        assert sum(expected.values()) == 345

    def test_facts_are_stored_once_at_item_level_in_yuan(self, budget):
        line = FunctionLine.objects.get(disclosure=budget, function__code="2240101", fund=Fund.GENERAL, carryover=False)
        assert (line.basic, line.project) == (yuan("722.10"), None)
        carry = FunctionLine.objects.get(disclosure=budget, function__code="2240703")
        assert (carry.fund, carry.carryover, carry.basic, carry.project) == (Fund.GENERAL, True, None, yuan("49.27"))
        # 722.10 is printed in 表二, 表三 and 表五 but stored once.
        assert FunctionLine.objects.filter(disclosure=budget, function__code="2240101").count() == 1

    def test_summary_totals(self, budget):
        table = build_table(budget, "budget_01")
        assert row(table, "本年收入合计")[1] == yuan("3257.54")
        assert row(table, "上年结转")[1] == yuan("49.27")
        assert row(table, "收入总计")[1:2] + row(table, "收入总计")[3:] == [
            yuan("3306.81"),
            yuan("3306.81"),
            yuan("3257.54"),
            yuan("49.27"),
        ]
        disaster = next(r.cells for r in table.rows if r.code == "224")
        assert disaster[3:] == [yuan("2955.66"), yuan("2906.39"), yuan("49.27")]
        assert len([r for r in table.rows if r.code]) == 30

    def test_expenditure_table_total_row(self, budget):
        assert row(build_table(budget, "budget_03"), "合计")[2:] == [yuan("3306.81"), yuan("1071.45"), yuan("2235.36")]
        assert row(build_table(budget, "budget_05"), "合计")[2:] == [yuan("3257.54"), yuan("1071.45"), yuan("2186.09")]

    def test_published_rounding_residue_is_recorded_as_a_reported_subtotal(self, budget):
        """21011 prints 49.70 although its items print 34.00 + 15.69 = 49.69 (尾差): both are kept."""
        reported = FunctionLine.objects.get(disclosure=budget, function__code="21011", reported_subtotal=True)
        assert reported.basic == yuan("49.70")
        facts = FunctionFacts(FunctionLine.objects.filter(disclosure=budget).select_related("function"))
        assert facts.node("21011", Fund.GENERAL, False, "basic") == yuan("49.70")
        assert facts.derived("21011", Fund.GENERAL, False, "basic") == yuan("49.69")
        # Only genuine residues become reported subtotals.
        assert FunctionLine.objects.filter(disclosure=budget, reported_subtotal=True).count() == 1

    def test_economic_classification_with_its_published_residues(self, budget):
        table = build_table(budget, "budget_06")
        assert row(table, "合计")[2:] == [yuan("1071.45"), yuan("928.56"), yuan("142.89")]
        assert row(table, "工资福利支出")[2:] == [yuan("807.64"), yuan("807.64"), None]
        assert row(table, "基本工资")[1:] == ["工资奖金津补贴", yuan("219.48"), yuan("219.48"), None]
        assert row(table, "退休费")[1] == "离退休费"
        lines = EconomicLine.objects.filter(disclosure=budget, reported_subtotal=False)
        assert lines.count() == 25
        assert lines.get(economic_class__code="30217").public == yuan("0.50")

    def test_empty_tables_say_so(self, budget):
        for key in ("budget_07", "budget_08", "budget_09"):
            table = build_table(budget, key)
            assert table.is_empty and table.empty_note == "注：本表无数据"
        assert not build_table(budget, "budget_10").is_empty

    def test_three_public_and_operating_costs(self, budget):
        assert ThreePublicLine.objects.get(disclosure=budget).amount == yuan("0.50")
        three = build_table(budget, "budget_10")
        assert row(three, "合计")[1:3] == [yuan("0.50"), yuan("0.50")]
        assert row(three, "公务用车购置及运行费")[1] is None
        costs = build_table(budget, "budget_11")
        assert row(costs, "部门合计")[1] == yuan("142.89")
        assert row(costs, "晋城市应急管理局")[2] == yuan("142.89")

    def test_project_tables(self, budget):
        projects = ProjectLine.objects.filter(disclosure=budget, carryover=False)
        assert projects.count() == 33
        assert sum(p.total for p in projects) == yuan("2186.09")
        assert projects.get(name="应急工作专项业务费").general == yuan("193.00")
        carry = ProjectLine.objects.get(disclosure=budget, carryover=True)
        assert (carry.name, carry.general) == ("下达2024年中央自然灾害救灾资金（清算下达第二批）", yuan("49.27"))
        table = build_table(budget, "budget_12")
        assert table.rows[0].cells[:2] == ["晋城市应急管理局", yuan("2186.09")]
        assert table.column_numbers == ["1", "2", "3", "4", "5", "6", "7"]

    def test_narrative_sections_in_order(self, budget):
        sections = list(Section.objects.filter(disclosure=budget))
        overview = [s.heading for s in sections if s.part == "overview"]
        assert overview == ["一、本单位职责", "二、机构设置情况"]
        narrative = [s.heading for s in sections if s.part == "narrative" and s.level == 1]
        assert narrative[0] == "一、单位预算收支数据变动情况及原因" and narrative[-1] == "十二、其他说明"
        assert len(narrative) == 12
        glossary = [s.heading for s in sections if s.part == "glossary"]
        assert glossary[:2] == ["一、基本支出", "二、项目支出"] and len(glossary) == 12
        assert "3,306.81万元" in next(s.body for s in sections if s.heading.startswith("一、单位预算"))
        assert all("仅供内部审核" not in s.body for s in sections)

    def test_procurement_and_assets_from_the_narrative(self, budget):
        assert (budget.procurement.goods, budget.procurement.works, budget.procurement.services) == (
            yuan("99.82"),
            yuan("0"),
            yuan("746.71"),
        )
        assert budget.assets.office_area == Decimal("1624.42")
        assert budget.assets.equipment_over_million == 0

    def test_queries_for_all_tables_are_bounded(self, budget, django_assert_max_num_queries):
        fresh = Disclosure.objects.with_unit().get(pk=budget.pk)
        with django_assert_max_num_queries(16):
            data = DisclosureData(fresh)
            for key in [f"budget_{i:02d}" for i in range(1, 14)]:
                build_table(fresh, key, data)
