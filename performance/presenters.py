"""Official grids of the performance forms, built in Python so the partials only loop and print.

``target_form_grid(form)`` lays out a 项目支出绩效目标表 (templates/performance/_target_form.html; the compact 004
variant goes to _compact_form.html) and ``self_evaluation_grid(evaluation)`` a 项目支出绩效自评表
(templates/performance/_self_evaluation.html). Every value comes back as the string to print.

Layout decisions
- Indicator tree: 一级 in template order (产出 → 效益 → 满意度 → 其他), 二级 in template order within it
  (数量 → 质量 → 时效 → 成本; 经济 → 社会 → 生态 → 可持续; 服务对象满意度), unrecognised 二级 after the known ones
  in printed order; 三级 in printed order. Each 一级 group is one ``IndicatorGroup`` (one <tbody>).
- 实施期 and 年度 sit side by side: inside one 一级/二级 the n-th 实施期 indicator shares a row with the n-th 年度
  one; a half with fewer indicators stays blank on the remaining rows. The 二级 cell of each half spans the whole
  二级 group and shows that half's printed label (the other half's, or the standard name, when it has none).
- The standard form prints every template 二级 even without a 三级 (经济效益 / 生态效益 / 可持续影响 …): missing
  ones come back as blank ``is_template`` rows. Their names follow the form's own spelling: without the 指标
  suffix when its printed 效益 labels have none (001 ``社会效益``), with it otherwise. The compact form and the
  self-evaluation print only the rows they have.
- Rowspans: ``level1_rowspan`` / ``level2_rowspan`` are set on the first row of their group and 0 elsewhere.
- Money: target forms in 元 (``format_yuan``: 1,930,000), the compact 金额 in 万元 with 2 decimals (50.00),
  self-evaluation funds in 万元 with up to 3 decimals (135.912, 174). Scores, weights and rates drop trailing zeros
  (95.60 → 95.6, 100.00 → 100). Blank stays blank, zero prints 0.
- Multi-line texts are split into paragraphs (one per printed line).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from disclosures.amounts import YUAN_PER_WAN, format_wan, format_yuan
from performance.models import (
    Indicator,
    IndicatorResult,
    Level1,
    Level2,
    Period,
    SelfEvaluation,
    TargetForm,
)
from performance.services import SHANGHAI

LEVEL1_ORDER = list(Level1.values)
LEVEL2_ORDER = list(Level2.values)
TEMPLATE_LEVEL2 = (  # 二级 rows the standard form prints whether filled or not, in printed order
    (Level1.OUTPUT, Level2.QUANTITY),
    (Level1.OUTPUT, Level2.QUALITY),
    (Level1.OUTPUT, Level2.TIMELINESS),
    (Level1.OUTPUT, Level2.COST),
    (Level1.OUTCOME, Level2.ECONOMIC),
    (Level1.OUTCOME, Level2.SOCIAL),
    (Level1.OUTCOME, Level2.ECOLOGICAL),
    (Level1.OUTCOME, Level2.SUSTAINABILITY),
    (Level1.SATISFACTION, Level2.SATISFACTION),
)
OUTCOME_LEVEL2 = {Level2.ECONOMIC, Level2.SOCIAL, Level2.ECOLOGICAL, Level2.SUSTAINABILITY}
SUFFIX_OPTIONAL = OUTCOME_LEVEL2 | {Level2.SATISFACTION}  # printed with or without 指标 (DOMAIN §4.1)
FUND_ROWS = (  # (field, 实施期 label, 年度 label)
    ("total", "实施期资金总额：", "年度资金总额："),
    ("central", "其中：中央财政资金", "其中：中央财政资金"),
    ("provincial", "省级财政资金", "省级财政资金"),
    ("local", "市县(区)财政资金", "市县(区)财政资金"),
    ("self_raised", "单位自筹", "单位自筹"),
    ("other", "其他资金", "其他资金"),
)
TARGET_TEXTS = (
    ("overview", "项目概况"),
    ("basis", "立项依据"),
    ("necessity", "项目设立必要性"),
    ("safeguards", "保证项目实施的制度、措施"),
    ("plan", "项目实施计划"),
)
THOUSANDTH = Decimal("0.001")

# Columns of the header tables (the partials' <colgroup>s): a row of one field spans all value columns,
# a row of two fields splits them.
TARGET_HEAD_SPANS = {1: (4,), 2: (2, 1)}  # 5 columns: label | sublabel | value | sublabel | value
COMPACT_HEAD_SPANS = {1: (3,), 2: (1, 1)}  # 4 columns: label | value | label | value
EVALUATION_HEAD_SPANS = {1: (9,), 2: (4, 4)}  # 10 columns, as the funds block


# --- formatting ---------------------------------------------------------------------------------------------------


def format_number(value: Decimal | None) -> str:
    """Score, weight or rate as printed: 95.60 → 95.6, 100.00 → 100, 1.60 → 1.6; blank for None."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_wan3(yuan: Decimal | None) -> str:
    """元 → 万元 with up to three decimals, as the self-evaluations print: 1359120 → 135.912, 1740000 → 174."""
    if yuan is None:
        return ""
    text = f"{(yuan / YUAN_PER_WAN).quantize(THOUSANDTH, ROUND_HALF_UP):,f}"
    return text.rstrip("0").rstrip(".")


def format_fill_date(form: TargetForm) -> str:
    """填报日期 as a date and time (the source prints a 14-digit stamp, 20260108105222, in Beijing time);
    the text as written when it did not parse."""
    if form.filled_at is None:
        return form.filled_at_raw
    return form.filled_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def paragraphs(text: str) -> tuple[str, ...]:
    """One paragraph per printed line, blank lines dropped."""
    return tuple(line.strip() for line in re.split(r"\r\n|\r|\n", text or "") if line.strip())


# --- grid parts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A labelled header/footer value; ``colspan`` is the number of grid columns its value cell takes."""

    label: str
    value: str
    colspan: int = 1
    css_class: str = ""


@dataclass(frozen=True)
class TextRow:
    label: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class FundsRow:
    """One line of the 项目资金（元） block: 实施期 label and amount | 年度 label and amount."""

    period_label: str
    period_amount: str
    annual_label: str
    annual_amount: str
    is_total: bool = False


@dataclass(frozen=True)
class IndicatorHalf:
    """The 实施期 or the 年度 half of an indicator row. ``level2`` is printed on the first row of the 二级 group."""

    level2: str = ""
    name: str = ""
    value: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.name or self.value)


@dataclass(frozen=True)
class IndicatorRow:
    level1: str  # 一级 label (on every row; printed where level1_rowspan > 0)
    level1_rowspan: int  # > 0 on the first row of its 一级 group: the rows the merged 一级 cell covers
    level2_rowspan: int  # > 0 on the first row of its 二级 group: the rows the merged 二级 cells cover
    period: IndicatorHalf
    annual: IndicatorHalf
    is_template: bool = False  # a 二级 the template prints without any 三级


@dataclass(frozen=True)
class IndicatorGroup:
    """One 一级 (one <tbody>)."""

    level1: str
    rows: tuple

    @property
    def rowspan(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class TargetFormGrid:
    pk: int
    project_name: str
    compact: bool
    title: str
    year_label: str
    header_rows: tuple[tuple[Field, ...], ...]
    funds_rows: tuple[FundsRow, ...]  # standard only
    amount: str  # 年度资金总额 in 万元 (the compact form's 金额（万元）)
    text_rows: tuple[TextRow, ...]  # 项目概况 … 项目实施计划; compact: 绩效目标
    goal_period: tuple[str, ...]
    goal_annual: tuple[str, ...]
    indicator_groups: tuple[IndicatorGroup, ...]
    footer: tuple[Field, ...]  # 负责人 / 经办人 / 联系电话 / 填报日期 (standard only)

    @property
    def indicator_rows(self) -> list[IndicatorRow]:
        return [row for group in self.indicator_groups for row in group.rows]


@dataclass(frozen=True)
class EvaluationFundsRow:
    """One line of 项目资金预算安排及执行进度（万元）."""

    label: str
    initial_declared: str
    initial_budgeted: str
    full_year_budget: str
    executed: str
    balance: str
    execution_rate: str
    score: str
    deviation: str


@dataclass(frozen=True)
class ResultRow:
    level1: str
    level1_rowspan: int
    level2: str
    level2_rowspan: int
    name: str
    initial_value: str
    adjusted_value: str
    actual_value: str
    weight: str
    score: str
    deviation: str


@dataclass(frozen=True)
class AnalysisItem:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class SelfEvaluationGrid:
    pk: int
    project_name: str
    title: str
    year_label: str
    header_rows: tuple[tuple[Field, ...], ...]
    split_initial: bool  # 年初预算数 printed as 目标申报数 | 预算编制数 (else one merged column)
    funds_rows: tuple[EvaluationFundsRow, ...]
    annual_goal: tuple[str, ...]
    actual_result: tuple[str, ...]
    indicator_groups: tuple[IndicatorGroup, ...]
    total_score: str
    grade: str
    analysis: tuple[AnalysisItem, ...]

    @property
    def funds_header_rowspan(self) -> int:
        """Header rows of the funds block: two when 年初预算数 is split into 目标申报数 | 预算编制数."""
        return 2 if self.split_initial else 1

    @property
    def funds_rowspan(self) -> int:
        """The 项目资金… label cell: the header rows plus the funds rows."""
        return self.funds_header_rowspan + len(self.funds_rows)

    @property
    def indicator_rows(self) -> list[ResultRow]:
        return [row for group in self.indicator_groups for row in group.rows]


# --- indicator tree -----------------------------------------------------------------------------------------------

GroupKey = tuple[str, str, str]  # (level1, level2, printed label for an unrecognised 二级)


def _key(item: Indicator | IndicatorResult) -> GroupKey:
    return (item.level1, item.level2, item.level2_label if item.level2 == Level2.OTHER else "")


def _level1_label(level1: str) -> str:
    return Level1(level1).label if level1 in Level1.values else level1


def _level2_label(key: GroupKey, plain: bool) -> str:
    level2, printed = key[1], key[2]
    if level2 not in Level2.values or level2 == Level2.OTHER:
        return printed or Level2.OTHER.label
    label = Level2(level2).label
    return label.removesuffix("指标") if plain and level2 in SUFFIX_OPTIONAL else label


def _ordered_keys(first_seen: dict[GroupKey, int]) -> list[GroupKey]:
    def rank(key: GroupKey) -> tuple[int, int, int]:
        level1 = LEVEL1_ORDER.index(key[0]) if key[0] in LEVEL1_ORDER else len(LEVEL1_ORDER)
        level2 = LEVEL2_ORDER.index(key[1]) if key[1] in LEVEL2_ORDER else len(LEVEL2_ORDER)
        return level1, level2, first_seen[key]

    return sorted(first_seen, key=rank)


def _tree(keys: list[GroupKey], sizes: dict[GroupKey, int], make_row: Callable) -> tuple[IndicatorGroup, ...]:
    """Lay the 二级 groups out under their 一级 with rowspans; make_row(key, index, level1_span, level2_span)."""
    groups = []
    for level1 in dict.fromkeys(key[0] for key in keys):
        members = [key for key in keys if key[0] == level1]
        span = sum(sizes[key] for key in members)
        rows = []
        for key in members:
            for index in range(sizes[key]):
                level1_span = span if not rows else 0
                level2_span = sizes[key] if index == 0 else 0
                rows.append(make_row(key, index, level1_span, level2_span))
        groups.append(IndicatorGroup(_level1_label(level1), tuple(rows)))
    return tuple(groups)


def _target_indicator_groups(indicators: Iterable[Indicator], *, with_template: bool) -> tuple[IndicatorGroup, ...]:
    halves: dict[GroupKey, dict[str, list[Indicator]]] = {}
    first_seen: dict[GroupKey, int] = {}
    ordered = sorted(indicators, key=lambda i: (i.period != Period.PERIOD, i.order))
    for position, indicator in enumerate(ordered):
        key = _key(indicator)
        first_seen.setdefault(key, position)
        halves.setdefault(key, {Period.PERIOD: [], Period.ANNUAL: []})[indicator.period].append(indicator)
    templated: set[GroupKey] = set()
    if with_template:
        for level1, level2 in TEMPLATE_LEVEL2:
            key = (level1.value, level2.value, "")
            if key not in halves:
                templated.add(key)
                halves[key] = {Period.PERIOD: [], Period.ANNUAL: []}
                first_seen[key] = len(first_seen) + len(ordered)
    printed_outcome = [i.level2_label for i in ordered if i.level2 in OUTCOME_LEVEL2 and i.level2_label]
    plain = any(not label.endswith("指标") for label in printed_outcome)
    keys = _ordered_keys(first_seen)
    sizes = {key: max(1, *(len(items) for items in halves[key].values())) for key in keys}

    def make_row(key: GroupKey, index: int, level1_span: int, level2_span: int) -> IndicatorRow:
        sides = halves[key]
        printed = [items[0].level2_label for items in sides.values() if items and items[0].level2_label]
        fallback = printed[0] if printed else _level2_label(key, plain)

        def half(period: str) -> IndicatorHalf:
            items = sides[period]
            label = items[0].level2_label if items and items[0].level2_label else fallback
            if index < len(items):
                return IndicatorHalf(label, items[index].name, items[index].value)
            return IndicatorHalf(label)

        return IndicatorRow(
            level1=_level1_label(key[0]),
            level1_rowspan=level1_span,
            level2_rowspan=level2_span,
            period=half(Period.PERIOD),
            annual=half(Period.ANNUAL),
            is_template=key in templated,
        )

    return _tree(keys, sizes, make_row)


def _result_groups(results: Iterable[IndicatorResult]) -> tuple[IndicatorGroup, ...]:
    members: dict[GroupKey, list[IndicatorResult]] = {}
    first_seen: dict[GroupKey, int] = {}
    for position, result in enumerate(sorted(results, key=lambda r: r.order)):
        key = _key(result)
        first_seen.setdefault(key, position)
        members.setdefault(key, []).append(result)
    keys = _ordered_keys(first_seen)
    sizes = {key: len(members[key]) for key in keys}

    def make_row(key: GroupKey, index: int, level1_span: int, level2_span: int) -> ResultRow:
        items = members[key]
        result = items[index]
        return ResultRow(
            level1=_level1_label(key[0]),
            level1_rowspan=level1_span,
            level2=items[0].level2_label or _level2_label(key, plain=False),
            level2_rowspan=level2_span,
            name=result.name,
            initial_value=result.initial_value,
            adjusted_value=result.adjusted_value,
            actual_value=result.actual_value,
            weight=format_number(result.weight),
            score=format_number(result.score),
            deviation=result.deviation,
        )

    return _tree(keys, sizes, make_row)


# --- public API ---------------------------------------------------------------------------------------------------


def _fields(spans: dict[int, tuple[int, ...]], *pairs: tuple[str, str]) -> tuple[Field, ...]:
    return tuple(Field(label, value, span) for (label, value), span in zip(pairs, spans[len(pairs)], strict=True))


def target_form_grid(form: TargetForm) -> TargetFormGrid:
    """The 项目支出绩效目标表 as printed (compact 004 forms: 项目名称, 金额, 绩效目标 and the 年度 indicator tree).

    Uses ``form.funding.all()`` and ``form.indicators.all()``, so prefetch them when rendering many forms.
    """
    compact = form.variant == TargetForm.Variant.COMPACT
    funding = {f.period: f for f in form.funding.all()}
    period, annual = funding.get(Period.PERIOD), funding.get(Period.ANNUAL)
    amount = format_wan(annual.total) if annual is not None else ""
    title = form.title or ("项目支出绩效目标公开表" if compact else "项目支出绩效目标表")
    year_label = form.year_label or f"（{form.fiscal_year}年度）"
    if year_label in title:  # 004: the title already names the year
        year_label = ""
    indicators = list(form.indicators.all())
    if compact:
        return TargetFormGrid(
            pk=form.pk,
            project_name=form.project_name,
            compact=True,
            title=title,
            year_label=year_label,
            header_rows=(
                _fields(COMPACT_HEAD_SPANS, ("项目名称", form.project_name)),
                (
                    Field("实施单位", form.implementing_unit or form.department_label),
                    Field("金额（万元）", amount, css_class="num"),
                ),
            ),
            funds_rows=(),
            amount=amount,
            text_rows=(TextRow("绩效目标", paragraphs(form.goal_annual or form.goal_period)),),
            goal_period=(),
            goal_annual=paragraphs(form.goal_annual),
            indicator_groups=_target_indicator_groups(indicators, with_template=False),
            footer=(),
        )
    funds_rows = tuple(
        FundsRow(
            period_label,
            format_yuan(getattr(period, field)) if period is not None else "",
            annual_label,
            format_yuan(getattr(annual, field)) if annual is not None else "",
            is_total=field == "total",
        )
        for field, period_label, annual_label in FUND_ROWS
    )
    return TargetFormGrid(
        pk=form.pk,
        project_name=form.project_name,
        compact=False,
        title=title,
        year_label=year_label,
        header_rows=(
            _fields(TARGET_HEAD_SPANS, ("项目名称", form.project_name)),
            _fields(TARGET_HEAD_SPANS, ("主管部门及代码", form.department_label), ("实施单位", form.implementing_unit)),
            _fields(TARGET_HEAD_SPANS, ("项目属性", form.attribute), ("项目期", form.period_label)),
        ),
        funds_rows=funds_rows,
        amount=amount,
        text_rows=tuple(TextRow(label, paragraphs(getattr(form, field))) for field, label in TARGET_TEXTS),
        goal_period=paragraphs(form.goal_period),
        goal_annual=paragraphs(form.goal_annual),
        indicator_groups=_target_indicator_groups(indicators, with_template=True),
        footer=(
            Field("负责人：", form.responsible),
            Field("经办人：", form.handler),
            Field("联系电话：", form.phone),
            Field("填报日期：", format_fill_date(form)),
        ),
    )


def _analysis_item(item) -> AnalysisItem:
    """One ``[heading, text]`` pair of SelfEvaluation.analysis (a bare string is a text without heading)."""
    if isinstance(item, str):
        return AnalysisItem("", paragraphs(item))
    heading, text = (list(item) + ["", ""])[:2]
    return AnalysisItem(str(heading or ""), paragraphs(str(text or "")))


def self_evaluation_grid(evaluation: SelfEvaluation) -> SelfEvaluationGrid:
    """The 项目支出绩效自评表 as printed. Uses ``evaluation.funds.all()`` and ``evaluation.results.all()``."""
    funds = sorted(evaluation.funds.all(), key=lambda f: f.order)
    funds_rows = tuple(
        EvaluationFundsRow(
            label=row.label,
            initial_declared=format_wan3(row.initial_declared),
            initial_budgeted=format_wan3(row.initial_budgeted),
            full_year_budget=format_wan3(row.full_year_budget),
            executed=format_wan3(row.executed),
            balance=format_wan3(row.balance),
            execution_rate=format_number(row.execution_rate),
            score=format_number(row.score),
            deviation=row.deviation,
        )
        for row in funds
    )
    title = evaluation.title or f"{evaluation.project_name}项目支出绩效自评表"
    year_label = evaluation.year_label or f"（{evaluation.fiscal_year}年度）"
    return SelfEvaluationGrid(
        pk=evaluation.pk,
        project_name=evaluation.project_name,
        title=title,
        year_label="" if year_label in title else year_label,
        header_rows=(
            _fields(EVALUATION_HEAD_SPANS, ("项目名称", evaluation.project_name)),
            _fields(
                EVALUATION_HEAD_SPANS,
                ("主管部门及代码", evaluation.department_label),
                ("预算单位", evaluation.unit_label),
            ),
        ),
        split_initial=any(row.initial_budgeted is not None for row in funds),
        funds_rows=funds_rows,
        annual_goal=paragraphs(evaluation.annual_goal),
        actual_result=paragraphs(evaluation.actual_result),
        indicator_groups=_result_groups(evaluation.results.all()),
        total_score=format_number(evaluation.total_score),
        grade=evaluation.grade,
        analysis=tuple(_analysis_item(item) for item in evaluation.analysis or ()),
    )
