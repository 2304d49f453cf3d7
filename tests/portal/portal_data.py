"""Synthetic published disclosures for the portal tests, written the way the workflow writes them.

Published rows are immutable (migration 0007 triggers): facts go in while the version is a draft, then one
UPDATE publishes it. Amounts are given in 万元 and stored in 元.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from disclosures.models import (
    BudgetUnit,
    Department,
    Disclosure,
    FunctionClass,
    FunctionLine,
    Fund,
    OperatingCost,
    ProjectLine,
    Region,
    ThreePublicLine,
)
from performance.models import Indicator, Level1, Level2, Period, TargetForm, TargetFunding

WAN = Decimal(10000)


def yuan(wan) -> Decimal | None:
    return None if wan is None else (Decimal(str(wan)) * WAN).quantize(Decimal("0.01"))


def make_unit(
    region: str = "测试市", dept_code: str = "901", dept_name: str = "测试市应急管理局", unit_code=None, unit_name=None
):
    place, _ = Region.objects.get_or_create(name=region, level=Region.Level.CITY)
    department, _ = Department.objects.get_or_create(region=place, code=dept_code, defaults={"name": dept_name})
    unit, _ = BudgetUnit.objects.get_or_create(
        department=department,
        code=unit_code or f"{dept_code}001",
        defaults={"name": unit_name or dept_name},
    )
    return unit


@dataclass
class Form:
    name: str
    goal: str = "保障全年工作顺利开展"
    indicators: list[str] = field(default_factory=lambda: ["检查企业数量"])
    amount: str | None = None  # 年度资金总额, 万元
    project: str | None = None  # name of the 表十二 project it belongs to


def make_disclosure(
    unit: BudgetUnit,
    year: int,
    kind: str = Disclosure.Kind.BUDGET,
    *,
    lines=(("2240101", "100.00", None), ("2240106", None, "50.00")),
    projects=(),
    forms=(),
    three_public=None,
    operating=None,
    version: int = 1,
    supersedes: Disclosure | None = None,
    publish: bool = True,
) -> Disclosure:
    """lines: (科目, 基本支出, 项目支出) 万元, 一般公共预算; projects: (name, 万元); three_public / operating: 万元."""
    disclosure = Disclosure.objects.create(
        unit=unit, fiscal_year=year, kind=kind, version=version, supersedes=supersedes, title=f"{year}年度测试公开"
    )
    catalogue = {fc.code: fc for fc in FunctionClass.objects.for_year(year)}
    FunctionLine.objects.bulk_create(
        FunctionLine(
            disclosure=disclosure,
            function=catalogue[code],
            fund=Fund.GENERAL,
            basic=yuan(basic),
            project=yuan(project),
        )
        for code, basic, project in lines
    )
    project_rows = ProjectLine.objects.bulk_create(
        ProjectLine(disclosure=disclosure, order=i, name=name, general=yuan(amount), function=catalogue.get("2240106"))
        for i, (name, amount) in enumerate(projects, start=1)
    )
    by_name = {p.name: p for p in project_rows}
    for i, form in enumerate(forms, start=1):
        make_form(unit, year, form, disclosure=disclosure, project=by_name.get(form.project), order=i)
    if three_public is not None:
        stage = ThreePublicLine.Stage.BUDGET if kind == Disclosure.Kind.BUDGET else ThreePublicLine.Stage.ACTUAL
        ThreePublicLine.objects.create(
            disclosure=disclosure,
            stage=stage,
            fund=Fund.GENERAL,
            item=ThreePublicLine.Item.VEHICLE_OPERATION,
            amount=yuan(three_public),
        )
    if operating is not None:
        OperatingCost.objects.create(disclosure=disclosure, unit_name=unit.name, amount=yuan(operating))
    if publish:
        Disclosure.objects.filter(pk=disclosure.pk).update(
            status=Disclosure.Status.PUBLISHED, published_at=timezone.now()
        )
        disclosure.refresh_from_db()
    return disclosure


def make_form(unit: BudgetUnit, year: int, form: Form, *, disclosure=None, project=None, order: int = 1):
    """A target form; standalone (published on its own) when ``disclosure`` is None."""
    target = TargetForm.objects.create(
        department=unit.department,
        unit=unit,
        fiscal_year=year,
        disclosure=disclosure,
        project=project,
        order=order,
        project_name=form.name,
        goal_annual=form.goal,
    )
    if form.amount is not None:
        TargetFunding.objects.create(form=target, period=Period.ANNUAL, total=yuan(form.amount))
    Indicator.objects.bulk_create(
        Indicator(
            form=target,
            period=Period.ANNUAL,
            order=i,
            level1=Level1.OUTPUT,
            level2=Level2.QUANTITY,
            name=name,
            value="≥1",
        )
        for i, name in enumerate(form.indicators, start=1)
    )
    return target


def make_region_year(region: str, year: int, units: int, *, start: int = 0) -> list[Disclosure]:
    """``units`` published budgets in one region (for query-count tests: the count must not grow with them)."""
    made = []
    for i in range(start, start + units):
        unit = make_unit(region, dept_code=f"8{i:02d}", dept_name=f"{region}第{i}局")
        made.append(
            make_disclosure(
                unit,
                year,
                projects=[(f"应急救援能力建设{i}", "10.00")],
                forms=[Form(f"应急救援能力建设{i}", project=f"应急救援能力建设{i}", indicators=["救援队伍训练次数"])],
                three_public="1.00",
                operating="2.00",
            )
        )
    return made
