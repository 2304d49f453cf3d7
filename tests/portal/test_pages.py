"""Citizen portal pages: home, disclosure list, 功能分类 drilldowns and department profiles.

What is checked: only published versions appear (superseded ones marked, drafts never); the numbers are the
stored facts (the drilldown equals the official 表三 rows); filters, sorting and pages are GET parameters; every
page is a fixed number of queries however many disclosures exist; the markup is accessible and CSP-clean.
"""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosures.amounts import format_wan
from disclosures.models import Disclosure, FunctionLine, Region
from disclosures.tablespecs import build_table
from tests.portal.portal_data import Form, make_disclosure, make_region_year, make_unit

QUERY_BUDGETS = {"home": 3, "list": 5, "drilldown": 3, "region_drilldown": 5, "profile": 6}


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def seeds(import_seed):
    """001 (晋城 2026 预算) and 002 (大同 2023 预算) published; 003 (晋城 2023 决算) left as a draft."""
    budget = Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)
    datong = Disclosure.objects.get(pk=import_seed("002", publish=True).disclosure_id)
    draft = Disclosure.objects.get(pk=import_seed("003").disclosure_id)
    return budget, datong, draft


def leaf_total(disclosure) -> Decimal:
    lines = FunctionLine.objects.filter(disclosure=disclosure, reported_subtotal=False)
    measures = ("basic", "project", "to_superior", "operating", "affiliated_subsidy")
    return sum((getattr(line, m) or Decimal(0) for line in lines for m in measures), Decimal(0))


class TestHome:
    def test_counts_by_year_and_region_recent_and_search_box(self, client, seeds):
        budget, datong, draft = seeds
        response = client.get("/")
        html, text = response.content.decode(), text_of(response)
        assert response.status_code == 200
        assert "各地区公开情况" in text and "晋城市" in text and "大同市" in text
        region = budget.unit.department.region
        assert f"?fiscal_year=2026&amp;region={region.pk}&amp;kind=budget" in html
        assert "预算 1" in text and "决算" in text  # the draft final is not counted
        assert f'/disclosures/{budget.pk}/"' in html and f'/disclosures/{draft.pk}/"' not in html
        assert 'action="/projects/"' in html and 'name="q"' in html
        assert f"/regions/{region.pk}/2026/drilldown/" in html

    def test_home_keeps_the_existing_public_contract(self, client, seeds):
        text = text_of(client.get("/"))
        assert "晋城市应急管理局" in text and "单位预算公开" in text and "单位决算公开" not in text

    def test_superseded_version_is_counted_once(self, client, db):
        unit = make_unit()
        old = make_disclosure(unit, 2025)
        make_disclosure(unit, 2025, version=2, supersedes=old)
        response = client.get("/")
        assert "预算 1" in text_of(response)
        assert "已被更正" in text_of(response)  # the old version still listed among recent publications


class TestRegions:
    """A county's disclosures count under its city on the home page, and a city's filter and drilldown include it."""

    @pytest.fixture
    def county(self, db):
        city = make_unit("午市", "501", "午市应急管理局")
        county_region = Region.objects.create(name="午市甲县", level=Region.Level.COUNTY, parent=city.department.region)
        county = make_unit("午市甲县", "502", "午市甲县应急管理局")
        county.department.region = county_region
        county.department.save()
        make_disclosure(city, 2025, lines=[("2240101", "100.00", None)])
        make_disclosure(county, 2025, lines=[("2240101", "40.00", None)])
        return city.department.region

    def test_home_rolls_counties_up(self, client, county):
        text = text_of(client.get("/"))
        assert "午市" in text and "午市甲县" not in text.split("最近公开")[0]
        assert "预算 2" in text

    def test_list_filter_and_drilldown_include_counties(self, client, county):
        rows = TestDisclosureList._rows(client.get(f"/disclosures/?region={county.pk}"))
        assert len(rows) == 2
        text = text_of(client.get(f"/regions/{county.pk}/2025/drilldown/?code=22401"))
        assert "140.00" in text and "午市甲县应急管理局" in text


class TestDisclosureList:
    def test_columns_and_amount_from_facts(self, client, seeds):
        budget, datong, draft = seeds
        response = client.get("/disclosures/")
        text = text_of(response)
        for header in ("年度", "地区", "单位", "类型", "支出总计（万元）", "公开时间"):
            assert header in text
        # The official 表三 合计 as printed: 001's keeps its 尾差 (its lines sum to 0.01 less), 002 has none.
        assert format_wan(build_table(budget, "budget_03").rows[0].cells[2]) == "3,306.81"
        assert format_wan(leaf_total(budget)) == "3,306.80"
        assert "3,306.81" in text and "3,306.80" not in text
        assert format_wan(build_table(datong, "budget_03").rows[0].cells[2]) == "2,296.59"
        assert "2,296.59" in text
        assert f'href="/disclosures/{budget.pk}/"' in response.content.decode()
        assert f"/disclosures/{draft.pk}/" not in response.content.decode()

    @pytest.mark.parametrize(
        ("query", "shown", "hidden"),
        [
            ("fiscal_year=2026", ["2026年"], ["2023年"]),
            ("kind=budget&fiscal_year=2023", ["大同市应急管理局"], ["晋城市应急管理局"]),
            ("amount_min=3000", ["晋城市应急管理局"], ["大同市应急管理局"]),
            ("amount_max=3000", ["大同市应急管理局"], ["晋城市应急管理局"]),
        ],
    )
    def test_filters_are_get_parameters(self, client, seeds, query, shown, hidden):
        rows = self._rows(client.get(f"/disclosures/?{query}"))
        assert all(any(s in r for r in rows) for s in shown), rows
        assert not any(h in r for r in rows for h in hidden), rows

    def test_region_and_department_filters(self, client, seeds):
        budget, datong, _ = seeds
        region = datong.unit.department.region
        rows = self._rows(client.get(f"/disclosures/?region={region.pk}"))
        assert len(rows) == 1 and "大同市应急管理局" in rows[0]
        rows = self._rows(client.get(f"/disclosures/?department={budget.unit.department_id}"))
        assert len(rows) == 1 and "晋城市应急管理局" in rows[0]

    def test_sort_by_amount_and_links_keep_filters(self, client, seeds):
        response = client.get("/disclosures/?kind=budget&sort=-total")
        rows = self._rows(response)
        assert "晋城市应急管理局" in rows[0] and "大同市应急管理局" in rows[1]
        html = response.content.decode()
        assert 'aria-sort="descending"' in html
        assert "?kind=budget&amp;sort=total" in html  # the header link keeps the filter and flips the order

    def test_pagination_is_a_get_link(self, client, db):
        make_region_year("甲市", 2024, 27)
        response = client.get("/disclosures/?fiscal_year=2024")
        html = response.content.decode()
        assert len(self._rows(response)) == 25
        assert "?fiscal_year=2024&amp;page=2" in html and "共 27 条" in text_of(response)
        assert len(self._rows(client.get("/disclosures/?fiscal_year=2024&page=2"))) == 2

    def test_superseded_version_is_listed_and_marked(self, client, db):
        unit = make_unit()
        old = make_disclosure(unit, 2025)
        new = make_disclosure(unit, 2025, version=2, supersedes=old, lines=[("2240101", "120.00", None)])
        rows = self._rows(client.get("/disclosures/"))
        assert len(rows) == 2
        assert any("更正版·第2版" in r and "120.00" in r for r in rows)
        assert any("已被更正" in r and "150.00" in r for r in rows)
        current = self._rows(client.get("/disclosures/?current=on"))
        assert len(current) == 1 and "120.00" in current[0]
        assert new.pk != old.pk

    def test_bad_filter_values_show_an_error_not_a_crash(self, client, seeds):
        response = client.get("/disclosures/?amount_min=abc&region=999999")
        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode()

    @staticmethod
    def _rows(response) -> list[str]:
        html = response.content.decode()
        body = html[html.index("<tbody>") : html.index("</tbody>")]
        return [unescape(re.sub(r"<[^>]+>", " ", r)) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


class TestDisclosureDrilldown:
    def test_levels_match_the_official_table(self, client, seeds):
        budget, _, _ = seeds
        table = {row.code: row.cells[2] for row in build_table(budget, "budget_03").rows if row.code}
        top = client.get(f"/disclosures/{budget.pk}/drilldown/")
        assert "按类" in text_of(top) and format_wan(table["224"]) in text_of(top)
        assert f'/disclosures/{budget.pk}/drilldown/?code=224"' in top.content.decode()
        response = client.get(f"/disclosures/{budget.pk}/drilldown/?code=224")
        text = text_of(response)
        assert "224 灾害防治及应急管理支出" in text and "按款" in text
        for code in ("22401", "22407"):
            assert format_wan(table[code]) in text
        assert "?code=22401" in response.content.decode()
        item = text_of(client.get(f"/disclosures/{budget.pk}/drilldown/?code=22401"))
        assert "按项" in item and format_wan(table["2240101"]) in item and "行政运行" in item

    def test_shares_breadcrumbs_and_chart(self, client, seeds):
        budget, _, _ = seeds
        response = client.get(f"/disclosures/{budget.pk}/drilldown/?code=22401")
        html = response.content.decode()
        assert 'aria-label="位置"' in html and '?code=224"' in html and 'aria-current="page"' in html
        assert "100.00%" in html and re.search(r"\d+\.\d\d%", html)
        assert 'src="data:image/svg+xml;base64,' in html and "返回上一级" in html

    def test_leaf_level_splits_by_fund(self, client, seeds):
        budget, _, _ = seeds
        text = text_of(client.get(f"/disclosures/{budget.pk}/drilldown/?code=2240101"))
        assert "按资金来源" in text and "一般公共预算" in text

    @pytest.mark.parametrize("code", ["999", "22", "abc", "2240101x"])
    def test_unknown_or_malformed_code_is_404(self, client, seeds, code):
        budget, _, _ = seeds
        assert client.get(f"/disclosures/{budget.pk}/drilldown/?code={code}").status_code == 404

    def test_draft_has_no_drilldown(self, client, seeds):
        _, _, draft = seeds
        assert client.get(f"/disclosures/{draft.pk}/drilldown/").status_code == 404


class TestRegionDrilldown:
    def test_sums_all_units_of_the_region(self, client, db):
        a = make_disclosure(make_unit("乙市", "701", "乙市应急局"), 2025, lines=[("2240101", "100.00", None)])
        make_disclosure(make_unit("乙市", "702", "乙市消防局"), 2025, lines=[("2240101", "50.00", "25.00")])
        make_disclosure(make_unit("丙市", "703", "丙市应急局"), 2025, lines=[("2240101", "999.00", None)])
        make_disclosure(make_unit("乙市", "704", "乙市草稿局"), 2025, publish=False)
        region = a.unit.department.region
        response = client.get(f"/regions/{region.pk}/2025/drilldown/?code=22401")
        text = text_of(response)
        assert "2240101 行政运行" in text and "175.00" in text and "999.00" not in text
        assert "乙市应急局" in text and "乙市消防局" in text and "乙市草稿局" not in text
        top = text_of(client.get(f"/regions/{region.pk}/2025/drilldown/"))
        assert "224 灾害防治及应急管理支出" in top and "175.00" in top

    def test_kind_switch_and_404s(self, client, db):
        unit = make_unit("丁市")
        make_disclosure(unit, 2025)
        make_disclosure(unit, 2025, Disclosure.Kind.FINAL, lines=[("2240101", "90.00", None)])
        region = unit.department.region
        budget = client.get(f"/regions/{region.pk}/2025/drilldown/")
        assert "?kind=final&amp;code=" in budget.content.decode()
        final = text_of(client.get(f"/regions/{region.pk}/2025/drilldown/?kind=final"))
        assert "90.00" in final and "本年支出合计" in final
        assert client.get(f"/regions/{region.pk}/2019/drilldown/").status_code == 404
        assert client.get(f"/regions/{region.pk}/2025/drilldown/?kind=other").status_code == 404
        assert client.get(f"/regions/{region.pk}/2025/drilldown/?code=999").status_code == 404


class TestDepartmentProfile:
    @pytest.fixture
    def department(self, db):
        unit = make_unit("戊市", "601", "戊市应急管理局")
        other = make_unit("戊市", "601", "戊市应急管理局", unit_code="601002", unit_name="戊市应急救援中心")
        for year, basic in ((2023, "80.00"), (2024, "100.00")):
            make_disclosure(unit, year, lines=[("2240101", basic, "20.00")], three_public="4.00", operating="10.00")
        make_disclosure(
            unit,
            2023,
            Disclosure.Kind.FINAL,
            lines=[("2240101", "72.00", "18.00")],
            three_public="3.00",
            operating="9.00",
        )
        make_disclosure(other, 2023, lines=[("2240101", "500.00", None)])  # no final: left out of the comparison
        return unit.department

    def test_every_year_trends_and_comparison(self, client, department):
        response = client.get(f"/departments/{department.pk}/")
        html, text = response.content.decode(), text_of(response)
        assert response.status_code == 200
        assert text.count("戊市应急管理局") >= 3 and "戊市应急救援中心" in text
        for title in ("支出合计", "基本支出与项目支出", "“三公”经费", "机关运行经费"):
            assert title in text
        assert html.count('src="data:image/svg+xml;base64,') == 4
        assert "未公开" in text  # 2024 has no final accounts
        # 2023: 预算 100.00 vs 决算 90.00 over the unit that published both → 90.00%
        compare = text[text.index("2023年预算与决算") :]
        assert "（1个单位）" in compare
        assert re.search(r"支出合计 100\.00 90\.00 90\.00%", compare)
        assert re.search(r"“三公”经费 4\.00 3\.00 75\.00%", compare)
        assert re.search(r"机关运行经费 10\.00 9\.00 90\.00%", compare)
        assert "2024年：仅公开了预算，暂不能对比" in text

    def test_trend_data_tables_are_there_for_screen_readers(self, client, department):
        html = client.get(f"/departments/{department.pk}/").content.decode()
        assert '<caption id="trend-total-caption">支出合计数据（万元）</caption>' in html
        # 2023 预算 = both units (100.00 + 500.00), 决算 = 90.00
        assert re.search(
            r"<th scope=\"row\">2023年</th><td class=\"num\">600\.00</td><td class=\"num\">90\.00</td>", html
        )

    def test_department_without_publications_is_404(self, client, db):
        unit = make_unit("己市")
        make_disclosure(unit, 2025, publish=False)
        assert client.get(f"/departments/{unit.department_id}/").status_code == 404


class TestQueryBudgets:
    """Each page costs a fixed number of queries: adding disclosures does not add queries."""

    def urls(self, budget, region: Region) -> dict[str, str]:
        return {
            "home": "/",
            "list": "/disclosures/?sort=-total",
            "drilldown": f"/disclosures/{budget.pk}/drilldown/?code=224",
            "region_drilldown": f"/regions/{region.pk}/2025/drilldown/?code=224",
            "profile": f"/departments/{budget.unit.department_id}/",
        }

    def test_counts_do_not_grow_with_data(self, client, django_assert_max_num_queries, db):
        made = make_region_year("庚市", 2025, 3)
        budget, region = made[0], made[0].unit.department.region
        urls = self.urls(budget, region)
        before = {name: queries(client, url) for name, url in urls.items()}
        make_region_year("庚市", 2025, 30, start=3)
        make_region_year("辛市", 2024, 30)
        for unit_year in (2023, 2024):  # more years for the profile's department
            make_disclosure(budget.unit, unit_year, three_public="1.00", operating="1.00")
            make_disclosure(budget.unit, unit_year, Disclosure.Kind.FINAL, forms=[Form("额外项目")])
        after = {name: queries(client, url) for name, url in urls.items()}
        assert after == before
        for name, url in urls.items():
            with django_assert_max_num_queries(QUERY_BUDGETS[name]):
                client.get(url)


class TestMarkup:
    PAGES = ["/", "/disclosures/", "/disclosures/{pk}/drilldown/?code=224", "/departments/{dept}/", "/projects/?q=救援"]

    @pytest.mark.parametrize("path", PAGES)
    def test_accessible_and_csp_clean(self, client, seeds, path):
        budget, _, _ = seeds
        response = client.get(path.format(pk=budget.pk, dept=budget.unit.department_id))
        html = response.content.decode()
        assert response.status_code == 200
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert " style=" not in html and "<script" not in html and "<style" not in html
        assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers
        assert "portal.css" in html and 'name="viewport"' in html
        tables = re.findall(r"<table.*?</table>", html, re.S)
        assert tables
        for table in tables:
            assert "<caption" in table
            heads = re.findall(r"<th\b[^>]*>", table)
            assert heads and all("scope=" in th for th in heads), heads
        # scrolling table regions can be reached and scrolled with the keyboard
        assert all('tabindex="0"' in region for region in re.findall(r'<div class="table-scroll"[^>]*>', html))
