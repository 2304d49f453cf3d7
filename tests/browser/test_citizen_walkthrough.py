"""A citizen walks the public portal in a real browser (Playwright + system Chromium), with and without JavaScript.

home → 晋城市应急管理局 2026 单位预算公开 in at most three clicks → the disclosure list, filtered by year and kind →
project search for 救援 → a hit's 项目支出绩效目标表 → 表十二 downloaded as XLSX and CSV, both equal to the page and to
the stored facts → the department profile with its 2023 决算 and 2026 预算. The imported 大同 budget stays a draft and
is never shown. Every page is served without an error response, and (no-js) every step works with JavaScript off.

Screenshots go to $WALKTHROUGH_SHOTS when set (to look at them), else to pytest's temporary directory.
Playwright's browsers are never downloaded: the system Chromium is launched by path.
"""

import csv
import io
import os
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from disclosures.amounts import CENT, add, format_wan, format_yuan, wan
from disclosures.models import Disclosure, ProjectLine
from disclosures.tablespecs import EXPENSE_MEASURES, DisclosureData
from performance.models import Period, TargetForm
from tests.browser.conftest import BROWSER_TEST

KEYWORD = "救援"
PHONE_WIDTH = 390
PROJECT_FUNDS = ("general", "gov_fund", "state_capital", "special_account", "unit_own")  # 表十二 columns 3–7

pytestmark = BROWSER_TEST


@pytest.fixture
def shots(tmp_path, request):
    root = Path(os.environ.get("WALKTHROUGH_SHOTS") or tmp_path / "screenshots")
    directory = root / request.node.callspec.id
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def seeds(import_seed):
    """晋城 2026 budget (001) and 2023 final accounts (003), published as the demo data is; 大同 2023 (002) a draft."""
    get = Disclosure.objects.select_related("unit__department")
    return SimpleNamespace(
        budget=get.get(pk=import_seed("001", publish=True).disclosure_id),
        final=get.get(pk=import_seed("003", publish=True).disclosure_id),
        draft=get.get(pk=import_seed("002").disclosure_id),
    )


# ---------------------------------------------------------------- expectations from the stored facts


def expenditure(disclosure: Disclosure) -> Decimal | None:
    """支出总计 as the disclosure's own tables print it (its published 合计, 尾差 kept), in 元."""
    return DisclosureData(disclosure).functions.value(None, EXPENSE_MEASURES)


def project_rows(disclosure: Disclosure) -> list[tuple]:
    """表十二 from the stored ProjectLine facts: the unit's total row, then each project; 万元, None for blank."""

    def amounts(projects):
        sums = [add(*(p.total for p in projects)), *(add(*(getattr(p, f) for p in projects)) for f in PROJECT_FUNDS)]
        return [None if v is None else wan(v) for v in sums]

    projects = list(ProjectLine.objects.filter(disclosure=disclosure, carryover=False).order_by("order"))
    assert projects, "seed 001 has 表十二 projects"
    return [(disclosure.unit.name, *amounts(projects)), *((p.name, *amounts([p])) for p in projects)]


def xlsx_amount(value: float | int | None) -> Decimal | None:
    """A numeric XLSX cell in 万元 → Decimal with two decimals, as the page prints it."""
    return None if value is None else Decimal(str(value)).quantize(CENT)


def amount(text: str) -> Decimal | None:
    """'1,234.56' as printed on a page or in a CSV → Decimal; '' → None (blank is not zero)."""
    text = text.strip().replace(",", "")
    return Decimal(text) if text else None


# ---------------------------------------------------------------- the browser side


class Citizen:
    """One anonymous browser context; counts the clicks that navigate, and records every failed response."""

    def __init__(self, browser, base: str, shots: Path, *, javascript: bool):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", java_script_enabled=javascript
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.base = base
        self.shots = shots
        self.clicks = 0
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        self.page.on("response", self._record)

    def _record(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):  # no icon is declared
            self.errors.append(f"{response.status} {response.url}")

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def goto(self, path: str):
        return self.page.goto(f"{self.base}{path}")

    def click(self, locator):
        """A click that loads another page (strict: the locator must match exactly one element)."""
        before = self.page.url
        locator.click()
        self.page.wait_for_url(lambda url: url != before)
        self.page.wait_for_load_state("load")
        self.clicks += 1

    def nav(self, name: str):
        self.click(self.page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True))

    def download(self, locator) -> tuple[str, bytes]:
        with self.page.expect_download() as info:
            locator.click()
        download = info.value
        return download.suggested_filename, Path(download.path()).read_bytes()

    def shot(self, name: str, locator=None, full_page: bool = True):
        path = str(self.shots / f"{name}.png")
        if locator is not None:
            locator.screenshot(path=path)
        else:
            self.page.screenshot(path=path, full_page=full_page)

    def close(self):
        self.context.close()


def cell_texts(rows) -> list[list[str]]:
    """The text of each cell (th and td) of each row, as the browser renders it."""
    return rows.evaluate_all("rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))")


def list_rows(page) -> list[tuple[str, str, str, str, Decimal | None]]:
    """(年度, 地区, 单位, 类型, 支出总计) of the disclosure list's rows; 单位 is the row header's first link."""
    rows = page.locator("table.portal-table tbody tr")
    units = rows.evaluate_all("rows => rows.map(r => r.querySelector('th a').textContent.trim())")
    return [(c[0], c[1], unit, c[3], amount(c[4])) for c, unit in zip(cell_texts(rows), units, strict=True)]


def named(visible: str, hidden: str) -> re.Pattern:
    """A link's accessible name: its visible text, then visually hidden context (Chromium may put a space between)."""
    return re.compile(rf"^{re.escape(visible)} ?{re.escape(hidden)}$")


def caption_count(page, table: str) -> int:
    return int(re.search(r"共 (\d+) 条", page.locator(f"{table} caption").inner_text()).group(1))


# ---------------------------------------------------------------- the walk


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_citizen_walkthrough(live_server, browser, shots, seeds, javascript):
    budget, final, draft = seeds.budget, seeds.final, seeds.draft
    assert (budget.unit.code, budget.fiscal_year, budget.kind) == ("222001", 2026, Disclosure.Kind.BUDGET)
    assert (final.unit_id, final.fiscal_year, final.kind) == (budget.unit_id, 2023, Disclosure.Kind.FINAL)
    assert draft.status == Disclosure.Status.DRAFT
    unit, region = budget.unit.name, budget.unit.department.region
    totals = {budget.pk: expenditure(budget), final.pk: expenditure(final)}

    citizen = Citizen(browser, live_server.url, shots, javascript=javascript)
    page = citizen.page

    # 1. From the home page to 晋城市应急管理局's 2026 单位预算公开 in at most three clicks.
    citizen.goto("/")
    assert "大同" not in page.locator("main").inner_text()  # the draft's region has nothing published
    citizen.shot("01-home")
    counts = page.locator("table.counts-table")
    citizen.click(counts.get_by_role("link", name=re.compile(rf"^预算 \d+ ?份：{region.name}2026年$")))
    assert citizen.path == "/disclosures/"
    assert citizen.query == {"fiscal_year": ["2026"], "region": [str(region.pk)], "kind": ["budget"]}
    citizen.shot("02-list-from-home")
    row = page.locator("table.portal-table tbody tr").filter(has_text="2026年").filter(has_text="预算")
    citizen.click(row.get_by_role("link", name=unit, exact=True))
    assert citizen.clicks <= 3
    assert citizen.path == f"/disclosures/{budget.pk}/"
    assert page.locator(".cover-unit").inner_text() == unit == "晋城市应急管理局"
    assert page.locator(".cover-title").inner_text() == "2026年度单位预算公开"
    citizen.shot("03-disclosure", full_page=False)

    # 2. The disclosure list, filtered by year and kind through its GET form.
    citizen.nav("公开目录")
    form = page.locator("form.filters")
    assert form.get_attribute("method") == "get" and form.get_attribute("action") in (None, "")
    everything = list_rows(page)
    assert sorted(everything) == sorted(
        [
            ("2026年", region.name, unit, "预算", wan(totals[budget.pk])),
            ("2023年", region.name, unit, "决算", wan(totals[final.pk])),
        ]
    )
    assert caption_count(page, "table.portal-table") == Disclosure.objects.published().count() == 2
    form.get_by_label("年度", exact=True).select_option(label="2023年")
    form.get_by_label("类型", exact=True).select_option(label="决算")
    citizen.click(form.get_by_role("button", name="筛选"))
    assert citizen.path == "/disclosures/"
    assert (citizen.query["fiscal_year"], citizen.query["kind"]) == (["2023"], ["final"])
    assert list_rows(page) == [("2023年", region.name, unit, "决算", wan(totals[final.pk]))]
    assert caption_count(page, "table.portal-table") == 1
    assert form.get_by_label("年度", exact=True).input_value() == "2023"  # the form shows the filter it applied
    assert page.locator("table.portal-table tbody th a").first.get_attribute("href") == f"/disclosures/{final.pk}/"
    citizen.shot("04-list-filtered")

    # 3. Search a project by 救援: every hit mentions it, no draft shows, and a hit links to its target form.
    citizen.nav("首页")
    search = page.get_by_role("search", name="项目搜索")
    assert search.get_attribute("method") == "get"
    search.get_by_role("searchbox").fill(KEYWORD)
    citizen.click(search.get_by_role("button", name="搜索"))
    assert (citizen.path, citizen.query["q"]) == ("/projects/", [KEYWORD])
    hits = page.locator("table.portal-table tbody tr")
    texts = hits.all_inner_texts()
    assert texts and all(KEYWORD in text for text in texts)
    assert caption_count(page, "table.portal-table") == len(texts)  # one page of results
    assert not any("大同" in text for text in texts)
    lines = [p for p in ProjectLine.objects.filter(disclosure=budget) if KEYWORD in p.name]
    assert lines and all(any(text.startswith(p.name) for text in texts) for p in lines)
    target = (
        TargetForm.objects.filter(project__in=lines, disclosure=budget)
        .select_related("project")
        .prefetch_related("funding", "indicators")
        .order_by("order")
        .first()
    )
    project = target.project.name
    hit = hits.filter(has=page.get_by_role("link", name=named("绩效目标表", f"：{project}")))
    assert amount(hit.locator("td.num").inner_text()) == wan(target.project.total)
    citizen.shot("05-search")
    citizen.click(hit.get_by_role("link", name=named("绩效目标表", f"：{project}")))
    assert citizen.path == f"/performance/forms/{target.pk}/"
    assert "项目支出绩效目标表" in page.locator(".form-title").inner_text()
    assert page.locator(".form-year").inner_text() == "(2026年度)"
    fields = page.locator(".form-fields")
    assert fields.get_by_role("row", name="项目名称").locator("td").inner_text() == project
    annual = next(f for f in target.funding.all() if f.period == Period.ANNUAL)
    assert page.locator(".form-funds tr.total td.num").all_inner_texts()[-1] == format_yuan(annual.total)
    shown = set(page.locator(".indicator-grid td.annual-name").all_inner_texts())
    expected_indicators = {i.name for i in target.indicators.all() if i.period == Period.ANNUAL}
    assert expected_indicators and expected_indicators <= shown
    citizen.shot("06-form")

    # 4. Back to the results, on to the disclosure; 表十二 as XLSX and CSV equals the page and the stored facts.
    page.go_back()
    citizen.click(page.get_by_role("link", name=named("预算公开", f"：{project}")))
    assert citizen.path == f"/disclosures/{budget.pk}/"
    block = page.locator("#table-budget_12")
    label, title = block.locator(".table-label").inner_text(), block.locator(".table-title").inner_text()
    assert (label, title) == ("表十二", "2026年项目支出预算表（本年预算）")
    shown_rows = [(c[0], *map(amount, c[1:])) for c in cell_texts(block.locator("tbody tr"))]
    expected_rows = project_rows(budget)
    assert shown_rows == expected_rows
    assert next(r for r in shown_rows if r[0] == project)[1] == wan(annual.total)  # 表十二 agrees with the form
    citizen.shot("07-table-12", locator=block)
    downloads = block.locator(".table-downloads")
    stem = f"{unit}2026年度单位预算公开_{label}"

    name, content = citizen.download(downloads.get_by_role("link", name=named("XLSX", f"（{label}）")))
    assert name == f"{stem}.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == f"{label} {title}" and values[1][0] == f"单位名称：{unit}"
    numbers = next(i for i, r in enumerate(values) if r == [str(n) for n in range(1, 8)])  # the 栏次 row
    assert values[numbers - 2][0] == "项目名称"
    body = values[numbers + 1 : numbers + 1 + len(expected_rows)]
    assert all(isinstance(v, int | float) for r in body for v in r[1:] if v is not None)  # numeric cells
    assert [(r[0], *map(xlsx_amount, r[1:])) for r in body] == expected_rows

    name, content = citizen.download(downloads.get_by_role("link", name=named("CSV", f"（{label}）")))
    assert name == f"{stem}.csv"
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese text as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [f"{label} {title}"] and rows[1][0] == f"单位名称：{unit}"
    assert rows[2][:3] == ["项目名称", "合计", "2026年财政拨款/一般公共预算"]
    assert rows[3] == [str(n) for n in range(1, 8)]
    assert [(r[0], *map(amount, r[1:])) for r in rows[4 : 4 + len(expected_rows)]] == expected_rows

    # 5. The department profile: 2026 预算 and 2023 决算 of the same unit, with the list's totals.
    citizen.nav("公开目录")
    citizen.click(page.get_by_role("link", name=named("部门概况", f"：{budget.unit.department.name}")).first)
    assert citizen.path == f"/departments/{budget.unit.department_id}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith(budget.unit.department.name)
    history = page.locator("section[aria-labelledby=h-disclosures] tbody tr")
    assert [(c[0], c[1], c[2], amount(c[3])) for c in cell_texts(history)] == [
        ("2026年", unit, "预算", wan(totals[budget.pk])),
        ("2023年", unit, "决算", wan(totals[final.pk])),
    ]
    links = history.locator("th a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [f"/disclosures/{budget.pk}/", f"/disclosures/{final.pk}/"]
    trend = page.locator("#trend-total table.chart-data tbody tr")
    assert cell_texts(trend) == [
        ["2023年", "未公开", format_wan(totals[final.pk])],
        ["2026年", format_wan(totals[budget.pk]), "未公开"],
    ]
    citizen.shot("08-profile")
    profile = citizen.path

    # 6. On a phone no page scrolls sideways: wide tables scroll inside their own region instead.
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    for name, path in [
        ("home", "/"),
        ("list", "/disclosures/"),
        ("search", f"/projects/?q={KEYWORD}"),
        ("form", f"/performance/forms/{target.pk}/"),
        ("disclosure", f"/disclosures/{budget.pk}/"),
        ("profile", profile),
    ]:
        citizen.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, path
        citizen.shot(f"09-phone-{name}", full_page=name != "disclosure")

    # The draft does not exist for the public, whatever the URL.
    errors_before = len(citizen.errors)
    assert citizen.goto(f"/disclosures/{draft.pk}/").status == 404
    assert citizen.goto(f"/disclosures/{draft.pk}/tables/budget_12.xlsx").status == 404
    del citizen.errors[errors_before:]

    assert citizen.errors == []  # no script error, no failed page, stylesheet or download on the way
    citizen.close()
