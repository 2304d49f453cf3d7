"""自动审核 — the review checks (DOMAIN §7 invariants, §8 data-quality issues) as a rule engine.

Every rule is a small named function ``check_<rule>(ctx) -> list[Finding]`` registered with ``@rule`` (code,
severity, Chinese title, scope). Rules are pure: they read the context and return findings; they never write and
never raise (an unexpected exception becomes one "执行出错" warning of that rule).

Severities: ``error`` (错误) blocks submission, ``warning`` (警告) needs acknowledgement, ``info`` (提示) is for
information only. A rule's registered severity is its usual one; a finding may carry a lower one (a subtotal that
differs within the rounding tolerance is a 尾差 warning, beyond it an error).

Entry points
- ``run_checks(disclosure)``: every rule for the disclosure's kind (budget INV-B*, final INV-F*, completeness,
  source cells, narrative) plus the form rules of its embedded target forms and self-evaluations.
- ``run_form_checks(form)`` / ``run_evaluation_checks(evaluation)``: one standalone form (rules in
  performance/checks.py).

Units: table amounts are compared and reported in 万元 as the tables print them (two decimals); form funds in 元;
scores and rates as printed. Tolerance for sums of rounded cells (DOMAIN §0): a published figure that differs from
the sum of n printed addends by at most 0.005 × n + 0.005 万元 is a 尾差 (warning), more is an error.

The official tables are projections of the stored facts (tablespecs.py), so "the same figure in every table that
shows it" holds by construction; what can disagree is a reported subtotal (尾差) versus its parts, facts that are
stored independently (经济分类 vs 功能分类, 三公, 机关运行经费, 项目表, 结转结余), what an imported document printed
(sourcecheck.compare) and what its text says (情况说明).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import cached_property, wraps
from typing import Any

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse

from disclosures.amounts import ZERO, add, wan
from disclosures.models import (
    FISCAL_FUNDS,
    Disclosure,
    EconomicLine,
    FunctionLine,
    Fund,
    Section,
    SourceTable,
)
from disclosures.tablespecs import BUDGET_MEASURES, EXPENSE_MEASURES, DisclosureData, Table, build_tables

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")  # 万元: half of the last printed digit

# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Location:
    """Where a finding points: a table cell, a form indicator, a narrative section or a source line."""

    table: str = ""  # table key: budget_05, final_06 …
    table_label: str = ""  # 表五, 公开06表
    row_code: str = ""  # 科目编码 or row label
    column: str = ""  # column label
    form_id: int | None = None  # TargetForm / SelfEvaluation id
    form_name: str = ""
    indicator: str = ""  # 三级指标 name
    section: str = ""  # narrative heading
    source_line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "table_label": self.table_label,
            "row_code": self.row_code,
            "column": self.column,
            "form_id": self.form_id,
            "form_name": self.form_name,
            "indicator": self.indicator,
            "section": self.section,
            "source_line": self.source_line,
        }

    @property
    def key(self) -> str:
        """Stable text key (for acknowledging a finding): the identifying parts, blank ones left out."""
        parts = [self.table, self.row_code, self.column, str(self.form_id or ""), self.indicator, self.section]
        return "|".join(parts)


@dataclass(frozen=True)
class Finding:
    rule: str  # code, e.g. B05-hierarchy
    severity: str  # error | warning | info
    message: str  # Chinese, names the place and both numbers
    location: Location = field(default_factory=Location)
    expected: Decimal | str | None = None
    actual: Decimal | str | None = None
    fix_url: str = ""

    @property
    def title(self) -> str:
        registered = RULES.get(self.rule)
        return registered.title if registered else ""

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def location_key(self) -> str:
        return f"{self.rule}|{self.location.key}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.to_json(),
            "expected": _json_value(self.expected),
            "actual": _json_value(self.actual),
            "fix_url": self.fix_url,
        }


def _json_value(value: Decimal | str | None) -> str | None:
    if value is None:
        return None
    return str(value)


def issue(
    message: str,
    location: Location | None = None,
    *,
    expected: Decimal | str | None = None,
    actual: Decimal | str | None = None,
    severity: str = "",
    fix_url: str = "",
) -> Finding:
    """A finding without its rule code (and with the rule's severity unless given): ``@rule`` fills them in."""
    return Finding("", severity, message, location or Location(), expected, actual, fix_url)


# ---------------------------------------------------------------- registry


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str
    scope: str  # budget | final | disclosure (both kinds) | form | evaluation
    func: Callable[[Any], list[Finding]]

    def __call__(self, ctx: Any) -> list[Finding]:
        return self.func(ctx)


RULES: dict[str, Rule] = {}
SCOPES = ("budget", "final", "disclosure", "form", "evaluation")


def rule(code: str, severity: str, title: str, scope: str):
    """Register ``check_<rule>(ctx)``; the wrapped function fills in rule code and severity and never raises."""
    if severity not in SEVERITIES or scope not in SCOPES:
        raise ValueError(f"bad rule registration {code}: {severity}/{scope}")

    def decorate(func: Callable[[Any], Iterable[Finding]]) -> Callable[[Any], list[Finding]]:
        @wraps(func)
        def checked(ctx: Any) -> list[Finding]:
            try:
                found = list(func(ctx))
            except Exception as exc:  # noqa: BLE001 - a broken rule must not stop the review
                return [Finding(code, WARNING, f"审核规则“{title}”执行出错，未完成检查：{type(exc).__name__}: {exc}")]
            return [replace(f, rule=f.rule or code, severity=f.severity or severity) for f in found]

        if code in RULES and RULES[code].func.__qualname__ != func.__qualname__:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, severity, title, scope, checked)
        return checked

    return decorate


def rules_for(scope: str) -> list[Rule]:
    """Rules of one scope in registration order; budget/final also get the rules for both kinds."""
    scopes = {scope, "disclosure"} if scope in ("budget", "final") else {scope}
    _load_rules()
    return [r for r in RULES.values() if r.scope in scopes]


def _load_rules() -> None:
    import performance.checks  # noqa: F401 - registers the form and self-evaluation rules


def rule_list() -> list[tuple[str, str, str, str]]:
    """(code, severity, title, scope) of every registered rule."""
    _load_rules()
    return [(r.code, r.severity, r.title, r.scope) for r in RULES.values()]


def admin_url(model_label: str, pk: int | None) -> str:
    """Admin change URL of one object ('' when unknown or not routable)."""
    if pk is None:
        return ""
    try:
        return reverse(f"admin:{model_label}_change", args=[pk])
    except NoReverseMatch:
        return ""


# ---------------------------------------------------------------- money helpers


def w(yuan: Decimal | None) -> Decimal:
    """元 → 万元 as printed (two decimals, half-up); blank counts as zero."""
    return ZERO if yuan is None else wan(yuan)


def fmt(value: Decimal | None) -> str:
    return "空白" if value is None else f"{value:,.2f}"


def tolerance(addends: int) -> Decimal:
    """DOMAIN §0: 0.005 万元 per rounded addend plus half a cent."""
    return HALF_CENT * max(addends, 1) + HALF_CENT


def classify_difference(difference: Decimal, addends: int) -> str:
    """'' when equal, warning (尾差) within tolerance, error beyond it."""
    if difference == 0:
        return ""
    return WARNING if abs(difference) <= tolerance(addends) else ERROR


def tail_note(difference: Decimal, addends: int) -> str:
    tol = tolerance(addends)
    if abs(difference) <= tol:
        return f"相差{fmt(abs(difference))}万元，在{addends}个四舍五入数相加的尾差范围（±{tol}万元）内，属尾差"
    return f"相差{fmt(abs(difference))}万元，超出{addends}个四舍五入数相加的尾差范围（±{tol}万元）"


# ---------------------------------------------------------------- context


class DisclosureContext:
    """Everything the disclosure rules read, fetched once: facts, projected tables, text, forms, evaluations."""

    def __init__(self, disclosure: Disclosure):
        self.disclosure = disclosure
        self.kind = disclosure.kind
        self.is_budget = disclosure.kind == Disclosure.Kind.BUDGET
        self.year = disclosure.fiscal_year
        self.data = DisclosureData(disclosure)
        self.function_lines: list[FunctionLine] = list(disclosure.lines.select_related("function"))
        self.economic_lines: list[EconomicLine] = list(
            disclosure.economic_lines.select_related("economic_class__government_class")
        )
        # DisclosureData would fetch the same rows again: hand it these.
        from disclosures.facts import EconomicFacts, FunctionFacts

        names = {code: fc.name for code, fc in self.data.catalogue.items()}
        self.data.__dict__["functions"] = FunctionFacts(self.function_lines, names)
        self.data.__dict__["economic"] = EconomicFacts(self.economic_lines)

    @cached_property
    def tables(self) -> dict[str, Table]:
        return {t.key: t for t in build_tables(self.disclosure, self.data)}

    @cached_property
    def sections(self) -> list[Section]:
        return list(self.disclosure.sections.order_by("order"))

    @property
    def narrative_sections(self) -> list[Section]:
        return [s for s in self.sections if s.part == Section.Part.NARRATIVE]

    @cached_property
    def source_tables(self) -> list[SourceTable]:
        return list(self.disclosure.source_tables.order_by("order"))

    @cached_property
    def forms(self) -> list:
        from performance.models import Indicator, TargetForm

        return list(
            TargetForm.objects.filter(disclosure=self.disclosure)
            .select_related("project")
            .prefetch_related(
                "funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order"))
            )
            .order_by("order", "id")
        )

    @cached_property
    def evaluations(self) -> list:
        from performance.models import IndicatorResult, SelfEvaluation

        return list(
            SelfEvaluation.objects.filter(disclosure=self.disclosure)
            .prefetch_related("funds", Prefetch("results", queryset=IndicatorResult.objects.order_by("order")))
            .order_by("order", "id")
        )

    @cached_property
    def generated(self) -> list:
        """The 情况说明 items the data gives (disclosures/narrative.py)."""
        from disclosures.narrative import generate_narrative

        return generate_narrative(self.disclosure, data=self.data)

    @cached_property
    def section_items(self) -> list[tuple[Section, Any]]:
        """Each stored narrative section with the generated item it corresponds to (None when there is none)."""
        return match_sections(self.narrative_sections, self.generated)

    def table(self, key: str) -> Table | None:
        return self.tables.get(key)

    def label(self, key: str) -> str:
        table = self.tables.get(key)
        return table.label if table else key

    def location(self, key: str, row_code: str = "", column: str = "", **kwargs: Any) -> Location:
        return Location(table=key, table_label=self.label(key), row_code=row_code, column=column, **kwargs)

    def line_url(self, code: str | None, fund: str | None = None, carryover: bool | None = None) -> str:
        """Admin URL of the reported (else any) FunctionLine of a 科目."""
        lines = [
            line
            for line in self.function_lines
            if (line.function.code if line.function_id else None) == code
            and (fund is None or line.fund == fund)
            and (carryover is None or line.carryover == carryover)
        ]
        lines.sort(key=lambda line: not line.reported_subtotal)
        return admin_url("disclosures_functionline", lines[0].pk) if lines else self.disclosure_url

    @property
    def disclosure_url(self) -> str:
        return admin_url("disclosures_disclosure", self.disclosure.pk)

    def economic_url(self, code: str | None) -> str:
        lines = [
            line
            for line in self.economic_lines
            if (line.economic_class.code if line.economic_class_id else None) == code
        ]
        lines.sort(key=lambda line: not line.reported_subtotal)
        return admin_url("disclosures_economicline", lines[0].pk) if lines else self.disclosure_url

    def section_url(self, section: Section | None) -> str:
        """A 情况说明 section on the staff's 编辑情况说明 page; other text sections in the admin."""
        if section is None:
            return self.disclosure_url
        if section.part != Section.Part.NARRATIVE:
            return admin_url("disclosures_section", section.pk)
        return f"{reverse('disclosures:narrative_edit', args=[self.disclosure.pk])}#section-{section.pk}"


# ---------------------------------------------------------------- entry points


def run_checks(disclosure: Disclosure) -> list[Finding]:
    """Every applicable rule for one disclosure, its embedded target forms and its self-evaluations."""
    try:
        disclosure = Disclosure.objects.with_unit().get(pk=disclosure.pk)
        ctx = DisclosureContext(disclosure)
        findings: list[Finding] = []
        for registered in rules_for(disclosure.kind):
            findings += registered(ctx)
        from performance.checks import EvaluationContext, FormContext

        for form in ctx.forms:
            findings += _run_scope("form", FormContext(form))
        for evaluation in ctx.evaluations:
            findings += _run_scope("evaluation", EvaluationContext(evaluation))
        return findings
    except Exception as exc:  # noqa: BLE001 - the engine never raises
        return [Finding("X00-engine", WARNING, f"审核未能完成：{type(exc).__name__}: {exc}")]


def run_form_checks(form) -> list[Finding]:
    """Every form rule for one target form (standalone or embedded)."""
    try:
        from performance.checks import FormContext, load_form

        return _run_scope("form", FormContext(load_form(form)))
    except Exception as exc:  # noqa: BLE001
        return [Finding("X00-engine", WARNING, f"审核未能完成：{type(exc).__name__}: {exc}")]


def run_evaluation_checks(evaluation) -> list[Finding]:
    """Every self-evaluation rule for one 绩效自评表."""
    try:
        from performance.checks import EvaluationContext, load_evaluation

        return _run_scope("evaluation", EvaluationContext(load_evaluation(evaluation)))
    except Exception as exc:  # noqa: BLE001
        return [Finding("X00-engine", WARNING, f"审核未能完成：{type(exc).__name__}: {exc}")]


def _run_scope(scope: str, ctx: Any) -> list[Finding]:
    findings: list[Finding] = []
    for registered in rules_for(scope):
        findings += registered(ctx)
    return findings


def summarize(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


# ================================================================ cross-table arithmetic

MEASURE_LABELS = {
    "income": "收入",
    "basic": "基本支出",
    "project": "项目支出",
    "to_superior": "上缴上级支出",
    "operating": "经营支出",
    "affiliated_subsidy": "对附属单位补助支出",
    "opening_balance": "年初结转和结余",
    "closing_balance": "年末结转和结余",
}


def _subtotal_tables(ctx: DisclosureContext, fund: str, carryover: bool, measure: str) -> list[str]:
    """Tables (keys) that print a 功能分类 node of this fund / period / measure, most specific first."""
    if ctx.is_budget:
        if carryover:
            return ["budget_03", "budget_02"]
        by_fund = {Fund.GENERAL: "budget_05", Fund.GOV_FUND: "budget_08", Fund.STATE_CAPITAL: "budget_09"}
        keys = [by_fund[fund]] if fund in by_fund else []
        return keys + ["budget_03", "budget_02"]
    if measure == "income":
        return ["final_02"]
    keys = ["final_05"] if fund == Fund.GENERAL and measure in ("basic", "project") else []
    if fund == Fund.GOV_FUND:
        keys.append("final_07")
    if fund == Fund.STATE_CAPITAL:
        keys.append("final_08")
    return keys + ["final_03"]


def _hierarchy(ctx: DisclosureContext) -> list[Finding]:
    facts = ctx.data.functions
    out = []
    for (code, fund, carryover), measures in sorted(facts.reported.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        for measure, printed in measures.items():
            derived = facts.derived(code, fund, carryover, measure)
            difference = w(printed) - w(derived)
            severity = classify_difference(difference, 1)
            if not severity:
                continue
            parts = len(facts.children.get(code, ())) + (1 if (code, fund, carryover) in facts.leaves else 0)
            severity = classify_difference(difference, parts)
            keys = [k for k in _subtotal_tables(ctx, fund, carryover, measure) if k in ctx.tables]
            key = keys[0] if keys else ""
            name = f"{code} {ctx.data.name(code)}" if code else "合计"
            level = {3: "类", 5: "款", 7: "项"}.get(len(code or ""), "")
            also = "、".join(ctx.label(k) for k in keys[1:])
            period = "上年结转" if carryover else Fund(fund).label if fund in Fund.values else fund
            column = MEASURE_LABELS.get(measure, measure)
            out.append(
                issue(
                    f"{ctx.label(key)}“{name}”{level}行{column}（{period}）印为{fmt(w(printed))}万元，"
                    f"其下级合计为{fmt(w(derived))}万元，{tail_note(difference, parts)}"
                    + (f"（{also}同此行）" if also else ""),
                    ctx.location(key, code or "合计", column),
                    expected=w(derived),
                    actual=w(printed),
                    severity=severity,
                    fix_url=ctx.line_url(code, fund, carryover),
                )
            )
    return out


@rule("B05-hierarchy", ERROR, "功能分类层级：类 = Σ款 = Σ项（尾差容忍）", "budget")
def check_budget_hierarchy(ctx: DisclosureContext) -> list[Finding]:
    """INV-B5: a reported 类/款/合计 subtotal against the sum of its parts (表二、表三、表五)."""
    return _hierarchy(ctx)


@rule("F04-hierarchy", ERROR, "功能分类层级：类 = Σ款 = Σ项（尾差容忍）", "final")
def check_final_hierarchy(ctx: DisclosureContext) -> list[Finding]:
    """INV-F4: a reported 类/款/合计 subtotal against the sum of its parts (公开02、03、05表)."""
    return _hierarchy(ctx)


def _economic_subtotals(ctx: DisclosureContext) -> list[Finding]:
    facts = ctx.data.economic
    key = "budget_06" if ctx.is_budget else "final_06"
    out = []
    for code, measures in sorted(facts.reported.items(), key=lambda kv: kv[0] or "999"):
        for measure, printed in measures.items():
            derived = facts.derived(code, measure)
            difference = w(printed) - w(derived)
            if not difference:
                continue
            if code is None:
                parts = sum(1 for c in facts.categories if facts.node(c, measure) is not None)
            else:
                parts = sum(1 for c in facts.items(code) if facts.leaves[c].get(measure) is not None)
            column = "人员经费" if measure == "personnel" else "公用经费"
            if code is None:
                row = f"{column}合计" if not ctx.is_budget else "合计"
            else:
                row = facts.names.get(code) or code
            out.append(
                issue(
                    f"{ctx.label(key)}“{row}”{column}印为{fmt(w(printed))}万元，"
                    f"其{'各经济类' if code is None else '各款'}合计为{fmt(w(derived))}万元，"
                    f"{tail_note(difference, parts)}",
                    ctx.location(key, code or "合计", column),
                    expected=w(derived),
                    actual=w(printed),
                    severity=classify_difference(difference, parts),
                    fix_url=ctx.economic_url(code),
                )
            )
    return out


@rule("B10-economic-subtotal", ERROR, "表六经济分类：类 = Σ款，人员经费/公用经费合计（尾差容忍）", "budget")
def check_budget_economic_subtotal(ctx: DisclosureContext) -> list[Finding]:
    """INV-B10."""
    return _economic_subtotals(ctx)


@rule("F10-economic-subtotal", ERROR, "公开06表：人员经费合计、公用经费合计 = Σ各款（尾差容忍）", "final")
def check_final_economic_subtotal(ctx: DisclosureContext) -> list[Finding]:
    """INV-F10."""
    return _economic_subtotals(ctx)


def _amount(cell: Any) -> Decimal | None:
    return cell if isinstance(cell, Decimal) else None


def _row(table: Table | None, first: str, column: int = 0):
    if table is None:
        return None
    return next((r for r in table.rows if len(r.cells) > column and r.cells[column] == first), None)


def _balance_pair(
    ctx: DisclosureContext, key: str, label: str, income_col: int, expense_col: int, expense_label: str
) -> list[Finding]:
    table = ctx.table(key)
    row = _row(table, label)
    if row is None:
        return []
    income, expense = w(_amount(row.cells[income_col])), w(_amount(row.cells[expense_col]))
    if income == expense:
        return []
    return [
        issue(
            f"{ctx.label(key)}收入{label}{fmt(income)}万元与{expense_label}{fmt(expense)}万元不相等，"
            f"相差{fmt(abs(income - expense))}万元",
            ctx.location(key, label, "金额"),
            expected=income,
            actual=expense,
            fix_url=ctx.disclosure_url,
        )
    ]


@rule("B01-balance", ERROR, "收支平衡：表一、表四收入总计 = 支出总计", "budget")
def check_budget_balance(ctx: DisclosureContext) -> list[Finding]:
    """INV-B1/B8: 收入总计 (本年收入合计 + 上年结转) = 支出总计 (本年支出合计 + 年终结转)."""
    return _balance_pair(ctx, "budget_01", "收入总计", 1, 3, "支出总计") + _balance_pair(
        ctx, "budget_04", "收入总计", 1, 3, "支出总计"
    )


@rule("F02-balance", ERROR, "收支平衡：公开01表、公开04表收入总计 = 支出总计", "final")
def check_final_balance(ctx: DisclosureContext) -> list[Finding]:
    """INV-F1/F2: 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余 = 本年支出合计 + 结余分配 + 年末结转和结余."""
    return _balance_pair(ctx, "final_01", "总计", 2, 5, "支出总计") + _balance_pair(
        ctx, "final_04", "总计", 2, 5, "支出总计"
    )


def _summary_categories(ctx: DisclosureContext, key: str, total_label: str, column: int) -> list[Finding]:
    """Σ 类 rows printed in a 收支总表 = its 本年支出合计 (a 类 outside the printed list would go missing)."""
    table = ctx.table(key)
    total_row = _row(table, total_label)
    if table is None or total_row is None:
        return []
    categories = [r for r in table.rows if r.code and r.kind == "item"]
    printed = add(*(_amount(r.cells[column]) for r in categories))
    total = _amount(total_row.cells[column])
    difference = w(total) - w(printed)
    if not difference:
        return []
    shown = {r.code for r in categories}
    missing = [c for c in ctx.data.functions.codes if len(c) == 3 and c not in shown]
    return [
        issue(
            f"{ctx.label(key)}各类支出合计{fmt(w(printed))}万元，本年支出合计{fmt(w(total))}万元，"
            f"相差{fmt(abs(difference))}万元" + (f"；未列入总表的类：{'、'.join(missing)}" if missing else ""),
            ctx.location(key, total_label, "支出"),
            expected=w(total),
            actual=w(printed),
            fix_url=ctx.line_url(missing[0]) if missing else ctx.disclosure_url,
        )
    ]


@rule("B03-summary", ERROR, "表一、表四：各类支出之和 = 本年支出合计", "budget")
def check_budget_summary(ctx: DisclosureContext) -> list[Finding]:
    """INV-B3."""
    return _summary_categories(ctx, "budget_01", "本年收入合计", 3) + _summary_categories(
        ctx, "budget_04", "本年收入合计", 3
    )


@rule("F03-summary", ERROR, "公开01表、公开04表：各类支出之和 = 本年支出合计", "final")
def check_final_summary(ctx: DisclosureContext) -> list[Finding]:
    """INV-F3 (total side)."""
    return _summary_categories(ctx, "final_01", "本年收入合计", 5) + _summary_categories(
        ctx, "final_04", "本年收入合计", 5
    )


# (table key, total column index, addend column indices, description)
ROW_SUMS = {
    "budget_02": (2, (3, 4, 5, 6, 7), "本年收入合计 = 各资金来源之和"),
    "budget_03": (2, (3, 4), "合计 = 基本支出 + 项目支出"),
    "budget_05": (2, (3, 4), "合计 = 基本支出 + 项目支出"),
    "budget_08": (2, (3, 4), "合计 = 基本支出 + 项目支出"),
    "final_02": (2, (3, 4, 5, 6, 7, 8), "本年收入合计 = 各项收入之和"),
    "final_03": (2, (3, 4, 5, 6, 7), "本年支出合计 = 各项支出之和"),
    "final_05": (2, (3, 4), "小计 = 基本支出 + 项目支出"),
}


def _row_sums(ctx: DisclosureContext) -> list[Finding]:
    out = []
    for key, (total_col, part_cols, text) in ROW_SUMS.items():
        table = ctx.table(key)
        if table is None:
            continue
        for row in table.rows:
            total = _amount(row.cells[total_col])
            parts = add(*(_amount(row.cells[i]) for i in part_cols))
            difference = w(total) - w(parts)
            if not difference:
                continue
            code = row.code or str(row.cells[0])
            out.append(
                issue(
                    f"{table.label}“{code}”行{text}不成立：合计{fmt(w(total))}万元，各列之和{fmt(w(parts))}万元",
                    ctx.location(key, code, table.columns[total_col].path[-1]),
                    expected=w(parts),
                    actual=w(total),
                    fix_url=ctx.line_url(row.code or None),
                )
            )
    return out


@rule("B06-row-sum", ERROR, "表二、表三、表五、表八：合计 = 基本支出 + 项目支出 / 各资金来源之和", "budget")
def check_budget_row_sum(ctx: DisclosureContext) -> list[Finding]:
    """INV-B4/B6 row arithmetic of the classified tables."""
    return _row_sums(ctx)


@rule("F05-row-sum", ERROR, "公开02、03、05表：合计 = 各列之和", "final")
def check_final_row_sum(ctx: DisclosureContext) -> list[Finding]:
    """INV-F4/F5 row arithmetic."""
    return _row_sums(ctx)


def _basic_vs_economic(ctx: DisclosureContext) -> list[Finding]:
    e, f = ctx.data.economic, ctx.data.functions
    economic_total = e.total(None)
    carry = False if ctx.is_budget else None
    basic = f.value(None, ["basic"], funds=[Fund.GENERAL], carryover=carry)
    if economic_total is None and basic is None:
        return []
    key, other = ("budget_06", "budget_05") if ctx.is_budget else ("final_06", "final_05")
    difference = w(economic_total) - w(basic)
    if not difference:
        return []
    parts = sum(1 for c in e.leaves if c) or 1
    if ctx.is_budget:
        where = f"{ctx.label(key)}合计（人员经费 + 公用经费）"
    else:
        where = f"{ctx.label(key)}人员经费合计 + 公用经费合计"
    return [
        issue(
            f"{where}{fmt(w(economic_total))}万元，{ctx.label(other)}基本支出合计{fmt(w(basic))}万元，"
            f"{tail_note(difference, parts)}",
            ctx.location(key, "合计", "合计"),
            expected=w(basic),
            actual=w(economic_total),
            severity=classify_difference(difference, parts),
            fix_url=ctx.economic_url(None),
        )
    ]


@rule("B09-basic-economic", ERROR, "表六合计 = 人员经费 + 公用经费 = 表五基本支出", "budget")
def check_budget_basic_economic(ctx: DisclosureContext) -> list[Finding]:
    """INV-B9."""
    return _basic_vs_economic(ctx)


@rule("F10-basic-economic", ERROR, "公开06表人员经费 + 公用经费 = 公开05表基本支出", "final")
def check_final_basic_economic(ctx: DisclosureContext) -> list[Finding]:
    """INV-F10 (last identity)."""
    return _basic_vs_economic(ctx)


INSURANCE_LINKS = (  # 部门经济分类款 ↔ 功能分类项 (DOMAIN INV-B11 / INV-F11)
    ("30108", "2080505"),
    ("30109", "2080506"),
    ("30110", "2101101"),
    ("30111", "2101103"),
    ("30113", "2210201"),
)


def _insurance_links(ctx: DisclosureContext) -> list[Finding]:
    e, f = ctx.data.economic, ctx.data.functions
    key, other = ("budget_06", "budget_05") if ctx.is_budget else ("final_06", "final_05")
    carry = False if ctx.is_budget else None
    out = []
    for economic_code, function_code in INSURANCE_LINKS:
        economic = e.total(economic_code)
        function = f.value(function_code, ["basic"], funds=[Fund.GENERAL], carryover=carry)
        if not w(economic) and not w(function):
            continue
        if economic is None or function is None:
            continue  # booked under another 科目: nothing to pair
        difference = w(economic) - w(function)
        if not difference:
            continue
        name = e.names.get(economic_code, economic_code)
        out.append(
            issue(
                f"{ctx.label(key)}“{name}”{fmt(w(economic))}万元，{ctx.label(other)}"
                f"“{function_code} {ctx.data.name(function_code)}”基本支出{fmt(w(function))}万元，"
                f"两者应相等，相差{fmt(abs(difference))}万元",
                ctx.location(key, economic_code, "合计"),
                expected=w(function),
                actual=w(economic),
                fix_url=ctx.economic_url(economic_code),
            )
        )
    return out


@rule("B11-insurance-links", ERROR, "表六社保缴费与表五对应科目一致", "budget")
def check_budget_insurance_links(ctx: DisclosureContext) -> list[Finding]:
    """INV-B11: 养老保险 = 2080505, 职业年金 = 2080506, 医疗保险 = 2101101, 公务员医疗补助 = 2101103,
    住房公积金 = 2210201."""
    return _insurance_links(ctx)


@rule("F11-insurance-links", ERROR, "公开06表社保缴费与公开05表对应科目一致", "final")
def check_final_insurance_links(ctx: DisclosureContext) -> list[Finding]:
    """INV-F11."""
    return _insurance_links(ctx)


def _operating_cost(ctx: DisclosureContext) -> list[Finding]:
    costs = [c for c in ctx.data.operating_costs if c.fund in FISCAL_FUNDS]
    total = add(*(c.amount for c in costs))
    public = ctx.data.economic.node(None, "public")
    if total is None and public is None:
        return []
    difference = w(total) - w(public)
    if not difference:
        return []
    key, other = ("budget_11", "budget_06") if ctx.is_budget else ("final_10", "final_06")
    row = "部门合计" if ctx.is_budget else "二、机关运行经费"
    return [
        issue(
            f"{ctx.label(key)}机关运行经费{fmt(w(total))}万元，{ctx.label(other)}公用经费{fmt(w(public))}万元，"
            f"两者应相等，相差{fmt(abs(difference))}万元",
            ctx.location(key, row, "合计" if ctx.is_budget else "统计数"),
            expected=w(public),
            actual=w(total),
            fix_url=admin_url("disclosures_operatingcost", costs[0].pk) if costs else ctx.disclosure_url,
        )
    ]


@rule("B12-operating-cost", ERROR, "表十一机关运行经费 = 表六公用经费", "budget")
def check_budget_operating_cost(ctx: DisclosureContext) -> list[Finding]:
    """INV-B12."""
    return _operating_cost(ctx)


@rule("F14-operating-cost", ERROR, "公开10表机关运行经费 = 公开06表公用经费合计", "final")
def check_final_operating_cost(ctx: DisclosureContext) -> list[Finding]:
    """INV-F14."""
    return _operating_cost(ctx)


THREE_PUBLIC_ECONOMIC = (("reception", "30217", "公务接待费"), ("vehicle_operation", "30231", "公务用车运行维护费"))


def _three_public(ctx: DisclosureContext) -> list[Finding]:
    stage = "budget" if ctx.is_budget else "actual"
    key, other = ("budget_10", "budget_06") if ctx.is_budget else ("final_09", "final_06")
    out = []
    for item, economic_code, label in THREE_PUBLIC_ECONOMIC:
        three = ctx.data.three_public_amount(stage, (item,), funds=FISCAL_FUNDS)
        basic = ctx.data.economic.total(economic_code)
        if w(basic) > w(three):
            lines = [t for t in ctx.data.three_public if t.item == item and t.stage == stage]
            out.append(
                issue(
                    f"{ctx.label(key)}{label}{fmt(w(three))}万元，少于{ctx.label(other)}基本支出中的{label}"
                    f"{fmt(w(basic))}万元（“三公”经费含基本支出和项目支出，不应小于基本支出中的同项）",
                    ctx.location(key, label, "合计"),
                    expected=w(basic),
                    actual=w(three),
                    fix_url=admin_url("disclosures_threepublicline", lines[0].pk)
                    if lines
                    else ctx.economic_url(economic_code),
                )
            )
    return out


@rule("B13-three-public", ERROR, "表十“三公”经费与表六公务接待费、公务用车运行维护费", "budget")
def check_budget_three_public(ctx: DisclosureContext) -> list[Finding]:
    """INV-B13 (合计 = parts holds by construction of 表十)."""
    return _three_public(ctx)


@rule("F13-three-public", ERROR, "公开09表“三公”经费与公开06表公务接待费、公务用车运行维护费", "final")
def check_final_three_public(ctx: DisclosureContext) -> list[Finding]:
    """INV-F13 (INV-F12 holds by construction of 公开09表)."""
    return _three_public(ctx)


@rule("B14-project-total", ERROR, "表十二项目合计 = 项目支出（不含上年结转）", "budget")
def check_project_total(ctx: DisclosureContext) -> list[Finding]:
    """INV-B14: Σ 表十二 project rows = 表三/表五 项目支出 of the current year."""
    projects = [p for p in ctx.data.projects if not p.carryover]
    spending = ctx.data.functions.value(None, ["project"], carryover=False)
    if not projects and spending is None:
        return []
    total = add(*(w(p.total) for p in projects)) or ZERO
    difference = total - w(spending)
    if not difference:
        return []
    return [
        issue(
            f"表十二{len(projects)}个项目合计{fmt(total)}万元，表三/表五项目支出（不含上年结转）{fmt(w(spending))}万元，"
            f"{tail_note(difference, len(projects))}",
            ctx.location("budget_12", ctx.data.unit_name, "合计"),
            expected=w(spending),
            actual=total,
            severity=classify_difference(difference, len(projects)),
            fix_url=admin_url("disclosures_projectline", projects[0].pk) if projects else ctx.disclosure_url,
        )
    ]


@rule("B15-carryover", ERROR, "表十三上年结转项目合计 = 表一上年结转 = 表三结转科目", "budget")
def check_carryover(ctx: DisclosureContext) -> list[Finding]:
    """INV-B15."""
    projects = [p for p in ctx.data.projects if p.carryover]
    carry = ctx.data.functions.value(None, BUDGET_MEASURES, carryover=True)
    total = add(*(w(p.total) for p in projects)) or ZERO
    difference = total - w(carry)
    if not difference:
        return []
    return [
        issue(
            f"表十三{len(projects)}个上年结转项目合计{fmt(total)}万元，表一上年结转{fmt(w(carry))}万元，"
            f"{tail_note(difference, len(projects))}",
            ctx.location("budget_13", ctx.data.unit_name, "合计"),
            expected=w(carry),
            actual=total,
            severity=classify_difference(difference, len(projects)),
            fix_url=admin_url("disclosures_projectline", projects[0].pk) if projects else ctx.disclosure_url,
        )
    ]


def _annual(form) -> Any:
    return next((x for x in form.funding.all() if x.period == "annual"), None)


@rule("B16-forms", ERROR, "表十二每个项目有绩效目标表，年度资金总额 = 项目金额", "budget")
def check_forms_match_projects(ctx: DisclosureContext) -> list[Finding]:
    """INV-B16 (Q12): one form per 表十二 row with 年度资金总额/10000 = the row; Σ forms = 表十二 total."""
    projects = [p for p in ctx.data.projects if not p.carryover]
    if not projects:
        return []
    forms = ctx.forms
    by_project: dict[int, list] = {}
    for form in forms:
        if form.project_id:
            by_project.setdefault(form.project_id, []).append(form)
    out = []
    for p in projects:
        linked = by_project.get(p.pk, [])
        if not linked:
            out.append(
                issue(
                    f"表十二项目“{p.name}”（{fmt(w(p.total))}万元）没有对应的绩效目标表",
                    ctx.location("budget_12", p.name, "合计"),
                    expected=w(p.total),
                    actual=None,
                    fix_url=admin_url("disclosures_projectline", p.pk),
                )
            )
            continue
        for form in linked:
            annual = _annual(form)
            amount = annual.total if annual is not None else None
            location = Location(
                table="budget_12",
                table_label=ctx.label("budget_12"),
                row_code=p.name,
                column="年度资金总额",
                form_id=form.pk,
                form_name=form.project_name,
                source_line=form.source_line,
            )
            fix = (
                admin_url("performance_targetfunding", annual.pk)
                if annual
                else admin_url("performance_targetform", form.pk)
            )
            if amount is None:
                out.append(
                    issue(
                        f"绩效目标表“{form.project_name or '（无项目名称）'}”年度资金总额为空，"
                        f"表十二“{p.name}”为{fmt(w(p.total))}万元",
                        location,
                        expected=w(p.total),
                        actual=None,
                        fix_url=fix,
                    )
                )
            elif w(amount) != w(p.total):
                out.append(
                    issue(
                        f"绩效目标表“{form.project_name}”年度资金总额{amount:,.2f}元（{fmt(w(amount))}万元），"
                        f"表十二“{p.name}”为{fmt(w(p.total))}万元",
                        location,
                        expected=w(p.total),
                        actual=w(amount),
                        fix_url=fix,
                    )
                )
    for form in forms:
        if form.project_id is None or form.project_id not in {p.pk for p in projects}:
            out.append(
                issue(
                    f"绩效目标表“{form.project_name or '（无项目名称）'}”未对应到表十二的项目",
                    Location(
                        table="budget_12",
                        table_label=ctx.label("budget_12"),
                        form_id=form.pk,
                        form_name=form.project_name,
                        source_line=form.source_line,
                    ),
                    fix_url=admin_url("performance_targetform", form.pk),
                )
            )
    table_total = add(*(w(p.total) for p in projects)) or ZERO
    form_total = add(*(w(a.total) for f in forms if (a := _annual(f)) is not None and a.total is not None)) or ZERO
    difference = form_total - table_total
    if classify_difference(difference, len(projects)) == ERROR or (difference and not out):
        out.append(
            issue(
                f"{len(forms)}张绩效目标表年度资金总额合计{fmt(form_total)}万元，表十二{len(projects)}个项目合计"
                f"{fmt(table_total)}万元，{tail_note(difference, len(projects))}",
                ctx.location("budget_12", ctx.data.unit_name, "合计"),
                expected=table_total,
                actual=form_total,
                severity=classify_difference(difference, len(projects)),
                fix_url=ctx.disclosure_url,
            )
        )
    return out


@rule("Q29-duplicate-projects", WARNING, "表十二项目名称重复", "budget")
def check_duplicate_projects(ctx: DisclosureContext) -> list[Finding]:
    """Q29: the same project name on several 表十二 rows (002: Z森林防火工作经费 10.00 and 100.00)."""
    rows: dict[str, list] = {}
    for p in ctx.data.projects:
        if not p.carryover:
            rows.setdefault(_normalise_name(p.name), []).append(p)
    out = []
    for projects in rows.values():
        if len(projects) < 2:
            continue
        amounts = "、".join(f"{fmt(w(p.total))}万元" for p in projects)
        out.append(
            issue(
                f"表十二“{projects[0].name}”出现{len(projects)}次（{amounts}），请确认是不同项目并在名称上区分",
                ctx.location("budget_12", projects[0].name, "项目名称"),
                expected="1",
                actual=str(len(projects)),
                fix_url=admin_url("disclosures_projectline", projects[1].pk),
            )
        )
    return out


def _normalise_name(name: str) -> str:
    table = str.maketrans("（）“”", '()""')
    return re.sub(r"\s", "", name.translate(table))


@rule("Q21-project-name", WARNING, "绩效目标表项目名称与表十二一致", "budget")
def check_project_names(ctx: DisclosureContext) -> list[Finding]:
    """Q21: the importer matched a form to a 表十二 row by a similar name; the names should be identical."""
    out = []
    for form in ctx.forms:
        project = form.project
        if project is None or not form.project_name:
            continue
        if _normalise_name(project.name) != _normalise_name(form.project_name):
            out.append(
                issue(
                    f"绩效目标表项目名称“{form.project_name}”与表十二“{project.name}”不一致",
                    Location(
                        table="budget_12",
                        table_label=ctx.label("budget_12"),
                        row_code=project.name,
                        column="项目名称",
                        form_id=form.pk,
                        form_name=form.project_name,
                        source_line=form.source_line,
                    ),
                    expected=project.name,
                    actual=form.project_name,
                    fix_url=admin_url("performance_targetform", form.pk),
                )
            )
    return out


# ---------------------------------------------------------------- final accounts: balances


def _fund_groups() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(label, FunctionLine funds, Balance funds) per group whose carry-over rolls on its own."""
    fiscal = [(Fund(f).label, (f,), (f,)) for f in FISCAL_FUNDS]
    others = tuple(f for f in Fund.values if f not in FISCAL_FUNDS)
    return [*fiscal, ("非财政拨款资金", others, others)]


@rule("F08-carryover-roll", ERROR, "结转结余：年初 + 本年收入 − 本年支出 − 结余分配 = 年末（分资金来源）", "final")
def check_carryover_roll(ctx: DisclosureContext) -> list[Finding]:
    """INV-F8, per fiscal fund and for non-fiscal money together."""
    f, d = ctx.data.functions, ctx.data
    out = []
    for label, funds, balance_funds in _fund_groups():
        opening = d.balance("opening", balance_funds)
        used = d.balance("surplus_used", balance_funds)
        income = f.value(None, ["income"], funds=funds)
        spent = f.value(None, EXPENSE_MEASURES, funds=funds)
        distribution = d.balance("distribution", balance_funds)
        closing = d.balance("closing", balance_funds)
        if all(v is None for v in (opening, used, income, spent, distribution, closing)):
            continue
        derived = w(opening) + w(used) + w(income) - w(spent) - w(distribution)
        difference = w(closing) - derived
        if not difference:
            continue
        out.append(
            issue(
                f"{label}：年初结转和结余{fmt(w(opening))} + 使用结余{fmt(w(used))} + 本年收入{fmt(w(income))} − "
                f"本年支出{fmt(w(spent))} − 结余分配{fmt(w(distribution))} = {fmt(derived)}万元，"
                f"年末结转和结余印为{fmt(w(closing))}万元",
                ctx.location("final_01", "年末结转和结余", label),
                expected=derived,
                actual=w(closing),
                fix_url=next(
                    (admin_url("disclosures_balance", b.pk) for b in d.balances if b.item == "closing"),
                    ctx.disclosure_url,
                ),
            )
        )
    return out


@rule("F09-opening-fiscal", WARNING, "年初结转和结余与公开04表年初财政拨款结转和结余", "final")
def check_opening_fiscal(ctx: DisclosureContext) -> list[Finding]:
    """INV-F9: an opening balance held entirely as non-fiscal money by a unit with (almost) no non-fiscal income."""
    d, f = ctx.data, ctx.data.functions
    opening = d.balance("opening")
    fiscal_opening = d.balance("opening", FISCAL_FUNDS)
    if not w(opening) or w(fiscal_opening):
        return []
    others = tuple(x for x in Fund.values if x not in FISCAL_FUNDS)
    income = f.value(None, ["income"])
    non_fiscal_income = f.value(None, ["income"], funds=others)
    if w(income) and w(non_fiscal_income) * 20 > w(income):  # ≥ 5 % own income: a non-fiscal balance is plausible
        return []
    return [
        issue(
            f"公开01表年初结转和结余{fmt(w(opening))}万元，公开04表年初财政拨款结转和结余为空，即全部为非财政拨款资金；"
            f"而本年非财政拨款收入仅{fmt(w(non_fiscal_income))}万元，请确认结转资金的来源",
            ctx.location("final_04", "年初财政拨款结转和结余", "金额"),
            expected=w(opening),
            actual=w(fiscal_opening),
            fix_url=next(
                (admin_url("disclosures_balance", b.pk) for b in d.balances if b.item == "opening"),
                ctx.disclosure_url,
            ),
        )
    ]


# ================================================================ completeness


REQUIRED_SECTIONS = {
    "budget": [
        ("收入预算", "收入预算情况说明"),
        ("支出预算", "支出预算情况说明"),
        ("财政拨款收支", "财政拨款收支预算总体情况说明"),
        ("一般公共预算", "一般公共预算支出情况说明"),
        ("基本支出", "一般公共预算基本支出情况说明"),
        ("三公", "“三公”经费增减变动原因说明"),
        ("机关运行经费", "机关运行经费增减变动原因说明"),
        ("政府采购", "政府采购情况"),
        ("绩效", "绩效管理情况（绩效目标）"),
        ("国有资产", "国有资产占有使用情况"),
    ],
    "final": [
        ("收入支出决算总体", "收入支出决算总体情况说明"),
        ("收入决算", "收入决算情况说明"),
        ("支出决算", "支出决算情况说明"),
        ("财政拨款收支", "财政拨款收支决算总体情况说明"),
        ("一般公共预算财政拨款支出", "一般公共预算财政拨款支出决算情况说明"),
        ("基本支出", "一般公共预算财政拨款基本支出决算情况说明"),
        ("政府性基金", "政府性基金预算财政拨款收支决算情况说明"),
        ("国有资本经营", "国有资本经营预算财政拨款支出决算情况说明"),
        ("三公", "财政拨款“三公”经费支出决算情况说明"),
        ("机关运行经费", "机关运行经费支出情况说明"),
        ("政府采购", "政府采购情况说明"),
        ("国有资产", "国有资产占用情况说明"),
        ("绩效", "预算绩效情况说明"),
    ],
}
GLOSSARY_TERMS = ("基本支出", "项目支出", "三公", "机关运行经费")


def _compact(text: str) -> str:
    return re.sub(r"[\s“”\"（）()]", "", text)


@rule("C01-tables", ERROR, "公开表齐全", "disclosure")
def check_tables_present(ctx: DisclosureContext) -> list[Finding]:
    """Every official table printed by an imported document (表一–表十三 / 公开01–10表)."""
    if ctx.disclosure.source_document_id is None:
        return []  # entered data: every table is rendered from the facts
    printed = {t.key for t in ctx.source_tables}
    return [
        issue(
            f"导入的原文缺少{table.label}“{table.title}”",
            ctx.location(key),
            expected=table.label,
            actual=None,
            fix_url=ctx.disclosure_url,
        )
        for key, table in ctx.tables.items()
        if key not in printed
    ]


def _has_amount_rows(source: SourceTable) -> bool:
    from disclosures.sourcecheck import _parse, text_columns

    texts = text_columns(source.key)
    return any(_parse(cell) is not None for row in source.rows for i, cell in enumerate(row["cells"]) if i not in texts)


def _has_nonzero(table: Table) -> bool:
    """Any non-zero amount (a projection of zero facts prints 0.00 cells, which is still no data)."""
    return any(
        isinstance(value, Decimal) and value != 0
        for row in table.rows
        for value, column in zip(row.cells, table.columns, strict=True)
        if column.kind in {"amount", "count"}
    )


@rule("C02-empty-table", WARNING, "空表注明“本表无数据”", "disclosure")
def check_empty_tables(ctx: DisclosureContext) -> list[Finding]:
    """An empty table keeps its header and prints 本表无数据; a table marked so lists no figures (Q26)."""
    out = []
    for source in ctx.source_tables:
        table = ctx.table(source.key)
        if table is None:
            continue
        url = admin_url("disclosures_sourcetable", source.pk)
        location = ctx.location(source.key, source_line=source.line)
        noted = "本表无数据" in (source.empty_note or "")
        listed = _has_amount_rows(source)
        has_data = _has_nonzero(table)
        if noted and has_data:
            out.append(
                issue(
                    f"{table.label}注明“本表无数据”，但数据中该表有金额",
                    location,
                    expected="有数据",
                    actual=source.empty_note,
                    severity=ERROR,
                    fix_url=url,
                )
            )
        elif noted and listed:
            out.append(
                issue(
                    f"{table.label}注明“本表无数据”却列出了金额行（如0.00），应只保留表头、合计行和说明",
                    location,
                    expected=table.empty_note,
                    actual="列出金额行",
                    fix_url=url,
                )
            )
        elif not has_data and not noted:
            out.append(
                issue(
                    f"{table.label}没有数据，但原文未注明“{table.empty_note}”",
                    location,
                    expected=table.empty_note,
                    actual=source.empty_note or None,
                    fix_url=url,
                )
            )
    return out


@rule("C03-function-depth", ERROR, "功能分类列到项级科目", "disclosure")
def check_function_depth(ctx: DisclosureContext) -> list[Finding]:
    out = []
    key = "budget_03" if ctx.is_budget else "final_03"
    for line in ctx.function_lines:
        if line.reported_subtotal or not line.function_id or len(line.function.code) == 7:
            continue
        level = {3: "类", 5: "款"}.get(len(line.function.code), "")
        out.append(
            issue(
                f"功能分类金额列在“{line.function.code} {line.function.name}”（{level}级），应细化到项级（7位）科目",
                ctx.location(key, line.function.code, "科目编码"),
                expected="7位项级科目",
                actual=line.function.code,
                fix_url=admin_url("disclosures_functionline", line.pk),
            )
        )
    return out


@rule("C04-economic-depth", ERROR, "经济分类列到款级科目", "disclosure")
def check_economic_depth(ctx: DisclosureContext) -> list[Finding]:
    out = []
    key = "budget_06" if ctx.is_budget else "final_06"
    for line in ctx.economic_lines:
        if line.reported_subtotal:
            continue
        code = line.economic_class.code if line.economic_class_id else ""
        if len(code) == 5:
            continue
        out.append(
            issue(
                f"经济分类金额列在“{code or '合计'} {line.economic_class.name if line.economic_class_id else ''}”，"
                "应细化到款级（5位）科目",
                ctx.location(key, code or "合计", "科目"),
                expected="5位款级科目",
                actual=code or None,
                fix_url=admin_url("disclosures_economicline", line.pk),
            )
        )
    return out


@rule("C05-sections", ERROR, "情况说明各部分齐全", "disclosure")
def check_sections(ctx: DisclosureContext) -> list[Finding]:
    """三公, 机关运行经费, 政府采购, 国有资产, 绩效 … sections present and not empty."""
    sections = ctx.narrative_sections
    out = []
    for keyword, title in REQUIRED_SECTIONS[ctx.kind]:
        found = [s for s in sections if keyword in _compact(s.heading)]
        if not found:
            out.append(
                issue(
                    f"情况说明缺少“{title}”部分",
                    Location(section=title),
                    expected=title,
                    actual=None,
                    fix_url=ctx.disclosure_url,
                )
            )
            continue
        section = found[0]
        if not section.body.strip() and not _children(sections, section):
            out.append(
                issue(
                    f"情况说明“{section.heading}”没有正文",
                    Location(section=section.heading),
                    expected="正文",
                    actual=None,
                    severity=WARNING,
                    fix_url=ctx.section_url(section),
                )
            )
    return out


def _children(sections: list[Section], parent: Section) -> list[Section]:
    index = sections.index(parent)
    out = []
    for section in sections[index + 1 :]:
        if section.level <= parent.level:
            break
        out.append(section)
    return out


THREE_PUBLIC_PARTS = (
    ("因公出国", "因公出国（境）费"),
    ("公务接待", "公务接待费"),
    ("公务用车购置", "公务用车购置费"),
    ("公务用车运行", "公务用车运行维护费"),
)


@rule("C06-three-public-parts", WARNING, "“三公”经费说明逐项说明", "disclosure")
def check_three_public_parts(ctx: DisclosureContext) -> list[Finding]:
    sections = ctx.narrative_sections
    head = next((s for s in sections if "三公" in s.heading), None)
    if head is None:
        return []  # C05 reports the missing section
    text = _compact(head.body + "".join(s.heading + s.body for s in _children(sections, head)))
    return [
        issue(
            f"“{head.heading}”未说明{label}",
            Location(section=head.heading, row_code=label),
            expected=label,
            actual=None,
            fix_url=ctx.section_url(head),
        )
        for word, label in THREE_PUBLIC_PARTS
        if word not in text
    ]


@rule("C07-glossary", ERROR, "名词解释齐全", "disclosure")
def check_glossary(ctx: DisclosureContext) -> list[Finding]:
    glossary = [s for s in ctx.sections if s.part == Section.Part.GLOSSARY]
    if not glossary:
        return [
            issue(
                "缺少第四部分“名词解释”", Location(section="名词解释"), expected="名词解释", fix_url=ctx.disclosure_url
            )
        ]
    text = _compact("".join(s.heading + s.body for s in glossary))
    return [
        issue(
            f"名词解释未解释“{term}”",
            Location(section="名词解释", row_code=term),
            expected=term,
            severity=WARNING,
            fix_url=ctx.section_url(glossary[0]),
        )
        for term in GLOSSARY_TERMS
        if term not in text
    ]


@rule("C08-narrative-placeholder", WARNING, "情况说明没有未填写的占位内容", "disclosure")
def check_narrative_placeholders(ctx: DisclosureContext) -> list[Finding]:
    """Text generated from the data keeps （请填写） / （上年数据未入库…） where facts are missing: fill them in."""
    from disclosures.narrative import FILL, NO_PREVIOUS, placeholder_spans

    out = []
    for section in ctx.sections:
        if count := len(placeholder_spans(section.body)):
            out.append(
                issue(
                    f"“{section.heading}”有{count}处未填写的内容（{FILL}或{NO_PREVIOUS}）",
                    Location(section=section.heading),
                    expected="已填写",
                    actual=str(count),
                    fix_url=ctx.section_url(section),
                )
            )
    return out


# ================================================================ source document vs projection


@rule("X01-source-cell", WARNING, "原文所印数字与按数据生成的表一致", "disclosure")
def check_source_cells(ctx: DisclosureContext) -> list[Finding]:
    """Every CellDifference between an imported table as printed and its projection (sourcecheck.compare)."""
    from disclosures.importing.parsed import SourceRow
    from disclosures.sourcecheck import compare

    out = []
    for source in ctx.source_tables:
        table = ctx.table(source.key)
        if table is None:
            continue
        rows = [SourceRow(line=r["line"], cells=r["cells"]) for r in source.rows]
        for diff in compare(rows, table):
            index = diff.column - 1
            column = "/".join(table.columns[index].path) if 0 <= index < len(table.columns) else f"第{diff.column}列"
            out.append(
                issue(
                    diff.message,
                    ctx.location(source.key, diff.row_key, column, source_line=diff.line),
                    expected=diff.projected or None,
                    actual=diff.printed or None,
                    fix_url=ctx.disclosure_url,
                )
            )
    return out


# ================================================================ narrative vs data

_NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|（请填写）")
_NOT_A_QUANTITY = re.compile(r"\s*(?:[年月日、号]|[-—~至]\d+[年月日])")
_UNIT = re.compile(r"\s*(万元|万|元|%|％|个|辆车|辆|人次|批次|次|台（套）|台\(套\)|台|套|平方米|人|项|张|条|场|家|期)")
_SENTENCE = re.compile(r"[。；;\n]")
_CLAUSE = re.compile(r"[，,：:、（）()]")
_LEADING = re.compile(r"^(?:\d{4}年度?|截至\d{4}年\d+月\d+日|其中|主要包括|主要用于以下方面|本单位|本部门（单位）)+")
_CHANGE = re.compile(r"增加|减少|增长|下降|持平|相同|上年|较上|比\d{4}")
PLACEHOLDERS = ("请填写", "未入库", "待补充")
FILL_MARK = "（请填写）"


@dataclass
class Mention:
    """One number written in a narrative text (or a placeholder of the generated text), with its label."""

    value: Decimal | None  # None: a placeholder （请填写） where the data has no figure
    text: str  # as written
    unit: str
    label: str  # words right before it, within its clause
    context: str  # label of the number before it in the same sentence
    head: str  # start of its sentence (years and unit name stripped)
    sentence: str
    index: int
    position: int = 0  # where the number starts in its sentence

    @property
    def kind(self) -> str:
        if self.unit in ("%", "％"):
            return "percent"
        if self.unit in ("万元", "万", "元"):
            return "amount"
        return "count"

    @property
    def is_change(self) -> bool:
        return bool(_CHANGE.search(self.label))


def mentions(text: str, unit_name: str = "") -> list[Mention]:
    """Every quantity in ``text`` (years, dates and list markers skipped) with its label and sentence."""
    found: list[Mention] = []
    index = 0
    for sentence in _SENTENCE.split(text):
        if not sentence.strip():
            continue
        compact_sentence = sentence.replace(unit_name, "") if unit_name else sentence
        head = _LEADING.sub("", re.sub(r"[\s，,：:]", "", compact_sentence))[:12]
        previous_label = ""
        last_end = 0
        for match in _NUMBER.finditer(sentence):
            placeholder = match.group() == FILL_MARK
            if not placeholder and _NOT_A_QUANTITY.match(sentence, match.end()):
                continue
            before = sentence[last_end : match.start()]
            clause = _CLAUSE.split(before)[-1]
            label = re.sub(r"[\s\d.,%％]", "", clause)
            if unit_name:
                label = label.replace(unit_name, "")
            label = _LEADING.sub("", label)
            unit_match = _UNIT.match(sentence, match.end())
            unit = unit_match.group(1) if unit_match else ""
            last_end = unit_match.end() if unit_match else match.end()
            try:
                value = None if placeholder else Decimal(match.group().replace(",", ""))
            except InvalidOperation:
                continue
            found.append(
                Mention(value, match.group(), unit, label, previous_label, head, sentence, index, match.start())
            )
            previous_label = label or previous_label
            index += 1
    return found


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _score(a: Mention, b: Mention) -> int:
    if a.kind != b.kind or a.is_change != b.is_change:
        return 0
    if a.kind == "count" and a.unit[:1] != b.unit[:1]:
        return 0
    suffix = _common_suffix(a.label, b.label)
    if a.label == b.label:
        score = 100 * max(len(a.label), 1)
    elif suffix >= 2:
        score = 100 * suffix
    elif a.label and b.label and SequenceMatcher(None, a.label, b.label).ratio() >= 0.75:
        score = 50 * min(len(a.label), len(b.label))
    else:
        return 0
    return score + 10 * _common_suffix(a.context, b.context) + 5 * _common_prefix(a.head, b.head)


@dataclass
class NumberCheck:
    """One number of a section's text compared with what the data gives."""

    mention: Mention
    expected: Mention | None  # the generated number it corresponds to
    status: str  # ok | mismatch | external | unverified


def compare_text(written: str, generated: str, unit_name: str = "", alternatives: Iterable[Decimal] = ()) -> list:
    """Align every number of ``written`` with the generated text by its label and compare the values."""
    source = [m for m in mentions(written, unit_name) if m.value is not None]  # a written （请填写） is C08
    produced = mentions(generated, unit_name)
    accepted = set(alternatives)
    used: set[int] = set()
    last = -1
    checks = []
    for m in source:
        scored = [(_score(m, g), g) for g in produced if g.index not in used]
        scored = [(s, g) for s, g in scored if s > 0]
        if not scored:
            if m.value == 0 or m.value in accepted or any(g.value == m.value and g.kind == m.kind for g in produced):
                checks.append(NumberCheck(m, None, "ok"))  # zero, an accepted figure, or stated with other words
            else:
                external = any(p in generated for p in PLACEHOLDERS)
                checks.append(NumberCheck(m, None, "external" if external else "unverified"))
            continue
        best = max(scored, key=lambda sg: (sg[0], -abs(sg[1].index - (last + 1))))[1]
        used.add(best.index)
        last = best.index
        if best.value is None:
            checks.append(NumberCheck(m, best, "ok" if m.value in accepted or m.value == 0 else "external"))
        elif best.value == m.value or m.value in accepted:
            checks.append(NumberCheck(m, best, "ok"))
        elif any(g.value == m.value and g.label == m.label for g in produced if g.index not in used):
            checks.append(NumberCheck(m, best, "ok"))  # same label written in another order
        else:
            checks.append(NumberCheck(m, best, "mismatch"))
    return checks


def _normalise_heading(text: str) -> str:
    return re.sub(r"[\s“”\"]", "", text)


def _heading_number(heading: str) -> str:
    match = re.match(r"^\s*(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)", heading)
    return match.group(1) if match else ""


def match_sections(sections: list[Section], items: list) -> list[tuple[Section, Any]]:
    """Pair stored sections with generated items: by heading, else by numbering (parent 一、 + child （一）)."""
    by_heading = {_normalise_heading(i.heading): i for i in items}
    by_number: dict[tuple[str, str], Any] = {}
    parent = ""
    for item in items:
        if item.level == 1:
            parent = _heading_number(item.heading)
            by_number[(parent, "")] = item
        else:
            by_number[(parent, _heading_number(item.heading))] = item
    out = []
    parent = ""
    for section in sections:
        number = _heading_number(section.heading)
        if section.level == 1 or not number.startswith("（"):
            parent = number
            key = (parent, "")
        else:
            key = (parent, number)
        item = by_heading.get(_normalise_heading(section.heading)) or (by_number.get(key) if number else None)
        out.append((section, item))
    return out


def _external_reason(m: Mention) -> str:
    if "年初预算" in m.label or "完成年初预算" in m.label:
        return "年初预算数未入库"
    if _CHANGE.search(m.label) or _CHANGE.search(m.context):
        return "上年数据未入库"
    return "数据库中没有对应数据"


def _narrative_findings(
    ctx: DisclosureContext,
    section: Section,
    item: Any,
    *,
    alternatives: Iterable[Decimal] = (),
    amount_severity: str = ERROR,
) -> list[Finding]:
    generated = "\n".join(item.paragraphs)
    out = []
    url = ctx.section_url(section)

    def location(m: Mention) -> Location:
        return Location(section=section.heading, row_code=(m.label or _excerpt(m))[:64], column=m.unit)

    has_generated_numbers = any(m.value is not None for m in mentions(generated, ctx.data.unit_name))
    unverified: list[Mention] = []
    reported: set[tuple] = set()
    for check in compare_text(section.body, generated, ctx.data.unit_name, alternatives):
        m = check.mention
        if check.status != "ok":
            key = (check.status, m.value, m.unit, m.label)
            if key in reported:
                continue  # the same figure written twice (收入总计 and 支出总计 …) is reported once
            reported.add(key)
        if check.status == "mismatch" and check.expected is not None:
            severity = amount_severity if m.kind == "amount" else ERROR
            out.append(
                issue(
                    f"“{section.heading}”中“{_excerpt(m)}”写为{m.text}{m.unit}，"
                    f"按数据应为{check.expected.text}{check.expected.unit}（“{_excerpt(check.expected)}”）",
                    location(m),
                    expected=check.expected.value,
                    actual=m.value,
                    severity=severity,
                    fix_url=url,
                )
            )
        elif check.status in ("external", "unverified"):
            if not has_generated_numbers:
                unverified.append(m)
                continue
            out.append(
                issue(
                    f"“{section.heading}”中“{_excerpt(m)}”的{m.text}{m.unit}无法由已入库数据核对"
                    f"（{_external_reason(m)}），请人工核对",
                    location(m),
                    actual=m.value,
                    severity=INFO,
                    fix_url=url,
                )
            )
    if unverified:
        shown = "、".join(f"{m.text}{m.unit}" for m in unverified[:6]) + ("等" if len(unverified) > 6 else "")
        out.append(
            issue(
                f"“{section.heading}”含{len(unverified)}个数字（{shown}），数据库中没有可核对的数据，请人工核对",
                Location(section=section.heading),
                actual=str(len(unverified)),
                severity=INFO,
                fix_url=url,
            )
        )
    return out


_BREAK = re.compile(r"[，；;：:]|,(?!\d{3})")


def _excerpt(m: Mention) -> str:
    """The clause around a number, for messages (a thousands separator is not a clause break)."""
    sentence, position = m.sentence, m.position
    start = max((b.end() for b in _BREAK.finditer(sentence, 0, position)), default=0)
    following = _BREAK.search(sentence, position + len(m.text))
    end = following.start() if following else len(sentence)
    return sentence[start:end].strip()[:60]


OWNED_ITEMS = {"budget.performance", "final.general.detail", "final.other.performance"}


def _narrative(ctx: DisclosureContext) -> list[Finding]:
    out = []
    for section, item in ctx.section_items:
        if item is None or item.key in OWNED_ITEMS or not section.body.strip():
            continue
        out += _narrative_findings(ctx, section, item)
    return out


@rule("B19-narrative", ERROR, "情况说明中的金额、占比与表列数据一致", "budget")
def check_budget_narrative(ctx: DisclosureContext) -> list[Finding]:
    """INV-B19: every amount and share of each 情况说明 item against the text the data gives."""
    return _narrative(ctx)


@rule("F16-narrative", ERROR, "情况说明中的金额、占比与决算表一致", "final")
def check_final_narrative(ctx: DisclosureContext) -> list[Finding]:
    """INV-F16."""
    return _narrative(ctx)


def _item_section(ctx: DisclosureContext, key: str) -> tuple[Section | None, Any]:
    return next(((s, i) for s, i in ctx.section_items if i is not None and i.key == key), (None, None))


@rule("B20-project-count", ERROR, "绩效管理情况：项目个数、金额与表十二一致", "budget")
def check_performance_section(ctx: DisclosureContext) -> list[Finding]:
    """INV-B20: 十、绩效管理情况 (project count and amount) against 表十二 and the target forms."""
    section, item = _item_section(ctx, "budget.performance")
    if section is None or not section.body.strip():
        return []
    f = ctx.data.functions
    alternatives = {
        w(f.value(None, ["project"], carryover=False)),
        w(f.value(None, ["project"], funds=[Fund.GENERAL], carryover=False)),
    }
    return _narrative_findings(ctx, section, item, alternatives=alternatives)


@rule("F19-self-evaluations", ERROR, "预算绩效情况：自评项目个数、等级与所附自评表一致", "final")
def check_self_evaluation_section(ctx: DisclosureContext) -> list[Finding]:
    """INV-F19 / Q28: 十（四） counts against the attached self-evaluation forms (the amount only warns:
    which 资金 the text sums is not stated)."""
    section, item = _item_section(ctx, "final.other.performance")
    if section is None or not section.body.strip():
        return []
    return _narrative_findings(ctx, section, item, amount_severity=WARNING)


_YEAR_START = re.compile(r"年初预算\s*([\d,]+(?:\.\d+)?)\s*万元")
_SPENT = re.compile(r"支出决算\s*([\d,]+(?:\.\d+)?)\s*万元")
_COMPLETION = re.compile(r"完成年初预算的\s*([\d.]+)\s*%")
_DELTA = re.compile(r"(增加|减少)了?\s*([\d,]+(?:\.\d+)?)\s*万元")


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@rule("F17-initial-budget", ERROR, "一般公共预算财政拨款支出具体情况：年初预算、完成率、增减额相互一致", "final")
def check_initial_budget(ctx: DisclosureContext) -> list[Finding]:
    """INV-F17: Σ 类 年初预算 = stated total; 类 决算 = 公开05表; 完成率 = 决算/年初预算; Σ 类 增减 = total 增减."""
    section, item = _item_section(ctx, "final.general.detail")
    if section is None or not section.body.strip():
        return []
    out = _narrative_findings(ctx, section, item)
    location = Location(section=section.heading)
    url = ctx.section_url(section)
    paragraphs = [p for p in section.body.split("\n") if p.strip()]
    if not paragraphs:
        return out
    total_match = _YEAR_START.search(paragraphs[0])
    categories = [p for p in paragraphs[1:] if _YEAR_START.search(p)]
    if total_match and categories:
        stated = _dec(total_match.group(1))
        parts = [_dec(_YEAR_START.search(p).group(1)) for p in categories]
        summed = sum(parts, ZERO)
        if summed != stated:
            out.append(
                issue(
                    f"“{section.heading}”各类年初预算合计{fmt(summed)}万元（{' + '.join(fmt(x) for x in parts)}），"
                    f"与所写年初预算总数{fmt(stated)}万元不一致",
                    replace(location, row_code="各类年初预算合计"),
                    expected=stated,
                    actual=summed,
                    fix_url=url,
                )
            )
    for paragraph in paragraphs:
        start, spent, completion = (
            _YEAR_START.search(paragraph),
            _SPENT.search(paragraph),
            _COMPLETION.search(paragraph),
        )
        if not (start and spent and completion) or not _dec(start.group(1)):
            continue
        rate = (_dec(spent.group(1)) * 100 / _dec(start.group(1))).quantize(CENT, ROUND_HALF_UP)
        written = _dec(completion.group(1))
        if abs(rate - written) > CENT:
            out.append(
                issue(
                    f"“{section.heading}”中完成年初预算的{written}%与支出决算{spent.group(1)}万元/年初预算"
                    f"{start.group(1)}万元 = {rate}%不一致",
                    replace(location, row_code=paragraph[: start.start()][-20:] or "合计", column="完成年初预算"),
                    expected=rate,
                    actual=written,
                    fix_url=url,
                )
            )
    deltas = []
    for paragraph in categories:
        match = _DELTA.search(paragraph)
        if match:
            deltas.append(_dec(match.group(2)) * (1 if match.group(1) == "增加" else -1))
    total_section, _ = _item_section(ctx, "final.general.total")
    total_delta = _DELTA.search(total_section.body) if total_section is not None else None
    if total_delta and deltas and len(deltas) == len(categories):
        stated = _dec(total_delta.group(2)) * (1 if total_delta.group(1) == "增加" else -1)
        summed = sum(deltas, ZERO)
        if summed != stated:
            out.append(
                issue(
                    f"“{section.heading}”各类较上年增减合计{fmt(summed)}万元，与“{total_section.heading}”所写"
                    f"增减{fmt(stated)}万元不一致",
                    replace(location, row_code="各类较上年增减合计"),
                    expected=stated,
                    actual=summed,
                    fix_url=url,
                )
            )
    return out


_YOY = re.compile(
    r"(增加|减少)了?\s*([\d,]+(?:\.\d+)?)\s*万元\s*[，,]?\s*(?:增长|下降|增加|减少|增幅|降幅)了?\s*([\d.]+)\s*[%％]"
)
_AMOUNT_WAN = re.compile(r"([\d,]+(?:\.\d+)?)\s*万元")


def _yoy(ctx: DisclosureContext) -> list[Finding]:
    """比上年增加Δ万元，增长p%: p = Δ / (current − Δ) for the amount the sentence is about."""
    out = []
    for section in ctx.narrative_sections:
        for sentence in section.body.split("\n"):  # a paragraph: the amount may stand in an earlier sentence
            for match in _YOY.finditer(sentence):
                delta = _dec(match.group(2))
                signed = delta if match.group(1) == "增加" else -delta
                written = _dec(match.group(3))
                decimals = max(-written.as_tuple().exponent, 0)
                candidates = []  # (amount, its label) written before the change, in order
                for a in _AMOUNT_WAN.finditer(sentence, 0, match.start()):
                    if _dec(a.group(1)) != delta:
                        label = re.split(r"[，,。；;：:]", sentence[: a.start()])[-1]
                        candidates.append((_dec(a.group(1)), label))
                rates = [(delta * 100 / (c - signed), c, label) for c, label in candidates if c - signed > 0]
                if not rates:
                    continue
                step = Decimal(1).scaleb(-decimals)
                if any(
                    abs(r.quantize(step, ROUND_HALF_UP) - written) <= step or abs(r - written) <= CENT
                    for r, *_ in rates
                ):
                    continue
                # the figure the change is about: the first one that is neither a 年初预算 nor a 结转
                preferred = [r for r in rates if not re.search(r"年初预算|结转|完成", r[2])] or rates
                rate, current, _ = preferred[0]
                out.append(
                    issue(
                        f"“{section.heading}”中“{match.group(0)}”：按{fmt(current)}万元与增减额{fmt(delta)}万元，"
                        f"上年为{fmt(current - signed)}万元，增减幅度应为{rate.quantize(CENT, ROUND_HALF_UP)}%",
                        Location(section=section.heading, row_code=match.group(0)[:64], column="增减幅度"),
                        expected=rate.quantize(CENT, ROUND_HALF_UP),
                        actual=written,
                        fix_url=ctx.section_url(section),
                    )
                )
    return out


@rule("B19-yoy", ERROR, "情况说明增减幅度 = 增减额 ÷ 上年数", "budget")
def check_budget_yoy(ctx: DisclosureContext) -> list[Finding]:
    """DOMAIN §0 year-over-year: p = Δ / (current − Δ) × 100."""
    return _yoy(ctx)


@rule("F17-yoy", ERROR, "情况说明增减幅度 = 增减额 ÷ 上年数", "final")
def check_final_yoy(ctx: DisclosureContext) -> list[Finding]:
    """DOMAIN §0 / INV-F17 (24.04 % = Δ/current instead of Δ/previous)."""
    return _yoy(ctx)


_FLEET = re.compile(r"保有量共?\s*(\d+)\s*辆")


@rule("F18-vehicles", ERROR, "车辆数：公开10表、国有资产说明与“三公”经费说明一致", "final")
def check_vehicles(ctx: DisclosureContext) -> list[Finding]:
    """INV-F18 / Q28: 公务用车保有量 in 九（二） = 公开10表 车辆数合计; vehicle running costs need vehicles."""
    vehicles = sum(n or 0 for n in ctx.data.vehicles.values())
    out = []
    for section in ctx.narrative_sections:
        for match in _FLEET.finditer(section.body):
            written = int(match.group(1))
            if written != vehicles:
                out.append(
                    issue(
                        f"“{section.heading}”写公务用车保有量{written}辆，公开10表车辆数合计{vehicles}辆",
                        Location(
                            section=section.heading,
                            table="final_10",
                            table_label=ctx.label("final_10"),
                            row_code="车辆数合计",
                        ),
                        expected=Decimal(vehicles),
                        actual=Decimal(written),
                        fix_url=ctx.section_url(section),
                    )
                )
    operation = ctx.data.three_public_amount("actual", ("vehicle_operation",))
    if w(operation) and not vehicles:
        out.append(
            issue(
                f"公开09表公务用车运行维护费{fmt(w(operation))}万元，而公开10表车辆数合计为0辆",
                ctx.location("final_10", "车辆数合计", "统计数"),
                expected="≥1辆",
                actual=Decimal(0),
                severity=WARNING,
                fix_url=ctx.disclosure_url,
            )
        )
    return out
