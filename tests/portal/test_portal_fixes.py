"""Portal review fixes: the disclosure page's breadcrumbs, the project search's 部门 choices, the site icon."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from disclosures.filters import DisclosureFilter, ProjectSearchForm
from disclosures.models import Disclosure
from tests.pages import breadcrumbs
from tests.portal.portal_data import Form, make_disclosure, make_form, make_unit
from tests.portal.test_search import SEARCH_BUDGET


class TestDisclosureBreadcrumbs:
    def test_catalogue_and_department_profile(self, client, db):
        disclosure = make_disclosure(make_unit("甲市", dept_name="甲市应急管理局"), 2025)
        html = client.get(f"/disclosures/{disclosure.pk}/").content.decode()
        department = disclosure.unit.department
        assert breadcrumbs(html)[:3] == [
            ("/", "首页"),
            ("/disclosures/", "公开目录"),
            (f"/departments/{department.pk}/", "甲市应急管理局"),
        ]
        assert breadcrumbs(html)[3][0] is None  # the page itself
        assert client.get(f"/departments/{department.pk}/").status_code == 200
        assert "portal.css" in html  # the breadcrumbs' styles


class TestProjectSearchDepartments:
    """部门 lists the departments with something to find: published disclosures or public target forms."""

    @pytest.fixture
    def departments(self, db):
        published = make_unit("乙市", dept_code="901", dept_name="有公开预算的局")
        make_disclosure(published, 2025, forms=[Form("公开项目")])
        standalone = make_unit("乙市", dept_code="902", dept_name="只有单独公开绩效目标表的局")
        make_form(standalone, 2025, Form("单独公开的项目"))
        draft = make_unit("乙市", dept_code="903", dept_name="只有草稿的局")
        make_disclosure(draft, 2025, forms=[Form("草稿项目")], publish=False)
        return published.department, standalone.department, draft.department

    def test_choices(self, departments):
        published, standalone, _ = departments
        options = [label for value, label in ProjectSearchForm().fields["department"].option_list if value]
        assert options == [str(published), str(standalone)]

    def test_draft_only_department_is_not_a_valid_choice(self, departments):
        draft = departments[2]
        form = ProjectSearchForm({"q": "项目", "department": draft.pk})
        assert not form.is_valid() and "department" in form.errors

    def test_page_lists_them_within_the_query_budget(self, client, departments, django_assert_max_num_queries):
        published, standalone, draft = departments
        with django_assert_max_num_queries(SEARCH_BUDGET):
            html = client.get(f"/projects/?q=项目&department={standalone.pk}").content.decode()
        select = re.search(r'<select name="department".*?</select>', html, re.S).group(0)
        assert published.name in select and standalone.name in select and draft.name not in select
        assert "单独公开的项目" in html and "草稿项目" not in html

    def test_disclosure_list_still_lists_disclosure_departments_only(self, departments):
        published = departments[0]
        choices = DisclosureFilter(queryset=Disclosure.objects.none()).form.fields["department"].option_list
        assert [label for value, label in choices if value] == [str(published)]


class TestFavicon:
    def test_every_page_declares_the_svg_icon(self, client, db):
        html = client.get("/").content.decode()
        link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
        assert link and link[1] == "/static/img/favicon.svg"

    def test_icon_is_a_self_hosted_svg(self, client, db):
        path = finders.find("img/favicon.svg")
        assert path, "static/img/favicon.svg"
        svg = Path(path).read_text().strip()
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>")
        csp = client.get("/")["Content-Security-Policy"]
        assert "'self'" in re.search(r"img-src ([^;]+)", csp)[1]
