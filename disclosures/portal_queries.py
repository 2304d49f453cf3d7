"""公开门户查询 — the read side of the citizen portal, published data only.

Which versions are public: every published version; a published version is *superseded* when a newer version
of the same unit, year and kind is published too (a correction). Lists show both and mark the old one; totals,
drilldowns, trends and search use only the current (not superseded) versions, so a correction is never counted
twice.

Totals are computed in SQL over the stored facts (FunctionLine leaves, never reported subtotals), so a page costs
a fixed number of queries however many disclosures there are. Sums over many disclosures therefore add up the
parts; a single disclosure's drilldown goes through FunctionFacts like the official tables, so a published
subtotal that differs from its parts (尾差) shows as printed.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr

from disclosures.amounts import ZERO, add, percent
from disclosures.charts import Chart
from disclosures.models import (
    Department,
    Disclosure,
    FunctionClass,
    FunctionLine,
    Fund,
    OperatingCost,
    ProjectLine,
    Region,
    SearchDocument,
    ThreePublicLine,
)
from disclosures.portal_charts import TrendChart, TrendSeries, share_bars, trend_chart
from disclosures.search_index import FORM_TEXT_FIELDS, SEPARATOR, bigram_codes, is_exact, normalise
from disclosures.tablespecs import BUDGET_MEASURES, EXPENSE_MEASURES, DisclosureData
from disclosures.totals import AMOUNT, counted_lines, measure_sum
from performance.models import Indicator, Period, TargetForm, TargetFunding

CODE_SHAPE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")
LEVEL_NAMES = {0: "类", 3: "款", 5: "项", 7: "资金来源"}
KIND_SHORT = {Disclosure.Kind.BUDGET: "预算", Disclosure.Kind.FINAL: "决算"}


# ---------------------------------------------------------------- which versions are public


def _newer_published_version() -> QuerySet:
    return Disclosure.objects.published().filter(
        unit=OuterRef("unit"),
        fiscal_year=OuterRef("fiscal_year"),
        kind=OuterRef("kind"),
        version__gt=OuterRef("version"),
    )


def published_disclosures() -> QuerySet:
    """Every published version, each annotated ``superseded`` (a newer version is published too)."""
    return Disclosure.objects.published().annotate(superseded=Exists(_newer_published_version()))


def current_disclosures() -> QuerySet:
    """The published version that counts: the newest published one per unit, year and kind."""
    return Disclosure.objects.published().filter(~Exists(_newer_published_version()))


def in_region(region, prefix: str = "unit__department__region") -> Q:
    """The region itself and the places under it (a city's counties; a province's cities and their counties)."""
    return Q(**{prefix: region}) | Q(**{f"{prefix}__parent": region}) | Q(**{f"{prefix}__parent__parent": region})


def measures_for(kind: str) -> tuple[str, ...]:
    """表三 (budget: 基本 + 项目, both periods) or 公开03 (final: the five expenditure columns)."""
    return BUDGET_MEASURES if kind == Disclosure.Kind.BUDGET else EXPENSE_MEASURES


# ---------------------------------------------------------------- totals in SQL


def expenditure_total() -> Coalesce:
    """支出合计 of the outer disclosure as its table prints it: stored at publish (PublishedTotal), else summed."""
    lines = (
        counted_lines(FunctionLine.objects.filter(disclosure=OuterRef("pk")), EXPENSE_MEASURES)
        .order_by()
        .values("disclosure")
        .annotate(total=measure_sum(prefix="counted_"))
        .values("total")
    )
    return Coalesce(F("published_total__total"), Subquery(lines, output_field=AMOUNT), output_field=AMOUNT)


def with_expenditure(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(total=expenditure_total())


# ---------------------------------------------------------------- home


@dataclass
class CountCell:
    fiscal_year: int
    budget: int = 0
    final: int = 0


@dataclass
class RegionCounts:
    region_id: int
    name: str
    cells: list[CountCell]

    @property
    def years_with_data(self) -> list[int]:
        return [c.fiscal_year for c in self.cells if c.budget or c.final]


@dataclass
class PublicationCounts:
    years: list[int]
    regions: list[RegionCounts]
    totals: list[CountCell]


def publication_counts() -> PublicationCounts:
    """How many current disclosures each place published each year, by kind (one query).

    A county's disclosures count under the city (or province) above it, so the table has one row per city-level
    place however many counties there are; the links filter the list by that place, counties included.
    """
    region = "unit__department__region"
    county = Q(**{f"{region}__level": Region.Level.COUNTY, f"{region}__parent__isnull": False})
    rows = (
        current_disclosures()
        .order_by()
        .annotate(
            place_id=Case(When(county, then=F(f"{region}__parent_id")), default=F(f"{region}_id")),
            place_name=Case(When(county, then=F(f"{region}__parent__name")), default=F(f"{region}__name")),
        )
        .values("fiscal_year", "kind", "place_id", "place_name")
        .annotate(n=Count("pk"))
    )
    by_region: dict[tuple[int, str], dict[int, CountCell]] = defaultdict(dict)
    years: set[int] = set()
    for row in rows:
        key = (row["place_id"], row["place_name"])
        year = row["fiscal_year"]
        years.add(year)
        cell = by_region[key].setdefault(year, CountCell(year))
        setattr(cell, row["kind"], getattr(cell, row["kind"]) + row["n"])
    ordered_years = sorted(years, reverse=True)
    regions = [
        RegionCounts(region_id, name, [cells.get(y, CountCell(y)) for y in ordered_years])
        for (region_id, name), cells in sorted(by_region.items(), key=lambda item: item[0][1])
    ]
    totals = [
        CountCell(y, sum(r.cells[i].budget for r in regions), sum(r.cells[i].final for r in regions))
        for i, y in enumerate(ordered_years)
    ]
    return PublicationCounts(ordered_years, regions, totals)


def recent_publications(limit: int = 10) -> QuerySet:
    return published_disclosures().with_unit().order_by("-published_at", "-pk")[:limit]


def standalone_form_groups(limit: int = 12) -> QuerySet:
    """Departments and years with target forms published on their own (not inside a disclosure)."""
    return (
        TargetForm.objects.filter(disclosure__isnull=True)
        .values("fiscal_year", "department__name", "department_id")
        .distinct()
        .order_by("-fiscal_year", "department__name")[:limit]
    )


# ---------------------------------------------------------------- 功能分类 drilldown (类 → 款 → 项 → 资金来源)


@dataclass
class DrillRow:
    key: str  # child 科目 code, or a fund (at the 资金来源 level), or "" for lines not split further
    label: str
    amount: Decimal | None
    basic: Decimal | None
    project: Decimal | None
    share: Decimal | None
    can_drill: bool = False
    units: int | None = None  # region drilldown: units with an amount in this row


@dataclass
class Crumb:
    code: str
    name: str


@dataclass
class Drilldown:
    code: str  # "" = all 类
    name: str
    total: Decimal | None
    rows: list[DrillRow]
    crumbs: list[Crumb]
    measures_label: str
    chart: Chart | None = None
    top_units: list = field(default_factory=list)

    @property
    def child_level(self) -> str:
        return LEVEL_NAMES[len(self.code)]

    @property
    def parent_code(self) -> str | None:
        """Where “up one level” goes: None at the top, "" for all 类."""
        return None if not self.code else self.code[:-2] if len(self.code) > 3 else ""


def clean_code(raw: str | None) -> str | None:
    """'' (top level) or a 3/5/7-digit 科目 code; None when the parameter is malformed."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    return raw if CODE_SHAPE.match(raw) else None


def _catalogue_names(fiscal_year: int, codes) -> dict[str, str]:
    """科目 names valid in the year; a year-specific name wins over an undated one (as in DisclosureData)."""
    names: dict[str, tuple[bool, str]] = {}
    for fc in FunctionClass.objects.for_year(fiscal_year).filter(code__in=set(codes)).order_by("code", "since_year"):
        if fc.code not in names or fc.since_year is not None:
            names[fc.code] = (True, fc.name)
    return {code: name for code, (_, name) in names.items()}


def _crumbs(code: str, names: dict[str, str]) -> list[Crumb]:
    return [Crumb(code[:n], names.get(code[:n], "")) for n in (3, 5, 7) if n <= len(code)]


def _with_shares(rows: list[DrillRow], total: Decimal | None) -> list[DrillRow]:
    for row in rows:
        row.share = percent(row.amount, total) if row.amount is not None else None
    return rows


def _drill_chart(key: str, title: str, rows: list[DrillRow], total) -> Chart:
    return share_bars(key, title, "合计", [(row.label, row.amount) for row in rows], total)


def _title(code: str, name: str) -> str:
    return f"{code} {name}" if code else "全部类级科目"


def disclosure_drilldown(disclosure: Disclosure, code: str) -> Drilldown | None:
    """One disclosure: the children of ``code`` as its official tables show them (None: code not in it)."""
    data = DisclosureData(disclosure)
    facts = data.functions
    measures = measures_for(disclosure.kind)
    if code and code not in facts.codes:
        return None
    total = facts.value(code or None, measures)
    if len(code) == 7:
        rows = [
            DrillRow(
                fund.value,
                fund.label,
                facts.value(code, measures, funds=[fund]),
                facts.value(code, ["basic"], funds=[fund]),
                facts.value(code, ["project"], funds=[fund]),
                None,
            )
            for fund in Fund
        ]
    else:
        rows = [
            DrillRow(
                child,
                data.name(child),
                facts.value(child, measures),
                facts.value(child, ["basic"]),
                facts.value(child, ["project"]),
                None,
                can_drill=True,
            )
            for child in sorted(facts.children.get(code or None, ()))
        ]
    rows = _with_shares([r for r in rows if r.amount is not None], total)
    drill = Drilldown(code, data.name(code) if code else "", total, rows, _crumbs(code, data.functions.names), "")
    drill.measures_label = _measures_label(disclosure.kind)
    title = f"{_title(code, drill.name)}：按{drill.child_level}"
    drill.chart = _drill_chart("drilldown", title, rows, total)
    return drill


def _measures_label(kind: str) -> str:
    if kind == Disclosure.Kind.BUDGET:
        return "预算支出合计（基本支出＋项目支出，含上年结转）"
    return "本年支出合计（基本、项目、上缴上级、经营、对附属单位补助支出）"


def region_drilldown(*, region: Region, fiscal_year: int, kind: str, code: str, top: int = 20) -> Drilldown:
    """All current disclosures of the region's departments in one year and kind, summed in SQL."""
    measures = measures_for(kind)
    disclosures = current_disclosures().filter(in_region(region), fiscal_year=fiscal_year, kind=kind)
    lines = FunctionLine.objects.filter(
        disclosure__in=disclosures.values("pk"), reported_subtotal=False, function__isnull=False
    )
    if code:
        lines = lines.filter(function__code__startswith=code)
    node = F("fund") if len(code) == 7 else Substr("function__code", 1, len(code) + 2 if code else 3)
    aggregates = (
        lines.annotate(node=node)
        .order_by()
        .values("node")
        .annotate(
            amount=measure_sum(measures),
            basic=Sum("basic"),
            project=Sum("project"),
            units=Count("disclosure__unit", distinct=True),
        )
        .order_by("node")
    )
    rows = [
        DrillRow(a["node"], "", a["amount"], a["basic"], a["project"], None, units=a["units"])
        for a in aggregates
        if a["amount"] is not None
    ]
    names = _catalogue_names(fiscal_year, [r.key for r in rows] + [code[:n] for n in (3, 5, 7) if n <= len(code)])
    funds = dict(Fund.choices)
    for row in rows:
        if len(code) == 7:
            row.label = funds.get(row.key, row.key)
        elif len(row.key) < len(code) + 2 and code:  # facts booked on the node itself, not split further
            row.key, row.label = "", f"{code} 未细分到下级科目"
        else:
            row.label, row.can_drill = names.get(row.key, ""), True
    total = add(*(r.amount for r in rows))
    drill = Drilldown(code, names.get(code, ""), total, _with_shares(rows, total), _crumbs(code, names), "")
    drill.measures_label = _measures_label(kind)
    drill.chart = _drill_chart("drilldown", f"{_title(code, drill.name)}：按{drill.child_level}", rows, total)
    drill.top_units = list(
        lines.order_by()
        .values("disclosure_id", "disclosure__unit__name", "disclosure__unit__department_id")
        .annotate(amount=measure_sum(measures))
        .filter(amount__isnull=False)
        .order_by(F("amount").desc(), "disclosure__unit__name")[:top]
    )
    for unit in drill.top_units:
        unit["share"] = percent(unit["amount"], total)
    return drill


def region_years(region: Region) -> list[tuple[int, str]]:
    """(year, kind) pairs the region has current disclosures for, newest first (for the year/kind switch)."""
    pairs = current_disclosures().filter(in_region(region)).order_by().values_list("fiscal_year", "kind").distinct()
    return sorted(pairs, key=lambda p: (-p[0], p[1]))


# ---------------------------------------------------------------- department profile


@dataclass
class Figures:
    """A unit's (or a sum of units') figures for one year and kind, in 元; None = not published."""

    total: Decimal | None = None
    basic: Decimal | None = None
    project: Decimal | None = None
    three_public: Decimal | None = None
    operating: Decimal | None = None

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(add(getattr(self, f), getattr(other, f)) for f in FIGURE_FIELDS))


FIGURE_FIELDS = ("total", "basic", "project", "three_public", "operating")
FIGURE_LABELS = {
    "total": "支出合计",
    "basic": "基本支出",
    "project": "项目支出",
    "three_public": "“三公”经费",
    "operating": "机关运行经费",
}


@dataclass
class ComparisonRow:
    label: str
    budget: Decimal | None
    final: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        """完成率 = 决算数 / 预算数 × 100."""
        return percent(self.final, self.budget)


@dataclass
class YearComparison:
    fiscal_year: int
    rows: list[ComparisonRow]
    units: int  # units with both a published budget and a published final for the year
    only: str = ""  # "预算" / "决算" when the year has just one kind published


@dataclass
class DepartmentProfile:
    department: Department
    disclosures: list
    years: list[int]
    trends: list[TrendChart]
    comparisons: list[YearComparison]
    form_years: list[int]


def _unit_figures(department: Department) -> dict[tuple[int, str, int], Figures]:
    """(year, kind, unit) → Figures over the department's current disclosures: three grouped queries."""
    disclosures = current_disclosures().filter(unit__department=department).values("pk")
    figures: dict[tuple[int, str, int], Figures] = defaultdict(Figures)
    keys = ("disclosure__fiscal_year", "disclosure__kind", "disclosure__unit_id")

    def key(row):
        return tuple(row[k] for k in keys)

    lines = (
        counted_lines(FunctionLine.objects.filter(disclosure__in=disclosures), EXPENSE_MEASURES)
        .order_by()
        .values(*keys)
        .annotate(
            total=measure_sum(prefix="counted_"), basic=Sum("counted_basic"), project=Sum("counted_project")
        )
    )
    for row in lines:
        f = figures[key(row)]
        f.total, f.basic, f.project = row["total"], row["basic"], row["project"]
    # Budget disclosures print the 三公 budget (表十); final accounts the actual spending (公开09 决算数).
    stage = Q(disclosure__kind=Disclosure.Kind.BUDGET, stage=ThreePublicLine.Stage.BUDGET) | Q(
        disclosure__kind=Disclosure.Kind.FINAL, stage=ThreePublicLine.Stage.ACTUAL
    )
    three = (
        ThreePublicLine.objects.filter(stage, disclosure__in=disclosures)
        .order_by()
        .values(*keys)
        .annotate(amount=Sum("amount"))
    )
    for row in three:
        figures[key(row)].three_public = row["amount"]
    costs = (
        OperatingCost.objects.filter(disclosure__in=disclosures).order_by().values(*keys).annotate(amount=Sum("amount"))
    )
    for row in costs:
        figures[key(row)].operating = row["amount"]
    return figures


def department_profile(department: Department) -> DepartmentProfile:
    disclosures = list(
        with_expenditure(published_disclosures().filter(unit__department=department))
        .select_related("unit")
        .order_by("-fiscal_year", "unit__code", "kind", "-version")
    )
    figures = _unit_figures(department)
    years = sorted({year for year, _, _ in figures} | {d.fiscal_year for d in disclosures if not d.superseded})
    by_kind: dict[tuple[int, str], Figures] = defaultdict(Figures)
    units: dict[tuple[int, str], set[int]] = defaultdict(set)
    for (year, kind, unit), f in figures.items():
        by_kind[(year, kind)] = by_kind[(year, kind)] + f
        units[(year, kind)].add(unit)
    for d in disclosures:  # a published disclosure with no facts at all still counts as published
        if not d.superseded:
            units[(d.fiscal_year, d.kind)].add(d.unit_id)

    def series(label: str, kind: str, attr: str) -> TrendSeries:
        published = [bool(units[(y, kind)]) for y in years]
        return TrendSeries(label, [getattr(by_kind[(y, kind)], attr) for y in years], published)

    budget, final = Disclosure.Kind.BUDGET, Disclosure.Kind.FINAL
    trends = [
        trend_chart(
            "trend-total", "支出合计", years, [series("预算数", budget, "total"), series("决算数", final, "total")]
        ),
        trend_chart(
            "trend-basic-project",
            "基本支出与项目支出",
            years,
            [
                series("基本支出（预算）", budget, "basic"),
                series("项目支出（预算）", budget, "project"),
                series("基本支出（决算）", final, "basic"),
                series("项目支出（决算）", final, "project"),
            ],
        ),
        trend_chart(
            "trend-three-public",
            "“三公”经费",
            years,
            [series("预算数", budget, "three_public"), series("决算数", final, "three_public")],
        ),
        trend_chart(
            "trend-operating",
            "机关运行经费",
            years,
            [series("预算数", budget, "operating"), series("决算数", final, "operating")],
        ),
    ]
    comparisons = [_compare(year, figures, units) for year in sorted(years, reverse=True)]
    form_years = sorted(
        set(_public_forms().filter(department=department).order_by().values_list("fiscal_year", flat=True).distinct()),
        reverse=True,
    )
    return DepartmentProfile(department, disclosures, years, trends, comparisons, form_years)


def _compare(year: int, figures, units) -> YearComparison:
    """预算 vs 决算 of one year over the units that published both (so the rate compares like with like)."""
    budget_units, final_units = units[(year, Disclosure.Kind.BUDGET)], units[(year, Disclosure.Kind.FINAL)]
    both = budget_units & final_units
    if not both:
        only = "预算" if budget_units else "决算"
        return YearComparison(year, [], 0, only=only)
    budget = sum((figures.get((year, Disclosure.Kind.BUDGET, u), Figures()) for u in both), Figures())
    final = sum((figures.get((year, Disclosure.Kind.FINAL, u), Figures()) for u in both), Figures())
    rows = [ComparisonRow(FIGURE_LABELS[f], getattr(budget, f), getattr(final, f)) for f in FIGURE_FIELDS]
    return YearComparison(year, rows, len(both))


# ---------------------------------------------------------------- project search


def _public_forms() -> QuerySet:
    """Target forms the public may read: standalone ones, and those of a current published disclosure."""
    return TargetForm.objects.filter(Q(disclosure__isnull=True) | Q(disclosure__in=current_disclosures().values("pk")))


def _contains(fields: tuple[str, ...], q: str) -> Q:
    """Substring match on any of the fields; icontains = UPPER(col::text) LIKE UPPER('%q%'), the indexed form."""
    return reduce(or_, (Q(**{f"{name}__icontains": q}) for name in fields)) if q else Q()


# The search's UNION carries only what it sorts and filters on; hydrate() adds the rest for one page.
RESULT_COLUMNS = ("r_kind", "r_pk", "r_name", "r_year", "r_amount")


def _project_amount() -> Case:
    funds = ("general", "gov_fund", "state_capital", "special_account", "unit_own")
    total = reduce(lambda a, b: a + b, (Coalesce(F(f), Value(ZERO), output_field=AMOUNT) for f in funds))
    all_blank = Q(**{f"{f}__isnull": True for f in funds})
    return Case(When(all_blank, then=Value(None, output_field=AMOUNT)), default=total, output_field=AMOUNT)


def _line_rows(lines: QuerySet) -> QuerySet:
    return lines.annotate(
        r_kind=Value("project", output_field=CharField()),
        r_pk=F("pk"),
        r_name=F("name"),
        r_year=F("disclosure__fiscal_year"),
        r_amount=_project_amount(),
    )


def _form_rows(forms: QuerySet) -> QuerySet:
    annual = TargetFunding.objects.filter(form=OuterRef("pk"), period=Period.ANNUAL).order_by().values("total")[:1]
    return forms.annotate(
        r_kind=Value("form", output_field=CharField()),
        r_pk=F("pk"),
        r_name=F("project_name"),
        r_year=F("fiscal_year"),
        r_amount=Subquery(annual, output_field=AMOUNT),
    )


def hydrate(rows: list[dict]) -> None:
    """Department, unit, disclosure and target form of one page of search rows (two queries)."""
    first_form = TargetForm.objects.filter(project=OuterRef("pk")).order_by("pk").values("pk")[:1]
    lines = ProjectLine.objects.filter(pk__in=[r["r_pk"] for r in rows if r["r_kind"] == "project"]).values(
        "pk",
        r_disclosure=F("disclosure_id"),
        r_department=F("disclosure__unit__department_id"),
        r_department_name=F("disclosure__unit__department__name"),
        r_unit=F("disclosure__unit__name"),
        r_form=Subquery(first_form, output_field=IntegerField()),
    )
    forms = TargetForm.objects.filter(pk__in=[r["r_pk"] for r in rows if r["r_kind"] == "form"]).values(
        "pk",
        r_disclosure=F("disclosure_id"),
        r_department=F("department_id"),
        r_department_name=F("department__name"),
        r_unit=Coalesce(F("unit__name"), F("implementing_unit")),
        r_form=F("pk"),
    )
    details = (
        {("project", d.pop("pk")): d for d in lines.order_by()} if any(r["r_kind"] == "project" for r in rows) else {}
    )
    if any(r["r_kind"] == "form" for r in rows):
        details |= {("form", d.pop("pk")): d for d in forms.order_by()}
    for row in rows:
        row.update(details.get((row["r_kind"], row["r_pk"]), {}))


def text_matches(q: str) -> dict[str, QuerySet]:
    """The three substring filters of the scan, one table each (each has a trigram index on PostgreSQL)."""
    return {
        "projects": ProjectLine.objects.filter(_contains(("name",), q)).order_by(),
        "forms": TargetForm.objects.filter(_contains(FORM_TEXT_FIELDS, q)).order_by(),
        "indicators": Indicator.objects.filter(_contains(("name",), q)).order_by(),
    }


def search_documents(q: str) -> QuerySet:
    """Search documents (disclosures.search_index) whose text contains q, ignoring case; q without a newline.

    Candidates come from the bigram index: a document that contains q holds every bigram of q. For two characters
    that is also enough (is_exact); a longer q is then looked for in the candidates' text. One character has no
    bigram: the documents are scanned (one table, not three).
    """
    needle = normalise(q)
    documents = SearchDocument.objects.order_by()
    if len(needle) > 1:
        documents = documents.filter(bigrams__contains_all=bigram_codes(needle))
    return documents if is_exact(needle) else documents.filter(text__contains=needle)


def _unindexed() -> Exists:
    """True while some published disclosure has no search documents (published before the index was built, or by
    a path that does not call refresh_search_index): then lines and forms are found by scanning, as before."""
    mark = SearchDocument.objects.filter(disclosure=OuterRef("pk"), line__isnull=True, form__isnull=True)
    return Exists(Disclosure.objects.published().filter(~Exists(mark)))


# The documents' branches below are gated by ~_unindexed(), the scans of disclosures' rows by _unindexed():
# PostgreSQL evaluates each gate once per query (an InitPlan) and does not run a branch whose gate is false,
# whatever plan its joins would have had.


def _matching_lines(q: str) -> QuerySet:
    """Ids of the lines that match q by their name, their target forms' texts or those forms' indicators."""
    texts = text_matches(q)
    by_indicator = TargetForm.objects.filter(pk__in=texts["indicators"].values("form_id")).order_by()
    scanned = texts["projects"].values("pk")
    scanned = scanned.union(texts["forms"].values("project_id"), by_indicator.values("project_id"))
    if SEPARATOR in q:  # documents join their texts with newlines: such a q could match across two of them
        return scanned
    documents = search_documents(q).filter(~_unindexed(), line__isnull=False).values("line_id")
    return documents.union(ProjectLine.objects.filter(_unindexed(), pk__in=scanned).values("pk"))


def _matching_forms(q: str) -> QuerySet:
    """Ids of the target forms without a line that match q by their texts or their indicators."""
    texts = text_matches(q)
    # Standalone forms (no disclosure) stay editable, so they have no documents: few, always scanned.
    scanned = Q() if SEPARATOR in q else Q(disclosure__isnull=True) | Q(_unindexed())
    unlinked = TargetForm.objects.filter(scanned, project__isnull=True)
    ids = texts["forms"].filter(scanned, project__isnull=True).values("pk")
    ids = ids.union(texts["indicators"].filter(form__in=unlinked).values("form_id"))
    if SEPARATOR in q:
        return ids
    return search_documents(q).filter(~_unindexed(), form__isnull=False).values("form_id").union(ids)


def project_search(
    *,
    q: str,
    fiscal_year: int | None = None,
    department: Department | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
) -> QuerySet:
    """项目 matching ``q`` in 表十二/十三 project names, target-form names and goals, or indicator names.

    One row per 项目支出 line (with its first target form, if any) plus one per target form not tied to a line
    (standalone forms, unmatched ones). Which lines and forms match comes from the search documents of the
    published disclosures (bigram GIN index on PostgreSQL: disclosures.search_index), and from plain substring
    filters for whatever has no documents (standalone forms; disclosures not indexed yet) — a UNION of ids, one
    table per branch so that each branch can use its index. The rows are narrow (kind, id, name, year, amount:
    what the page sorts and filters on); hydrate() completes one page.
    """
    lines = ProjectLine.objects.filter(disclosure__in=current_disclosures().values("pk")).order_by()
    forms = _public_forms().filter(project__isnull=True).order_by()
    if fiscal_year:
        lines, forms = lines.filter(disclosure__fiscal_year=fiscal_year), forms.filter(fiscal_year=fiscal_year)
    if department:
        lines, forms = lines.filter(disclosure__unit__department=department), forms.filter(department=department)
    if q:  # without q every line and form matches
        lines, forms = lines.filter(pk__in=_matching_lines(q)), forms.filter(pk__in=_matching_forms(q))
    amount_filter = Q()
    if amount_min is not None:
        amount_filter &= Q(r_amount__gte=amount_min)
    if amount_max is not None:
        amount_filter &= Q(r_amount__lte=amount_max)
    branches = [rows.filter(amount_filter).values(*RESULT_COLUMNS) for rows in (_line_rows(lines), _form_rows(forms))]
    # Disjoint (a line and a form differ in r_kind), so UNION ALL: nothing to deduplicate.
    return branches[0].union(branches[1], all=True).order_by("-r_year", "r_name", "r_kind", "r_pk")


@dataclass
class Match:
    where: str
    before: str
    hit: str
    after: str


def excerpt(text: str, q: str, width: int = 18) -> tuple[str, str, str] | None:
    """('…前文', 'q as written', '后文…') around the first case-insensitive occurrence of q."""
    start = text.upper().find(q.upper())
    if start < 0:
        return None
    end = start + len(q)
    before = ("…" if start > width else "") + text[max(0, start - width) : start]
    after = text[end : end + width] + ("…" if len(text) > end + width else "")
    return before, text[start:end], after


def attach_matches(rows: list[dict], q: str) -> None:
    """Say where each result on the page matched (name, goal or an indicator): two queries for the whole page."""
    if not q:
        return
    form_ids = {row["r_form"] for row in rows if row["r_form"]}
    forms = {f["pk"]: f for f in TargetForm.objects.filter(pk__in=form_ids).values("pk", *FORM_TEXT_FIELDS)}
    indicators: dict[int, list[str]] = defaultdict(list)
    for form_id, name in (
        Indicator.objects.filter(form_id__in=form_ids, name__icontains=q)
        .order_by("form_id", "-period", "order")
        .values_list("form_id", "name")
    ):
        indicators[form_id].append(name)
    labels = {"project_name": "绩效目标表项目名称", "goal_annual": "年度目标", "goal_period": "实施期目标"}
    for row in rows:
        name = row["r_name"] or ""
        row["name_match"] = excerpt(name, q, width=len(name))  # the whole name, with the hit marked
        candidates = []
        form = forms.get(row["r_form"])
        if form:
            candidates += [(labels[f], form[f] or "") for f in FORM_TEXT_FIELDS if form[f] != name]
            candidates += [("绩效指标", indicator) for indicator in indicators.get(row["r_form"], [])]
        found = ((where, excerpt(text, q)) for where, text in candidates)
        # Where else it matched, at most two lines: enough to see why the row is here.
        row["matches"] = [Match(where, *hit) for where, hit in found if hit][:2]


def search_years() -> list[int]:
    """Years that have public projects or forms, newest first (for the year filter)."""
    disclosed = current_disclosures().order_by().values_list("fiscal_year", flat=True)
    standalone = TargetForm.objects.filter(disclosure__isnull=True).order_by().values_list("fiscal_year", flat=True)
    return sorted(set(disclosed.union(standalone).order_by()), reverse=True)


def published_years() -> list[int]:
    return list(
        Disclosure.objects.published().order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )
