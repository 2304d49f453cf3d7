"""Benchmark of the citizen portal on a synthetic province (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dev .venv/bin/python bench/portal.py --units 500 --years 5

Creates its own database next to the one DATABASE_URL names (``<name>_portal_bench``; never the database itself),
migrates it, and fills it with ``--units`` budget units × ``--years`` years shaped like the seed documents: a
budget every year and final accounts for every year but the last, about a dozen 功能分类 lines, economic lines,
“三公” and 机关运行经费, ~20 表十二 projects each with a target form of ~12 indicators, some standalone forms,
and 2 % of the budgets corrected (a superseded version 1 and a published version 2). Rows are written as the
workflow writes them (facts into drafts, then one UPDATE publishes), so the immutability triggers stay on.

Then it requests the list, search, profile and disclosure pages (plus home and drilldowns) ``--requests`` times
each through django.test.Client and prints p50/p95 latency and the queries per page, and EXPLAIN ANALYZE of the
search's documents (bigram index). ``--keep`` keeps the database for another run with ``--reuse``.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TOPICS = [
    "应急救援",
    "森林防火",
    "安全生产监管",
    "防汛抗旱",
    "地震监测",
    "救灾物资储备",
    "危化品安全检查",
    "应急演练",
    "信息化运维",
    "执法装备",
    "矿山安全",
    "灾害风险普查",
    "消防宣传",
    "应急广播",
    "专家咨询",
]
SUFFIXES = ["经费", "专项经费", "能力建设", "设备购置", "项目", "工作经费", "系统运行维护费"]
INDICATORS = [
    "检查企业数量",
    "培训人次",
    "演练次数",
    "设备完好率",
    "隐患整改率",
    "群众满意度",
    "救援响应时间",
    "预警信息发布及时率",
    "物资储备达标率",
    "系统运行稳定率",
    "宣传覆盖人数",
    "项目完成及时率",
    "成本控制率",
    "事故起数下降率",
]
BUDGET_CODES = ["2240101", "2240102", "2240106", "2240108", "2240109", "2240199", "2080505", "2101101", "2210201"]
EXTRA_CODES = ["2080501", "2080506", "2101103", "2240703", "2240799", "2130299", "2059999"]
ECONOMIC_CODES = ["30101", "30102", "30103", "30108", "30110", "30112", "30113", "30201", "30211", "30217", "30299"]


def bench_database_url(url: str, name: str | None) -> tuple[str, str, str]:
    """(bench URL, bench db name, source db name) — the bench database is never the source database."""
    parts = urlsplit(url)
    source = parts.path.lstrip("/")
    target = name or f"{source}_portal_bench"
    if target == source:
        raise SystemExit("refusing to benchmark in the database DATABASE_URL names; pick another --db")
    return urlunsplit(parts._replace(path="/" + target)), target, source


def recreate_database(url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def yuan(rng: random.Random, low: int, high: int) -> Decimal:
    """A whole-hundred 元 amount between low and high 万元."""
    return Decimal(rng.randrange(low * 100, high * 100)) * 100


class Province:
    """Builds the synthetic province with bulk_create, in batches."""

    BATCH = 5000

    def __init__(self, *, units: int, years: int, seed: int = 20261123):
        from disclosures.models import EconomicClass, FunctionClass

        self.rng = random.Random(seed)
        self.units = units
        self.years = list(range(2026 - years + 1, 2027))
        self.functions = {fc.code: fc for fc in FunctionClass.objects.filter(code__in=BUDGET_CODES + EXTRA_CODES)}
        self.economic = {
            ec.code: ec for ec in EconomicClass.objects.filter(scheme="department", code__in=ECONOMIC_CODES)
        }
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def create(self, model, objects) -> list:
        started = time.perf_counter()
        made = model.objects.bulk_create(objects, batch_size=self.BATCH)
        self.counts[model.__name__] = self.counts.get(model.__name__, 0) + len(made)
        self.seconds[model.__name__] = self.seconds.get(model.__name__, 0) + time.perf_counter() - started
        return made

    def copy(self, model, columns: list[str], rows) -> None:
        """COPY for the largest table (indicators: no ids needed back), ~10× faster than bulk_create."""
        from django.db import connection

        started = time.perf_counter()
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        n = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                n += 1
        self.counts[model.__name__] = self.counts.get(model.__name__, 0) + n
        self.seconds[model.__name__] = self.seconds.get(model.__name__, 0) + time.perf_counter() - started

    def build(self) -> None:
        from disclosures.models import BudgetUnit, Department, Disclosure, Region

        province = Region.objects.create(name="演示省", level=Region.Level.PROVINCE)
        cities = self.create(
            Region, [Region(name=f"第{i}市", level=Region.Level.CITY, parent=province) for i in range(1, 12)]
        )
        counties = self.create(
            Region,
            [
                Region(name=f"第{c}市第{i}县", level=Region.Level.COUNTY, parent=city)
                for c, city in enumerate(cities, start=1)
                for i in range(1, 11)
            ],
        )
        regions = cities + counties
        n_departments = max(1, self.units // 3)
        departments = self.create(
            Department,
            [
                Department(region=regions[i % len(regions)], code=f"{100 + i // len(regions):03d}", name=self._dept(i))
                for i in range(n_departments)
            ],
        )
        units = self.create(
            BudgetUnit,
            [
                BudgetUnit(
                    department=departments[i % n_departments],
                    code=f"{departments[i % n_departments].code}{i // n_departments + 1:03d}",
                    name=departments[i % n_departments].name + ("" if i < n_departments else f"下属中心{i}"),
                )
                for i in range(self.units)
            ],
        )
        for year in self.years:
            started = time.perf_counter()
            drafts = [Disclosure(unit=u, fiscal_year=year, kind="budget", title=f"{year}年度单位预算") for u in units]
            if year != self.years[-1]:
                drafts += [
                    Disclosure(unit=u, fiscal_year=year, kind="final", title=f"{year}年度单位决算") for u in units
                ]
            disclosures = self.create(Disclosure, drafts)
            self.facts(disclosures)
            self.publish(disclosures)
            corrected = [d for d in disclosures if d.kind == "budget" and self.rng.random() < 0.02]
            versions = self.create(
                Disclosure,
                [
                    Disclosure(
                        unit_id=d.unit_id,
                        fiscal_year=year,
                        kind="budget",
                        version=2,
                        supersedes=d,
                        title=d.title,
                        correction_note="更正项目支出表",
                    )
                    for d in corrected
                ],
            )
            self.facts(versions)
            self.publish(versions)
            self.standalone_forms(units, year)
            print(f"  {year}: {len(disclosures) + len(versions)} disclosures in {time.perf_counter() - started:.1f}s")

    def _dept(self, i: int) -> str:
        kinds = ["应急管理局", "消防救援支队", "地震局", "林业局", "水利局", "气象局"]
        return f"演示{i}号{kinds[i % len(kinds)]}"

    def publish(self, disclosures) -> None:
        from django.utils import timezone

        from disclosures.models import Disclosure

        Disclosure.objects.filter(pk__in=[d.pk for d in disclosures]).update(
            status=Disclosure.Status.PUBLISHED, published_at=timezone.now()
        )

    def facts(self, disclosures) -> None:
        from disclosures.models import (
            EconomicLine,
            FunctionLine,
            Fund,
            OperatingCost,
            ProjectLine,
            Section,
            ThreePublicLine,
        )

        rng = self.rng
        lines, economic, three, costs, sections, projects = [], [], [], [], [], []
        for d in disclosures:
            final = d.kind == "final"
            codes = rng.sample(BUDGET_CODES, 6) + rng.sample(EXTRA_CODES, rng.randint(2, 6))
            for code in codes:
                basic = yuan(rng, 5, 800) if code[:5] != "22401" or code.endswith("01") else None
                project = yuan(rng, 5, 600) if basic is None or rng.random() < 0.3 else None
                lines.append(
                    FunctionLine(
                        disclosure=d,
                        function=self.functions[code],
                        fund=Fund.GENERAL,
                        basic=basic,
                        project=project,
                        income=(basic or 0) + (project or 0) if final else None,
                    )
                )
            for code in ECONOMIC_CODES[: rng.randint(6, len(ECONOMIC_CODES))]:
                personnel = yuan(rng, 5, 300) if code.startswith("301") else None
                public = None if personnel else yuan(rng, 1, 60)
                economic.append(
                    EconomicLine(disclosure=d, economic_class=self.economic[code], personnel=personnel, public=public)
                )
            stages = ["actual", "budget"] if final else ["budget"]
            for stage in stages:
                for item in ("reception", "vehicle_operation"):
                    three.append(
                        ThreePublicLine(
                            disclosure=d, stage=stage, fund=Fund.GENERAL, item=item, amount=yuan(rng, 0, 30)
                        )
                    )
            costs.append(OperatingCost(disclosure=d, unit_name="本单位", amount=yuan(rng, 20, 300)))
            sections += [
                Section(
                    disclosure=d, part="overview", order=1, heading="一、部门职责", body="负责本地区应急管理工作。"
                ),
                Section(
                    disclosure=d, part="glossary", order=2, heading="一、基本支出", body="指为保障机构正常运转的支出。"
                ),
            ]
            if not final:
                for order in range(1, rng.randint(12, 28)):
                    name = f"{rng.choice(TOPICS)}{rng.choice(SUFFIXES)}"
                    projects.append(
                        ProjectLine(
                            disclosure=d, order=order, name=name, general=yuan(rng, 1, 500), category="specific"
                        )
                    )
        for model, objects in (
            (FunctionLine, lines),
            (EconomicLine, economic),
            (ThreePublicLine, three),
            (OperatingCost, costs),
            (Section, sections),
        ):
            self.create(model, objects)
        projects = self.create(ProjectLine, projects)
        by_id = {d.pk: d for d in disclosures}
        self.forms([(by_id[p.disclosure_id], p) for p in projects])

    def forms(self, pairs) -> None:
        """One target form per 表十二 project (embedded in the budget), with funding and ~12 indicators."""
        from performance.models import TargetForm

        forms = self.create(
            TargetForm,
            [
                TargetForm(
                    department_id=self._department_id(d),
                    unit_id=d.unit_id,
                    fiscal_year=d.fiscal_year,
                    disclosure=d,
                    project=p,
                    order=p.order,
                    project_name=p.name,
                    goal_annual=self._goal(p.name),
                    goal_period=self._goal(p.name),
                )
                for d, p in pairs
            ],
        )
        self._form_children(forms, [p.general for _, p in pairs])

    def standalone_forms(self, units, year) -> None:
        """A few departments publish their target forms on their own, as seed 000 does."""
        from performance.models import TargetForm

        chosen = self.rng.sample(units, max(1, len(units) // 50))
        forms = self.create(
            TargetForm,
            [
                TargetForm(
                    department_id=u.department_id,
                    unit_id=u.pk,
                    fiscal_year=year,
                    order=i,
                    project_name=f"{self.rng.choice(TOPICS)}{self.rng.choice(SUFFIXES)}",
                    goal_annual=self._goal("本项目"),
                )
                for u in chosen
                for i in range(1, 11)
            ],
        )
        self._form_children(forms, [yuan(self.rng, 1, 200) for _ in forms])

    def _department_id(self, d) -> int:
        return self._unit_departments()[d.unit_id]

    def _unit_departments(self) -> dict[int, int]:
        if not hasattr(self, "_units_cache"):
            from disclosures.models import BudgetUnit

            self._units_cache = dict(BudgetUnit.objects.values_list("pk", "department_id"))
        return self._units_cache

    def _goal(self, name: str) -> str:
        topic = self.rng.choice(TOPICS)
        return f"通过实施{name}，加强{topic}工作，提升全市防灾减灾救灾和应急处置能力，确保年度目标任务按时完成。"

    def _form_children(self, forms, amounts) -> None:
        from performance.models import Indicator, Period, TargetFunding

        rng = self.rng
        self.create(
            TargetFunding,
            [
                TargetFunding(form=f, period=Period.ANNUAL, total=a, local=a)
                for f, a in zip(forms, amounts, strict=True)
            ],
        )
        levels = [("output", "quantity"), ("output", "quality"), ("output", "timeliness"), ("outcome", "social")]
        rows = (
            (f.pk, Period.ANNUAL, order, *levels[order % len(levels)], "", "", rng.choice(INDICATORS), "≥95%", "≥")
            + (Decimal(95), "%", "quantity", "[]")
            for f in forms
            for order in range(1, rng.randint(8, 16))
        )
        columns = ["form_id", "period", "order", "level1", "level2", "level1_label", "level2_label", "name", "value"]
        columns += ["value_operator", "value_number", "value_unit", "value_kind", "value_flags"]
        self.copy(Indicator, columns, rows)


def search_indexes(action: str) -> None:
    """Drop or create the search's indexes (trigram: 0008; bigram: 0009) with the migrations' own functions."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    trigram = import_module("disclosures.migrations.0008_portal_trigram_indexes")
    bigram = import_module("disclosures.migrations.0009_search_document")
    functions = {
        "create": [trigram.create_indexes, bigram.create_index],
        "drop": [trigram.drop_indexes, bigram.drop_index],
    }
    for function in functions[action]:
        with connection.schema_editor() as editor:
            function(apps, editor)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(client, urls: list[str], requests: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:2]:  # warm-up: templates, connection, plan caches
        client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(urls[0])
    queries = len(ctx.captured_queries)  # now: the next request resets the query log
    check(response, urls[0])
    timings = []
    for i in range(requests):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        check(response, url)
    return timings, queries, len(response.content)


def check(response, url: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")


def pages(rng: random.Random) -> dict[str, list[str]]:
    from disclosures.models import Department, Disclosure, Region

    published = list(Disclosure.objects.published().values_list("pk", flat=True))
    departments = list(Department.objects.values_list("pk", flat=True))
    region = Region.objects.filter(level="city").order_by("pk").first()
    budgets = list(Disclosure.objects.published().filter(kind="budget").values_list("pk", flat=True))
    year = Disclosure.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).first()
    picks = rng.sample(published, 20)
    return {
        "home": ["/"],
        "list": [
            "/disclosures/",
            "/disclosures/?sort=-total",
            f"/disclosures/?fiscal_year={year - 1}&kind=final&amount_min=1000&sort=-total",
            f"/disclosures/?region={region.pk}",
            "/disclosures/?page=3",
        ],
        "search (4 chars: 应急救援)": ["/projects/?q=应急救援", "/projects/?q=应急救援&sort=-r_amount&page=3"],
        "search (2 chars: 救援)": ["/projects/?q=救援"],
        "search (1 char: 震)": ["/projects/?q=震"],
        "search + filters": [f"/projects/?q=森林防火&fiscal_year={year}&amount_min=100"],
        "profile": [f"/departments/{pk}/" for pk in rng.sample(departments, min(20, len(departments)))],
        "disclosure": [f"/disclosures/{pk}/" for pk in picks],
        "drilldown": [f"/disclosures/{pk}/drilldown/?code=224" for pk in rng.sample(budgets, 20)],
        "region drilldown": [
            f"/regions/{region.pk}/{year}/drilldown/",
            f"/regions/{region.pk}/{year}/drilldown/?code=224",
        ],
    }


def explain_search() -> None:
    from disclosures.portal_queries import project_search, search_documents

    for q in ("应急救援", "救援", "震"):
        plan = search_documents(q).explain(analyze=True)
        scans = [line.strip() for line in plan.splitlines() if "Scan" in line]
        indexes = ", ".join(sorted(set(re.findall(r"Index Scan on (\w+)", plan)))) or "no index"
        total = next((line for line in plan.splitlines() if line.startswith("Execution Time")), "")
        print(f"\nEXPLAIN ANALYZE of the search, q={q!r}:")
        print(f"  documents  {scans[0][:60] if scans else '?'} … [{indexes}] [{total}]")
        plan = project_search(q=q).explain(analyze=True)
        print(f"  whole search: {next(line for line in plan.splitlines() if line.startswith('Execution Time'))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="requests per page type")
    parser.add_argument("--db", help="bench database name (default: <DATABASE_URL name>_portal_bench)")
    parser.add_argument("--reuse", action="store_true", help="use the bench database as it is (from --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--triggers", action="store_true", help="keep the immutability triggers on while loading")
    parser.add_argument(
        "--no-jit",
        action="store_true",
        help="connect with jit=off (DATABASE_URL …?options=-c%%20jit%%3Doff), as recommended for this workload",
    )
    args = parser.parse_args()

    source_url = os.environ.get("DATABASE_URL", "")
    if not source_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL=postgres://…; the bench creates its own database on that server")
    url, name, source = bench_database_url(source_url, args.db)
    if not args.reuse:
        recreate_database(url, name)
    if args.no_jit:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, "options=-c%20jit%3Doff"]))))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from disclosures.search_index import rebuild_search_index

    if settings.DATABASES["default"]["NAME"] != name or name == source:
        raise SystemExit("settings did not pick up the bench database; refusing to continue")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        version = cursor.connection.info.server_version
    print(f"jit={jit}; bench database {name} (source {source} untouched), PostgreSQL {version}")
    if not args.reuse:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - started:.1f}s; building {args.units} units × {args.years} years")
        started = time.perf_counter()
        province = Province(units=args.units, years=args.years)
        search_indexes("drop")  # bulk load first, index after (as one would restore a dump)
        with connection.cursor() as cursor:
            if args.triggers:
                province.build()
            else:
                # The immutability triggers guard writes; this load writes drafts then publishes them, as the
                # workflow does, so they would refuse nothing — they only cost a function call per row.
                cursor.execute("SET session_replication_role = replica")
                province.build()
                cursor.execute("SET session_replication_role = DEFAULT")
        print(f"  loaded in {time.perf_counter() - started:.1f}s; building the search documents")
        # The load publishes by UPDATE, as the demo loader does, so the documents are built afterwards, as
        # manage.py rebuild_search_index does for data published before the index existed.
        step = time.perf_counter()
        documents = rebuild_search_index()
        print(f"  {documents} search documents in {time.perf_counter() - step:.1f}s; creating the search indexes")
        step = time.perf_counter()
        search_indexes("create")
        print(f"  search indexes created in {time.perf_counter() - step:.1f}s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"built in {time.perf_counter() - started:.1f}s: "
            + ", ".join(f"{k} {v}" for k, v in province.counts.items())
        )
        print("  insert seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in province.seconds.items()))

    client = Client()
    rng = random.Random(7)
    print(f"\n{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'KB':>6}   (n={args.requests})")
    for label, urls in pages(rng).items():
        timings, queries, size = measure(client, urls, args.requests)
        print(
            f"{label:28} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
            f"{max(timings):8.1f} {queries:8d} {size / 1024:6.0f}"
        )
    explain_search()
    if not args.keep:
        drop_database(url, name)
        print(f"\ndropped {name}")


if __name__ == "__main__":
    main()
