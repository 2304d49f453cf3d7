"""Seed 003 (晋城市应急管理局 2023 单位决算公开): 公开01–10表 from facts, self-evaluations stored in 元."""

from decimal import Decimal

import pytest

from disclosures.exports import disclosure_json
from disclosures.models import Balance, Disclosure, EconomicLine, FunctionLine, Fund, SourceTable
from disclosures.tablespecs import build_table
from performance.models import SelfEvaluation
from tests.conftest import seed_text
from tests.seedtables import projected_amounts, seed_table_amounts, source_amounts

W = Decimal(10000)


def yuan(wan: str) -> Decimal:
    return Decimal(wan) * W


@pytest.fixture
def final(import_seed):
    return Disclosure.objects.get(pk=import_seed("003").disclosure_id)


def by_row_no(table, col, value_col):
    return {r.cells[col]: r.cells[value_col] for r in table.rows if r.cells[col]}


class TestFinalImport:
    def test_identity(self, final):
        assert (final.kind, final.fiscal_year, final.unit.code) == ("final", 2023, "222001")

    def test_every_projected_table_prints_exactly_the_source_amounts(self, final):
        exported = {t["key"]: t for t in disclosure_json(final)["tables"]}
        assert len(exported) == 10
        for source in SourceTable.objects.filter(disclosure=final):
            assert projected_amounts(exported[source.key]) == source_amounts(source), source.key

    def test_all_table_numbers_of_the_seed_are_in_the_export(self, final):
        expected = seed_table_amounts(seed_text("003"))
        found = sum((projected_amounts(t) for t in disclosure_json(final)["tables"]), type(expected)())
        assert expected - found == type(expected)()
        assert sum(expected.values()) == 208

    def test_income_expenditure_summary(self, final):
        table = build_table(final, "final_01")
        income = by_row_no(table, 1, 2)
        spending = by_row_no(table, 4, 5)
        assert income["1"] == yuan("3220.54") and income["8"] == yuan("0.21")
        assert (income["27"], income["29"], income["31"]) == (yuan("3220.75"), yuan("267.24"), yuan("3487.99"))
        assert (spending["58"], spending["60"], spending["62"]) == (yuan("3485.16"), yuan("2.83"), yuan("3487.99"))
        assert spending["53"] == yuan("3295.91")  # 灾害防治及应急管理支出, all funds
        assert [r.cells[4] for r in table.rows if r.code][:1] == ["32"]

    def test_non_fiscal_spending_is_the_difference_between_all_funds_and_fiscal(self, final):
        """公开03 2240199 546.10 = 公开05 281.48 + 264.62 spent from carry-over (non-fiscal) money."""
        lines = FunctionLine.objects.filter(disclosure=final, function__code="2240199")
        assert {(line.fund, line.project) for line in lines} == {
            (Fund.GENERAL, yuan("281.48")),
            (Fund.NON_FISCAL, yuan("264.62")),
        }

    def test_balances(self, final):
        opening = Balance.objects.get(disclosure=final, item=Balance.Item.OPENING)
        assert (opening.fund, opening.amount) == (Fund.NON_FISCAL, yuan("267.24"))
        assert Balance.objects.get(disclosure=final, item=Balance.Item.CLOSING).amount == yuan("2.83")
        fiscal = build_table(final, "final_04")
        assert by_row_no(fiscal, 1, 2)["28"] is None  # 年初财政拨款结转和结余 blank: the carry-over is non-fiscal

    def test_basic_expenditure_detail_with_dashes_and_residue(self, final):
        table = build_table(final, "final_06")
        cells = [c for r in table.rows for c in r.cells]
        assert cells.count("——") == 16  # 309xx and 311xx are not basic expenditure
        assert table.rows[-1].cells[2] == yuan("829.99") and table.rows[-1].cells[-1] == yuan("155.03")
        residue = EconomicLine.objects.get(disclosure=final, reported_subtotal=True)
        assert (residue.economic_class.code, residue.public) == ("302", yuan("155.03"))  # items add up to 155.05

    def test_three_public_budget_and_actual(self, final):
        row = build_table(final, "final_09").rows[0].cells
        assert row == [yuan("29.14"), None, yuan("29.00"), None, yuan("29.00"), yuan("0.14")] * 2

    def test_statistics_table(self, final):
        stats = by_row_no(build_table(final, "final_10"), 1, 2)
        assert (stats["1"], stats["2"], stats["3"], stats["4"]) == (yuan("516.42"), yuan("73.96"), None, yuan("442.46"))
        assert stats["5"] == yuan("155.03")
        assert final.procurement.sme == yuan("304.15") and final.procurement.small_micro == yuan("206.85")

    def test_empty_tables(self, final):
        for key in ("final_07", "final_08"):
            table = build_table(final, key)
            assert table.is_empty and table.empty_note == "说明：本表无数据"

    def test_self_evaluations(self, final):
        evaluations = SelfEvaluation.objects.filter(disclosure=final)
        assert evaluations.count() == 23
        example = evaluations.get(project_name__startswith="冶金工贸、非煤矿山")
        assert (example.total_score, example.grade) == (Decimal("95.6"), "优")
        funds = example.funds.get(label="资金总额")
        assert funds.full_year_budget == Decimal("1359120")  # 135.912 万元, exact in 元
        assert funds.initial_declared == yuan("174")
        assert example.results.count() == 17  # 数量5 质量2 时效3 成本3, 效益2, 满意度2 (DOMAIN 5.3)
        assert sum(r.score for r in example.results.all()) + funds.score == example.total_score
        blank_grade = evaluations.get(project_name__startswith="特种作业人员")
        assert (blank_grade.total_score, blank_grade.grade) == (Decimal("94.86"), "")
