"""Seed 002 (大同市应急管理局 2023, noisy extraction): what is recoverable lands, what is not is reported."""

from decimal import Decimal

import pytest

from disclosures.exports import disclosure_json
from disclosures.models import Disclosure, ProjectLine, SourceTable
from disclosures.tablespecs import build_table
from performance.models import TargetForm
from tests.seedtables import projected_amounts, source_amounts

W = Decimal(10000)


@pytest.fixture
def report(import_seed):
    return import_seed("002")


class TestNoisyBudgetImport:
    def test_tables_reproduce_every_recovered_cell(self, report):
        disclosure = Disclosure.objects.get(pk=report.disclosure_id)
        exported = {t["key"]: t for t in disclosure_json(disclosure)["tables"]}
        for source in SourceTable.objects.filter(disclosure=disclosure):
            if source.key == "budget_09":
                continue  # prints 0.00 rows under 本表无数据 (DOMAIN Q26); blank and zero differ only in print
            table = dict(exported[source.key])
            if source.key == "budget_12":
                table["rows"] = table["rows"][1:]  # 002 prints no unit total row; the projection always does
            assert projected_amounts(table) == source_amounts(source), source.key

    def test_totals(self, report):
        disclosure = Disclosure.objects.get(pk=report.disclosure_id)
        total = build_table(disclosure, "budget_03").rows[0].cells
        assert total[2:] == [Decimal("2296.59") * W, Decimal("1486.79") * W, Decimal("809.80") * W]
        economic = build_table(disclosure, "budget_06").rows[0].cells
        assert economic[2:] == [Decimal("1486.79") * W, Decimal("1327.00") * W, Decimal("159.79") * W]
        projects = ProjectLine.objects.filter(disclosure=disclosure, carryover=False)
        assert projects.count() == 23 and sum(p.total for p in projects) == Decimal("809.81") * W
        assert projects.filter(name="Z森林防火工作经费").count() == 2  # duplicate names stay separate rows (Q29)

    def test_forms_and_what_could_not_be_recovered(self, report):
        forms = TargetForm.objects.filter(disclosure_id=report.disclosure_id)
        assert forms.count() == 22
        assert forms.filter(project__isnull=False).count() == 21  # the headless form after the error page
        messages = [w.message for w in report.warnings]
        assert any("HTTP错误页" in m and "3285" in m for m in messages)
        assert any("J安委会工作经费" in m and "42次" in m for m in messages)
        assert any("100100%" in m for m in messages)

    def test_repeated_names_match_by_amount(self, report):
        forms = TargetForm.objects.filter(disclosure_id=report.disclosure_id, project_name="J核灾救灾工作经费")
        pairs = {(f.funding.get(period="annual").total, f.project.total) for f in forms}
        assert len(pairs) == 2 and all(a == b for a, b in pairs)
