"""Fact trees: sums over the 功能分类 / 经济分类 hierarchy, with published subtotals (尾差) taking precedence.

A node's value is its reported subtotal when the document published one that differs from the sum of its
parts, else the sum of its children; leaves are the stored facts. Blank stays blank (None) through sums.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from disclosures.amounts import add

FUNCTION_MEASURES = (
    "income",
    "basic",
    "project",
    "to_superior",
    "operating",
    "affiliated_subsidy",
    "opening_balance",
    "closing_balance",
)


def parent_code(code: str) -> str | None:
    """'2240101' → '22401' → '224' → None (the 合计 row)."""
    return code[:-2] if len(code) > 3 else None


class FunctionFacts:
    """The FunctionLine facts of one disclosure, summable by 科目 node, fund, 当年/上年结转 and measure."""

    def __init__(self, lines: Iterable, names: dict[str, str] | None = None):
        self.leaves: dict[tuple, dict[str, Decimal | None]] = {}
        self.reported: dict[tuple, dict[str, Decimal]] = {}
        self.keys: set[tuple[str, bool]] = set()  # (fund, carryover) combinations present
        self.children: dict[str | None, set[str]] = defaultdict(set)
        self.names = dict(names or {})
        self._cache: dict[tuple, Decimal | None] = {}
        for line in lines:
            code = line.function.code if line.function_id else None
            if line.function_id and code not in self.names:
                self.names[code] = line.function.name
            values = {m: getattr(line, m) for m in FUNCTION_MEASURES}
            key = (code, line.fund, line.carryover)
            self.keys.add((line.fund, line.carryover))
            if line.reported_subtotal:
                self.reported[key] = {m: v for m, v in values.items() if v is not None}
            else:
                self.leaves[key] = values
            self._link(code)

    def _link(self, code: str | None) -> None:
        while code is not None:
            parent = parent_code(code)
            self.children[parent].add(code)
            code = parent

    @property
    def codes(self) -> list[str]:
        """Every 科目 code that has a fact or a reported subtotal, depth-first (类, its 款, their 项)."""
        found: set[str] = set()
        for code, kids in self.children.items():
            found.update(kids)
            if code:
                found.add(code)
        return sorted(found)

    def node(self, code: str | None, fund: str, carryover: bool, measure: str) -> Decimal | None:
        cache_key = (code, fund, carryover, measure)
        if cache_key in self._cache:
            return self._cache[cache_key]
        key = (code, fund, carryover)
        reported = self.reported.get(key, {})
        if measure in reported:
            value = reported[measure]
        else:
            own = self.leaves.get(key, {}).get(measure)
            value = add(own, *(self.node(child, fund, carryover, measure) for child in self.children.get(code, ())))
        self._cache[cache_key] = value
        return value

    def value(
        self,
        code: str | None,
        measures: Iterable[str],
        *,
        funds: Iterable[str] | None = None,
        carryover: bool | None = None,
    ) -> Decimal | None:
        """Σ over the selected funds / periods / measures of a node (None = all funds, both periods)."""
        fund_set = set(funds) if funds is not None else None
        parts = []
        for fund, carry in sorted(self.keys):
            if fund_set is not None and fund not in fund_set:
                continue
            if carryover is not None and carry != carryover:
                continue
            parts.extend(self.node(code, fund, carry, m) for m in measures)
        return add(*parts)

    def derived(self, code: str | None, fund: str, carryover: bool, measure: str) -> Decimal | None:
        """The sum of a node's parts, ignoring its own reported subtotal (for 尾差 checks)."""
        key = (code, fund, carryover)
        own = self.leaves.get(key, {}).get(measure)
        return add(own, *(self.node(child, fund, carryover, measure) for child in self.children.get(code, ())))


class EconomicFacts:
    """EconomicLine facts (基本支出 by 部门经济分类 款), summable by 类 and in total."""

    MEASURES = ("personnel", "public")

    def __init__(self, lines: Iterable):
        self.leaves: dict[str, dict[str, Decimal | None]] = {}
        self.reported: dict[str | None, dict[str, Decimal]] = {}
        self.names: dict[str, str] = {}
        self.government_names: dict[str, str] = {}
        for line in lines:
            values = {m: getattr(line, m) for m in self.MEASURES}
            code = line.economic_class.code if line.economic_class_id else None
            if code:
                self.names[code] = line.economic_class.name
                gov = line.economic_class.government_class
                self.government_names[code] = gov.name if gov else ""
            if line.reported_subtotal:
                self.reported[code] = {m: v for m, v in values.items() if v is not None}
            else:
                self.leaves[code] = values

    @property
    def categories(self) -> list[str]:
        return sorted({code[:3] for code in self.leaves} | {c for c in self.reported if c and len(c) == 3})

    def items(self, category: str) -> list[str]:
        return sorted(c for c in self.leaves if len(c) == 5 and c.startswith(category))

    def node(self, code: str | None, measure: str) -> Decimal | None:
        if measure in self.reported.get(code, {}):
            return self.reported[code][measure]
        return self.derived(code, measure)

    def derived(self, code: str | None, measure: str) -> Decimal | None:
        if code is None:
            return add(*(self.node(category, measure) for category in self.categories))
        if len(code) == 3:
            return add(self.leaves.get(code, {}).get(measure), *(self.leaves[c][measure] for c in self.items(code)))
        return self.leaves.get(code, {}).get(measure)

    def total(self, code: str | None) -> Decimal | None:
        return add(*(self.node(code, m) for m in self.MEASURES))
