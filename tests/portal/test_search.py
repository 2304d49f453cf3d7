"""Project search (/projects/?q=…): Chinese substring matches in project names, target-form goals and indicator
names of public documents only, with year/department/amount filters, links to the form and the disclosure, a
fixed number of queries, and — on PostgreSQL — trigram indexes that the planner can use."""

import re
from html import unescape
from importlib import import_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosures.models import Disclosure, ProjectLine
from disclosures.portal_queries import project_search, text_matches
from performance.models import Indicator, Level1, Level2, Period, TargetForm
from tests.portal.portal_data import Form, make_disclosure, make_form, make_region_year, make_unit

SEARCH_BUDGET = 8  # 7, or 8 when the page holds both project lines and standalone forms (hydrate)
TRIGRAM_MIGRATION = "disclosures.migrations.0008_portal_trigram_indexes"


def trigram_index_names() -> list[str]:
    return [name for *_, name in import_module(TRIGRAM_MIGRATION).TRIGRAM_INDEXES]


def rows(response) -> list[str]:
    html = response.content.decode()
    if "<tbody>" not in html:
        return []
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    found = [
        unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)))
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
    return [r for r in found if "没有找到匹配的项目" not in r]


@pytest.fixture
def seeds(import_seed):
    """000 (晋中 2022 standalone forms), 001 (晋城 2026 预算) and 002 (大同 2023 预算), all public."""
    import_seed("000")
    budget = Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)
    datong = Disclosure.objects.get(pk=import_seed("002", publish=True).disclosure_id)
    return budget, datong


class TestProjectSearch:
    def test_chinese_keyword_across_projects_and_standalone_forms(self, client, seeds):
        budget, datong = seeds
        response = client.get("/projects/?q=救援")
        found = rows(response)
        assert response.status_code == 200
        assert any("晋城市安全生产应急救援指挥管理系统升级改造" in r and "2026年" in r for r in found)
        assert any("Z应急救援装备购置及演练经费" in r and "2023年" in r for r in found)
        assert any("救援大队训练耗材及培训费1(共3)" in r and "2022年" in r for r in found)  # standalone form
        html = response.content.decode()
        assert "<mark>救援</mark>" in html
        form = TargetForm.objects.get(disclosure=budget, project_name="晋城市安全生产应急救援指挥管理系统升级改造")
        assert f'href="/performance/forms/{form.pk}/"' in html and f'href="/disclosures/{budget.pk}/"' in html

    def test_matches_goal_text_and_indicator_names(self, client, db):
        unit = make_unit()
        make_disclosure(
            unit,
            2025,
            projects=[("安全监管专项", "30.00"), ("值班值守经费", "12.00")],
            forms=[
                Form("安全监管专项", goal="开展无人机巡检覆盖全市矿区", project="安全监管专项"),
                Form("值班值守经费", indicators=["夜间值守时长"], project="值班值守经费"),
            ],
        )
        goal = rows(client.get("/projects/?q=无人机巡检"))
        assert len(goal) == 1 and "安全监管专项" in goal[0] and "年度目标" in goal[0] and "30.00" in goal[0]
        indicator = rows(client.get("/projects/?q=夜间值守"))
        assert len(indicator) == 1 and "值班值守经费" in indicator[0] and "绩效指标" in indicator[0]

    def test_only_public_and_current_versions(self, client, db):
        unit = make_unit()
        make_disclosure(unit, 2024, projects=[("草稿里的救援项目", "1.00")], publish=False)
        old = make_disclosure(unit, 2025, projects=[("更正过的救援项目", "1.00")])
        new = make_disclosure(unit, 2025, version=2, supersedes=old, projects=[("更正过的救援项目", "2.00")])
        response = client.get("/projects/?q=救援项目")
        found = rows(response)
        assert len(found) == 1 and "2.00" in found[0]
        assert f'href="/disclosures/{new.pk}/"' in response.content.decode()

    def test_filters_year_department_amount(self, client, seeds):
        budget, datong = seeds
        assert all("2022年" in r for r in rows(client.get("/projects/?q=救援&fiscal_year=2022")))
        by_department = rows(client.get(f"/projects/?q=救援&department={datong.unit.department_id}"))
        assert by_department and all("大同市应急管理局" in r for r in by_department)
        everything = rows(client.get("/projects/?q=救援"))
        large = rows(client.get("/projects/?q=救援&amount_min=100"))
        small = rows(client.get("/projects/?q=救援&amount_max=100"))
        assert large and small and len(large) + len(small) <= len(everything)
        amounts = [float(a.replace(",", "")) for r in large for a in re.findall(r"\s([\d,]+\.\d\d)\s", r)]
        assert amounts and min(amounts) >= 100

    def test_latin_letters_match_either_case(self, client, seeds):
        assert any("J安委会工作经费" in r for r in rows(client.get("/projects/?q=j安委会")))

    def test_form_without_query_and_invalid_input(self, client, seeds):
        empty = client.get("/projects/")
        assert empty.status_code == 200 and "<tbody>" not in empty.content.decode()
        bad = client.get("/projects/?q=救援&amount_min=-1")
        assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()

    def test_sorted_and_paginated_by_get_links(self, client, db):
        make_region_year("壬市", 2025, 27)
        response = client.get("/projects/?q=应急救援&sort=-r_amount")
        html = response.content.decode()
        assert len(rows(response)) == 25 and "共 27 条" in unescape(html)
        assert "?q=%E5%BA%94%E6%80%A5%E6%95%91%E6%8F%B4&amp;sort=-r_amount&amp;page=2" in html
        assert len(rows(client.get("/projects/?q=应急救援&sort=-r_amount&page=2"))) == 2

    def test_query_count_does_not_grow(self, client, django_assert_max_num_queries, db):
        make_region_year("癸市", 2025, 3)
        url = "/projects/?q=救援&fiscal_year=2025&amount_min=1"

        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            return len(ctx.captured_queries)

        before = count()
        make_region_year("癸市", 2025, 40, start=3)
        make_form(make_unit("子市"), 2025, Form("独立公开的救援演练", indicators=["救援演练次数"], amount="5.00"))
        assert count() == before
        with django_assert_max_num_queries(SEARCH_BUDGET):
            client.get(url)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram GIN indexes exist on PostgreSQL only")
class TestTrigramIndexes:
    """The planner can answer each search branch from its GIN trigram index (migration 0008)."""

    def test_indexes_exist(self, db):
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'portal_%%_trgm'")
            assert {row[0] for row in cursor.fetchall()} == set(trigram_index_names())

    def test_explain_uses_the_indexes(self, db):
        """Each substring filter of the search (one per table) is answered from its trigram index.

        The tables here are small, so sequential scans are switched off to ask whether the index *can* be used;
        bench/portal.py shows the planner choosing it by itself at province scale.
        """
        unit = make_unit()
        disclosure = make_disclosure(unit, 2025, publish=False)
        ProjectLine.objects.bulk_create(
            ProjectLine(disclosure=disclosure, order=i, name=f"安全生产检查经费{i}") for i in range(1, 301)
        )
        forms = TargetForm.objects.bulk_create(
            TargetForm(
                department=unit.department, fiscal_year=2024, project_name=f"安全检查{i}", goal_annual=f"完成检查{i}"
            )
            for i in range(300)
        )
        Indicator.objects.bulk_create(
            Indicator(
                form=f, period=Period.ANNUAL, order=1, level1=Level1.OUTPUT, level2=Level2.QUANTITY, name=f"检查{f.pk}"
            )
            for f in forms
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {table: qs.explain() for table, qs in text_matches("应急救援").items()}
        assert "portal_projectline_name_trgm" in plans["projects"], plans["projects"]
        for name in ("portal_targetform_name_trgm", "portal_targetform_annual_trgm", "portal_targetform_period_trgm"):
            assert name in plans["forms"], plans["forms"]  # a BitmapOr over the three columns
        assert "portal_indicator_name_trgm" in plans["indicators"], plans["indicators"]
        assert all("Bitmap Index Scan on portal_" in plan for plan in plans.values())

    def test_two_character_query_is_correct_without_the_index(self, db):
        """pg_trgm finds no trigram in '%救援%' (two characters), so that query scans; results must still be right."""
        make_region_year("寅市", 2025, 3)
        assert len(list(project_search(q="救援"))) == 3
