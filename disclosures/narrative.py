"""情况说明 generated from the stored facts (DOMAIN §6), in the official wording of the seed documents.

Every amount is the figure an official table prints (万元, two decimals, half-up; zero written ``0万元``),
every share is computed from those printed figures (two decimals, half-up; zero written ``0%``) and
nothing is adjusted to make shares add up to 100 — a deviation is reported in ``NarrativeItem.notes``.
Year-over-year sentences need the unit's previous-year disclosure of the same kind; without it, and
wherever the text needs facts the database does not hold (reasons, 年初预算, trip/reception counts…),
a visible placeholder is written instead of a number.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from disclosures.amounts import ZERO, add, percent, wan
from disclosures.models import FISCAL_FUNDS, Disclosure, Fund, ThreePublicLine, VehicleCount
from disclosures.tablespecs import BUDGET_MEASURES, EXPENSE_MEASURES, DisclosureData

NO_PREVIOUS = "（上年数据未入库，增减情况待补充）"
FILL = "（请填写）"
REASON = f"主要原因是：{FILL}"

Figure = Callable[[DisclosureData], Decimal | None]  # one amount (元) of a disclosure


@dataclass
class NarrativeItem:
    key: str  # stable id: budget.income, final.three_public.total, …
    number: str  # 一 / （一）
    heading: str  # exact official heading, number included
    level: int  # 1 = 一、…; 2 = （一）…
    paragraphs: list[str]
    notes: list[str] = field(default_factory=list)  # review remarks that are not part of the text


def _item(
    key: str, heading: str, paragraphs: list[str] | None = None, notes: list[str] | None = None
) -> "NarrativeItem":
    """Number and level follow from the official heading: 一、… is level 1, （一）… level 2."""
    sub = heading.startswith("（")
    number = heading[: heading.index("）") + 1] if sub else heading.split("、", 1)[0]
    return NarrativeItem(key, number, heading, 2 if sub else 1, paragraphs or [], notes or [])


# ---------------------------------------------------------------- numbers in a text

_NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_NOT_A_QUANTITY = re.compile(r"\s*[年月日、]")  # years and dates, list markers (1、)


def number_spans(text: str) -> list[tuple[int, int, Decimal]]:
    """(start, end, value) of every amount, percentage and count written in ``text``, in order.

    Thousands separators are removed from the value. Years and dates (2026年, 12月31日) and list markers (1、)
    are not quantities and are skipped.
    """
    found = []
    for match in _NUMBER.finditer(text):
        if _NOT_A_QUANTITY.match(text, match.end()):
            continue
        found.append((match.start(), match.end(), Decimal(match.group().replace(",", ""))))
    return found


def numbers_in(text: str) -> list[Decimal]:
    """Every amount, percentage and count written in ``text``, in order (see number_spans)."""
    return [value for _, _, value in number_spans(text)]


_PLACEHOLDER = re.compile(r"（请填写[^）]*）|" + re.escape(NO_PREVIOUS))


def placeholder_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every placeholder left in ``text``: （请填写）, （请填写：…）, the missing-year note."""
    return [(m.start(), m.end(), m.group()) for m in _PLACEHOLDER.finditer(text)]


def written_numbers(numbers: list[Decimal]) -> str:
    """Numbers as a narrative writes them (thousands separators), listed with 、: 3,488.99、18.44."""
    return "、".join(f"{number:,}" for number in numbers)


def differing_numbers(edited: str, generated: str) -> list[Decimal]:
    """Numbers of the edited text that the generated text does not contain (each once, in order)."""
    known = set(numbers_in(generated))
    out: list[Decimal] = []
    for number in numbers_in(edited):
        if number not in known and number not in out:
            out.append(number)
    return out


# ---------------------------------------------------------------- formatting


def _w(yuan: Decimal | None) -> Decimal:
    """元 → 万元 as the tables print it; blank counts as zero."""
    return ZERO if yuan is None else wan(yuan)


def _num(value: Decimal) -> str:
    return "0" if value == 0 else f"{value:,.2f}"


def _money(yuan: Decimal | None) -> str:
    return f"{_num(_w(yuan))}万元"


def _pct(part: Decimal, whole: Decimal) -> str:
    """Share of two printed (万元) figures; zero part or zero base → 0%."""
    share = percent(part, whole)
    return "0%" if not part or share is None else f"{share}%"


def _share_note(label: str, parts: list[Decimal], whole: Decimal) -> list[str]:
    """Σ shares ≠ 100 is reported, never corrected (INV-B19)."""
    if not whole:
        return []
    total = sum((percent(p, whole) or ZERO for p in parts), ZERO)
    return [] if total == 100 else [f"{label}占比合计{total}%（按表列金额计算，未调整尾差）"]


def _join(items: list[str], last: str = "。", sep: str = "；") -> str:
    return sep.join(items) + last if items else ""


def _lines(items: list[str]) -> list[str]:
    """One item per paragraph, ending with ； and the last with 。 (the layout of the 决算 narrative)."""
    return [item + ("。" if i == len(items) - 1 else "；") for i, item in enumerate(items)]


def _count(value: int | None) -> str:
    return str(value or 0)


# ---------------------------------------------------------------- figures (元) shared by current and previous year


def _functions(code: str | None, measures, **kwargs) -> Figure:
    return lambda d: d.functions.value(code, measures, **kwargs)


def _budget_income(d: DisclosureData) -> Decimal | None:
    return d.functions.value(None, BUDGET_MEASURES, carryover=False)


def _budget_carry(d: DisclosureData) -> Decimal | None:
    return d.functions.value(None, BUDGET_MEASURES, carryover=True)


def _budget_total_income(d: DisclosureData) -> Decimal | None:
    return add(_budget_income(d), _budget_carry(d))


def _budget_total_spend(d: DisclosureData) -> Decimal | None:
    return add(d.functions.value(None, BUDGET_MEASURES), d.disclosure.year_end_carryover)


_budget_general = _functions(None, BUDGET_MEASURES, funds=[Fund.GENERAL], carryover=False)


def _final_total_income(d: DisclosureData) -> Decimal | None:
    return add(d.functions.value(None, ["income"]), d.balance("surplus_used"), d.balance("opening"))


def _final_total_spend(d: DisclosureData) -> Decimal | None:
    return add(d.functions.value(None, EXPENSE_MEASURES), d.balance("distribution"), d.balance("closing"))


def _fiscal_total_income(d: DisclosureData) -> Decimal | None:
    return add(d.functions.value(None, ["income"], funds=FISCAL_FUNDS), d.balance("opening", FISCAL_FUNDS))


def _fiscal_total_spend(d: DisclosureData) -> Decimal | None:
    return add(d.functions.value(None, EXPENSE_MEASURES, funds=FISCAL_FUNDS), d.balance("closing", FISCAL_FUNDS))


def _final_general(code: str | None = None) -> Figure:
    return _functions(code, EXPENSE_MEASURES, funds=[Fund.GENERAL])


def _three_public(stage: str, items: tuple[str, ...]) -> Figure:
    return lambda d: d.three_public_amount(stage, items)


def _operating_cost(d: DisclosureData) -> Decimal | None:
    return add(*(c.amount for c in d.operating_costs))


THREE_PUBLIC_ALL = ("abroad", "reception", "vehicle_purchase", "vehicle_operation")


# ---------------------------------------------------------------- previous year


def find_previous(disclosure: Disclosure) -> Disclosure | None:
    """Same unit and kind, previous fiscal year: the latest published version, else the latest version."""
    candidates = Disclosure.objects.filter(
        unit_id=disclosure.unit_id, fiscal_year=disclosure.fiscal_year - 1, kind=disclosure.kind
    ).order_by("-version")
    return candidates.published().first() or candidates.first()


class _Writer:
    def __init__(self, data: DisclosureData, previous: DisclosureData | None):
        self.d = data
        self.prev = previous
        self.year = data.year
        self.unit = data.unit_name

    def change(self, figure: Figure, *, prefix: str = "比上年", same: str = "与上年持平") -> str:
        """'比上年增加Δ万元，增长p%' (p = Δ / previous × 100), or the placeholder without a previous year."""
        if self.prev is None:
            return NO_PREVIOUS
        current, before = _w(figure(self.d)), _w(figure(self.prev))
        delta = current - before
        if delta == 0:
            return same
        more = delta > 0
        text = f"{prefix}{'增加' if more else '减少'}{_num(abs(delta))}万元"
        if before:
            text += f"，{'增长' if more else '下降'}{percent(abs(delta), before)}%"
        return text

    def compared(self, *changes: tuple[Figure, str], sep: str = "，") -> str:
        """'与上年相比，收入总计增加…，支出总计增加…。主要原因是：（请填写）。' (决算 wording)."""
        if self.prev is None:
            return f"与上年相比{NO_PREVIOUS}。{REASON}。"
        texts = [self.change(figure, prefix=label, same=f"{label}与上年持平") for figure, label in changes]
        reason = f"{REASON}。" if any(self.changed(figure) for figure, _ in changes) else ""
        return f"与上年相比，{sep.join(texts)}。{reason}"

    def changed(self, figure: Figure) -> bool:
        return self.prev is None or _w(figure(self.d)) != _w(figure(self.prev))

    def categories(self, value: Callable[[str], Decimal | None]) -> list[tuple[str, str, Decimal]]:
        """(code, name, 万元) of every 类 with a non-zero printed amount, by code."""
        out = []
        for code in self.d.functions.codes:
            if len(code) == 3 and (amount := _w(value(code))):
                out.append((code, self.d.name(code), amount))
        return out

    def economic_names(self, measure: str) -> list[str]:
        e = self.d.economic
        return [e.names[c] for c in sorted(e.leaves) if c and len(c) == 5 and _w(e.node(c, measure))]

    def basic_paragraphs(self, opening: str, basic: Decimal | None, closing: str) -> list[str]:
        e = self.d.economic
        personnel, public = e.node(None, "personnel"), e.node(None, "public")
        people, things = self.economic_names("personnel"), self.economic_names("public")
        return [
            f"{opening}{_money(basic)}，其中：",
            f"人员经费{_money(personnel)}，主要包括{closing}{'、'.join(people) or FILL}等；",
            f"公用经费{_money(public)}，主要包括{closing}{'、'.join(things) or FILL}等。",
        ]


# ---------------------------------------------------------------- budget narrative (§6.1)


def _budget_items(w: _Writer) -> list[NarrativeItem]:
    d, y, unit = w.d, w.year, w.unit
    f = d.functions
    head = f"{y}年度{unit}"
    items: list[NarrativeItem] = []

    income, carry = _budget_income(d), _budget_carry(d)
    spend_current = f.value(None, BUDGET_MEASURES, carryover=False)
    spend_carry = f.value(None, BUDGET_MEASURES, carryover=True)
    items.append(
        _item(
            "budget.revenue_change",
            "一、单位预算收支数据变动情况及原因",
            [
                f"{head}预算收入总计{_money(_budget_total_income(d))}，其中：本年收入{_money(income)}，"
                f"上年结转{_money(carry)}，{w.change(_budget_total_income)}，{REASON}；"
                f"本年单位预算支出总计{_money(_budget_total_spend(d))}，其中：本年预算安排{_money(spend_current)}，"
                f"上年结转{_money(spend_carry)}，{w.change(_budget_total_spend)}，{REASON}。"
            ],
        )
    )

    total = _w(_budget_total_income(d))
    sources = [
        ("一般公共预算拨款收入", Fund.GENERAL),
        ("政府性基金预算拨款收入", Fund.GOV_FUND),
        ("国有资本经营预算拨款收入", Fund.STATE_CAPITAL),
        ("财政专户管理资金收入", Fund.SPECIAL_ACCOUNT),
        ("单位资金", Fund.UNIT_OWN),
    ]
    parts = [(label, _w(f.value(None, BUDGET_MEASURES, funds=[fund], carryover=False))) for label, fund in sources]
    parts.append(("上年结转", _w(carry)))
    items.append(
        _item(
            "budget.income",
            "二、收入预算情况说明",
            [
                f"{head}预算收入{_money(_budget_total_income(d))}，主要包括"
                + _join([f"{label}{_num(v)}万元，占{_pct(v, total)}" for label, v in parts])
            ],
            _share_note("收入预算", [v for _, v in parts], total),
        )
    )

    spend = _w(f.value(None, BUDGET_MEASURES))
    basic, project = _w(f.value(None, ["basic"])), _w(f.value(None, ["project"]))
    items.append(
        _item(
            "budget.expenditure",
            "三、支出预算情况说明",
            [
                f"{head}支出预算{_num(spend)}万元，其中：基本支出{_num(basic)}万元，占{_pct(basic, spend)}；"
                f"项目支出{_num(project)}万元，占{_pct(project, spend)}。"
            ],
            _share_note("支出预算", [basic, project], spend),
        )
    )

    fiscal = list(FISCAL_FUNDS)
    fiscal_current = f.value(None, BUDGET_MEASURES, funds=fiscal, carryover=False)
    fiscal_carry = f.value(None, BUDGET_MEASURES, funds=fiscal, carryover=True)
    by_fund = [
        f"{label}{_money(f.value(None, BUDGET_MEASURES, funds=[fund]))}"
        for label, fund in zip(("一般公共预算拨款", "政府性基金预算拨款", "国有资本经营预算拨款"), fiscal, strict=True)
    ]
    spent = w.categories(lambda code: f.value(code, BUDGET_MEASURES, funds=fiscal))
    items.append(
        _item(
            "budget.fiscal",
            "四、财政拨款收支预算总体情况说明",
            [
                f"{head}财政拨款收支总预算{_money(add(fiscal_current, fiscal_carry))}。其中：{'，'.join(by_fund)}。",
                f"其中：当年拨款收入{_money(fiscal_current)}，上年结转收入{_money(fiscal_carry)}。"
                + (f"支出包括：{'、'.join(f'{name}{_num(v)}万元' for _, name, v in spent)}等。" if spent else ""),
            ],
        )
    )

    general = _w(_budget_general(d))
    structure = w.categories(lambda code: f.value(code, BUDGET_MEASURES, funds=[Fund.GENERAL], carryover=False))
    items += [
        _item("budget.general", "五、一般公共预算支出情况说明"),
        _item(
            "budget.general.scale",
            "（一）一般公共预算当年支出规模变化情况",
            [f"{head}一般公共预算当年支出{_num(general)}万元，{w.change(_budget_general)}。"],
        ),
        _item(
            "budget.general.structure",
            "（二）一般公共预算当年支出结构情况",
            [
                f"{head}一般公共预算当年支出{_num(general)}万元，主要用于以下方面："
                + (_join([f"{name}{_num(v)}万元，占{_pct(v, general)}" for _, name, v in structure], "等。") or FILL)
            ],
            _share_note("一般公共预算当年支出结构", [v for *_, v in structure], general),
        ),
    ]

    basic_total = d.economic.total(None)
    if basic_total is None:
        basic_total = f.value(None, ["basic"], funds=[Fund.GENERAL], carryover=False)
    items.append(
        _item(
            "budget.basic",
            "六、一般公共预算基本支出情况说明",
            w.basic_paragraphs(f"{head}一般公共预算安排基本支出", basic_total, "："),
        )
    )

    items.append(_budget_three_public(w))

    operating = _operating_cost(d)
    change = w.change(_operating_cost, prefix=f"比{y - 1}年预算", same=f"与{y - 1}年预算持平")
    items.append(
        _item(
            "budget.operating_cost",
            "八、机关运行经费增减变动原因说明",
            [
                f"本单位机关运行经费财政拨款预算{_money(operating)}，{change}"
                + (f"，{REASON}。" if w.changed(_operating_cost) else "。")
            ],
        )
    )

    p = d.procurement
    if p is None:
        procurement = f"{y}年{unit}政府采购预算总额{FILL}万元。"
    else:
        procurement = (
            f"{y}年{unit}政府采购预算总额{_money(add(p.goods, p.works, p.services))}。其中：政府采购货物预算"
            f"{_money(p.goods)}、政府采购工程预算{_money(p.works)}、政府采购服务预算{_money(p.services)}。"
        )
    items.append(_item("budget.procurement", "九、政府采购情况", [procurement]))
    items.append(_budget_performance(w))
    items.append(_budget_assets(w))
    items += [
        _item("budget.other", "十二、其他说明"),
        _item(
            "budget.other.purchase_services",
            "（一）政府购买服务指导性目录",
            [f"本单位{y}年涉及政府购买服务项目{FILL}个，预算金额{FILL}万元。"],
        ),
        _item("budget.other.misc", "（二）其他", [FILL]),
    ]
    return items


def _budget_three_public(w: _Writer) -> NarrativeItem:
    stage, y = ThreePublicLine.Stage.BUDGET, w.year
    total = _three_public(stage, THREE_PUBLIC_ALL)
    parts = [
        ("因公出国（境）费", ("abroad",)),
        ("公务接待费", ("reception",)),
        ("公务用车购置及运行费", ("vehicle_purchase", "vehicle_operation")),
        ("公务用车运行维护费", ("vehicle_operation",)),
        ("公务用车购置费", ("vehicle_purchase",)),
    ]

    def part(label: str, items: tuple[str, ...]) -> str:
        text = f"{label}{_money(_three_public(stage, items)(w.d))}"
        if w.prev is None:
            return text
        return f"{text}，{w.change(_three_public(stage, items), prefix='比上年预算数', same='与上年预算数相同')}"

    texts = [part(label, items) for label, items in parts]
    headline = w.change(total, prefix=f"比{y - 1}年预算数", same=f"与{y - 1}年预算数相同")
    reason = any(w.changed(_three_public(stage, items)) for _, items in parts) or w.changed(total)
    return _item(
        "budget.three_public",
        "七、“三公”经费增减变动原因说明",
        [
            f"{y}年{w.unit}财政拨款安排的“三公”经费预算{_money(total(w.d))}"
            + ("" if headline.startswith("（") else "，")
            + f"{headline}。其中：{'；'.join(texts[:3])}。{'；'.join(texts[3:])}。"
            + (f"{REASON}。" if reason else "")
        ],
    )


def _budget_performance(w: _Writer) -> NarrativeItem:
    from performance.models import TargetForm  # performance depends on disclosures, not the reverse

    y, unit = w.year, w.unit
    projects = [p for p in w.d.projects if not p.carryover]
    amount = add(*(p.total for p in projects))
    forms = list(TargetForm.objects.filter(disclosure=w.d.disclosure).values_list("project_id", flat=True))
    linked = {p.pk for p in projects} & set(forms)
    disclosed = add(*(p.total for p in projects if p.pk in linked))
    notes = []
    if len(forms) != len(projects):
        notes.append(f"绩效目标表{len(forms)}张，表十二项目{len(projects)}个")
    if all(p.category for p in projects) and projects:
        by_category = []
        for category, label in (("operating", "其他运转类"), ("specific", "特定目标类")):
            chosen = [p for p in projects if p.category == category]
            by_category.append(f"{label}项目{len(chosen)}个，涉及金额{_money(add(*(p.total for p in chosen)))}")
        split = "其中：" + "；".join(by_category) + "。"
    else:
        split = f"其中：其他运转类项目{FILL}个，涉及金额{FILL}万元；特定目标类项目{FILL}个，涉及金额{FILL}万元。"
    paragraphs = [
        "1、整体绩效目标",
        f"{y}年本单位（请填写：已编报/未编报）单位整体绩效目标。",
        "2、项目绩效目标",
        f"{y}年{unit}纳入绩效目标管理的二级项目{len(projects)}个，共计金额{_money(amount)}。{split}"
        f"公开项目绩效目标{len(forms)}个，涉及项目金额{_money(disclosed)}，"
        f"占部门（单位）项目支出总额的{_pct(_w(disclosed), _w(amount))}。",
    ]
    if forms:
        paragraphs.append("（项目绩效目标表公开情况见附件）")
    return _item("budget.performance", "十、绩效管理情况", paragraphs, notes)


BUDGET_VEHICLES = [
    ("领导用车", (VehicleCount.Category.MINISTERIAL, VehicleCount.Category.PRINCIPAL)),
    ("机要通信用车", (VehicleCount.Category.CONFIDENTIAL,)),
    ("应急保障用车", (VehicleCount.Category.EMERGENCY,)),
    ("执法执勤用车", (VehicleCount.Category.LAW_ENFORCEMENT,)),
    ("特种专业技术用车", (VehicleCount.Category.SPECIAL,)),
    ("离退休干部服务用车", (VehicleCount.Category.RETIREE,)),
    ("其他公务用车", (VehicleCount.Category.OTHER,)),
]


def _budget_assets(w: _Writer) -> NarrativeItem:
    """Budget assets come from the document's own text: what was not read stays a placeholder."""
    a, v = w.d.assets, w.d.vehicles
    date, unit = f"截至{w.year - 1}年12月31日", w.unit

    def known(value) -> str:
        return FILL if value is None else str(value)

    if not v:
        vehicles = f"{date}，{unit}共有公务用车编制{FILL}辆，实有{FILL}辆。"
    else:  # categories the text did not mention are counted as none
        counts = [(label, sum(v.get(c) or 0 for c in cats)) for label, cats in BUDGET_VEHICLES]
        listed = [f"{label}{n}辆" for label, n in counts if n or label != "离退休干部服务用车"]
        vehicles = (
            f"{date}，{unit}共有公务用车编制{FILL}辆，实有{sum(n for _, n in counts)}辆，其中：{'，'.join(listed)}。"
        )
    area = a.office_area if a else None
    return _item(
        "budget.assets",
        "十一、国有资产占有使用情况",
        [
            "1、车辆情况：",
            vehicles,
            "2、房屋情况：",
            f"{date}，{unit}使用的办公用房建筑总面积{FILL if area is None else f'{area:.2f}'}平方米。",
            "3、其他国有资产占有使用情况：",
            f"{date}，{unit}占有使用价值50万元（原值）以上的通用设备"
            f"{known(a and a.equipment_over_half_million)}台（套）；"
            f"{unit}占有使用价值100万元（原值）以上的通用设备{known(a and a.equipment_over_million)}台（套）。",
        ],
    )


# ---------------------------------------------------------------- final-accounts narrative (§6.2)


def _final_items(w: _Writer) -> list[NarrativeItem]:
    d, y = w.d, w.year
    f = d.functions
    items: list[NarrativeItem] = []

    items.append(
        _item(
            "final.overall",
            "一、收入支出决算总体情况说明",
            [
                f"{y}年度收入总计{_money(_final_total_income(d))}，支出总计{_money(_final_total_spend(d))}。"
                + w.compared((_final_total_income, "收入总计"), (_final_total_spend, "支出总计"))
            ],
        )
    )

    income = _w(f.value(None, ["income"]))
    sources = [
        ("财政拨款收入", FISCAL_FUNDS),
        ("上级补助收入", (Fund.SUPERIOR_SUBSIDY,)),
        ("事业收入", (Fund.BUSINESS,)),
        ("经营收入", (Fund.OPERATING,)),
        ("附属单位上缴收入", (Fund.AFFILIATED,)),
        ("其他收入", (Fund.OTHER_INCOME,)),
    ]
    parts = [(label, _w(f.value(None, ["income"], funds=funds))) for label, funds in sources]
    items.append(
        _item(
            "final.income",
            "二、收入决算情况说明",
            [f"{y}年度收入合计{_num(income)}万元，其中："]
            + _lines([f"{label}{_num(v)}万元，占比{_pct(v, income)}" for label, v in parts]),
            _share_note("收入决算", [v for _, v in parts], income),
        )
    )

    spend = _w(f.value(None, EXPENSE_MEASURES))
    labels = ["基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"]
    parts = [(label, _w(f.value(None, [m]))) for label, m in zip(labels, EXPENSE_MEASURES, strict=True)]
    items.append(
        _item(
            "final.expenditure",
            "三、支出决算情况说明",
            [f"{y}年度支出合计{_num(spend)}万元，其中："]
            + _lines([f"{label}{_num(v)}万元，占比{_pct(v, spend)}" for label, v in parts]),
            _share_note("支出决算", [v for _, v in parts], spend),
        )
    )

    items.append(
        _item(
            "final.fiscal",
            "四、财政拨款收支决算总体情况说明",
            [
                f"{y}年度财政拨款收入总计{_money(_fiscal_total_income(d))}，"
                f"支出总计{_money(_fiscal_total_spend(d))}。"
                + w.compared(
                    (_fiscal_total_income, "财政拨款收入总计"), (_fiscal_total_spend, "财政拨款支出总计"), sep="；"
                )
            ],
        )
    )

    general = _w(_final_general()(d))
    structure = w.categories(lambda code: _final_general(code)(d))
    items += [
        _item("final.general", "五、一般公共预算财政拨款支出决算情况说明"),
        _item(
            "final.general.total",
            "（一）一般公共预算财政拨款支出决算总体情况",
            [
                f"{y}年一般公共预算财政拨款决算支出{_num(general)}万元，占本年支出合计的{_pct(general, spend)}。"
                + w.compared((_final_general(), "一般公共预算财政拨款支出"))
            ],
        ),
        _item(
            "final.general.structure",
            "（二）一般公共预算财政拨款支出决算结构情况",
            [f"{y}年度一般公共预算财政拨款支出{_num(general)}万元，主要用于以下方面："]
            + (_lines([f"{name}(类){_num(v)}万元，占比{_pct(v, general)}" for _, name, v in structure]) or [FILL]),
            _share_note("一般公共预算财政拨款支出结构", [v for *_, v in structure], general),
        ),
        _item(
            "final.general.detail",
            "（三）一般公共预算财政拨款支出决算具体情况",
            [
                f"{y}年度一般公共预算财政拨款支出年初预算{FILL}万元，支出决算{_num(general)}万元，"
                f"完成年初预算的{FILL}%。其中："
            ]
            + [
                f"{name}年初预算{FILL}万元，支出决算{_num(v)}万元，完成年初预算的{FILL}%，用于：{FILL}。"
                f"{w.change(_final_general(code), prefix='较上年决算')}"
                + (f"，{REASON}。" if w.changed(_final_general(code)) else "。")
                for code, name, v in structure
            ],
            ["年初预算数未入库：年初预算及完成率需填写"],
        ),
    ]

    basic = d.economic.total(None)
    if basic is None:
        basic = f.value(None, ["basic"], funds=[Fund.GENERAL])
    items.append(
        _item(
            "final.basic",
            "六、一般公共预算财政拨款基本支出决算情况说明",
            w.basic_paragraphs(f"{y}年度财政拨款基本支出", basic, ""),
        )
    )

    gov = [Fund.GOV_FUND]
    gov_spend = f.value(None, EXPENSE_MEASURES, funds=gov)
    gov_text = (
        "本年度无此项支出。"
        if not _w(gov_spend) and not _w(f.value(None, ["income"], funds=gov))
        else f"{y}年度政府性基金预算财政拨款年初结转和结余{_money(f.value(None, ['opening_balance'], funds=gov))}，"
        f"本年收入{_money(f.value(None, ['income'], funds=gov))}，本年支出{_money(gov_spend)}，"
        f"年末结转和结余{_money(f.value(None, ['closing_balance'], funds=gov))}。"
    )
    capital_spend = f.value(None, EXPENSE_MEASURES, funds=[Fund.STATE_CAPITAL])
    capital_text = (
        "本年度无此项支出。"
        if not _w(capital_spend)
        else f"{y}年度国有资本经营预算财政拨款支出{_money(capital_spend)}。"
    )
    items += [
        _item("final.gov_fund", "七、政府性基金预算财政拨款收支决算情况说明", [gov_text]),
        _item("final.state_capital", "八、国有资本经营预算财政拨款支出决算情况说明", [capital_text]),
    ]
    items += _final_three_public(w)
    items += _final_other(w)
    return items


THREE_PUBLIC_FINAL_PARTS = [
    ("因公出国（境）费", ("abroad",)),
    ("公务用车购置费", ("vehicle_purchase",)),
    ("公务用车运行维护费", ("vehicle_operation",)),
    ("公务接待费", ("reception",)),
]


def _final_three_public(w: _Writer) -> list[NarrativeItem]:
    y = w.year
    budget, actual = ThreePublicLine.Stage.BUDGET, ThreePublicLine.Stage.ACTUAL

    def sentence(label: str, items: tuple[str, ...], head: bool = False) -> str:
        planned, spent = _three_public(budget, items), _three_public(actual, items)
        text = (
            f"支出全年预算{_money(planned(w.d))}，支出决算{_money(spent(w.d))}"
            if head
            else f"{label}支出{_money(spent(w.d))}"
        )
        text += f"，完成全年预算的{_pct(_w(spent(w.d)), _w(planned(w.d)))}"
        text += f"，{w.change(spent, prefix='比上年度', same='与上年相同')}"
        if w.prev is not None and not w.changed(spent) and not _w(spent(w.d)):
            return f"{text}，主要原因是：{y}年度本单位无{label}支出"
        return f"{text}，{REASON}"

    parts = [sentence(label, items) for label, items in THREE_PUBLIC_FINAL_PARTS]
    amounts = {key: _w(_three_public(actual, (key,))(w.d)) for key in THREE_PUBLIC_ALL}

    def counted(amount: Decimal, text: str) -> str:
        """Counts (团组, 人次, 辆, 批次) are not stored: zero only when no money was spent."""
        return text.replace("｛｝", FILL if amount else "0")

    abroad, purchase = amounts["abroad"], amounts["vehicle_purchase"]
    operation, reception = amounts["vehicle_operation"], amounts["reception"]
    none = f"{y}年度本单位无"
    details = [
        counted(abroad, f"1、因公出国（境）费支出{_num(abroad)}万元，出国团组共｛｝个，｛｝人次。")
        + f"主要用于：{none + '因公出国（境）费支出' if not abroad else FILL}。",
        counted(purchase, f"2、公务用车购置支出{_num(purchase)}万元，使用财政拨款共购置公务用车｛｝辆，")
        + f"主要用于：{none + '公务用车购置支出' if not purchase else FILL}。",
        f"3、公务用车运行维护费支出{_num(operation)}万元，使用财政拨款负担的公务用车保有量共{FILL}辆车，"
        f"主要用于：{FILL}。",
        counted(reception, f"4、公务接待费支出{_num(reception)}万元，共接待｛｝批次，｛｝人次，")
        + f"主要是：{none + '公务接待费支出' if not reception else FILL}。",
    ]
    vehicles = sum(n or 0 for n in w.d.vehicles.values())
    return [
        _item("final.three_public", "九、财政拨款“三公”经费支出决算情况说明"),
        _item(
            "final.three_public.total",
            "（一）“三公”经费财政拨款支出决算总体情况说明",
            [f"{y}年度“三公”经费财政拨款{sentence('“三公”经费', THREE_PUBLIC_ALL, head=True)}。其中："] + _lines(parts),
        ),
        _item(
            "final.three_public.detail",
            "（二）“三公”经费财政拨款支出决算具体情况说明",
            details,
            [f"公开10表车辆数合计{vehicles}辆，公务用车保有量应与之一致"],
        ),
    ]


def _final_other(w: _Writer) -> list[NarrativeItem]:
    from performance.models import SelfEvaluation

    d, y = w.d, w.year
    operating = _operating_cost(d)
    change = w.change(_operating_cost, prefix=f"比{y - 1}年", same=f"与{y - 1}年持平")
    operating_text = f"{y}年机关运行经费支出{_money(operating)}，{change}" + (
        f"，{REASON}。" if w.changed(_operating_cost) else "。"
    )

    p = d.procurement
    if p is None:
        procurement = f"{y}年度政府采购支出总额{FILL}万元。"
    else:
        total = add(p.goods, p.works, p.services)
        procurement = (
            f"{y}年度政府采购支出总额{_money(total)}，其中：政府采购货物支出{_money(p.goods)}、"
            f"政府采购工程支出{_money(p.works)}、政府采购服务支出{_money(p.services)}。"
        )
        for label, amount in (("政府采购授予中小企业合同金额", p.sme), ("其中：授予小微企业合同金额", p.small_micro)):
            share = FILL + "%" if amount is None else _pct(_w(amount), _w(total))
            money = FILL + "万元" if amount is None else _money(amount)
            procurement += f"{label}{money}，占政府采购支出总额的{share}。"

    v = d.vehicles
    categories = list(VehicleCount.Category)
    listed = [f"{c.label}{_count(v.get(c))}辆" for c in categories]
    other = v.get(VehicleCount.Category.OTHER) or 0
    assets = d.assets
    equipment = _count(assets.equipment_over_million if assets else None)
    vehicle_text = (
        f"截至{y}年12月31日，本部门（单位）共有车辆{sum(n or 0 for n in v.values())}辆。"
        f"其中：{'、'.join(listed[:-1])}，{listed[-1]}"
        + (f"，其他用车主要是：{FILL}" if other else "")
        + f"；单价100万元（含）以上设备（不含车辆）{equipment}台（套）。"
    )

    evaluations = list(SelfEvaluation.objects.filter(disclosure=d.disclosure).prefetch_related("funds"))
    grades = {g: 0 for g in SelfEvaluation.Grade.values}
    derived = 0
    amount = ZERO
    for e in evaluations:
        grade = e.grade or _grade(e.total_score)
        derived += not e.grade and bool(grade)
        if grade:
            grades[grade] += 1
        funds = sorted(e.funds.all(), key=lambda x: x.order)
        row = next((x for x in funds if x.label.startswith("资金总额")), funds[0] if funds else None)
        amount += (row.full_year_budget or ZERO) if row else ZERO
    notes = [f"涉及资金按自评表“资金总额”全年预算数合计（{len(evaluations)}张）"]
    if derived:
        notes.append(f"{derived}张自评表未填等级，按总分推定（优≥90，良≥80，中≥60）")
    counts = "，".join(f"{n}个项目自评等级为“{g}”" for g, n in grades.items())
    performance = [
        "1、预算绩效管理工作开展情况",
        f"{y}年二级项目绩效自评个数{len(evaluations)}个，涉及资金{_money(amount)}：{counts}。"
        + (f"{y}年度本单位无自评结果为“中”和“差”的项目。" if not grades["中"] and not grades["差"] else ""),
    ]
    if evaluations:
        performance.append("附件：二级项目绩效自评表")
    performance += ["2、其他需要说明的事项", FILL]

    return [
        _item("final.other", "十、其他重要事项情况说明"),
        _item("final.other.operating_cost", "（一）机关运行经费支出情况说明", [operating_text]),
        _item("final.other.procurement", "（二）政府采购情况说明", [procurement]),
        _item("final.other.assets", "（三）国有资产占用情况说明", [vehicle_text]),
        _item("final.other.performance", "（四）预算绩效情况说明", performance, notes),
    ]


def _grade(score: Decimal | None) -> str:
    """DOMAIN §5.2: 优 ≥ 90, 良 80–<90, 中 60–<80, 差 < 60."""
    if score is None:
        return ""
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


# ---------------------------------------------------------------- entry point


def generate_narrative(
    disclosure: Disclosure, *, data: DisclosureData | None = None, previous: Disclosure | None = None
) -> list[NarrativeItem]:
    """The 情况说明 items of a disclosure in official order (budget 一…十二, final accounts 一…十)."""
    data = data or DisclosureData(disclosure)
    previous = previous or find_previous(disclosure)
    if previous is not None and (previous.unit_id, previous.kind) != (disclosure.unit_id, disclosure.kind):
        raise ValueError("previous must be the same unit's disclosure of the same kind")
    writer = _Writer(data, DisclosureData(previous) if previous is not None else None)
    if disclosure.kind == Disclosure.Kind.BUDGET:
        return _budget_items(writer)
    return _final_items(writer)
