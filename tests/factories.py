"""Small factories for tests: an internally consistent budget / final-accounts disclosure and performance forms.

Every figure of ``make_clean_budget`` / ``make_clean_final`` agrees with every other one (DOMAIN §7), the target
forms match 表十二 and their indicators are complete, and the 情况说明 sections are generated from the data by
``narrative.generate_narrative`` — so the review engine finds nothing. Tests break exactly one number.

Amounts are given in 万元 (as the tables print them) and stored in 元.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from disclosures.models import (
    AssetSummary,
    Balance,
    BudgetUnit,
    Department,
    DepartmentRole,
    Disclosure,
    EconomicClass,
    EconomicLine,
    FunctionClass,
    FunctionLine,
    Fund,
    OperatingCost,
    Procurement,
    ProjectLine,
    Region,
    Section,
    SourceDocument,
    SourceTable,
    ThreePublicLine,
    VehicleCount,
)
from disclosures.narrative import FILL, NO_PREVIOUS, generate_narrative
from performance.models import (
    Indicator,
    IndicatorResult,
    SelfEvaluation,
    SelfEvaluationFunds,
    TargetForm,
    TargetFunding,
)
from performance.services import value_fields

SHANGHAI = ZoneInfo("Asia/Shanghai")
WAN = Decimal(10000)


def yuan(wan: str | Decimal) -> Decimal:
    """'150.00' 万元 → Decimal('1500000.00') 元."""
    return (Decimal(wan) * WAN).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- places


def make_department(code: str = "901", name: str = "测试市应急管理局", region: str = "测试市") -> Department:
    place, _ = Region.objects.get_or_create(name=region, level=Region.Level.CITY)
    department, _ = Department.objects.get_or_create(region=place, code=code, defaults={"name": name})
    return department


def make_staff(name: str, *roles: str, department: Department, password: str = "x-strong-pass-1", **extra):
    """A staff user (is_staff unless ``extra`` says otherwise) with these DepartmentRole roles in ``department``."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(name, password=password, **{"is_staff": True, **extra})
    for role in roles:
        DepartmentRole.objects.create(user=user, department=department, role=role)
    return user


def make_unit(department: Department | None = None) -> BudgetUnit:
    department = department or make_department()
    unit, _ = BudgetUnit.objects.get_or_create(
        department=department, code=f"{department.code}001", defaults={"name": department.name}
    )
    return unit


def function_class(code: str, year: int) -> FunctionClass:
    return FunctionClass.objects.for_year(year).filter(code=code).order_by("-since_year").first()


def economic_class(code: str, year: int) -> EconomicClass:
    return (
        EconomicClass.objects.for_year(year)
        .filter(scheme=EconomicClass.Scheme.DEPARTMENT, code=code)
        .order_by("-since_year")
        .first()
    )


# ---------------------------------------------------------------- shared facts

# (科目, 基本支出, 项目支出) in 万元, 一般公共预算, current year: 基本 500.00 + 项目 200.00 = 700.00
FUNCTION_ROWS = [
    ("2080505", "60.00", None),
    ("2101101", "30.00", None),
    ("2210201", "40.00", None),
    ("2240101", "370.00", None),
    ("2240106", None, "150.00"),
    ("2240199", None, "50.00"),
]
# 部门经济分类款 → (人员经费, 公用经费) 万元: 人员 380.00 + 公用 120.00 = 基本支出 500.00
ECONOMIC_ROWS = [
    ("30101", "200.00", None),
    ("30102", "50.00", None),
    ("30108", "60.00", None),
    ("30110", "30.00", None),
    ("30113", "40.00", None),
    ("30201", None, "60.00"),
    ("30217", None, "5.00"),
    ("30231", None, "15.00"),
    ("30299", None, "40.00"),
]
# (表十二 project, 万元, category, 科目)
PROJECTS = [
    ("安全生产监管专项经费", "150.00", ProjectLine.Category.SPECIFIC, "2240106"),
    ("应急管理专项业务费", "50.00", ProjectLine.Category.OPERATING, "2240199"),
]
CARRYOVER_PROJECT = ("上年结转救灾资金", "20.00", "2240199")
GLOSSARY = [
    ("一、基本支出", "指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。"),
    ("二、项目支出", "指在基本支出之外为完成特定行政任务和事业发展目标所发生的支出。"),
    ("三、“三公”经费", "指用财政拨款安排的因公出国（境）费、公务用车购置及运行费和公务接待费。"),
    ("四、机关运行经费", "指为保障行政单位运行用于购买货物和服务等的各项资金。"),
]
OVERVIEW = [
    ("一、本单位职责", "（一）负责全市应急管理工作。"),
    ("二、机构设置情况", "内设科室5个。"),
]


def _economic_lines(disclosure: Disclosure, year: int) -> None:
    EconomicLine.objects.bulk_create(
        EconomicLine(
            disclosure=disclosure,
            economic_class=economic_class(code, year),
            personnel=yuan(personnel) if personnel else None,
            public=yuan(public) if public else None,
        )
        for code, personnel, public in ECONOMIC_ROWS
    )


def filled(text: str) -> str:
    """The generated text with its placeholders filled in with words (no figures): what a filer would submit."""
    return (
        text.replace(NO_PREVIOUS, "与上年基本持平").replace("（请填写：已编报/未编报）", "已编报").replace(FILL, "略")
    )


def _sections(disclosure: Disclosure) -> None:
    """概况, the 情况说明 generated from the stored data (placeholders filled with words), and 名词解释."""
    order = 0
    sections = []
    for heading, body in OVERVIEW:
        order += 1
        sections.append(
            Section(disclosure=disclosure, part=Section.Part.OVERVIEW, order=order, heading=heading, body=body)
        )
    for item in generate_narrative(disclosure):
        order += 1
        sections.append(
            Section(
                disclosure=disclosure,
                part=Section.Part.NARRATIVE,
                order=order,
                level=item.level,
                heading=item.heading,
                body=filled("\n".join(item.paragraphs)),
            )
        )
    for heading, body in GLOSSARY:
        order += 1
        sections.append(
            Section(disclosure=disclosure, part=Section.Part.GLOSSARY, order=order, heading=heading, body=body)
        )
    Section.objects.bulk_create(sections)


def regenerate_sections(disclosure: Disclosure) -> None:
    """Regenerate the 情况说明 after a test changed the data (the text agrees with the data again)."""
    disclosure.sections.all().delete()
    _sections(disclosure)


# ---------------------------------------------------------------- performance forms

STANDARD_INDICATORS = [  # (一级, 二级, 三级, value or None for the cost ceiling)
    ("产出指标", "数量指标", "检查企业数量", "≥200家"),
    ("产出指标", "质量指标", "隐患整改率", "≥90%"),
    ("产出指标", "时效指标", "检查完成时间", "12月底前"),
    ("产出指标", "成本指标", "项目成本", None),
    ("效益指标", "社会效益指标", "安全生产形势", "持续稳定"),
    ("满意度指标", "服务对象满意度指标", "被检查企业满意度", "≥90%"),
]
LEVELS = {
    "产出指标": "output",
    "效益指标": "outcome",
    "满意度指标": "satisfaction",
    "数量指标": "quantity",
    "质量指标": "quality",
    "时效指标": "timeliness",
    "成本指标": "cost",
    "社会效益指标": "social",
    "服务对象满意度指标": "satisfaction",
}


def make_target_form(
    *,
    name: str = "安全生产监管专项经费",
    amount: str = "150.00",
    year: int = 2026,
    unit: BudgetUnit | None = None,
    disclosure: Disclosure | None = None,
    project: ProjectLine | None = None,
    order: int = 1,
) -> TargetForm:
    """A complete 绩效目标表 (recurring, 99年) whose funds are ``amount`` 万元 in both columns."""
    unit = unit or (disclosure.unit if disclosure else make_unit())
    department = unit.department
    form = TargetForm.objects.create(
        department=department,
        unit=unit,
        fiscal_year=year,
        disclosure=disclosure,
        project=project,
        order=order,
        title=f"测试市市级预算部门（单位）项目支出绩效目标表({year}年度)",
        project_name=name,
        department_label=f"{department.code}-{department.name}",
        implementing_unit=unit.name,
        attribute="经常性项目（长期开展）",
        period_label="99年",
        overview=f"{name}用于开展安全检查。",
        basis="《安全生产法》",
        necessity="保障安全生产。",
        safeguards="专款专用。",
        plan="全年实施。",
        goal_period="开展安全检查，整改隐患。",
        goal_annual="开展安全检查，整改隐患。",
        responsible="张明",
        handler="李华",
        phone="0356-1234567",
        filled_at_raw=f"{year - 1}1201093000",
        filled_at=datetime(year - 1, 12, 1, 9, 30, tzinfo=SHANGHAI),
        source_line=None,
    )
    total = yuan(amount)
    TargetFunding.objects.bulk_create(
        TargetFunding(
            form=form,
            period=period,
            total=total,
            central=Decimal(0),
            provincial=Decimal(0),
            local=total,
            self_raised=Decimal(0),
        )
        for period in ("period", "annual")
    )
    indicators = []
    for period in ("period", "annual"):
        for order_no, (level1, level2, indicator_name, value) in enumerate(STANDARD_INDICATORS, start=1):
            value = value if value is not None else f"≤{Decimal(amount).normalize():f}万元"
            indicators.append(
                Indicator(
                    form=form,
                    period=period,
                    order=order_no,
                    level1=LEVELS[level1],
                    level2=LEVELS[level2],
                    level1_label=level1,
                    level2_label=level2,
                    name=indicator_name,
                    value=value,
                    **value_fields(value),
                )
            )
    Indicator.objects.bulk_create(indicators)
    return form


# (一级, 二级, 三级, 年初指标值, 实际完成值, 分值, 得分)
EVALUATION_RESULTS = [
    ("output", "quantity", "检查企业数量", "≥10个", "≥8个", "20", "16", "部分企业停产，未能检查"),
    ("output", "quality", "隐患整改率", "≥90%", "≥95%", "10", "10", ""),
    ("output", "timeliness", "检查完成时间", "11月", "达成预期指标", "10", "10", ""),
    ("output", "cost", "检查成本", "≤150万元", "≤150万元", "10", "10", ""),
    ("outcome", "social", "安全生产形势", "稳定", "达成预期指标", "30", "30", ""),
    ("satisfaction", "satisfaction", "企业满意度", "≥90%", "≥95%", "10", "10", ""),
]


def make_self_evaluation(
    *,
    name: str = "安全生产监管专项经费",
    amount: str = "150.00",
    year: int = 2025,
    unit: BudgetUnit | None = None,
    disclosure: Disclosure | None = None,
    order: int = 1,
) -> SelfEvaluation:
    """A consistent 绩效自评表: fully executed funds (10 points), indicators 86 of 90 → 总分 96 → 优."""
    unit = unit or (disclosure.unit if disclosure else make_unit())
    department = unit.department
    weights = sum(Decimal(r[5]) for r in EVALUATION_RESULTS)
    scores = sum(Decimal(r[6]) for r in EVALUATION_RESULTS)
    total = scores + 10
    evaluation = SelfEvaluation.objects.create(
        department=department,
        unit=unit,
        fiscal_year=year,
        disclosure=disclosure,
        order=order,
        title=f"{name}项目支出绩效自评表",
        year_label=f"（{year}年度）",
        project_name=name,
        department_label=f"{department.code}-{department.name}",
        unit_label=f"{unit.code}-{unit.name}",
        annual_goal="开展安全检查。",
        actual_result="已完成。",
        total_score=total,
        grade="优" if total >= 90 else "良",
        analysis=[
            [
                "项目实施和预算执行情况",
                f"{name}项目年初预算{amount}万元，实际到位{amount}万元，实际执行{amount}万元，预算执行率100%。",
            ],
            ["产出情况及分析", "按计划完成。"],
        ],
    )
    assert weights == 90
    money = yuan(amount)
    SelfEvaluationFunds.objects.bulk_create(
        SelfEvaluationFunds(
            evaluation=evaluation,
            order=i,
            label=label,
            initial_declared=money,
            initial_budgeted=money,
            full_year_budget=money,
            executed=money,
            balance=Decimal(0),
            execution_rate=Decimal(100),
            score=Decimal(10),
        )
        for i, label in enumerate(("资金总额", "市县区财政资金"), start=1)
    )
    IndicatorResult.objects.bulk_create(
        IndicatorResult(
            evaluation=evaluation,
            order=i,
            level1=level1,
            level2=level2,
            name=result_name,
            initial_value=target,
            adjusted_value=target,
            actual_value=actual,
            weight=Decimal(weight),
            score=Decimal(score),
            deviation=deviation,
            **value_fields(target),
        )
        for i, (level1, level2, result_name, target, actual, weight, score, deviation) in enumerate(
            EVALUATION_RESULTS, start=1
        )
    )
    return evaluation


# ---------------------------------------------------------------- disclosures


def make_clean_budget(*, year: int = 2026, unit: BudgetUnit | None = None, forms: bool = True) -> Disclosure:
    """单位预算公开 whose 13 tables, 情况说明 and 绩效目标表 agree: 收入 700.00 + 上年结转 20.00 = 720.00 万元."""
    unit = unit or make_unit()
    disclosure = Disclosure.objects.create(
        unit=unit, fiscal_year=year, kind=Disclosure.Kind.BUDGET, title=f"{year}年度单位预算公开"
    )
    lines = [
        FunctionLine(
            disclosure=disclosure,
            function=function_class(code, year),
            fund=Fund.GENERAL,
            basic=yuan(basic) if basic else None,
            project=yuan(project) if project else None,
        )
        for code, basic, project in FUNCTION_ROWS
    ]
    name, amount, code = CARRYOVER_PROJECT
    lines.append(
        FunctionLine(
            disclosure=disclosure,
            function=function_class(code, year),
            fund=Fund.GENERAL,
            carryover=True,
            project=yuan(amount),
        )
    )
    FunctionLine.objects.bulk_create(lines)
    _economic_lines(disclosure, year)
    ThreePublicLine.objects.bulk_create(
        [
            ThreePublicLine(
                disclosure=disclosure, stage="budget", fund=Fund.GENERAL, item="reception", amount=yuan("5.00")
            ),
            ThreePublicLine(
                disclosure=disclosure, stage="budget", fund=Fund.GENERAL, item="vehicle_operation", amount=yuan("15.00")
            ),
        ]
    )
    OperatingCost.objects.create(disclosure=disclosure, unit_name=unit.name, fund=Fund.GENERAL, amount=yuan("120.00"))
    Procurement.objects.create(disclosure=disclosure, goods=yuan("30.00"), works=Decimal(0), services=yuan("50.00"))
    AssetSummary.objects.create(
        disclosure=disclosure, office_area=Decimal("1200.00"), equipment_over_half_million=0, equipment_over_million=0
    )
    VehicleCount.objects.bulk_create(
        [
            VehicleCount(disclosure=disclosure, category=VehicleCount.Category.LAW_ENFORCEMENT, count=2),
            VehicleCount(disclosure=disclosure, category=VehicleCount.Category.EMERGENCY, count=1),
        ]
    )
    projects = [
        ProjectLine.objects.create(
            disclosure=disclosure,
            order=i,
            name=project_name,
            category=category,
            function=function_class(project_code, year),
            general=yuan(project_amount),
        )
        for i, (project_name, project_amount, category, project_code) in enumerate(PROJECTS, start=1)
    ]
    ProjectLine.objects.create(
        disclosure=disclosure,
        order=1,
        name=name,
        carryover=True,
        function=function_class(code, year),
        general=yuan(amount),
    )
    if forms:
        for i, (project, (project_name, project_amount, _, _)) in enumerate(
            zip(projects, PROJECTS, strict=True), start=1
        ):
            make_target_form(
                name=project_name,
                amount=project_amount,
                year=year,
                unit=unit,
                disclosure=disclosure,
                project=project,
                order=i,
            )
    _sections(disclosure)
    return disclosure


def make_clean_final(*, year: int = 2025, unit: BudgetUnit | None = None, evaluations: bool = True) -> Disclosure:
    """单位决算公开 whose 公开01–10表, 情况说明 and 绩效自评表 agree.

    一般公共预算: 年初结转 20.00 + 本年收入 700.00 = 本年支出 720.00 (基本 500.00 + 项目 220.00); no closing balance.
    """
    unit = unit or make_unit()
    disclosure = Disclosure.objects.create(
        unit=unit, fiscal_year=year, kind=Disclosure.Kind.FINAL, title=f"{year}年度单位决算公开"
    )
    lines = []
    for code, basic, project in FUNCTION_ROWS:
        spent_project = project
        if code == "2240199":
            spent_project = str(Decimal(project) + Decimal(CARRYOVER_PROJECT[1]))  # carry-over spent this year
        lines.append(
            FunctionLine(
                disclosure=disclosure,
                function=function_class(code, year),
                fund=Fund.GENERAL,
                income=yuan(basic or project),
                basic=yuan(basic) if basic else None,
                project=yuan(spent_project) if spent_project else None,
            )
        )
    FunctionLine.objects.bulk_create(lines)
    Balance.objects.create(disclosure=disclosure, item=Balance.Item.OPENING, fund=Fund.GENERAL, amount=yuan("20.00"))
    _economic_lines(disclosure, year)
    ThreePublicLine.objects.bulk_create(
        ThreePublicLine(disclosure=disclosure, stage=stage, fund=Fund.GENERAL, item=item, amount=yuan(amount))
        for stage in ("budget", "actual")
        for item, amount in (("reception", "5.00"), ("vehicle_operation", "15.00"))
    )
    OperatingCost.objects.create(
        disclosure=disclosure, unit_kind=OperatingCost.UnitKind.ADMINISTRATIVE, fund=Fund.GENERAL, amount=yuan("120.00")
    )
    Procurement.objects.create(
        disclosure=disclosure,
        goods=yuan("30.00"),
        works=Decimal(0),
        services=yuan("50.00"),
        sme=yuan("40.00"),
        small_micro=yuan("20.00"),
    )
    AssetSummary.objects.create(disclosure=disclosure, equipment_over_million=0)
    VehicleCount.objects.bulk_create(
        [
            VehicleCount(disclosure=disclosure, category=category, count=count)
            for category, count in (
                (VehicleCount.Category.MINISTERIAL, 0),
                (VehicleCount.Category.PRINCIPAL, 0),
                (VehicleCount.Category.CONFIDENTIAL, 0),
                (VehicleCount.Category.EMERGENCY, 1),
                (VehicleCount.Category.LAW_ENFORCEMENT, 2),
                (VehicleCount.Category.SPECIAL, 0),
                (VehicleCount.Category.RETIREE, 0),
                (VehicleCount.Category.OTHER, 0),
            )
        ]
    )
    if evaluations:
        for i, (project_name, project_amount, _, _) in enumerate(PROJECTS, start=1):
            make_self_evaluation(
                name=project_name, amount=project_amount, year=year, unit=unit, disclosure=disclosure, order=i
            )
    _sections(disclosure)
    return disclosure


# ---------------------------------------------------------------- imported-document view


def _printed(cell) -> str:
    from disclosures.amounts import format_wan

    if isinstance(cell, Decimal):
        return format_wan(cell)
    if cell is None:
        return ""
    return str(cell)


def attach_source_tables(disclosure: Disclosure) -> SourceDocument:
    """Pretend the disclosure was imported: every table printed exactly as projected (本表无数据 when empty)."""
    from disclosures.tablespecs import build_tables

    document = SourceDocument.objects.create(file_name="测试.txt", sha256="0" * 64, kind=disclosure.kind, text="")
    disclosure.source_document = document
    disclosure.save(update_fields=["source_document"])
    for order, table in enumerate(build_tables(disclosure), start=1):
        SourceTable.objects.create(
            document=document,
            disclosure=disclosure,
            key=table.key,
            order=order,
            label=table.label,
            title=table.title,
            line=order * 100,
            rows=[
                {"line": order * 100 + i, "cells": [_printed(c) for c in row.cells]}
                for i, row in enumerate(table.rows, start=1)
            ],
            empty_note=table.empty_note if table.is_empty else "",
        )
    return document
