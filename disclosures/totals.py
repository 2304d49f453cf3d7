"""Totals in SQL as the tables print them, and the 支出合计 of each published version, stored when it is published.

A FunctionLine's measure counts unless a published subtotal of that measure above it (its 类 or 款, or the 合计)
stands for it — the rule of facts.FunctionFacts, so the printed 合计 keeps its 尾差.
"""

from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Substr

from disclosures.amounts import ZERO
from disclosures.models import FunctionLine, PublishedTotal
from disclosures.tablespecs import EXPENSE_MEASURES

AMOUNT = DecimalField(max_digits=15, decimal_places=2)


def measure_sum(measures=EXPENSE_MEASURES, prefix: str = "") -> Sum:
    """Σ of the measures over FunctionLine rows; NULL (blank) when no row has any of them, never a made-up 0."""
    parts = [Coalesce(F(prefix + m), Value(ZERO), output_field=AMOUNT) for m in measures]
    present = reduce(or_, (Q(**{f"{prefix}{m}__isnull": False}) for m in measures))
    return Sum(reduce(lambda a, b: a + b, parts), filter=present, output_field=AMOUNT)


def counted(measure: str) -> Case:
    """A FunctionLine's ``measure`` as the tables' totals count it: NULL when a published subtotal stands for it."""
    above = (
        FunctionLine.objects.filter(
            disclosure=OuterRef("disclosure"),
            fund=OuterRef("fund"),
            carryover=OuterRef("carryover"),
            reported_subtotal=True,
            **{f"{measure}__isnull": False},
        )
        .filter(
            Q(function__isnull=True)
            | Q(function__code=Substr(OuterRef("function__code"), 1, 3))
            | Q(function__code=Substr(OuterRef("function__code"), 1, 5))
        )
        .exclude(pk=OuterRef("pk"))
    )
    return Case(When(Exists(above), then=Value(None, output_field=AMOUNT)), default=F(measure), output_field=AMOUNT)


def counted_lines(lines: QuerySet, measures) -> QuerySet:
    """FunctionLine rows with ``counted_<measure>`` for each measure: sum those for totals as the tables print them."""
    return lines.annotate(**{f"counted_{m}": counted(m) for m in measures})


def refresh_published_totals(disclosure_ids: list[int]) -> None:
    """Store the 支出合计 of these published versions (they never change afterwards): one grouped query."""
    rows = (
        counted_lines(FunctionLine.objects.filter(disclosure_id__in=disclosure_ids), EXPENSE_MEASURES)
        .order_by()
        .values("disclosure")
        .annotate(total=measure_sum(prefix="counted_"))
    )
    totals = {row["disclosure"]: row["total"] for row in rows}
    with transaction.atomic():
        PublishedTotal.objects.filter(disclosure_id__in=disclosure_ids).delete()
        PublishedTotal.objects.bulk_create(
            [PublishedTotal(disclosure_id=pk, total=totals.get(pk)) for pk in disclosure_ids], batch_size=2000
        )
