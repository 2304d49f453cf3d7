"""Totals in the portal's SQL (list, profile) are the totals the disclosure's own tables print, 尾差 included.

Seed 001 prints 表三's 合计 as 3,306.81 / 基本支出 1,071.45 万元 while its 项 lines sum to 3,306.80 / 1,071.44: the
published subtotal is stored (reported_subtotal) and the portal must show it, not recompute the sum of the lines.
"""

from decimal import Decimal

import pytest

from disclosures.models import Disclosure, FunctionClass, FunctionLine
from disclosures.portal_queries import _unit_figures, with_expenditure
from disclosures.tablespecs import BUDGET_MEASURES, EXPENSE_MEASURES, DisclosureData

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(import_seed):
    return Disclosure.objects.with_unit().get(pk=import_seed("001", publish=True).disclosure_id)


def leaf_sum(disclosure, measures) -> Decimal:
    lines = FunctionLine.objects.filter(disclosure=disclosure, reported_subtotal=False)
    return sum((getattr(line, m) or Decimal(0) for line in lines for m in measures), Decimal(0))


def test_seed_001_prints_totals_that_differ_from_the_sum_of_its_lines(budget):
    facts = DisclosureData(budget).functions
    assert facts.value(None, BUDGET_MEASURES) != leaf_sum(budget, BUDGET_MEASURES)


def test_the_list_total_is_the_printed_total(budget):
    facts = DisclosureData(budget).functions
    row = with_expenditure(Disclosure.objects.filter(pk=budget.pk)).get()
    assert row.total == facts.value(None, EXPENSE_MEASURES)
    assert f"{row.total / 10000:.2f}" == "3306.81"


def test_the_profile_figures_are_the_printed_ones(budget):
    facts = DisclosureData(budget).functions
    figures = _unit_figures(budget.unit.department)[(2026, Disclosure.Kind.BUDGET, budget.unit_id)]
    assert figures.total == facts.value(None, EXPENSE_MEASURES)
    assert figures.basic == facts.value(None, ["basic"]) and f"{figures.basic / 10000:.2f}" == "1071.45"
    assert figures.project == facts.value(None, ["project"])


def test_a_published_subtotal_of_a_class_stands_for_its_lines(import_seed):
    """Without a published 合计 row, a 类 subtotal with 尾差 still counts instead of its lines."""
    disclosure = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
    FunctionLine.objects.filter(disclosure=disclosure, function__isnull=True).delete()
    line = FunctionLine.objects.filter(disclosure=disclosure, function__code__regex=r"^\d{7}$").first()
    parent = line.function.code[:3]
    FunctionLine.objects.filter(disclosure=disclosure, function__code=parent, fund=line.fund).delete()
    FunctionLine.objects.create(
        disclosure=disclosure,
        function=FunctionClass.objects.filter(code=parent).first(),
        fund=line.fund,
        carryover=line.carryover,
        reported_subtotal=True,
        basic=Decimal("123456.78"),
    )
    facts = DisclosureData(Disclosure.objects.get(pk=disclosure.pk)).functions
    row = with_expenditure(Disclosure.objects.filter(pk=disclosure.pk)).get()
    assert row.total == facts.value(None, EXPENSE_MEASURES)
    assert row.total != leaf_sum(disclosure, EXPENSE_MEASURES)


def test_publishing_stores_the_printed_total_and_the_list_reads_it(budget):
    from disclosures.models import PublishedTotal

    stored = PublishedTotal.objects.get(disclosure=budget)
    assert stored.total == DisclosureData(budget).functions.value(None, EXPENSE_MEASURES)
    # The list sorts and filters by the stored figure (a marker value shows it is the one read) …
    PublishedTotal.objects.filter(disclosure=budget).update(total=Decimal("12345.67"))
    assert with_expenditure(Disclosure.objects.filter(pk=budget.pk)).get().total == Decimal("12345.67")
    # … and sums the lines as the tables count them where a version has none stored.
    PublishedTotal.objects.filter(disclosure=budget).delete()
    assert with_expenditure(Disclosure.objects.filter(pk=budget.pk)).get().total == stored.total


def test_a_draft_has_no_stored_total(import_seed):
    from disclosures.models import PublishedTotal

    draft = import_seed("002")
    assert not PublishedTotal.objects.filter(disclosure_id=draft.disclosure_id).exists()
