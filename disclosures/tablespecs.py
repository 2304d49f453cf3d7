"""Official tables as projections of the stored facts.

Each table (budget 表一–表十三, final accounts 公开01–10表) is defined once here: title, columns with their
multi-level headers and 栏次, and one function that builds its rows from a DisclosureData. HTML, PDF, XLSX,
CSV and JSON all render these rows, so a number shown in several tables comes from one stored fact.
Amount cells hold Decimal 元 (None = blank) or the literal "——" (not applicable).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ObjectDoesNotExist

from disclosures.amounts import add
from disclosures.facts import EconomicFacts, FunctionFacts
from disclosures.models import (
    FISCAL_FUNDS,
    Balance,
    Disclosure,
    EconomicClass,
    FunctionClass,
    Fund,
    OperatingCost,
    ThreePublicLine,
    VehicleCount,
)

NOT_APPLICABLE = "——"
CN_NUMERALS = "一二三四五六七八九十"
EXPENSE_MEASURES = ("basic", "project", "to_superior", "operating", "affiliated_subsidy")
BUDGET_MEASURES = ("basic", "project")


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 30 → 三十."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens - 1]) + "十" + (CN_NUMERALS[ones - 1] if ones else "")


@dataclass(frozen=True)
class Column:
    key: str
    path: tuple[str, ...]  # header labels, top level first
    kind: str = "amount"  # amount | text | code | rowno | count
    number: str = ""  # 栏次 / column number as printed


@dataclass
class Row:
    cells: list
    kind: str = "item"  # total | category | item | heading | blank
    code: str = ""
    level: int = 0


@dataclass(frozen=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Table:
    key: str
    label: str  # 表一 / 公开01表
    title: str
    columns: list[Column]
    rows: list[Row]
    unit: str = "万元"
    numbered: bool = False  # print a 栏次 row
    landscape: bool = False
    empty_note: str = "注：本表无数据"
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            isinstance(value, Decimal)
            for row in self.rows
            for value, column in zip(row.cells, self.columns, strict=True)
            if column.kind in {"amount", "count"}
        )

    @property
    def header_rows(self) -> list[list[HeaderCell]]:
        """Multi-level header with colspans for shared parents and rowspans for short paths."""
        depth = max(len(c.path) for c in self.columns)
        rows: list[list[HeaderCell]] = [[] for _ in range(depth)]
        for level in range(depth):
            i = 0
            while i < len(self.columns):
                path = self.columns[i].path
                if len(path) <= level:
                    i += 1
                    continue
                span = 1
                while (
                    i + span < len(self.columns)
                    and len(self.columns[i + span].path) > level
                    and self.columns[i + span].path[: level + 1] == path[: level + 1]
                    and len(path) > level + 1
                ):
                    span += 1
                rowspan = depth - level if len(path) == level + 1 else 1
                rows[level].append(HeaderCell(path[level], span, rowspan))
                i += span
        return rows

    @property
    def column_numbers(self) -> list[str]:
        return [c.number for c in self.columns]


class DisclosureData:
    """Everything the tables of one disclosure need, fetched in a fixed number of queries."""

    def __init__(self, disclosure: Disclosure):
        self.disclosure = disclosure
        self.year = disclosure.fiscal_year

    @cached_property
    def catalogue(self) -> dict[str, FunctionClass]:
        """Function classes valid this year; a year-specific name wins over an undated one."""
        by_code: dict[str, FunctionClass] = {}
        for fc in FunctionClass.objects.for_year(self.year).order_by("code", "since_year"):
            if fc.code not in by_code or fc.since_year is not None:
                by_code[fc.code] = fc
        return by_code

    @cached_property
    def functions(self) -> FunctionFacts:
        lines = self.disclosure.lines.select_related("function")
        names = {code: fc.name for code, fc in self.catalogue.items()}
        return FunctionFacts(lines, names)

    @cached_property
    def economic(self) -> EconomicFacts:
        return EconomicFacts(self.disclosure.economic_lines.select_related("economic_class__government_class"))

    @cached_property
    def economic_catalogue(self) -> list[EconomicClass]:
        return list(
            EconomicClass.objects.for_year(self.year).filter(scheme=EconomicClass.Scheme.DEPARTMENT).order_by("code")
        )

    @cached_property
    def balances(self) -> list[Balance]:
        return list(self.disclosure.balances.all())

    @cached_property
    def three_public(self) -> list[ThreePublicLine]:
        return list(self.disclosure.three_public.all())

    @cached_property
    def operating_costs(self) -> list[OperatingCost]:
        return list(self.disclosure.operating_costs.all())

    @cached_property
    def projects(self):
        return list(self.disclosure.projects.all())

    @cached_property
    def revenues(self):
        return list(self.disclosure.revenues.all())

    @cached_property
    def vehicles(self) -> dict[str, int | None]:
        return {v.category: v.count for v in self.disclosure.vehicles.all()}

    @cached_property
    def procurement(self):
        return getattr_or_none(self.disclosure, "procurement")

    @cached_property
    def assets(self):
        return getattr_or_none(self.disclosure, "assets")

    def balance(self, item: str, funds: tuple[str, ...] | None = None) -> Decimal | None:
        return add(*(b.amount for b in self.balances if b.item == item and (funds is None or b.fund in funds)))

    def three_public_amount(self, stage: str, items: tuple[str, ...], funds=None) -> Decimal | None:
        return add(
            *(
                t.amount
                for t in self.three_public
                if t.stage == stage and t.item in items and (funds is None or t.fund in funds)
            )
        )

    def name(self, code: str) -> str:
        return self.functions.names.get(code, "")

    @property
    def unit_name(self) -> str:
        return self.disclosure.unit.name

    @property
    def department_name(self) -> str:
        return self.disclosure.unit.department.name


def getattr_or_none(obj, name):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:  # an absent one-to-one row
        return None


# ---------------------------------------------------------------- shared row builders


def classified_rows(data: DisclosureData, cell_values, *, codes=None) -> list[Row]:
    """合计 row, then 类/款/项 rows (depth-first) that have at least one value."""
    rows = [Row(["合计", "", *cell_values(None)], kind="total")]
    for code in codes if codes is not None else data.functions.codes:
        values = cell_values(code)
        if all(v is None for v in values):
            continue
        level = {3: 1, 5: 2, 7: 3}.get(len(code), 3)
        rows.append(
            Row([code, data.name(code), *values], kind="category" if level == 1 else "item", code=code, level=level)
        )
    return rows


def summary_categories(data: DisclosureData, attribute: str) -> list[FunctionClass]:
    return sorted(
        (fc for fc in data.catalogue.values() if getattr(fc, attribute)), key=lambda fc: getattr(fc, attribute)
    )


def numbered_columns(labels: list[str]) -> list[Column]:
    """Single-level amount columns numbered 1, 2, … as their 栏次."""
    return [Column(f"c{i}", (label,), number=str(i)) for i, label in enumerate(labels, start=1)]


def code_columns(code_label: str = "科目编码", name_label: str = "科目名称", group: str = "项目") -> list[Column]:
    return [Column("code", (group, code_label), "code"), Column("name", (group, name_label), "text")]


# ---------------------------------------------------------------- budget tables (表一–表十三)


def budget_01(data: DisclosureData) -> Table:
    f, y = data.functions, data.year
    current = [
        add(f.value(None, BUDGET_MEASURES, funds=[fund], carryover=False))
        for fund in (Fund.GENERAL, Fund.GOV_FUND, Fund.STATE_CAPITAL, Fund.SPECIAL_ACCOUNT, Fund.UNIT_OWN)
    ]
    income_labels = [
        "一、一般公共预算",
        "二、政府性基金预算",
        "三、国有资本经营预算",
        "四、财政专户管理资金",
        "五、单位资金",
    ]
    rows = []
    for i, fc in enumerate(summary_categories(data, "budget_summary_no")):
        left = [income_labels[i], current[i]] if i < len(income_labels) else ["", None]
        rows.append(
            Row(
                [
                    *left,
                    f"{cn_number(fc.budget_summary_no)}、{fc.name}",
                    f.value(fc.code, BUDGET_MEASURES),
                    f.value(fc.code, BUDGET_MEASURES, carryover=False),
                    f.value(fc.code, BUDGET_MEASURES, carryover=True),
                ],
                code=fc.code,
            )
        )
    income_current = f.value(None, BUDGET_MEASURES, carryover=False)
    carry = f.value(None, BUDGET_MEASURES, carryover=True)
    spend_all = f.value(None, BUDGET_MEASURES)
    year_end = data.disclosure.year_end_carryover
    rows += [
        Row(["本年收入合计", income_current, "本年支出合计", spend_all, income_current, carry], kind="total"),
        Row(["上年结转", carry, "年终结转", year_end, None, None], kind="item"),
        Row(
            ["收入总计", add(income_current, carry), "支出总计", add(spend_all, year_end), income_current, carry],
            kind="total",
        ),
    ]
    columns = [
        Column("income_item", ("收入", "项目"), "text"),
        Column("income", ("收入", f"{y}年")),
        Column("expense_item", ("支出", "项目"), "text"),
        Column("total", ("支出", f"{y}年合计")),
        Column("current", ("支出", "当年预算安排")),
        Column("carryover", ("支出", "上年结转安排")),
    ]
    return Table(
        "budget_01",
        "表一",
        f"{y}年预算收支总表",
        columns,
        rows,
        landscape=True,
        notes=["注：本套报表因取数时四舍五入，部分金额可能存在尾差"],
    )


def budget_02(data: DisclosureData) -> Table:
    f, funds = data.functions, (Fund.GENERAL, Fund.GOV_FUND, Fund.STATE_CAPITAL, Fund.SPECIAL_ACCOUNT, Fund.UNIT_OWN)

    def values(code):
        return [
            f.value(code, BUDGET_MEASURES, carryover=False),
            *(f.value(code, BUDGET_MEASURES, funds=[fund], carryover=False) for fund in funds),
            f.value(code, BUDGET_MEASURES, carryover=True),
        ]

    columns = [
        *code_columns(),
        Column("total", ("本年收入", "合计")),
        Column("general", ("本年收入", "一般公共预算")),
        Column("gov_fund", ("本年收入", "政府性基金")),
        Column("state_capital", ("本年收入", "国有资本经营预算")),
        Column("special_account", ("本年收入", "财政专户管理资金")),
        Column("unit_own", ("本年收入", "单位资金")),
        Column("carryover", ("上年结转",)),
    ]
    return Table(
        "budget_02", "表二", f"{data.year}年预算收入总表", columns, classified_rows(data, values), landscape=True
    )


def _basic_project_columns(year: int, group: str | None = None) -> list[Column]:
    group = group or f"{year}年预算数"
    return [
        Column("total", (group, "合计")),
        Column("basic", (group, "基本支出")),
        Column("project", (group, "项目支出")),
    ]


def budget_03(data: DisclosureData) -> Table:
    f = data.functions

    def values(code):
        return [f.value(code, BUDGET_MEASURES), f.value(code, ["basic"]), f.value(code, ["project"])]

    columns = [*code_columns(), *_basic_project_columns(data.year)]
    return Table("budget_03", "表三", f"{data.year}年预算支出总表", columns, classified_rows(data, values))


def budget_04(data: DisclosureData) -> Table:
    f, y = data.functions, data.year
    fiscal = list(FISCAL_FUNDS)
    income = [f.value(None, BUDGET_MEASURES, funds=[fund], carryover=False) for fund in fiscal]
    carry = [f.value(None, BUDGET_MEASURES, funds=[fund], carryover=True) for fund in fiscal]
    labels = ["一、一般公共预算", "二、政府性基金预算", "三、国有资本经营预算"]

    def spend(code):
        return [
            f.value(code, BUDGET_MEASURES, funds=fiscal),
            *(f.value(code, BUDGET_MEASURES, funds=[x]) for x in fiscal),
        ]

    rows = []
    for i, fc in enumerate(summary_categories(data, "budget_summary_no")):
        left = [labels[i], income[i]] if i < 3 else ["", None]
        rows.append(Row([*left, f"{cn_number(fc.budget_summary_no)}、{fc.name}", *spend(fc.code)], code=fc.code))
    income_total = add(*income)
    carry_total = add(*carry)
    blank4 = [None, None, None, None]
    year_end = data.disclosure.year_end_carryover
    rows += [
        Row(["本年收入合计", income_total, "本年支出合计", *spend(None)], kind="total"),
        Row(["上年财政拨款结转", carry_total, "年终结转", year_end, None, None, None]),
        *(Row([label, value, "", *blank4]) for label, value in zip(labels, carry, strict=True)),
        Row(["收入总计", add(income_total, carry_total), "支出总计", *spend(None)], kind="total"),
    ]
    columns = [
        Column("income_item", ("收入", "项目"), "text"),
        Column("income", ("收入", "金额")),
        Column("expense_item", ("支出", "项目"), "text"),
        Column("subtotal", ("支出", "金额", "小计")),
        Column("general", ("支出", "金额", "一般公共预算")),
        Column("gov_fund", ("支出", "金额", "政府性基金预算")),
        Column("state_capital", ("支出", "金额", "国有资本经营预算")),
    ]
    return Table("budget_04", "表四", f"{y}年财政拨款收支总表", columns, rows, landscape=True)


def _fund_current_table(data: DisclosureData, fund: str):
    f = data.functions

    def values(code):
        return [
            f.value(code, BUDGET_MEASURES, funds=[fund], carryover=False),
            f.value(code, ["basic"], funds=[fund], carryover=False),
            f.value(code, ["project"], funds=[fund], carryover=False),
        ]

    return classified_rows(data, values)


def budget_05(data: DisclosureData) -> Table:
    columns = [
        Column("code", ("科目编码",), "code"),
        Column("name", ("科目名称",), "text"),
        *_basic_project_columns(data.year),
    ]
    return Table(
        "budget_05",
        "表五",
        f"{data.year}年一般公共预算支出预算表（不含上年结转）",
        columns,
        _fund_current_table(data, Fund.GENERAL),
    )


def budget_06(data: DisclosureData) -> Table:
    e, y = data.economic, data.year

    def amounts(code):
        return [e.total(code), e.node(code, "personnel"), e.node(code, "public")]

    rows = [Row(["合计", "", *amounts(None)], kind="total")]
    for category in e.categories:
        name = e.names.get(category) or _economic_name(data, category)
        rows.append(Row([name, "", *amounts(category)], kind="category", code=category, level=1))
        for code in e.items(category):
            rows.append(Row([e.names[code], e.government_names.get(code, ""), *amounts(code)], code=code, level=2))
    columns = [
        Column("department_class", ("部门预算支出经济科目名称",), "text"),
        Column("government_class", ("政府预算支出经济科目名称",), "text"),
        Column("total", (f"{y}年预算数", "合计")),
        Column("personnel", (f"{y}年预算数", "人员经费")),
        Column("public", (f"{y}年预算数", "公用经费")),
    ]
    return Table("budget_06", "表六", f"{y}年一般公共预算安排基本支出分经济科目表（不含上年结转）", columns, rows)


def _economic_name(data: DisclosureData, code: str) -> str:
    return next((ec.name for ec in data.economic_catalogue if ec.code == code), "")


def _revenue_rows(data: DisclosureData, fund: str) -> list[Row]:
    lines = [r for r in data.revenues if r.fund == fund]
    rows = [Row(["合计", "", add(*(r.amount for r in lines))], kind="total")]
    rows += [Row([r.code, r.name, r.amount], code=r.code) for r in lines]
    return rows


def budget_07(data: DisclosureData) -> Table:
    columns = [*code_columns("收入科目编码"), Column("amount", ("政府性基金收入预算",))]
    return Table(
        "budget_07",
        "表七",
        f"{data.year}年政府性基金预算收入表（不含上年结转）",
        columns,
        _revenue_rows(data, Fund.GOV_FUND),
    )


def budget_08(data: DisclosureData) -> Table:
    columns = [
        Column("code", ("科目编码",), "code"),
        Column("name", ("科目名称",), "text"),
        Column("total", ("合计",)),
        Column("basic", ("基本支出",)),
        Column("project", ("项目支出",)),
    ]
    return Table(
        "budget_08",
        "表八",
        f"{data.year}年政府性基金预算支出表（不含上年结转）",
        columns,
        _fund_current_table(data, Fund.GOV_FUND),
    )


def budget_09(data: DisclosureData) -> Table:
    left = _revenue_rows(data, Fund.STATE_CAPITAL)
    right = _fund_current_table(data, Fund.STATE_CAPITAL)
    rows = []
    for i in range(max(len(left), len(right))):
        lcells = left[i].cells if i < len(left) else ["", "", None]
        rcells = right[i].cells if i < len(right) else ["", "", None, None, None]
        if i == 0:
            rcells = ["", "", *rcells[2:]]  # one 合计 label for both halves
        rows.append(Row([*lcells, *rcells], kind="total" if i == 0 else "item"))
    columns = [
        Column("income_code", ("国有资本经营预算收入", "项目", "收入科目编码"), "code"),
        Column("income_name", ("国有资本经营预算收入", "项目", "科目名称"), "text"),
        Column("income", ("国有资本经营预算收入", "国有资本经营收入预算")),
        Column("code", ("国有资本经营预算支出", "科目编码"), "code"),
        Column("name", ("国有资本经营预算支出", "科目名称"), "text"),
        Column("total", ("国有资本经营预算支出", "合计")),
        Column("basic", ("国有资本经营预算支出", "基本支出")),
        Column("project", ("国有资本经营预算支出", "项目支出")),
    ]
    return Table(
        "budget_09", "表九", f"{data.year}年国有资本经营预算收支预算表（不含上年结转）", columns, rows, landscape=True
    )


THREE_PUBLIC_ROWS = [
    ("因公出国（境）费", ("abroad",), "item"),
    ("公务接待费", ("reception",), "item"),
    ("公务用车购置及运行费", ("vehicle_purchase", "vehicle_operation"), "item"),
    ("①公务用车购置费", ("vehicle_purchase",), "item"),
    ("②公务用车运行维护费", ("vehicle_operation",), "item"),
    ("合计", ("abroad", "reception", "vehicle_purchase", "vehicle_operation"), "total"),
]


def budget_10(data: DisclosureData) -> Table:
    stage = ThreePublicLine.Stage.BUDGET
    rows = [
        Row(
            [
                label,
                data.three_public_amount(stage, items),
                *(data.three_public_amount(stage, items, funds=[fund]) for fund in FISCAL_FUNDS),
            ],
            kind=kind,
        )
        for label, items, kind in THREE_PUBLIC_ROWS
    ]
    group = f"{data.year}年预算数"
    columns = [
        Column("item", ("项目",), "text"),
        Column("total", (group, "合计")),
        Column("general", (group, "一般公共预算")),
        Column("gov_fund", (group, "政府性基金预算")),
        Column("state_capital", (group, "国有资本经营预算")),
    ]
    return Table("budget_10", "表十", f"{data.year}年财政拨款安排“三公”经费支出预算表", columns, rows)


def budget_11(data: DisclosureData) -> Table:
    costs = data.operating_costs
    units = list(dict.fromkeys(c.unit_name for c in costs))

    def amounts(selected):
        return [
            add(*(c.amount for c in selected)),
            *(add(*(c.amount for c in selected if c.fund == fund)) for fund in FISCAL_FUNDS),
        ]

    rows = [Row(["部门合计", *amounts(costs)], kind="total")]
    rows += [Row([unit, *amounts([c for c in costs if c.unit_name == unit])]) for unit in units]
    group = f"{data.year}预算数"
    columns = [
        Column("unit", ("单位名称",), "text"),
        Column("total", (group, "合计")),
        Column("general", (group, "一般公共预算")),
        Column("gov_fund", (group, "政府性基金预算")),
        Column("state_capital", (group, "国有资本经营预算")),
    ]
    return Table("budget_11", "表十一", f"{data.year}年财政拨款安排机关运行经费预算表", columns, rows)


def _project_amounts(projects, funds: tuple[str, ...]) -> list:
    return [add(*(p.total for p in projects)), *(add(*(getattr(p, fund) for p in projects)) for fund in funds)]


def budget_12(data: DisclosureData) -> Table:
    funds = ("general", "gov_fund", "state_capital", "special_account", "unit_own")
    projects = [p for p in data.projects if not p.carryover]
    rows = [Row([data.unit_name, *_project_amounts(projects, funds)], kind="total")]
    rows += [Row([p.name, *_project_amounts([p], funds)]) for p in projects]
    group = f"{data.year}年财政拨款"
    columns = [
        Column("name", ("项目名称",), "text", "1"),
        Column("total", ("合计",), number="2"),
        Column("general", (group, "一般公共预算"), number="3"),
        Column("gov_fund", (group, "政府性基金预算"), number="4"),
        Column("state_capital", (group, "国有资本经营预算"), number="5"),
        Column("special_account", ("财政专户管理资金",), number="6"),
        Column("unit_own", ("单位资金",), number="7"),
    ]
    return Table("budget_12", "表十二", f"{data.year}年项目支出预算表（本年预算）", columns, rows, numbered=True)


def budget_13(data: DisclosureData) -> Table:
    funds = ("general", "gov_fund", "state_capital")
    projects = [p for p in data.projects if p.carryover]
    totals = _project_amounts(projects, funds)
    rows = [Row([data.department_name, *totals], kind="total"), Row([data.unit_name, *totals], kind="total")]
    rows += [Row([p.name, *_project_amounts([p], funds)]) for p in projects]
    group = f"{data.year}年财政拨款"
    columns = [
        Column("name", ("项目名称",), "text", "1"),
        Column("total", ("合计",), number="2"),
        Column("general", (group, "一般公共预算"), number="3"),
        Column("gov_fund", (group, "政府性基金预算"), number="4"),
        Column("state_capital", (group, "国有资本经营预算"), number="5"),
    ]
    return Table("budget_13", "表十三", f"{data.year}年项目支出预算表（上年结转）", columns, rows, numbered=True)


# ---------------------------------------------------------------- final-accounts tables (公开01–10表)

FINAL_INCOME_ROWS = [
    ("一、一般公共预算财政拨款收入", Fund.GENERAL),
    ("二、政府性基金预算财政拨款收入", Fund.GOV_FUND),
    ("三、国有资本经营预算财政拨款收入", Fund.STATE_CAPITAL),
    ("四、上级补助收入", Fund.SUPERIOR_SUBSIDY),
    ("五、事业收入", Fund.BUSINESS),
    ("六、经营收入", Fund.OPERATING),
    ("七、附属单位上缴收入", Fund.AFFILIATED),
    ("八、其他收入", Fund.OTHER_INCOME),
]
FINAL_NOTE = "说明：本表无数据"


def _final_table(key, label, title, columns, rows, **kwargs) -> Table:
    kwargs.setdefault("empty_note", FINAL_NOTE)
    return Table(key, label, title, columns, rows, **kwargs)


def final_01(data: DisclosureData) -> Table:
    f = data.functions
    income = [f.value(None, ["income"], funds=[fund]) for _, fund in FINAL_INCOME_ROWS]
    categories = summary_categories(data, "final_summary_no")
    n_income_rows = len(categories)
    rows = []
    for i, fc in enumerate(categories):
        left = [FINAL_INCOME_ROWS[i][0], str(i + 1), income[i]] if i < len(income) else ["", str(i + 1), None]
        rows.append(
            Row(
                [
                    *left,
                    f"{cn_number(fc.final_summary_no)}、{fc.name}",
                    str(n_income_rows + 6 + i),
                    f.value(fc.code, EXPENSE_MEASURES),
                ],
                code=fc.code,
            )
        )
    income_total = add(*income)
    used, opening = data.balance("surplus_used"), data.balance("opening")
    spent, distribution, closing = (
        f.value(None, EXPENSE_MEASURES),
        data.balance("distribution"),
        data.balance("closing"),
    )
    r = n_income_rows + 1  # 27 when 26 categories
    e = r + n_income_rows + 5  # 58
    rows += [
        Row(["本年收入合计", str(r), income_total, "本年支出合计", str(e), spent], kind="total"),
        Row(["使用非财政拨款结余和专用结余", str(r + 1), used, "结余分配", str(e + 1), distribution]),
        Row(["年初结转和结余", str(r + 2), opening, "年末结转和结余", str(e + 2), closing]),
        Row(["", str(r + 3), None, "", str(e + 3), None], kind="blank"),
        Row(
            [
                "总计",
                str(r + 4),
                add(income_total, used, opening),
                "总计",
                str(e + 4),
                add(spent, distribution, closing),
            ],
            kind="total",
        ),
    ]
    columns = [
        Column("income_item", ("收入", "项目"), "text"),
        Column("income_row", ("收入", "行次"), "rowno"),
        Column("income", ("收入", "金额"), number="1"),
        Column("expense_item", ("支出", "项目"), "text"),
        Column("expense_row", ("支出", "行次"), "rowno"),
        Column("expense", ("支出", "金额"), number="2"),
    ]
    return _final_table(
        "final_01",
        "公开01表",
        "收入支出决算总表",
        columns,
        rows,
        numbered=True,
        landscape=True,
        notes=["注：本表反映部门本年度的总收支和年末结转结余情况。本套报表金额单位转换时可能存在尾数误差。"],
    )


def final_02(data: DisclosureData) -> Table:
    f = data.functions
    sources = (Fund.SUPERIOR_SUBSIDY, Fund.BUSINESS, Fund.OPERATING, Fund.AFFILIATED, Fund.OTHER_INCOME)

    def values(code):
        return [
            f.value(code, ["income"]),
            f.value(code, ["income"], funds=FISCAL_FUNDS),
            *(f.value(code, ["income"], funds=[s]) for s in sources),
        ]

    labels = ["本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入"]
    columns = [*code_columns("科目代码"), *numbered_columns(labels)]
    return _final_table(
        "final_02",
        "公开02表",
        "收入决算表",
        columns,
        classified_rows(data, values),
        numbered=True,
        landscape=True,
        notes=["注：本表反映部门本年度取得的各项收入情况。"],
    )


def final_03(data: DisclosureData) -> Table:
    f = data.functions

    def values(code):
        return [f.value(code, EXPENSE_MEASURES), *(f.value(code, [m]) for m in EXPENSE_MEASURES)]

    labels = ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"]
    columns = [*code_columns("科目代码"), *numbered_columns(labels)]
    return _final_table(
        "final_03",
        "公开03表",
        "支出决算表",
        columns,
        classified_rows(data, values),
        numbered=True,
        landscape=True,
        notes=["注：本表反映部门本年度各项支出情况。"],
    )


def final_04(data: DisclosureData) -> Table:
    f = data.functions
    fiscal = list(FISCAL_FUNDS)
    income = [f.value(None, ["income"], funds=[fund]) for fund in fiscal]
    labels = ["一、一般公共预算财政拨款", "二、政府性基金预算财政拨款", "三、国有资本经营预算财政拨款"]
    fund_labels = ["一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]

    def spend(code):
        return [
            f.value(code, EXPENSE_MEASURES, funds=fiscal),
            *(f.value(code, EXPENSE_MEASURES, funds=[x]) for x in fiscal),
        ]

    categories = summary_categories(data, "final_summary_no")
    n = len(categories)
    rows = []
    for i, fc in enumerate(categories):
        left = [labels[i], str(i + 1), income[i]] if i < 3 else ["", str(i + 1), None]
        rows.append(
            Row([*left, f"{cn_number(fc.final_summary_no)}、{fc.name}", str(n + 7 + i), *spend(fc.code)], code=fc.code)
        )
    opening = [data.balance("opening", (fund,)) for fund in fiscal]
    closing = [data.balance("closing", (fund,)) for fund in fiscal]
    r, e = n + 1, 2 * n + 7
    income_total, opening_total, closing_total = add(*income), add(*opening), add(*closing)
    spent = spend(None)
    rows += [
        Row(["本年收入合计", str(r), income_total, "本年支出合计", str(e), *spent], kind="total"),
        Row(
            [
                "年初财政拨款结转和结余",
                str(r + 1),
                opening_total,
                "年末财政拨款结转和结余",
                str(e + 1),
                closing_total,
                *closing,
            ]
        ),
        *(
            Row([label, str(r + 2 + i), opening[i], "", str(e + 2 + i), None, None, None, None])
            for i, label in enumerate(fund_labels)
        ),
        Row(
            [
                "总计",
                str(r + 5),
                add(income_total, opening_total),
                "总计",
                str(e + 5),
                add(spent[0], closing_total),
                *(add(spent[1 + i], closing[i]) for i in range(3)),
            ],
            kind="total",
        ),
    ]
    columns = [
        Column("income_item", ("收入", "项目"), "text"),
        Column("income_row", ("收入", "行次"), "rowno"),
        Column("income", ("收入", "金额"), number="1"),
        Column("expense_item", ("支出", "项目"), "text"),
        Column("expense_row", ("支出", "行次"), "rowno"),
        Column("subtotal", ("支出", "合计"), number="2"),
        Column("general", ("支出", "一般公共预算财政拨款"), number="3"),
        Column("gov_fund", ("支出", "政府性基金预算财政拨款"), number="4"),
        Column("state_capital", ("支出", "国有资本经营预算财政拨款"), number="5"),
    ]
    return _final_table(
        "final_04",
        "公开04表",
        "财政拨款收入支出决算总表",
        columns,
        rows,
        numbered=True,
        landscape=True,
        notes=[
            "注：本表反映部门本年度一般公共预算财政拨款、政府性基金预算财政拨款和国有资本经营预算财政拨款的"
            "总收支和年末结转结余情况。"
        ],
    )


def final_05(data: DisclosureData) -> Table:
    f = data.functions

    def values(code):
        return [
            f.value(code, EXPENSE_MEASURES, funds=[Fund.GENERAL]),
            f.value(code, ["basic"], funds=[Fund.GENERAL]),
            f.value(code, ["project"], funds=[Fund.GENERAL]),
        ]

    columns = [
        *code_columns("科目代码"),
        Column("subtotal", ("本年支出", "小计"), number="1"),
        Column("basic", ("本年支出", "基本支出"), number="2"),
        Column("project", ("本年支出", "项目支出"), number="3"),
    ]
    return _final_table(
        "final_05",
        "公开05表",
        "一般公共预算财政拨款支出决算表",
        columns,
        classified_rows(data, values),
        numbered=True,
        notes=["注：本表反映部门本年度一般公共预算财政拨款支出情况。"],
    )


def _economic_cell(data: DisclosureData, ec: EconomicClass):
    if ec.not_in_basic:
        return NOT_APPLICABLE
    return data.economic.total(ec.code)


def final_06(data: DisclosureData) -> Table:
    """Four printed column groups: 人员经费 (301, 303) and 公用经费 (the rest) flowing over three groups."""
    catalogue = data.economic_catalogue
    personnel = [ec for ec in catalogue if ec.code[:3] in {"301", "303"}]
    public = [ec for ec in catalogue if ec.code[:3] not in {"301", "303"}]
    height = max(len(personnel), -(-len(public) // 3))
    groups = [personnel, *(public[i * height : (i + 1) * height] for i in range(3))]
    rows = []
    for r in range(height):
        cells = []
        for group in groups:
            if r < len(group):
                ec = group[r]
                cells += [ec.code, ec.name, _economic_cell(data, ec)]
            else:
                cells += ["", "", None]
        rows.append(Row(cells))
    e = data.economic
    personnel_total = e.node(None, "personnel")
    public_total = e.node(None, "public")
    rows.append(
        Row(
            ["人员经费合计", "", personnel_total, "公用经费合计", "", None, "", "", None, "", "", public_total],
            kind="total",
        )
    )
    columns = [
        Column("p_code", ("人员经费", "科目代码"), "code"),
        Column("p_name", ("人员经费", "科目名称"), "text"),
        Column("p_amount", ("人员经费", "决算数")),
    ]
    for i in range(1, 4):
        columns += [
            Column(f"g{i}_code", ("公用经费", "科目代码"), "code"),
            Column(f"g{i}_name", ("公用经费", "科目名称"), "text"),
            Column(f"g{i}_amount", ("公用经费", "决算数")),
        ]
    table = _final_table(
        "final_06",
        "公开06表",
        "一般公共预算财政拨款基本支出决算明细表",
        columns,
        rows,
        landscape=True,
        notes=["注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。"],
    )
    return table


def final_07(data: DisclosureData) -> Table:
    f, fund = data.functions, [Fund.GOV_FUND]

    def values(code):
        return [
            f.value(code, ["opening_balance"], funds=fund),
            f.value(code, ["income"], funds=fund),
            f.value(code, EXPENSE_MEASURES, funds=fund),
            f.value(code, ["basic"], funds=fund),
            f.value(code, ["project"], funds=fund),
            f.value(code, ["closing_balance"], funds=fund),
        ]

    columns = [
        *code_columns("科目代码"),
        Column("opening", ("年初结转和结余",), number="1"),
        Column("income", ("本年收入",), number="2"),
        Column("subtotal", ("本年支出", "小计"), number="3"),
        Column("basic", ("本年支出", "基本支出"), number="4"),
        Column("project", ("本年支出", "项目支出"), number="5"),
        Column("closing", ("年末结转和结余",), number="6"),
    ]
    rows = classified_rows(data, values)
    return _final_table(
        "final_07",
        "公开07表",
        "政府性基金预算财政拨款收入支出决算表",
        columns,
        rows,
        numbered=True,
        notes=["注：本表反映部门本年度政府性基金预算财政拨款收入、支出及结转和结余情况。"],
    )


def final_08(data: DisclosureData) -> Table:
    f, fund = data.functions, [Fund.STATE_CAPITAL]

    def values(code):
        return [
            f.value(code, EXPENSE_MEASURES, funds=fund),
            f.value(code, ["basic"], funds=fund),
            f.value(code, ["project"], funds=fund),
        ]

    columns = [
        *code_columns("科目代码"),
        Column("total", ("本年支出", "合计"), number="1"),
        Column("basic", ("本年支出", "基本支出"), number="2"),
        Column("project", ("本年支出", "项目支出"), number="3"),
    ]
    return _final_table(
        "final_08",
        "公开08表",
        "国有资本经营预算财政拨款支出决算表",
        columns,
        classified_rows(data, values),
        numbered=True,
        notes=["注：本表反映部门本年度国有资本经营预算财政拨款支出情况。"],
    )


def final_09(data: DisclosureData) -> Table:
    cells = []
    for stage in (ThreePublicLine.Stage.BUDGET, ThreePublicLine.Stage.ACTUAL):
        amount = data.three_public_amount
        cells += [
            amount(stage, ("abroad", "reception", "vehicle_purchase", "vehicle_operation")),
            amount(stage, ("abroad",)),
            amount(stage, ("vehicle_purchase", "vehicle_operation")),
            amount(stage, ("vehicle_purchase",)),
            amount(stage, ("vehicle_operation",)),
            amount(stage, ("reception",)),
        ]
    columns = []
    for offset, group in ((0, "预算数"), (6, "决算数")):
        columns += [
            Column(f"{group}_total", (group, "合计"), number=str(offset + 1)),
            Column(f"{group}_abroad", (group, "因公出国（境）费"), number=str(offset + 2)),
            Column(f"{group}_vehicle", (group, "公务用车购置及运行维护费", "小计"), number=str(offset + 3)),
            Column(f"{group}_purchase", (group, "公务用车购置及运行维护费", "公务用车购置费"), number=str(offset + 4)),
            Column(
                f"{group}_operation", (group, "公务用车购置及运行维护费", "公务用车运行维护费"), number=str(offset + 5)
            ),
            Column(f"{group}_reception", (group, "公务接待费"), number=str(offset + 6)),
        ]
    return _final_table(
        "final_09",
        "公开09表",
        "财政拨款“三公”经费支出决算表",
        columns,
        [Row(cells)],
        numbered=True,
        landscape=True,
        notes=[
            "注：本表反映部门本年度“三公”经费支出预决算情况。其中，预算数为“三公”经费全年预算数，反映按规定程序调整后的"
            "预算数；决算数是包括当年财政拨款和以前年度结转资金安排的实际支出。"
        ],
    )


def final_10(data: DisclosureData) -> Table:
    p, a, v = data.procurement, data.assets, data.vehicles
    goods, works, services = (getattr(p, name) if p else None for name in ("goods", "works", "services"))
    costs = data.operating_costs

    def cost(kind):
        return add(*(c.amount for c in costs if c.unit_kind == kind))

    categories = list(VehicleCount.Category)
    vehicle_total = add(*(Decimal(v[c]) for c in categories if v.get(c) is not None))
    rows = [
        Row(["一、政府采购情况", "", None], kind="heading"),
        Row(["合计", "1", add(goods, works, services)], kind="total"),
        Row(["货物", "2", goods]),
        Row(["工程", "3", works]),
        Row(["服务", "4", services]),
        Row(["二、机关运行经费", "", None], kind="heading"),
        Row(["(一) 行政单位", "5", cost(OperatingCost.UnitKind.ADMINISTRATIVE)]),
        Row(["(二) 参照公务员法管理事业单位", "6", cost(OperatingCost.UnitKind.CIVIL_SERVICE_INSTITUTION)]),
        Row(["三、国有资产占用情况", "", None], kind="heading"),
        Row(["(一) 车辆数合计(辆)", "7", int(vehicle_total) if vehicle_total is not None else None], kind="total"),
        *(
            Row([f"{i}. {c.label.replace('（', '(').replace('）', ')')}", str(7 + i), v.get(c)])
            for i, c in enumerate(categories, start=1)
        ),
        Row(["(二) 单价100万元(含)以上设备(不含车辆)", "17", a.equipment_over_million if a else None]),
    ]
    columns = [Column("item", ("项目",), "text"), Column("row", ("行次",), "rowno"), Column("value", ("统计数",))]
    return _final_table(
        "final_10",
        "公开10表",
        "部门决算公开相关信息统计表",
        columns,
        rows,
        notes=["注：本表反映部门本年度政府采购、机关运行经费和国有资产占用情况。"],
    )


BUDGET_TABLES = [
    budget_01,
    budget_02,
    budget_03,
    budget_04,
    budget_05,
    budget_06,
    budget_07,
    budget_08,
    budget_09,
    budget_10,
    budget_11,
    budget_12,
    budget_13,
]
FINAL_TABLES = [final_01, final_02, final_03, final_04, final_05, final_06, final_07, final_08, final_09, final_10]


def table_builders(kind: str):
    return BUDGET_TABLES if kind == Disclosure.Kind.BUDGET else FINAL_TABLES


def build_tables(disclosure: Disclosure, data: DisclosureData | None = None) -> list[Table]:
    """Every official table of a disclosure, in the official order."""
    data = data or DisclosureData(disclosure)
    return [builder(data) for builder in table_builders(disclosure.kind)]


def build_table(disclosure: Disclosure, key: str, data: DisclosureData | None = None) -> Table:
    data = data or DisclosureData(disclosure)
    for builder in table_builders(disclosure.kind):
        if builder.__name__ == key:
            return builder(data)
    raise KeyError(key)

