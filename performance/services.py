"""Writes for performance forms: creating target forms and self-evaluations from parsed documents."""

import re
from datetime import datetime
from decimal import Decimal
from difflib import SequenceMatcher
from zoneinfo import ZoneInfo

from disclosures.amounts import wan, yuan_from_wan
from disclosures.importing.parsed import ImportIssue, ParsedIndicator, ParsedSelfEvaluation, ParsedTargetForm
from disclosures.models import BudgetUnit, Department, Disclosure, ProjectLine, SourceDocument
from performance.models import (
    LEVEL2_PARENT,
    Indicator,
    IndicatorResult,
    Level1,
    Level2,
    Period,
    SelfEvaluation,
    SelfEvaluationFunds,
    TargetForm,
    TargetFunding,
)
from performance.values import normalise_level1, normalise_level2, parse_indicator_value

SHANGHAI = ZoneInfo("Asia/Shanghai")
FUND_FIELDS = ("total", "central", "provincial", "local", "self_raised", "other")


def parse_fill_date(raw: str) -> datetime | None:
    """'20260108105222' → aware datetime; None for malformed stamps (kept as written elsewhere)."""
    digits = re.sub(r"\s", "", raw or "")
    if not re.fullmatch(r"\d{14}", digits):
        return None
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def value_fields(raw: str) -> dict:
    parsed = parse_indicator_value(raw)
    return {
        "value_operator": parsed.operator,
        "value_number": parsed.number,
        "value_unit": parsed.unit[:24],
        "value_kind": parsed.kind,
        "value_flags": list(parsed.flags),
    }


def classify_levels(level1_label: str, level2_label: str) -> tuple[str, str, bool]:
    """Printed 一级/二级 labels → (level1, level2, flagged); the 二级 decides when the 一级 is misplaced."""
    level2, flag2 = normalise_level2(level2_label) if level2_label else (Level2.OTHER, True)
    level1, flag1 = normalise_level1(level1_label) if level1_label else (Level1.OTHER, True)
    if level1_label and not level2_label:
        # 2026 template prints 成本指标 (a 二级) in the 一级 column.
        alt, alt_flag = normalise_level2(level1_label)
        if alt != Level2.OTHER:
            level2, flag2 = alt, alt_flag
    parent = LEVEL2_PARENT.get(level2)
    if parent is not None and parent != level1:
        return parent, level2, True
    return level1, level2, flag1 or flag2


def _indicator(form: TargetForm, item: ParsedIndicator, order: int) -> Indicator:
    level1, level2, _flagged = classify_levels(item.level1, item.level2)
    return Indicator(
        form=form,
        period=Period.PERIOD if item.period == "period" else Period.ANNUAL,
        order=order,
        level1=level1,
        level2=level2,
        level1_label=item.level1[:32],
        level2_label=item.level2[:32],
        name=item.name[:255],
        value=item.value[:500],
        source_line=item.line,
        **value_fields(item.value),
    )


def _norm_name(text: str) -> str:
    return re.sub(r"[\s（）()“”\"、，,]", "", text)


def match_project(
    name: str, projects: list[ProjectLine], annual_total: Decimal | None = None
) -> tuple[ProjectLine | None, bool]:
    """表十二 row for a form: (project, exact). Exact name first (names repeat: then the row whose amount equals
    the form's 年度资金总额 in 万元), else the single clearly most similar name."""
    target = _norm_name(name)
    exact = [p for p in projects if p.name == name] or [p for p in projects if _norm_name(p.name) == target]
    if len(exact) > 1 and annual_total is not None:
        exact = [p for p in exact if p.total is not None and wan(p.total) == wan(annual_total)]
    if len(exact) == 1:
        return exact[0], True
    if exact:
        return None, False
    scored = sorted(
        ((SequenceMatcher(None, target, _norm_name(p.name)).ratio(), i) for i, p in enumerate(projects)), reverse=True
    )
    if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
        return projects[scored[0][1]], False
    return None, False


def target_forms_create(
    *,
    parsed: list[ParsedTargetForm],
    department: Department,
    unit: BudgetUnit | None,
    fiscal_year: int,
    disclosure: Disclosure | None = None,
    source_document: SourceDocument | None = None,
    issues: list[ImportIssue],
) -> tuple[list[TargetForm], int]:
    """Create TargetForm rows with funds and indicators; returns (forms, indicator count)."""
    projects = list(disclosure.projects.filter(carryover=False)) if disclosure else []
    claimed: set[int] = set()
    forms, indicators, fundings = [], [], []
    for order, item in enumerate(parsed, start=1):
        issues.extend(item.issues)
        filled_at = parse_fill_date(item.filled_at)
        form = TargetForm(
            department=department,
            unit=unit,
            fiscal_year=fiscal_year,
            disclosure=disclosure,
            source_document=source_document,
            order=order,
            variant=TargetForm.Variant.COMPACT
            if item.amount is not None and not item.filled_at
            else TargetForm.Variant.STANDARD,
            title=item.title[:200],
            year_label=item.year_label[:32],
            code=item.code[:16],
            project_name=item.project_name[:255],
            department_label=item.department_label[:128],
            implementing_unit=item.implementing_unit[:128],
            attribute=item.attribute[:64],
            period_label=item.period_label[:32],
            overview=item.overview,
            basis=item.basis,
            necessity=item.necessity,
            safeguards=item.safeguards,
            plan=item.plan,
            goal_period=item.goal_period,
            goal_annual=item.goal_annual,
            responsible=item.responsible[:64],
            handler=item.handler[:64],
            phone=item.phone[:32],
            filled_at_raw=item.filled_at[:32],
            filled_at=filled_at,
            source_line=item.line,
        )
        candidates = [p for p in projects if p.pk not in claimed]
        annual = item.funds_annual.total if item.amount is None else yuan_from_wan(item.amount)
        project, exact = match_project(item.project_name, candidates, annual)
        if project is not None:
            form.project = project
            claimed.add(project.pk)
            if not exact:
                issues.append(
                    ImportIssue(
                        item.line,
                        f"绩效目标表项目名称“{item.project_name}”与表十二“{project.name}”不一致，按相近名称对应",
                    )
                )
        elif disclosure is not None:
            issues.append(ImportIssue(item.line, f"绩效目标表“{item.project_name}”未能对应到表十二的项目"))
        forms.append(form)
    TargetForm.objects.bulk_create(forms)
    for form, item in zip(forms, parsed, strict=True):
        to_yuan = yuan_from_wan if item.funds_unit == "万元" else (lambda v: v)
        if item.amount is not None:
            fundings.append(TargetFunding(form=form, period=Period.ANNUAL, total=yuan_from_wan(item.amount)))
        else:
            for period, funds in ((Period.PERIOD, item.funds_period), (Period.ANNUAL, item.funds_annual)):
                fundings.append(
                    TargetFunding(form=form, period=period, **{f: to_yuan(getattr(funds, f)) for f in FUND_FIELDS})
                )
        counters = {Period.PERIOD: 0, Period.ANNUAL: 0}
        for indicator in item.indicators:
            period = Period.PERIOD if indicator.period == "period" else Period.ANNUAL
            counters[period] += 1
            indicators.append(_indicator(form, indicator, counters[period]))
    TargetFunding.objects.bulk_create(fundings)
    Indicator.objects.bulk_create(indicators)
    return forms, len(indicators)


def self_evaluations_create(
    *,
    parsed: list[ParsedSelfEvaluation],
    department: Department,
    unit: BudgetUnit | None,
    fiscal_year: int,
    disclosure: Disclosure | None = None,
    source_document: SourceDocument | None = None,
    issues: list[ImportIssue],
) -> tuple[list[SelfEvaluation], int]:
    """Create SelfEvaluation rows with funds (万元 → 元) and indicator results; returns (forms, result count)."""
    evaluations, funds, results = [], [], []
    for order, item in enumerate(parsed, start=1):
        issues.extend(item.issues)
        evaluations.append(
            SelfEvaluation(
                department=department,
                unit=unit,
                fiscal_year=fiscal_year,
                disclosure=disclosure,
                source_document=source_document,
                order=order,
                title=item.title[:255],
                year_label=item.year_label[:32],
                project_name=item.project_name[:255],
                department_label=item.department_label[:128],
                unit_label=item.unit_label[:128],
                annual_goal=item.annual_goal,
                actual_result=item.actual_result,
                total_score=item.total_score,
                grade=item.grade if item.grade in SelfEvaluation.Grade.values else "",
                analysis=[list(pair) for pair in item.analysis],
                source_line=item.line,
            )
        )
    SelfEvaluation.objects.bulk_create(evaluations)
    for evaluation, item in zip(evaluations, parsed, strict=True):
        for order, row in enumerate(item.funds, start=1):
            funds.append(
                SelfEvaluationFunds(
                    evaluation=evaluation,
                    order=order,
                    label=row.label[:64],
                    initial_declared=yuan_from_wan(row.initial_declared),
                    initial_budgeted=yuan_from_wan(row.initial_budgeted),
                    full_year_budget=yuan_from_wan(row.full_year_budget),
                    executed=yuan_from_wan(row.executed),
                    balance=yuan_from_wan(row.balance),
                    execution_rate=row.execution_rate,
                    weight=row.weight,
                    score=row.score,
                    deviation=row.deviation,
                )
            )
        for order, row in enumerate(item.results, start=1):
            level1, level2, _ = classify_levels(row.level1, row.level2)
            results.append(
                IndicatorResult(
                    evaluation=evaluation,
                    order=order,
                    level1=level1,
                    level2=level2,
                    level1_label=row.level1[:32],
                    level2_label=row.level2[:32],
                    name=row.name[:255],
                    initial_value=row.initial_value[:500],
                    adjusted_value=row.adjusted_value[:500],
                    actual_value=row.actual_value[:500],
                    weight=row.weight,
                    score=row.score,
                    deviation=row.deviation,
                    source_line=row.line,
                    **value_fields(row.initial_value),
                )
            )
    SelfEvaluationFunds.objects.bulk_create(funds)
    IndicatorResult.objects.bulk_create(results)
    return evaluations, len(results)
