"""绩效表审核 — review rules for 项目支出绩效目标表 and 项目支出绩效自评表 (DOMAIN §4, §5, INV-B17/B18,
INV-T1–T4, INV-S1–S6, Q4/Q9–Q16/Q19/Q23/Q25).

Registered in the engine of disclosures/checks.py (scopes "form" and "evaluation"); run them with
``run_form_checks(form)`` / ``run_evaluation_checks(evaluation)`` or, for embedded forms, ``run_checks``.
Form funds are in 元, self-evaluation funds in 元 as stored (printed in 万元), scores and rates as printed.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch

from disclosures.amounts import YUAN_PER_WAN, ZERO
from disclosures.checks import ERROR, INFO, WARNING, Finding, Location, admin_url, issue, rule
from performance.models import (
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
from performance.values import IndicatorValue, normalise_level1, normalise_level2, parse_indicator_value

CENT = Decimal("0.01")
FUND_SOURCES = ("central", "provincial", "local", "self_raised", "other")
MONEY_UNITS = {"元": Decimal(1), "万元": YUAN_PER_WAN, "万": YUAN_PER_WAN, "亿元": Decimal(100000000)}
LEVEL1_LABELS = dict(Level1.choices)
LEVEL2_LABELS = dict(Level2.choices)
PERIOD_LABELS = dict(Period.choices)
PLACEHOLDER = re.compile(r"X{2,}|x{2,}|Ｘ{2,}|×{2,}|某某|X(?=[年月日号])")
TEXT_FIELDS = (
    ("project_name", "项目名称"),
    ("overview", "项目概况"),
    ("basis", "立项依据"),
    ("necessity", "项目设立必要性"),
    ("safeguards", "保证项目实施的制度、措施"),
    ("plan", "项目实施计划"),
    ("goal_period", "实施期总体目标"),
    ("goal_annual", "年度总体目标"),
)


# ---------------------------------------------------------------- contexts


def load_form(form: TargetForm) -> TargetForm:
    """The form with its funding and indicators prefetched (as run_checks fetches them)."""
    if hasattr(form, "_prefetched_objects_cache") and "indicators" in form._prefetched_objects_cache:
        return form
    return (
        TargetForm.objects.select_related("project")
        .prefetch_related("funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order")))
        .get(pk=form.pk)
    )


def load_evaluation(evaluation: SelfEvaluation) -> SelfEvaluation:
    if hasattr(evaluation, "_prefetched_objects_cache") and "results" in evaluation._prefetched_objects_cache:
        return evaluation
    return SelfEvaluation.objects.prefetch_related(
        "funds", Prefetch("results", queryset=IndicatorResult.objects.order_by("order"))
    ).get(pk=evaluation.pk)


class FormContext:
    def __init__(self, form: TargetForm):
        self.form = form
        self.funding: dict[str, TargetFunding] = {f.period: f for f in form.funding.all()}
        self.indicators: list[Indicator] = [i for i in form.indicators.all()]
        self.compact = form.variant == TargetForm.Variant.COMPACT

    def period(self, period: str) -> list[Indicator]:
        return [i for i in self.indicators if i.period == period]

    def location(self, indicator: Indicator | None = None, **kwargs: Any) -> Location:
        return Location(
            form_id=self.form.pk,
            form_name=self.form.project_name,
            indicator=indicator.name if indicator is not None else kwargs.pop("indicator", ""),
            source_line=(indicator.source_line if indicator is not None else None) or self.form.source_line,
            **kwargs,
        )

    @property
    def url(self) -> str:
        return admin_url("performance_targetform", self.form.pk)

    @property
    def name(self) -> str:
        return f"绩效目标表“{self.form.project_name or '（无项目名称）'}”"


class EvaluationContext:
    def __init__(self, evaluation: SelfEvaluation):
        self.evaluation = evaluation
        self.funds: list[SelfEvaluationFunds] = sorted(evaluation.funds.all(), key=lambda f: f.order)
        self.results: list[IndicatorResult] = sorted(evaluation.results.all(), key=lambda r: r.order)

    @property
    def total_row(self) -> SelfEvaluationFunds | None:
        return next((f for f in self.funds if f.label.startswith("资金总额")), self.funds[0] if self.funds else None)

    @property
    def funds_score(self) -> Decimal | None:
        row = self.total_row
        if row is not None and row.score is not None:
            return row.score
        return next((f.score for f in self.funds if f.score is not None), None)

    def location(self, result: IndicatorResult | None = None, **kwargs: Any) -> Location:
        return Location(
            form_id=self.evaluation.pk,
            form_name=self.evaluation.project_name,
            indicator=result.name if result is not None else kwargs.pop("indicator", ""),
            source_line=(result.source_line if result is not None else None) or self.evaluation.source_line,
            **kwargs,
        )

    @property
    def url(self) -> str:
        return admin_url("performance_selfevaluation", self.evaluation.pk)

    @property
    def name(self) -> str:
        return f"绩效自评表“{self.evaluation.project_name}”"

    @property
    def execution_text(self) -> str:
        """项目绩效分析 — the 项目实施和预算执行情况 paragraph."""
        for entry in self.evaluation.analysis or []:
            if len(entry) >= 2 and "预算执行" in str(entry[0]):
                return str(entry[1])
        return ""


def _wan(yuan: Decimal) -> Decimal:
    return yuan / YUAN_PER_WAN


def _plain(value: Decimal) -> Decimal:
    """Trailing zeros dropped without switching to exponent notation: 10.000 → 10, 101.8330 → 101.833."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def _once(indicators: list[Indicator]) -> list[Indicator]:
    """One indicator per 三级 name: the same indicator in the 实施期 and 年度 columns is reported once."""
    seen: set[str] = set()
    out = []
    for indicator in indicators:
        key = re.sub(r"\s", "", indicator.name)
        if key not in seen:
            seen.add(key)
            out.append(indicator)
    return out


def _yuan(value: Decimal | None) -> str:
    if value is None:
        return "空白"
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def _money(value: IndicatorValue) -> Decimal | None:
    """An amount of money (元) written as an indicator value, None for rates (元/人) and non-money values."""
    if value.kind != "quantity" or value.number is None:
        return None
    factor = MONEY_UNITS.get(value.unit)
    return None if factor is None else value.number * factor


# ================================================================ target forms

HEADER_REQUIRED = (("project_name", "项目名称"), ("department_label", "主管部门及代码"))
HEADER_EXPECTED = (
    ("implementing_unit", "实施单位"),
    ("attribute", "项目属性"),
    ("period_label", "项目期"),
    ("responsible", "负责人"),
    ("handler", "经办人"),
    ("phone", "联系电话"),
)


@rule("Q10-header", WARNING, "绩效目标表表头必填项（负责人、经办人、联系电话等）", "form")
def check_form_header(ctx: FormContext) -> list[Finding]:
    """Q10: 项目名称 / 主管部门 missing is an error; 负责人 / 经办人 / 联系电话 / 项目属性 … blank is a warning."""
    form = ctx.form
    out = []
    required = [label for name, label in HEADER_REQUIRED if not getattr(form, name).strip()]
    if required:
        out.append(
            issue(
                f"{ctx.name}未填写{'、'.join(required)}",
                ctx.location(column="必填项"),
                expected="、".join(required),
                actual=None,
                severity=ERROR,
                fix_url=ctx.url,
            )
        )
    if ctx.compact:
        return out  # the compact table has no header block
    blank = [label for name, label in HEADER_EXPECTED if not getattr(form, name).strip()]
    if blank:
        out.append(
            issue(
                f"{ctx.name}未填写{'、'.join(blank)}",
                ctx.location(column="表头"),
                expected="、".join(blank),
                actual=None,
                fix_url=ctx.url,
            )
        )
    return out


@rule("Q19-fill-date", WARNING, "填报日期为14位YYYYMMDDhhmmss且在编制期内", "form")
def check_fill_date(ctx: FormContext) -> list[Finding]:
    """Q19: '202601161', '20260109 15:10' are malformed; '20261209154958' is after the budget was prepared."""
    if ctx.compact:
        return []
    raw = ctx.form.filled_at_raw
    year = ctx.form.fiscal_year
    location = ctx.location(column="填报日期")
    if not raw.strip():
        return [issue(f"{ctx.name}填报日期为空", location, expected="YYYYMMDDhhmmss", actual=None, fix_url=ctx.url)]
    digits = re.sub(r"\s", "", raw)
    try:
        stamp = datetime.strptime(digits, "%Y%m%d%H%M%S") if re.fullmatch(r"\d{14}", digits) else None
    except ValueError:
        stamp = None
    if stamp is None:
        return [
            issue(
                f"{ctx.name}填报日期“{raw}”不是有效的14位日期时间（YYYYMMDDhhmmss）",
                location,
                expected="YYYYMMDDhhmmss",
                actual=raw,
                fix_url=ctx.url,
            )
        ]
    if not (datetime(year - 1, 6, 1) <= stamp <= datetime(year, 6, 30, 23, 59, 59)):
        return [
            issue(
                f"{ctx.name}填报日期{stamp:%Y-%m-%d %H:%M:%S}不在{year}年度预算编制期"
                f"（{year - 1}年6月至{year}年6月）内，可能有误",
                location,
                expected=f"{year - 1}0601–{year}0630",
                actual=raw,
                fix_url=ctx.url,
            )
        ]
    return []


@rule("B17-funds", ERROR, "项目资金：总额 = 各来源之和；年度 ≤ 实施期；一次性项目两者相等", "form")
def check_form_funds(ctx: FormContext) -> list[Finding]:
    """INV-B17 and Q12 (blank 年度资金总额)."""
    if ctx.compact:
        return []
    out = []
    period, annual = ctx.funding.get(Period.PERIOD), ctx.funding.get(Period.ANNUAL)
    period_total = period.total if period else None
    annual_total = annual.total if annual else None
    if period_total is None and annual_total is None:
        return [
            issue(
                f"{ctx.name}项目资金（实施期、年度资金总额）均为空",
                ctx.location(column="项目资金"),
                expected="资金总额",
                actual=None,
                fix_url=ctx.url,
            )
        ]
    for funding, label in ((period, "实施期资金总额"), (annual, "年度资金总额")):
        if funding is None or funding.total is None:
            out.append(
                issue(
                    f"{ctx.name}{label}为空",
                    ctx.location(column=label),
                    expected="资金总额",
                    actual=None,
                    fix_url=admin_url("performance_targetfunding", funding.pk) if funding else ctx.url,
                )
            )
            continue
        sources = [getattr(funding, name) for name in FUND_SOURCES]
        if all(s is None for s in sources):
            continue
        summed = sum((s or ZERO for s in sources), ZERO)
        if summed != funding.total:
            out.append(
                issue(
                    f"{ctx.name}{label}{_yuan(funding.total)}元，各资金来源合计{_yuan(summed)}元",
                    ctx.location(column=label),
                    expected=summed,
                    actual=funding.total,
                    fix_url=admin_url("performance_targetfunding", funding.pk),
                )
            )
    if period_total is not None and annual_total is not None:
        url = admin_url("performance_targetfunding", period.pk) if period else ctx.url
        if annual_total > period_total:
            out.append(
                issue(
                    f"{ctx.name}年度资金总额{_yuan(annual_total)}元大于实施期资金总额{_yuan(period_total)}元",
                    ctx.location(column="年度资金总额"),
                    expected=period_total,
                    actual=annual_total,
                    fix_url=url,
                )
            )
        elif "一次性" in ctx.form.attribute and annual_total != period_total:
            out.append(
                issue(
                    f"{ctx.name}为一次性项目，实施期资金总额{_yuan(period_total)}元应等于年度资金总额"
                    f"{_yuan(annual_total)}元",
                    ctx.location(column="实施期资金总额"),
                    expected=annual_total,
                    actual=period_total,
                    fix_url=url,
                )
            )
    return out


@rule("Q23-funds-period", WARNING, "经常性项目：实施期资金 ≈ 项目期年数 × 年度资金", "form")
def check_funds_period(ctx: FormContext) -> list[Finding]:
    """Q23: recurring N-year project whose 实施期 total is far from N × 年度 (×40 for 4年, ×1 for 3年)."""
    if ctx.compact or "经常性" not in ctx.form.attribute:
        return []
    match = re.search(r"(\d+)\s*年", ctx.form.period_label)
    period, annual = ctx.funding.get(Period.PERIOD), ctx.funding.get(Period.ANNUAL)
    if not match or not period or not annual or not period.total or not annual.total:
        return []
    years = int(match.group(1))
    if years < 2 or years >= 99:
        return []
    ratio = period.total / annual.total
    if ratio > 2 * years or ratio < Decimal(years) / 2:
        return [
            issue(
                f"{ctx.name}项目期{years}年，实施期资金总额{_yuan(period.total)}元是年度资金总额{_yuan(annual.total)}元的"
                f"{ratio.quantize(CENT, ROUND_HALF_UP)}倍，与项目期不符",
                ctx.location(column="实施期资金总额"),
                expected=annual.total * years,
                actual=period.total,
                fix_url=admin_url("performance_targetfunding", period.pk),
            )
        ]
    return []


def _named(indicators: list[Indicator]) -> list[Indicator]:
    return [i for i in indicators if i.name.strip()]


@rule("T01-annual", WARNING, "年度目标与年度指标齐全（每个实施期指标有年度值）", "form")
def check_annual_targets(ctx: FormContext) -> list[Finding]:
    """INV-T1 / Q11: annual column empty, annual values blank, 年度总体目标 blank."""
    if ctx.compact:
        return []
    out = []
    form = ctx.form
    period, annual = _named(ctx.period(Period.PERIOD)), _named(ctx.period(Period.ANNUAL))
    if form.goal_period.strip() and not form.goal_annual.strip():
        out.append(
            issue(f"{ctx.name}年度总体目标为空", ctx.location(column="年度目标"), expected="年度目标", fix_url=ctx.url)
        )
    if period and not annual:
        out.append(
            issue(
                f"{ctx.name}年度绩效指标整栏为空（实施期有{len(period)}个指标）",
                ctx.location(column="年度指标"),
                expected=str(len(period)),
                actual="0",
                fix_url=ctx.url,
            )
        )
        return out
    for indicator in annual:
        if not indicator.value.strip():
            out.append(
                issue(
                    f"{ctx.name}年度指标“{indicator.name}”的指标值为空",
                    ctx.location(indicator, column="年度指标值"),
                    expected="指标值",
                    actual=None,
                    fix_url=admin_url("performance_indicator", indicator.pk),
                )
            )
    annual_names = {(i.level2, i.name.strip()) for i in annual}
    missing = [i for i in period if (i.level2, i.name.strip()) not in annual_names]
    if annual and len(missing) and len(annual) < len(period):
        for indicator in missing:
            out.append(
                issue(
                    f"{ctx.name}实施期指标“{indicator.name}”没有对应的年度指标",
                    ctx.location(indicator, column="年度指标"),
                    expected=indicator.name,
                    actual=None,
                    fix_url=admin_url("performance_indicator", indicator.pk),
                )
            )
    return out


@rule("T02-levels", ERROR, "绩效指标含产出、效益、满意度三个一级指标", "form")
def check_levels(ctx: FormContext) -> list[Finding]:
    """INV-T2 / Q14: at least one 三级 under 产出, 效益 and 满意度."""
    named = _named(ctx.indicators)
    if not named:
        return [issue(f"{ctx.name}没有绩效指标", ctx.location(column="绩效指标"), expected="绩效指标", fix_url=ctx.url)]
    present = {i.level1 for i in named}
    return [
        issue(
            f"{ctx.name}缺少{LEVEL1_LABELS[level]}（没有任何三级指标）",
            ctx.location(column=LEVEL1_LABELS[level]),
            expected=LEVEL1_LABELS[level],
            actual=None,
            fix_url=ctx.url,
        )
        for level in (Level1.OUTPUT, Level1.OUTCOME, Level1.SATISFACTION)
        if level not in present
    ]


@rule("T03-output-level2", WARNING, "产出指标含数量、质量、时效、成本指标", "form")
def check_output_level2(ctx: FormContext) -> list[Finding]:
    named = [i for i in _named(ctx.indicators) if i.level1 == Level1.OUTPUT]
    if not named:
        return []  # T02 reports the missing 产出指标
    present = {i.level2 for i in named}
    missing = [
        LEVEL2_LABELS[x] for x in (Level2.QUANTITY, Level2.QUALITY, Level2.TIMELINESS, Level2.COST) if x not in present
    ]
    if not missing:
        return []
    return [
        issue(
            f"{ctx.name}产出指标缺少{'、'.join(missing)}",
            ctx.location(column="产出指标"),
            expected="、".join(missing),
            actual=None,
            fix_url=ctx.url,
        )
    ]


@rule("Q13-levels", INFO, "指标级别印在正确的栏位", "form")
def check_level_labels(ctx: FormContext) -> list[Finding]:
    """Q13: a 二级 name printed in the 一级 column, an unknown 二级, a 二级 under another 一级."""
    out = []
    for indicator in _once(_named(ctx.indicators)):
        problems = []
        if indicator.level2 == Level2.OTHER:
            problems.append(f"二级指标“{indicator.level2_label or '空白'}”不是规范名称")
        if indicator.level1_label:
            level1, flagged = normalise_level1(indicator.level1_label)
            if flagged or level1 != indicator.level1:
                problems.append(f"一级指标栏印为“{indicator.level1_label}”")
        if indicator.level2_label:
            level2, flagged = normalise_level2(indicator.level2_label)
            if flagged and indicator.level2 != Level2.OTHER:
                problems.append(f"二级指标印为“{indicator.level2_label}”")
        if problems:
            out.append(
                issue(
                    f"{ctx.name}指标“{indicator.name}”：{'；'.join(problems)}，已按"
                    f"{LEVEL1_LABELS.get(indicator.level1, '')}/{LEVEL2_LABELS.get(indicator.level2, '')}读取",
                    ctx.location(indicator, column="指标级别"),
                    expected=f"{LEVEL1_LABELS.get(indicator.level1, '')}/{LEVEL2_LABELS.get(indicator.level2, '')}",
                    actual=f"{indicator.level1_label}/{indicator.level2_label}",
                    fix_url=admin_url("performance_indicator", indicator.pk),
                )
            )
    return out


def _cost_amounts(indicators: list[Indicator]) -> list[tuple[Indicator, Decimal]]:
    out = []
    for indicator in _named(indicators):
        if indicator.level2 != Level2.COST:
            continue
        amount = _money(parse_indicator_value(indicator.value))
        if amount is not None:
            out.append((indicator, amount))
    return out


def _cost_basis(ctx: FormContext) -> list[tuple[str, list[Indicator], Decimal]]:
    """(period, indicators, funds 元): the annual column against 年度资金总额; the period column only when the
    form has no annual indicators."""
    out = []
    annual = ctx.funding.get(Period.ANNUAL)
    annual_indicators = ctx.period(Period.ANNUAL)
    if annual is not None and annual.total is not None and annual_indicators:
        out.append((Period.ANNUAL, annual_indicators, annual.total))
    elif not annual_indicators:
        period = ctx.funding.get(Period.PERIOD)
        if period is not None and period.total is not None:
            out.append((Period.PERIOD, ctx.period(Period.PERIOD), period.total))
    return out


@rule("B18-cost-ceiling", ERROR, "成本指标不超过年度资金总额", "form")
def check_cost_ceiling(ctx: FormContext) -> list[Finding]:
    """INV-B18 / Q15: a 成本指标 amount (≤64.71万元 → 647,100元) above the funds of its column."""
    out = []
    for period, indicators, funds in _cost_basis(ctx):
        label = "年度资金总额" if period == Period.ANNUAL else "实施期资金总额"
        for indicator, amount in _cost_amounts(indicators):
            if amount > funds:
                out.append(
                    issue(
                        f"{ctx.name}成本指标“{indicator.name}”{indicator.value}（{_yuan(amount)}元）超过{label}"
                        f"{_yuan(funds)}元",
                        ctx.location(indicator, column=f"{PERIOD_LABELS[period]}指标值"),
                        expected=funds,
                        actual=amount,
                        fix_url=admin_url("performance_indicator", indicator.pk),
                    )
                )
    return out


@rule("T04-cost-sum", ERROR, "各成本指标金额之和不超过项目资金", "form")
def check_cost_sum(ctx: FormContext) -> list[Finding]:
    """INV-T4: 004 应急度汛 45 + 30 + 30 + 30 = 135 > 50 万元 (each one alone within the funds)."""
    out = []
    for period, indicators, funds in _cost_basis(ctx):
        amounts = _cost_amounts(indicators)
        if len(amounts) < 2 or any(amount > funds for _, amount in amounts):
            continue  # one indicator alone is B18
        total = sum((amount for _, amount in amounts), ZERO)
        if total > funds:
            label = "年度资金总额" if period == Period.ANNUAL else "实施期资金总额"
            parts = " + ".join(f"{_wan(a).normalize():f}" for _, a in amounts)
            out.append(
                issue(
                    f"{ctx.name}{len(amounts)}个成本指标合计{_yuan(total)}元（{parts}万元），超过{label}{_yuan(funds)}元",
                    ctx.location(amounts[0][0], column="成本指标"),
                    expected=funds,
                    actual=total,
                    fix_url=ctx.url,
                )
            )
    return out


@rule("T05-annual-vs-period", WARNING, "年度指标值不超过实施期指标值", "form")
def check_annual_vs_period(ctx: FormContext) -> list[Finding]:
    """A count or amount targeted for the year cannot exceed the target for the whole period."""
    if ctx.compact:
        return []
    period = {(i.level2, i.name.strip()): i for i in _named(ctx.period(Period.PERIOD))}
    out = []
    for indicator in _named(ctx.period(Period.ANNUAL)):
        whole = period.get((indicator.level2, indicator.name.strip()))
        if whole is None or indicator.level2 not in (Level2.QUANTITY, Level2.COST):
            continue
        a, p = parse_indicator_value(indicator.value), parse_indicator_value(whole.value)
        if a.kind != "quantity" or p.kind != "quantity" or a.number is None or p.number is None:
            continue
        if a.base_unit != p.base_unit or "%" in a.unit or "/" in a.unit or a.flags or p.flags:
            continue
        if a.scaled > p.scaled:
            out.append(
                issue(
                    f"{ctx.name}指标“{indicator.name}”年度值{indicator.value}大于实施期值{whole.value}",
                    ctx.location(indicator, column="年度指标值"),
                    expected=whole.value,
                    actual=indicator.value,
                    fix_url=admin_url("performance_indicator", indicator.pk),
                )
            )
    return out


@rule("Q16-quantified", WARNING, "数量、成本指标应为量化值（成本为金额）", "form")
def check_quantified(ctx: FormContext) -> list[Finding]:
    """Q16/Q17: 数量/成本指标 with a qualitative or free-text value; a 成本指标 that is a rate or not money."""
    out = []
    for indicator in _once([i for i in _named(ctx.indicators) if i.value.strip()]):
        if indicator.level2 not in (Level2.QUANTITY, Level2.COST):
            continue
        value = parse_indicator_value(indicator.value)
        label = LEVEL2_LABELS[indicator.level2]
        location = ctx.location(indicator, column=f"{PERIOD_LABELS.get(indicator.period, '')}指标值")
        url = admin_url("performance_indicator", indicator.pk)
        if value.kind not in ("quantity", "range"):
            out.append(
                issue(
                    f"{ctx.name}{label}“{indicator.name}”的指标值“{indicator.value}”不是量化值",
                    location,
                    expected="数值+计量单位",
                    actual=indicator.value,
                    fix_url=url,
                )
            )
        elif indicator.level2 == Level2.COST and value.unit not in MONEY_UNITS:
            rate = value.unit.split("/")[0] in MONEY_UNITS and "/" in value.unit
            out.append(
                issue(
                    f"{ctx.name}成本指标“{indicator.name}”为{'单价标准' if rate else '非金额值'}“{indicator.value}”，"
                    "无法与项目资金核对",
                    location,
                    expected="金额（元/万元）",
                    actual=indicator.value,
                    severity=INFO if rate else WARNING,
                    fix_url=url,
                )
            )
    return out


@rule("Q09-placeholder", ERROR, "未填写的占位符（XX月XX日、XX、××、某某）", "form")
def check_placeholders(ctx: FormContext) -> list[Finding]:
    out = []
    flagged = [
        i for i in _named(ctx.indicators) if "placeholder" in (i.value_flags or []) or PLACEHOLDER.search(i.value)
    ]
    for indicator in _once(flagged):
        out.append(
            issue(
                f"{ctx.name}指标“{indicator.name}”的指标值“{indicator.value}”含未填写的占位符",
                ctx.location(indicator, column=f"{PERIOD_LABELS.get(indicator.period, '')}指标值"),
                expected="实际值",
                actual=indicator.value,
                fix_url=admin_url("performance_indicator", indicator.pk),
            )
        )
    for name, label in TEXT_FIELDS:
        text = getattr(ctx.form, name)
        match = PLACEHOLDER.search(text or "")
        if match:
            start = max(match.start() - 12, 0)
            out.append(
                issue(
                    f"{ctx.name}{label}含未填写的占位符：“…{text[start : match.end() + 12]}…”",
                    ctx.location(column=label),
                    expected="实际内容",
                    actual=match.group(0),
                    fix_url=ctx.url,
                )
            )
    return out


@rule("Q04-doubled", WARNING, "疑似重复的指标值（100100%）", "form")
def check_doubled(ctx: FormContext) -> list[Finding]:
    """Q4: '<v>100%' read as v — ambiguous; one finding per form lists the affected indicators."""
    doubled = [i for i in _named(ctx.indicators) if "doubled" in (i.value_flags or [])]
    if not doubled:
        return []
    names = "、".join(f"{i.name}（{i.value}）" for i in _once(doubled)[:5])
    return [
        issue(
            f"{ctx.name}有{len(doubled)}个指标值疑似重复印刷（如{names}），按前段数值读取，请核对原值",
            ctx.location(doubled[0], column="指标值"),
            expected=f"{parse_indicator_value(doubled[0].value).number.normalize():f}"
            if parse_indicator_value(doubled[0].value).number is not None
            else None,
            actual=doubled[0].value,
            fix_url=admin_url("performance_indicator", doubled[0].pk),
        )
    ]


@rule("Q25-operator", WARNING, "指标值运算符规范（≥ ≤ =）", "form")
def check_operators(ctx: FormContext) -> list[Finding]:
    return [
        issue(
            f"{ctx.name}指标“{i.name}”的指标值“{i.value}”使用了不规范的符号",
            ctx.location(i, column="指标值"),
            expected="≥ / ≤ / =",
            actual=i.value,
            fix_url=admin_url("performance_indicator", i.pk),
        )
        for i in _once([i for i in _named(ctx.indicators) if "malformed_operator" in (i.value_flags or [])])
    ]


# ================================================================ self-evaluations

GRADES = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))
FUNDS_WEIGHT = Decimal(10)


def grade_for(score: Decimal) -> str:
    """DOMAIN §5.2: 优 ≥ 90; 良 80–<90; 中 60–<80; 差 < 60."""
    return next(label for floor, label in GRADES if score >= floor)


@rule("S01-total-score", ERROR, "总分 = 各指标得分 + 资金执行得分", "evaluation")
def check_total_score(ctx: EvaluationContext) -> list[Finding]:
    """INV-S1 (a blank 得分 counts as 0)."""
    e = ctx.evaluation
    if e.total_score is None:
        return [issue(f"{ctx.name}总分为空", ctx.location(column="总分"), expected="总分", fix_url=ctx.url)]
    summed = sum((r.score or ZERO for r in ctx.results), ZERO) + (ctx.funds_score or ZERO)
    if summed == e.total_score:
        return []
    return [
        issue(
            f"{ctx.name}总分{e.total_score}，各指标得分合计{sum((r.score or ZERO for r in ctx.results), ZERO)}"
            f" + 资金执行得分{ctx.funds_score or 0} = {summed}",
            ctx.location(column="总分"),
            expected=summed,
            actual=e.total_score,
            fix_url=ctx.url,
        )
    ]


@rule("S01-weights", WARNING, "分值合计100（指标90 + 资金10）", "evaluation")
def check_weights(ctx: EvaluationContext) -> list[Finding]:
    weights = sum((r.weight or ZERO for r in ctx.results), ZERO)
    row = ctx.total_row
    funds_weight = row.weight if row is not None and row.weight is not None else FUNDS_WEIGHT
    if not ctx.results or weights + funds_weight == 100:
        return []
    return [
        issue(
            f"{ctx.name}指标分值合计{weights} + 资金分值{funds_weight} = {weights + funds_weight}，应为100",
            ctx.location(column="分值"),
            expected=Decimal(100),
            actual=weights + funds_weight,
            fix_url=ctx.url,
        )
    ]


@rule("S02-grade", ERROR, "等级与总分相符（优≥90，良80–<90，中60–<80，差<60）", "evaluation")
def check_grade(ctx: EvaluationContext) -> list[Finding]:
    """INV-S2 / Q25."""
    e = ctx.evaluation
    if e.total_score is None:
        return []
    expected = grade_for(e.total_score)
    if e.grade == expected:
        return []
    text = (
        f"等级为空，按总分{e.total_score}应为“{expected}”"
        if not e.grade
        else (f"等级“{e.grade}”与总分{e.total_score}不符，应为“{expected}”")
    )
    return [
        issue(
            f"{ctx.name}{text}",
            ctx.location(column="等级"),
            expected=expected,
            actual=e.grade or None,
            fix_url=ctx.url,
        )
    ]


def _rate(executed: Decimal, budget: Decimal) -> Decimal:
    return (executed * 100 / budget).quantize(CENT, ROUND_HALF_UP)


@rule("S03-execution-rate", ERROR, "执行率 = 全年执行数 ÷ 全年预算数", "evaluation")
def check_execution_rate(ctx: EvaluationContext) -> list[Finding]:
    """INV-S3 (table)."""
    out = []
    for row in ctx.funds:
        if row.full_year_budget is None or row.executed is None or not row.full_year_budget:
            continue
        rate = _rate(row.executed, row.full_year_budget)
        if row.execution_rate is None or abs(row.execution_rate - rate) > CENT:
            out.append(
                issue(
                    f"{ctx.name}“{row.label}”执行率"
                    f"{row.execution_rate if row.execution_rate is not None else '空白'}%，"
                    f"全年执行数{_plain(_wan(row.executed)):f}万元 ÷ 全年预算数"
                    f"{_plain(_wan(row.full_year_budget)):f}万元 = {rate}%",
                    ctx.location(column="执行率", row_code=row.label),
                    expected=rate,
                    actual=row.execution_rate,
                    fix_url=admin_url("performance_selfevaluationfunds", row.pk),
                )
            )
    return out


@rule("S03-funds-score", WARNING, "资金执行得分 = 执行率 × 分值", "evaluation")
def check_funds_score(ctx: EvaluationContext) -> list[Finding]:
    row = ctx.total_row
    score = ctx.funds_score
    if row is None or row.execution_rate is None or score is None:
        return []
    weight = row.weight if row.weight is not None else FUNDS_WEIGHT
    expected = (min(row.execution_rate, Decimal(100)) * weight / 100).quantize(CENT, ROUND_HALF_UP)
    if abs(expected - score) <= CENT:
        return []
    return [
        issue(
            f"{ctx.name}资金执行得分{score}，按执行率{row.execution_rate}% × 分值{weight}应为{expected}",
            ctx.location(column="得分", row_code=row.label),
            expected=expected,
            actual=score,
            fix_url=admin_url("performance_selfevaluationfunds", row.pk),
        )
    ]


_NARRATIVE_RATE = re.compile(r"执行率(?:为|达到)?\s*([\d.]+)\s*[%％]")
_NARRATIVE_INITIAL = re.compile(r"(?<!追加)(?<!调整)(?:年初)?预算(?:数|为|安排)?\s*([\d,]+(?:\.\d+)?)\s*万\s*元")
_NARRATIVE_EXECUTED = re.compile(r"实际(?:执行|支出)(?:数|金额)?(?:为)?\s*([\d,]+(?:\.\d+)?)\s*万\s*元")


def _printed_equal(table_yuan: Decimal, written: str) -> bool:
    """The table figure (元) rounded as the text writes it (万元, same number of decimals) equals the text."""
    value = Decimal(written.replace(",", ""))
    decimals = max(-value.as_tuple().exponent, 0)
    return _wan(table_yuan).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP) == value


@rule("S03-narrative-rate", WARNING, "项目绩效分析中的预算执行率与表列执行率一致", "evaluation")
def check_narrative_rate(ctx: EvaluationContext) -> list[Finding]:
    """INV-S3 (narrative), Q24: 森林防火装备 table 100 % vs text 39.50 %."""
    text, row = ctx.execution_text, ctx.total_row
    match = _NARRATIVE_RATE.search(text)
    if not match or row is None or row.execution_rate is None:
        return []
    written = Decimal(match.group(1))
    if abs(written - row.execution_rate) <= CENT:
        return []
    return [
        issue(
            f"{ctx.name}项目绩效分析写预算执行率{match.group(1)}%，资金表执行率为{row.execution_rate.normalize():f}%",
            ctx.location(column="执行率", section="项目实施和预算执行情况"),
            expected=row.execution_rate,
            actual=written,
            fix_url=admin_url("performance_selfevaluationfunds", row.pk),
        )
    ]


@rule("S04-narrative-funds", WARNING, "项目绩效分析中的年初预算、实际执行与资金表一致", "evaluation")
def check_narrative_funds(ctx: EvaluationContext) -> list[Finding]:
    """INV-S4, Q24: 举报奖励 table 年初 10 / 执行 10 vs text 年初0 / 执行57.95."""
    text, row = ctx.execution_text, ctx.total_row
    if not text or row is None:
        return []
    out = []
    initial = _NARRATIVE_INITIAL.search(text)
    table_initial = [v for v in (row.initial_declared, row.initial_budgeted) if v is not None]
    if initial and table_initial and not any(_printed_equal(v, initial.group(1)) for v in table_initial):
        out.append(
            issue(
                f"{ctx.name}项目绩效分析写“{initial.group(0)}”，资金表年初预算数为"
                f"{'/'.join(f'{_plain(_wan(v)):f}' for v in dict.fromkeys(table_initial))}万元",
                ctx.location(column="年初预算数", section="项目实施和预算执行情况"),
                expected=_plain(_wan(table_initial[-1])),
                actual=Decimal(initial.group(1).replace(",", "")),
                fix_url=admin_url("performance_selfevaluationfunds", row.pk),
            )
        )
    executed = _NARRATIVE_EXECUTED.search(text)
    if executed and row.executed is not None and not _printed_equal(row.executed, executed.group(1)):
        out.append(
            issue(
                f"{ctx.name}项目绩效分析写“{executed.group(0)}”，资金表全年执行数为{_plain(_wan(row.executed)):f}万元",
                ctx.location(column="全年执行数", section="项目实施和预算执行情况"),
                expected=_plain(_wan(row.executed)),
                actual=Decimal(executed.group(1).replace(",", "")),
                fix_url=admin_url("performance_selfevaluationfunds", row.pk),
            )
        )
    return out


def _target(result: IndicatorResult) -> IndicatorValue:
    raw = (
        result.adjusted_value
        if result.adjusted_value.strip() and "未填报" not in result.adjusted_value
        else result.initial_value
    )
    return parse_indicator_value(raw)


def _comparable(target: IndicatorValue, actual: IndicatorValue) -> bool:
    return (
        target.kind == "quantity"
        and actual.kind == "quantity"
        and target.number is not None
        and actual.number is not None
        and target.unit == actual.unit
    )


@rule("S06-partial-score", WARNING, "未达标指标得分 = 分值 × 实际值 ÷ 目标值（四舍五入）", "evaluation")
def check_partial_scores(ctx: EvaluationContext) -> list[Finding]:
    """INV-S6: 1.6 = 4 × 4/10; exceptions in 003: 29.46 (→29.45), 4.73 (→4.74), 4 (→3.99)."""
    out = []
    for result in ctx.results:
        if result.weight is None:
            continue
        target, actual = _target(result), parse_indicator_value(result.actual_value)
        if not _comparable(target, actual) or target.operator not in ("≥", "=", "", "≠", ">") or target.number <= 0:
            continue
        if actual.number >= target.number:
            continue
        expected = (result.weight * actual.number / target.number).quantize(CENT, ROUND_HALF_UP)
        printed = result.score if result.score is not None else ZERO
        if printed != expected:
            out.append(
                issue(
                    f"{ctx.name}指标“{result.name}”目标{result.adjusted_value or result.initial_value}、实际"
                    f"{result.actual_value}，按分值{result.weight.normalize():f} × {actual.number.normalize():f} ÷ "
                    f"{target.number.normalize():f}应得{expected}分，表中为{printed.normalize():f}分",
                    ctx.location(result, column="得分"),
                    expected=expected,
                    actual=printed,
                    fix_url=admin_url("performance_indicatorresult", result.pk),
                )
            )
    return out


@rule("Q25-zero-score", WARNING, "实际完成值达标却得0分", "evaluation")
def check_met_but_zero(ctx: EvaluationContext) -> list[Finding]:
    """Q25: 冶铸体检 出勤费 target ≤1775元/天, actual ≤1000元/天, scored 0."""
    out = []
    for result in ctx.results:
        if result.score is None or result.score != 0 or not result.weight:
            continue
        target, actual = _target(result), parse_indicator_value(result.actual_value)
        if not _comparable(target, actual) or actual.number <= 0:
            continue
        met = (target.operator in ("≤", "<") and actual.number <= target.number) or (
            target.operator in ("≥", ">") and actual.number >= target.number
        )
        if met:
            out.append(
                issue(
                    f"{ctx.name}指标“{result.name}”目标{result.adjusted_value or result.initial_value}，"
                    f"实际{result.actual_value}已达标，但得分为0（分值{result.weight.normalize():f}）",
                    ctx.location(result, column="得分"),
                    expected=result.weight,
                    actual=result.score,
                    fix_url=admin_url("performance_indicatorresult", result.pk),
                )
            )
    return out


@rule("S07-deviation-reason", WARNING, "未达标或未足额执行时填写偏差原因", "evaluation")
def check_deviation_reasons(ctx: EvaluationContext) -> list[Finding]:
    out = []
    for result in ctx.results:
        if result.weight is None or (result.score or ZERO) >= result.weight or result.deviation.strip():
            continue
        out.append(
            issue(
                f"{ctx.name}指标“{result.name}”得分{(result.score or ZERO).normalize():f}低于分值"
                f"{result.weight.normalize():f}，未填写偏差原因分析及改进措施",
                ctx.location(result, column="偏差原因分析及改进措施"),
                expected="偏差原因",
                actual=None,
                fix_url=admin_url("performance_indicatorresult", result.pk),
            )
        )
    row = ctx.total_row
    if row is not None and row.execution_rate is not None and row.execution_rate < 100 and not row.deviation.strip():
        out.append(
            issue(
                f"{ctx.name}资金执行率{row.execution_rate.normalize():f}%未达100%，未填写偏差原因分析及改进措施",
                ctx.location(column="偏差原因分析及改进措施", row_code=row.label),
                expected="偏差原因",
                actual=None,
                fix_url=admin_url("performance_selfevaluationfunds", row.pk),
            )
        )
    return out


@rule("Q25-result-operator", WARNING, "自评指标值运算符规范（≥ ≤ =）", "evaluation")
def check_result_operators(ctx: EvaluationContext) -> list[Finding]:
    """Q25: 宣传 form writes ≠ for = and ≧ for ≥."""
    return [
        issue(
            f"{ctx.name}指标“{r.name}”的指标值“{r.adjusted_value or r.initial_value}”使用了不规范的符号",
            ctx.location(r, column="指标值"),
            expected="≥ / ≤ / =",
            actual=r.adjusted_value or r.initial_value,
            fix_url=admin_url("performance_indicatorresult", r.pk),
        )
        for r in ctx.results
        if "malformed_operator" in (r.value_flags or [])
    ]
