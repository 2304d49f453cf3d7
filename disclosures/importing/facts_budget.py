"""单位预算公开: map the printed tables (ParsedTable) onto facts (unsaved model instances)."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from disclosures.amounts import ZERO, add, yuan_from_wan
from disclosures.facts import FunctionFacts
from disclosures.importing.numbers import AmountError, parse_amount
from disclosures.importing.parsed import ImportIssue, ParsedDocument, ParsedTable
from disclosures.models import (
    AssetSummary,
    EconomicClass,
    EconomicLine,
    FunctionClass,
    FunctionLine,
    Fund,
    OperatingCost,
    Procurement,
    ProjectLine,
    RevenueLine,
    ThreePublicLine,
    VehicleCount,
)

CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
BUDGET_FUNDS = (Fund.GENERAL, Fund.GOV_FUND, Fund.STATE_CAPITAL, Fund.SPECIAL_ACCOUNT, Fund.UNIT_OWN)
FISCAL = (Fund.GENERAL, Fund.GOV_FUND, Fund.STATE_CAPITAL)


@dataclass
class Facts:
    """What a document's tables say, as unsaved model instances (the loader saves them)."""

    lines: list[FunctionLine] = field(default_factory=list)
    economic: list[EconomicLine] = field(default_factory=list)
    three_public: list[ThreePublicLine] = field(default_factory=list)
    operating_costs: list[OperatingCost] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)
    revenues: list[RevenueLine] = field(default_factory=list)
    balances: list = field(default_factory=list)
    vehicles: list[VehicleCount] = field(default_factory=list)
    procurement: Procurement | None = None
    assets: AssetSummary | None = None
    year_end_carryover: Decimal | None = None


class Cells:
    """Reads one table's amounts in 元, reporting unreadable cells with file line and column."""

    def __init__(self, table: ParsedTable | None, issues: list[ImportIssue], label: str):
        self.table, self.issues, self.label = table, issues, label

    @property
    def rows(self):
        return self.table.rows if self.table else []

    def amount(self, row, index: int) -> Decimal | None:
        if index >= len(row.cells):
            return None
        try:
            return yuan_from_wan(parse_amount(row.cells[index]))
        except AmountError as exc:
            self.issues.append(
                ImportIssue(row.line, f"{self.label}第{index + 1}列：{exc}", "error", f"第{index + 1}列")
            )
            return None

    def classified(self, code_col: int = 0) -> dict[str | None, object]:
        """Rows keyed by 科目编码 (None for the 合计 row)."""
        out: dict[str | None, object] = {}
        for row in self.rows:
            first = row.cells[code_col] if len(row.cells) > code_col else ""
            if first == "合计":
                out[None] = row
            elif CODE.match(first):
                if first in out:
                    self.issues.append(ImportIssue(row.line, f"{self.label}科目{first}重复出现，以第一次为准"))
                    continue
                out[first] = row
        return out


def leaf_codes(codes) -> list[str]:
    codes = set(codes)
    return sorted(c for c in codes if not any(o != c and o.startswith(c) for o in codes))


def nonzero(value: Decimal | None) -> Decimal | None:
    return value if value else None


class FunctionCatalogue:
    def __init__(self, fiscal_year: int):
        self.by_code: dict[str, FunctionClass] = {}
        for fc in FunctionClass.objects.for_year(fiscal_year).order_by("code", "since_year"):
            if fc.code not in self.by_code or fc.since_year is not None:
                self.by_code[fc.code] = fc

    def get(self, code: str, name: str, line: int, issues: list[ImportIssue]) -> FunctionClass:
        fc = self.by_code.get(code)
        if fc is None:
            fc = FunctionClass.objects.create(code=code, name=name)
            self.by_code[code] = fc
            issues.append(ImportIssue(line, f"科目{code}“{name}”不在功能分类目录中，已按原文新增到目录"))
        elif name and fc.name != name:
            issues.append(ImportIssue(line, f"科目{code}名称“{name}”与目录“{fc.name}”不一致，按目录保存"))
        return fc


def reconcile(lines: list[FunctionLine], catalogue: FunctionCatalogue, disclosure, checks) -> list[FunctionLine]:
    """Add reported-subtotal lines where a printed 类/款/合计 figure differs from the sum of its parts.

    ``checks`` yields (code, printed 元, measures, funds, carryover); each is compared with the projection of
    the facts so far and, if different, the difference is recorded on the node's largest matching part.
    """
    reported: dict[tuple, FunctionLine] = {}
    # Deepest nodes first, so a 款 subtotal is in place before its 类 and the 合计 are compared.
    for code, printed, measures, funds, carryover in sorted(checks, key=lambda c: -len(c[0] or "")):
        facts = FunctionFacts([*lines, *reported.values()])
        derived = facts.value(code, measures, funds=funds, carryover=carryover)
        if printed == derived or (printed is None and not derived) or (derived is None and not printed):
            continue
        diff = (printed or ZERO) - (derived or ZERO)
        candidates = [
            (facts.node(code, fund, carry, m) or ZERO, fund, carry, m)
            for fund, carry in sorted(facts.keys)
            for m in measures
            if (funds is None or fund in funds) and (carryover is None or carry == carryover)
        ]
        if not candidates:
            continue
        current, fund, carry, measure = max(candidates, key=lambda c: abs(c[0]))
        key = (code, fund, carry)
        line = reported.get(key)
        if line is None:
            line = FunctionLine(
                disclosure=disclosure,
                function=catalogue.by_code.get(code) if code else None,
                fund=fund,
                carryover=carry,
                reported_subtotal=True,
            )
            reported[key] = line
        setattr(line, measure, current + diff)
    return [*lines, *reported.values()]


def budget_facts(doc: ParsedDocument, disclosure, issues: list[ImportIssue]) -> Facts:
    tables = {t.key: t for t in doc.tables}
    catalogue = FunctionCatalogue(doc.fiscal_year)
    t1 = Cells(tables.get("budget_01"), issues, "表一")
    t2 = Cells(tables.get("budget_02"), issues, "表二")
    t3 = Cells(tables.get("budget_03"), issues, "表三")
    t4 = Cells(tables.get("budget_04"), issues, "表四")
    t5 = Cells(tables.get("budget_05"), issues, "表五")
    t8 = Cells(tables.get("budget_08"), issues, "表八")
    t9 = Cells(tables.get("budget_09"), issues, "表九")
    r2, r3, r5, r8 = t2.classified(), t3.classified(), t5.classified(), t8.classified()
    r9 = t9.classified(code_col=3)
    names = {}
    for rows, name_col in ((r2, 1), (r3, 1), (r5, 1), (r8, 1), (r9, 4)):
        for code, row in rows.items():
            if code and len(row.cells) > name_col:
                names.setdefault(code, (row.cells[name_col], row.line))

    carry_fund = _carryover_fund(t4, issues)
    lines: list[FunctionLine] = []
    for code in leaf_codes(c for c in names):
        name, line_no = names[code]
        function = catalogue.get(code, name, line_no, issues)
        known: dict[tuple[str, bool], tuple] = {}
        for rows, cells, fund, base in (
            (r5, t5, Fund.GENERAL, 2),
            (r8, t8, Fund.GOV_FUND, 2),
            (r9, t9, Fund.STATE_CAPITAL, 5),
        ):
            if code in rows:
                known[(fund, False)] = (cells.amount(rows[code], base + 1), cells.amount(rows[code], base + 2))
        unknown: list[tuple[str, bool, Decimal]] = []
        if code in r2:
            for offset, fund in enumerate(BUDGET_FUNDS):
                amount = t2.amount(r2[code], 3 + offset)
                if amount is None:
                    continue
                if (fund, False) in known:
                    basic, project = known[(fund, False)]
                    if add(basic, project) != amount:
                        issues.append(
                            ImportIssue(r2[code].line, f"表二科目{code}{fund.label}与分表基本/项目之和不一致")
                        )
                else:
                    unknown.append((fund, False, amount))
            carry = t2.amount(r2[code], 8)
            if carry is not None:
                unknown.append((carry_fund, True, carry))
        basic_total = t3.amount(r3[code], 3) if code in r3 else None
        project_total = t3.amount(r3[code], 4) if code in r3 else None
        rest_basic = (basic_total or ZERO) - sum((k[0] or ZERO for k in known.values()), ZERO)
        rest_project = (project_total or ZERO) - sum((k[1] or ZERO for k in known.values()), ZERO)
        if len(unknown) > 1:
            issues.append(
                ImportIssue(
                    r2[code].line, f"科目{code}有多个资金来源，基本/项目支出拆分按剩余额推定（上年结转计入项目支出）"
                )
            )
        for fund, carry, amount in sorted(unknown, key=lambda u: not u[1]):  # carry-over first, as project
            if len(unknown) == 1:
                basic, project = rest_basic, rest_project
            elif carry:
                basic, project = ZERO, amount
            else:
                basic = min(amount, max(rest_basic, ZERO))
                project = amount - basic
            rest_basic -= basic
            rest_project -= project
            known[(fund, carry)] = (nonzero(basic), nonzero(project))
        for (fund, carry), (basic, project) in known.items():
            if basic is None and project is None:
                continue
            lines.append(
                FunctionLine(
                    disclosure=disclosure, function=function, fund=fund, carryover=carry, basic=basic, project=project
                )
            )

    def checks():
        for rows, cells, fund, base in (
            (r5, t5, Fund.GENERAL, 2),
            (r8, t8, Fund.GOV_FUND, 2),
            (r9, t9, Fund.STATE_CAPITAL, 5),
        ):
            for code, row in rows.items():
                if code is None or code not in leaf_codes(names):
                    yield code, cells.amount(row, base + 1), ["basic"], [fund], False
                    yield code, cells.amount(row, base + 2), ["project"], [fund], False
        for code, row in r3.items():
            if code is None or code not in leaf_codes(names):
                yield code, t3.amount(row, 3), ["basic"], None, None
                yield code, t3.amount(row, 4), ["project"], None, None
        for code, row in r2.items():
            if code is None or code not in leaf_codes(names):
                for offset, fund in enumerate(BUDGET_FUNDS):
                    yield code, t2.amount(row, 3 + offset), ["basic", "project"], [fund], False
                yield code, t2.amount(row, 8), ["basic", "project"], None, True

    facts = Facts(lines=reconcile(lines, catalogue, disclosure, list(checks())))
    facts.economic = economic_lines_from_names(tables.get("budget_06"), disclosure, doc.fiscal_year, issues)
    facts.three_public = _three_public(tables.get("budget_10"), disclosure, issues)
    facts.operating_costs = _operating_costs(tables.get("budget_11"), disclosure, issues)
    facts.projects = _projects(tables, disclosure, doc, issues)
    facts.revenues = _revenues(tables, disclosure, issues)
    facts.year_end_carryover = _year_end(t1)
    _narrative_facts(doc, disclosure, facts, issues)
    return facts


def _carryover_fund(t4: Cells, issues) -> str:
    """表四 lists 上年财政拨款结转 by fund; carry-over is assigned to the one fund that has it."""
    labels = {
        "一、一般公共预算": Fund.GENERAL,
        "二、政府性基金预算": Fund.GOV_FUND,
        "三、国有资本经营预算": Fund.STATE_CAPITAL,
    }
    after_carry, found = False, []
    for row in t4.rows:
        first = row.cells[0] if row.cells else ""
        if first.startswith("上年财政拨款结转"):
            after_carry = True
            continue
        if after_carry and first in labels and t4.amount(row, 1):
            found.append(labels[first])
    if len(found) > 1:
        issues.append(ImportIssue(None, "上年结转涉及多个资金来源，按一般公共预算记录结转科目"))
    return found[0] if len(found) == 1 else Fund.GENERAL


def _year_end(t1: Cells) -> Decimal | None:
    for row in t1.rows:
        if len(row.cells) > 2 and row.cells[2] == "年终结转":
            return t1.amount(row, 3)
    return None


def economic_lines_from_names(table: ParsedTable | None, disclosure, fiscal_year: int, issues) -> list[EconomicLine]:
    """表六 prints names only: map them to 部门经济分类 codes within their 类 heading."""
    cells = Cells(table, issues, "表六")
    catalogue = list(
        EconomicClass.objects.for_year(fiscal_year).filter(scheme=EconomicClass.Scheme.DEPARTMENT).order_by("code")
    )
    categories = {ec.name: ec for ec in catalogue if ec.is_category}
    leaves: list[EconomicLine] = []
    printed: list[tuple[EconomicClass | None, Decimal | None, Decimal | None, int]] = []
    category: EconomicClass | None = None
    for row in cells.rows:
        name = row.cells[0] if row.cells else ""
        gov_name = row.cells[1] if len(row.cells) > 1 else ""
        personnel, public = cells.amount(row, 3), cells.amount(row, 4)
        if name == "合计":
            printed.append((None, personnel, public, row.line))
        elif not gov_name and name in categories:
            category = categories[name]
            printed.append((category, personnel, public, row.line))
        else:
            match = [ec for ec in catalogue if not ec.is_category and ec.name == _econ_alias(name)]
            if category is not None:
                match = [ec for ec in match if ec.code.startswith(category.code)] or match
            if not match:
                issues.append(ImportIssue(row.line, f"表六经济科目“{name}”不在部门预算支出经济分类目录中", "error"))
                continue
            if gov_name and match[0].government_class and match[0].government_class.name != gov_name:
                issues.append(
                    ImportIssue(
                        row.line,
                        f"表六“{name}”对应的政府经济科目印为“{gov_name}”，目录为“{match[0].government_class.name}”",
                    )
                )
            leaves.append(
                EconomicLine(disclosure=disclosure, economic_class=match[0], personnel=personnel, public=public)
            )
    return leaves + economic_subtotals(leaves, printed, disclosure)


def _econ_alias(name: str) -> str:
    return {"退职（役）费": "退职(役)费"}.get(name, name)


def economic_subtotals(leaves, printed, disclosure) -> list[EconomicLine]:
    """Reported 类 / 合计 subtotals where the printed figure differs from the sum of the 款 rows."""
    from disclosures.facts import EconomicFacts

    out: list[EconomicLine] = []
    for ec, personnel, public, _line in sorted(printed, key=lambda p: p[0] is None):
        facts = EconomicFacts([*leaves, *out])
        code = ec.code if ec else None
        subtotal = EconomicLine(disclosure=disclosure, economic_class=ec, reported_subtotal=True)
        changed = False
        for measure, value in (("personnel", personnel), ("public", public)):
            derived = facts.derived(code, measure)
            if (value or ZERO) != (derived or ZERO):
                setattr(subtotal, measure, value)
                changed = True
        if changed:
            out.append(subtotal)
    return out


THREE_PUBLIC_ITEMS = {
    "因公出国（境）费": ThreePublicLine.Item.ABROAD,
    "因公出国(境)费": ThreePublicLine.Item.ABROAD,
    "公务接待费": ThreePublicLine.Item.RECEPTION,
    "①公务用车购置费": ThreePublicLine.Item.VEHICLE_PURCHASE,
    "②公务用车运行维护费": ThreePublicLine.Item.VEHICLE_OPERATION,
}


def _three_public(table, disclosure, issues) -> list[ThreePublicLine]:
    cells = Cells(table, issues, "表十")
    out = []
    printed_vehicle = None
    for row in cells.rows:
        label = (row.cells[0] if row.cells else "").replace(" ", "")
        if label == "公务用车购置及运行费":
            printed_vehicle = (row, cells.amount(row, 1))
        item = THREE_PUBLIC_ITEMS.get(label)
        if item is None:
            continue
        for offset, fund in enumerate(FISCAL):
            amount = cells.amount(row, 2 + offset)
            if amount is not None:
                out.append(ThreePublicLine(disclosure=disclosure, stage="budget", fund=fund, item=item, amount=amount))
    if printed_vehicle and printed_vehicle[1]:
        parts = add(*(t.amount for t in out if t.item in ("vehicle_purchase", "vehicle_operation")))
        if parts != printed_vehicle[1]:
            issues.append(ImportIssue(printed_vehicle[0].line, "表十公务用车购置及运行费与①②之和不一致"))
    return out


def _operating_costs(table, disclosure, issues) -> list[OperatingCost]:
    cells = Cells(table, issues, "表十一")
    out = []
    for order, row in enumerate(cells.rows):
        name = row.cells[0] if row.cells else ""
        if not name or name in {"部门合计", "合计"}:
            continue
        for offset, fund in enumerate(FISCAL):
            amount = cells.amount(row, 2 + offset)
            if amount is not None:
                out.append(OperatingCost(disclosure=disclosure, unit_name=name, fund=fund, amount=amount, order=order))
    return out


def _projects(tables, disclosure, doc: ParsedDocument, issues) -> list[ProjectLine]:
    out = []
    aggregate_names = {doc.unit_name, doc.department_name}
    for key, carryover, funds in (
        ("budget_12", False, ("general", "gov_fund", "state_capital", "special_account", "unit_own")),
        ("budget_13", True, ("general", "gov_fund", "state_capital")),
    ):
        cells = Cells(tables.get(key), issues, "表十二" if key == "budget_12" else "表十三")
        order = 0
        for row in cells.rows:
            name = (row.cells[0] if row.cells else "").strip().strip("\u3000")
            if not name or name in aggregate_names or name == "合计":
                continue
            order += 1
            amounts = {fund: cells.amount(row, 2 + i) for i, fund in enumerate(funds)}
            project = ProjectLine(disclosure=disclosure, order=order, name=name, carryover=carryover, **amounts)
            printed_total = cells.amount(row, 1)
            if printed_total is not None and printed_total != project.total:
                issues.append(ImportIssue(row.line, f"{cells.label}“{name}”合计与分列之和不一致"))
            out.append(project)
    return out


def _revenues(tables, disclosure, issues) -> list[RevenueLine]:
    out = []
    for key, fund, amount_col in (("budget_07", Fund.GOV_FUND, 2), ("budget_09", Fund.STATE_CAPITAL, 2)):
        cells = Cells(tables.get(key), issues, key)
        for row in cells.rows:
            code = row.cells[0] if row.cells else ""
            if code and code != "合计" and re.match(r"^\d+$", code):
                out.append(
                    RevenueLine(
                        disclosure=disclosure,
                        fund=fund,
                        code=code,
                        name=row.cells[1] if len(row.cells) > 1 else "",
                        amount=cells.amount(row, amount_col),
                    )
                )
    return out


WAN = r"([0-9][0-9,]*(?:\.\d+)?)万元"
VEHICLE_WORDS = {
    "主要负责人用车": VehicleCount.Category.PRINCIPAL,
    "领导用车": VehicleCount.Category.PRINCIPAL,
    "机要通信用车": VehicleCount.Category.CONFIDENTIAL,
    "应急保障用车": VehicleCount.Category.EMERGENCY,
    "执法执勤用车": VehicleCount.Category.LAW_ENFORCEMENT,
    "特种专业技术用车": VehicleCount.Category.SPECIAL,
    "离退休干部服务用车": VehicleCount.Category.RETIREE,
    "其他用车": VehicleCount.Category.OTHER,
}


def _wan(pattern: str, text: str) -> Decimal | None:
    match = re.search(pattern, text)
    return yuan_from_wan(Decimal(match.group(1).replace(",", ""))) if match else None


def _narrative_facts(doc: ParsedDocument, disclosure, facts: Facts, issues) -> None:
    """政府采购 and 国有资产 figures exist only in the narrative of a budget disclosure."""
    text = {s.heading: s.body for s in doc.sections if s.part == "narrative"}
    procurement = next((body for heading, body in text.items() if "政府采购" in heading), "")
    if procurement:
        facts.procurement = Procurement(
            disclosure=disclosure,
            goods=_wan(r"货物预算" + WAN, procurement),
            works=_wan(r"工程预算" + WAN, procurement),
            services=_wan(r"服务预算" + WAN, procurement),
        )
        if facts.procurement.goods is None and facts.procurement.services is None:
            issues.append(ImportIssue(None, "“政府采购情况”中未读到货物/工程/服务预算金额"))
    assets = next((body for heading, body in text.items() if "国有资产" in heading), "")
    if assets:
        area = re.search(r"建筑总面积([0-9.,]+)平方米", assets)
        over_half = re.search(r"50万元[^；;。]*?(\d+)台", assets)
        over_million = re.search(r"100万元[^；;。]*?(\d+)台", assets)
        facts.assets = AssetSummary(
            disclosure=disclosure,
            office_area=Decimal(area.group(1).replace(",", "")) if area else None,
            equipment_over_half_million=int(over_half.group(1)) if over_half else None,
            equipment_over_million=int(over_million.group(1)) if over_million else None,
        )
        seen = set()
        for word, category in VEHICLE_WORDS.items():
            match = re.search(word + r"(\d+)辆", assets)
            if match and category not in seen:
                seen.add(category)
                facts.vehicles.append(VehicleCount(disclosure=disclosure, category=category, count=int(match.group(1))))
