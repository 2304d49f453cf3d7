"""单位决算公开: map 公开01–10表 (ParsedTable) onto facts (unsaved model instances)."""

import re
from decimal import Decimal

from disclosures.amounts import ZERO, add, yuan_from_wan
from disclosures.importing.facts_budget import (
    FISCAL,
    Cells,
    Facts,
    FunctionCatalogue,
    economic_subtotals,
    leaf_codes,
    nonzero,
    reconcile,
)
from disclosures.importing.numbers import is_amount
from disclosures.importing.parsed import ImportIssue, ParsedDocument
from disclosures.models import (
    AssetSummary,
    Balance,
    EconomicClass,
    EconomicLine,
    FunctionLine,
    Fund,
    OperatingCost,
    Procurement,
    ThreePublicLine,
    VehicleCount,
)

INCOME_SOURCES = (Fund.SUPERIOR_SUBSIDY, Fund.BUSINESS, Fund.OPERATING, Fund.AFFILIATED, Fund.OTHER_INCOME)
EXPENSE = ("basic", "project", "to_superior", "operating", "affiliated_subsidy")


def _by_row_number(cells: Cells, number_col: int, amount_col: int) -> dict[str, Decimal | None]:
    """公开01/04/10: amounts keyed by their printed 行次."""
    out = {}
    for row in cells.rows:
        if len(row.cells) > number_col and row.cells[number_col].strip().isdigit():
            out[row.cells[number_col].strip()] = cells.amount(row, amount_col)
    return out


def final_facts(doc: ParsedDocument, disclosure, issues: list[ImportIssue]) -> Facts:
    tables = {t.key: t for t in doc.tables}
    catalogue = FunctionCatalogue(doc.fiscal_year)
    t = {
        key: Cells(tables.get(key), issues, tables[key].label if key in tables else key)
        for key in [f"final_{i:02d}" for i in range(1, 11)]
    }
    r2, r3, r5, r7, r8 = (t[k].classified() for k in ("final_02", "final_03", "final_05", "final_07", "final_08"))
    names = {}
    for rows in (r2, r3, r5, r7, r8):
        for code, row in rows.items():
            if code:
                names.setdefault(code, (row.cells[1] if len(row.cells) > 1 else "", row.line))

    left01 = _by_row_number(t["final_01"], 1, 2)
    right01 = _by_row_number(t["final_01"], 4, 5)
    left04 = _by_row_number(t["final_04"], 1, 2)
    fiscal_income_funds = [fund for fund, no in zip(FISCAL, ("1", "2", "3"), strict=True) if left01.get(no)]
    if len(fiscal_income_funds) > 1:
        issues.append(ImportIssue(None, "财政拨款收入涉及多个资金来源：政府性基金按公开07表，其余计入一般公共预算"))
    fiscal_fund = fiscal_income_funds[0] if len(fiscal_income_funds) == 1 else Fund.GENERAL

    leaves = leaf_codes(names)
    lines: list[FunctionLine] = []
    for code in leaves:
        name, line_no = names[code]
        function = catalogue.get(code, name, line_no, issues)
        per_fund: dict[str, dict[str, Decimal | None]] = {}

        def put(fund, measure, value, _per_fund=per_fund):
            if value is not None:
                _per_fund.setdefault(fund, {})[measure] = value

        if code in r2:
            row = r2[code]
            fiscal_income = t["final_02"].amount(row, 3)
            gov_income = t["final_07"].amount(r7[code], 3) if code in r7 else None
            if gov_income is not None:
                put(Fund.GOV_FUND, "income", gov_income)
                fiscal_income = nonzero((fiscal_income or ZERO) - gov_income)
            put(fiscal_fund if fiscal_fund != Fund.GOV_FUND else Fund.GENERAL, "income", fiscal_income)
            for offset, source in enumerate(INCOME_SOURCES):
                put(source, "income", t["final_02"].amount(row, 4 + offset))
        if code in r5:
            put(Fund.GENERAL, "basic", t["final_05"].amount(r5[code], 3))
            put(Fund.GENERAL, "project", t["final_05"].amount(r5[code], 4))
        if code in r7:
            row = r7[code]
            put(Fund.GOV_FUND, "opening_balance", t["final_07"].amount(row, 2))
            put(Fund.GOV_FUND, "basic", t["final_07"].amount(row, 5))
            put(Fund.GOV_FUND, "project", t["final_07"].amount(row, 6))
            put(Fund.GOV_FUND, "closing_balance", t["final_07"].amount(row, 7))
        if code in r8:
            put(Fund.STATE_CAPITAL, "basic", t["final_08"].amount(r8[code], 3))
            put(Fund.STATE_CAPITAL, "project", t["final_08"].amount(r8[code], 4))
        if code in r3:
            row = r3[code]
            for offset, measure in enumerate(EXPENSE):
                total = t["final_03"].amount(row, 3 + offset)
                fiscal = add(*(per_fund.get(f, {}).get(measure) for f in FISCAL))
                rest = nonzero((total or ZERO) - (fiscal or ZERO))
                if rest is not None and rest < 0:
                    issues.append(
                        ImportIssue(row.line, f"公开03表科目{code}支出小于财政拨款支出（公开05/07/08表）", "warning")
                    )
                put(Fund.NON_FISCAL, measure, rest)
        for fund, values in per_fund.items():
            lines.append(FunctionLine(disclosure=disclosure, function=function, fund=fund, **values))

    def checks():
        for code, row in r5.items():
            if code not in leaves:
                yield code, t["final_05"].amount(row, 3), ["basic"], [Fund.GENERAL], None
                yield code, t["final_05"].amount(row, 4), ["project"], [Fund.GENERAL], None
        for code, row in r3.items():
            if code not in leaves:
                for offset, measure in enumerate(EXPENSE):
                    yield code, t["final_03"].amount(row, 3 + offset), [measure], None, None
        for code, row in r2.items():
            if code not in leaves:
                yield code, t["final_02"].amount(row, 3), ["income"], list(FISCAL), None
                for offset, source in enumerate(INCOME_SOURCES):
                    yield code, t["final_02"].amount(row, 4 + offset), ["income"], [source], None

    facts = Facts(lines=reconcile(lines, catalogue, disclosure, list(checks())))
    facts.balances = _balances(left01, right01, left04, t["final_04"], disclosure)
    facts.economic = _economic(t["final_06"], disclosure, doc.fiscal_year, issues)
    facts.three_public = _three_public(t["final_09"], disclosure)
    _statistics(t["final_10"], disclosure, facts)
    _narrative(doc, facts)
    return facts


def _balances(left01, right01, left04, t04: Cells, disclosure) -> list[Balance]:
    closing_by_fund: dict[str, Decimal | None] = {}
    for row in t04.rows:
        if len(row.cells) > 4 and row.cells[4].strip() == "60":
            closing_by_fund = {fund: t04.amount(row, 6 + i) for i, fund in enumerate(FISCAL)}
    opening_by_fund = {fund: left04.get(no) for fund, no in zip(FISCAL, ("29", "30", "31"), strict=True)}
    out = []
    for item, total, by_fund in (
        (Balance.Item.OPENING, left01.get("29"), opening_by_fund),
        (Balance.Item.CLOSING, right01.get("60"), closing_by_fund),
    ):
        for fund, amount in by_fund.items():
            if amount is not None:
                out.append(Balance(disclosure=disclosure, item=item, fund=fund, amount=amount))
        rest = nonzero((total or ZERO) - sum((a or ZERO for a in by_fund.values()), ZERO))
        if rest is not None:
            out.append(Balance(disclosure=disclosure, item=item, fund=Fund.NON_FISCAL, amount=rest))
    for item, amount in ((Balance.Item.SURPLUS_USED, left01.get("28")), (Balance.Item.DISTRIBUTION, right01.get("59"))):
        if amount is not None:
            out.append(Balance(disclosure=disclosure, item=item, fund=Fund.NON_FISCAL, amount=amount))
    return out


def _economic(cells: Cells, disclosure, fiscal_year: int, issues) -> list[EconomicLine]:
    catalogue = {
        ec.code: ec for ec in EconomicClass.objects.for_year(fiscal_year).filter(scheme=EconomicClass.Scheme.DEPARTMENT)
    }
    leaves: list[EconomicLine] = []
    printed = []
    for row in cells.rows:
        if row.cells and row.cells[0] == "人员经费合计":
            amounts = [cells.amount(row, i) for i in range(2, len(row.cells)) if is_amount(row.cells[i])]
            personnel = amounts[0] if amounts else None
            public = amounts[-1] if len(amounts) > 1 else None
            printed.append((None, personnel, public, row.line))
            continue
        for group in range(0, len(row.cells) - 2, 3):
            code = row.cells[group].strip()
            if not re.match(r"^\d{3}(\d{2})?$", code):
                continue
            ec = catalogue.get(code)
            if ec is None:
                issues.append(ImportIssue(row.line, f"公开06表经济科目{code}不在目录中", "error"))
                continue
            raw = row.cells[group + 2] if len(row.cells) > group + 2 else ""
            if raw.strip() in {"——", "—"}:
                continue
            amount = cells.amount(row, group + 2)
            measure = "personnel" if group == 0 else "public"
            if ec.is_category:
                printed.append(
                    (ec, amount if measure == "personnel" else None, amount if measure == "public" else None, row.line)
                )
            elif amount is not None:
                leaves.append(EconomicLine(disclosure=disclosure, economic_class=ec, **{measure: amount}))
    return leaves + economic_subtotals(leaves, printed, disclosure)


def _three_public(cells: Cells, disclosure) -> list[ThreePublicLine]:
    out = []
    for row in cells.rows:
        if len(row.cells) < 12:
            continue
        for stage, offset in (("budget", 0), ("actual", 6)):
            for item, col in (("abroad", 1), ("vehicle_purchase", 3), ("vehicle_operation", 4), ("reception", 5)):
                amount = cells.amount(row, offset + col)
                if amount is not None:
                    out.append(
                        ThreePublicLine(disclosure=disclosure, stage=stage, fund=Fund.GENERAL, item=item, amount=amount)
                    )
    return out


VEHICLE_ROWS = dict(zip([str(n) for n in range(8, 16)], list(VehicleCount.Category), strict=True))


def _statistics(cells: Cells, disclosure, facts: Facts) -> None:
    values: dict[str, str] = {}
    amounts = _by_row_number(cells, 1, 2)
    for row in cells.rows:
        if len(row.cells) > 2 and row.cells[1].strip().isdigit():
            values[row.cells[1].strip()] = row.cells[2].strip()
    facts.procurement = Procurement(
        disclosure=disclosure, goods=amounts.get("2"), works=amounts.get("3"), services=amounts.get("4")
    )
    for no, kind in (
        ("5", OperatingCost.UnitKind.ADMINISTRATIVE),
        ("6", OperatingCost.UnitKind.CIVIL_SERVICE_INSTITUTION),
    ):
        if amounts.get(no) is not None:
            facts.operating_costs.append(
                OperatingCost(
                    disclosure=disclosure, unit_kind=kind, fund=Fund.GENERAL, amount=amounts[no], order=int(no)
                )
            )
    for no, category in VEHICLE_ROWS.items():
        if values.get(no):
            facts.vehicles.append(VehicleCount(disclosure=disclosure, category=category, count=int(values[no])))
    facts.assets = AssetSummary(
        disclosure=disclosure, equipment_over_million=int(values["17"]) if values.get("17") else None
    )


def _narrative(doc: ParsedDocument, facts: Facts) -> None:
    text = "\n".join(s.body for s in doc.sections if s.part == "narrative" and "政府采购" in (s.heading + s.body))
    if facts.procurement is not None and text:
        sme = re.search(r"授予中小企业合同(?:金额)?([0-9][0-9,]*(?:\.\d+)?)万元", text)
        small = re.search(r"授予小微企业合同(?:金额)?([0-9][0-9,]*(?:\.\d+)?)万元", text)
        facts.procurement.sme = yuan_from_wan(Decimal(sme.group(1).replace(",", ""))) if sme else None
        facts.procurement.small_micro = yuan_from_wan(Decimal(small.group(1).replace(",", ""))) if small else None
