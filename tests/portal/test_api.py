"""Read-only JSON API: published data only, pagination and filters, fixed query budgets; the data dictionary."""

import pytest

from disclosures.models import Department, Disclosure, Region
from performance.models import Indicator, TargetForm


@pytest.fixture
def budget(import_seed):
    return Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)


@pytest.fixture
def final(import_seed):
    return Disclosure.objects.get(pk=import_seed("003", publish=True).disclosure_id)


@pytest.fixture
def draft(import_seed):
    """大同 2023 budget, not published."""
    return Disclosure.objects.get(pk=import_seed("002").disclosure_id)


@pytest.fixture
def standalone(import_seed):
    import_seed("000")
    return TargetForm.objects.filter(disclosure__isnull=True).order_by("pk").first()


@pytest.fixture
def everything(budget, final, draft, standalone):
    return {"budget": budget, "final": final, "draft": draft, "standalone": standalone}


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


class TestDisclosureList:
    def test_lists_published_only(self, client, everything):
        data = get_json(client, "/api/v1/disclosures/")
        assert data["count"] == 2 and data["page"] == 1 and data["next"] is None and data["previous"] is None
        assert {d["id"] for d in data["results"]} == {everything["budget"].pk, everything["final"].pk}
        first = data["results"][0]
        assert first["fiscal_year"] == 2026 and first["unit_name"] == "晋城市应急管理局" and first["kind"] == "budget"
        assert first["region"] == "晋城市" and first["department_code"] == "222"
        assert first["downloads"]["xlsx"] == f"/disclosures/{first['id']}/download.xlsx"
        assert first["url"] == f"/api/v1/disclosures/{first['id']}/"

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("fiscal_year=2026", {"budget"}),
            ("fiscal_year=2023", {"final"}),
            ("kind=final", {"final"}),
            ("kind=budget&fiscal_year=2023", set()),
            ("region=晋城市", {"budget", "final"}),
            ("region=大同市", set()),  # only a draft there
            ("department_code=222", {"budget", "final"}),
            ("department_code=114", set()),
        ],
    )
    def test_filters(self, client, everything, query, expected):
        data = get_json(client, f"/api/v1/disclosures/?{query}")
        assert {d["id"] for d in data["results"]} == {everything[name].pk for name in expected}

    def test_filter_by_ids(self, client, everything):
        region = Region.objects.get(name="晋城市")
        department = Department.objects.get(code="222")
        assert get_json(client, f"/api/v1/disclosures/?region={region.pk}")["count"] == 2
        assert get_json(client, f"/api/v1/disclosures/?department={department.pk}")["count"] == 2
        other = Department.objects.get(code="114")
        assert get_json(client, f"/api/v1/disclosures/?department={other.pk}")["count"] == 0

    @pytest.mark.parametrize("query", ["fiscal_year=abc", "kind=plan", "page=0x", "page_size=0", "page_size=201"])
    def test_bad_parameters(self, client, everything, query):
        assert "error" in get_json(client, f"/api/v1/disclosures/?{query}", status=400)

    def test_pagination(self, client, everything):
        first = get_json(client, "/api/v1/disclosures/?page_size=1")
        assert (first["count"], first["num_pages"], first["page_size"], len(first["results"])) == (2, 2, 1, 1)
        assert first["next"] == "http://testserver/api/v1/disclosures/?page_size=1&page=2"
        second = get_json(client, "/api/v1/disclosures/?page_size=1&page=2")
        assert second["previous"] == "http://testserver/api/v1/disclosures/?page_size=1&page=1"
        assert second["next"] is None and second["results"][0]["id"] != first["results"][0]["id"]
        get_json(client, "/api/v1/disclosures/?page_size=1&page=3", status=404)
        assert get_json(client, "/api/v1/disclosures/?page_size=200")["page_size"] == 200

    def test_corrections(self, client, budget):
        correction = Disclosure.objects.create(
            unit=budget.unit, fiscal_year=budget.fiscal_year, kind=budget.kind, version=2, supersedes=budget
        )
        assert get_json(client, "/api/v1/disclosures/")["count"] == 1  # a draft correction is not public
        Disclosure.objects.filter(pk=correction.pk).update(status=Disclosure.Status.PUBLISHED)
        results = {d["id"]: d for d in get_json(client, "/api/v1/disclosures/")["results"]}
        assert results[budget.pk]["superseded_by"] == correction.pk
        assert results[correction.pk]["supersedes"] == budget.pk
        current = get_json(client, "/api/v1/disclosures/?current=1")["results"]
        assert [d["id"] for d in current] == [correction.pk]

    def test_query_budget(self, client, everything, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):  # COUNT + page
            get_json(client, "/api/v1/disclosures/?page_size=200")

    def test_get_only(self, client, everything):
        assert client.post("/api/v1/disclosures/").status_code == 405


class TestDisclosureDetail:
    def test_the_export_shape(self, client, budget):
        data = get_json(client, f"/api/v1/disclosures/{budget.pk}/")
        assert data["id"] == budget.pk and data["kind"] == "budget" and data["status"] == "published"
        assert [t["label"] for t in data["tables"]][:3] == ["表一", "表二", "表三"]
        assert data["tables"][2]["rows"][0]["cells"] == ["合计", "", "3306.81", "1071.45", "2235.36"]
        assert len(data["forms"]) == 33

    def test_final(self, client, final):
        data = get_json(client, f"/api/v1/disclosures/{final.pk}/tables/final_01/")
        assert data["label"] == "公开01表" and data["unit"] == "万元"
        total = next(r for r in data["rows"] if r["cells"][0] == "总计")
        assert total["cells"][2] == "3487.99"

    def test_table(self, client, budget):
        data = get_json(client, f"/api/v1/disclosures/{budget.pk}/tables/budget_03/")
        assert data["key"] == "budget_03" and data["columns"][2]["header"] == ["2026年预算数", "合计"]
        assert data["rows"][0]["cells"][2:] == ["3306.81", "1071.45", "2235.36"]
        get_json(client, f"/api/v1/disclosures/{budget.pk}/tables/final_01/", status=404)

    def test_unpublished_does_not_exist(self, client, draft):
        assert get_json(client, f"/api/v1/disclosures/{draft.pk}/", status=404) == {"error": "not found"}
        get_json(client, f"/api/v1/disclosures/{draft.pk}/tables/budget_03/", status=404)
        get_json(client, "/api/v1/disclosures/999999/", status=404)

    def test_query_budget(self, client, budget, django_assert_max_num_queries):
        with django_assert_max_num_queries(25):
            get_json(client, f"/api/v1/disclosures/{budget.pk}/")
        with django_assert_max_num_queries(15):
            get_json(client, f"/api/v1/disclosures/{budget.pk}/tables/budget_12/")


class TestProjects:
    def test_search_published_projects_with_their_forms(self, client, everything):
        data = get_json(client, "/api/v1/projects/?q=救援")
        assert data["count"] >= 2 and all("救援" in p["name"] for p in data["results"])
        assert {p["disclosure"]["id"] for p in data["results"]} == {everything["budget"].pk}  # not the 大同 draft
        aviation = next(p for p in data["results"] if p["name"] == "晋城市航空应急救援服务费")
        assert aviation["amounts_unit"] == "元" and aviation["amounts"]["total"] == "4000000.00"
        assert aviation["amounts"]["gov_fund"] is None  # blank, not zero
        assert aviation["table"] == "budget_12" and len(aviation["form_ids"]) == 1
        form = get_json(client, f"/api/v1/forms/{aviation['form_ids'][0]}/")
        assert form["project_name"] == "晋城市航空应急救援服务费"

    def test_every_project_of_published_budgets(self, client, everything):
        data = get_json(client, "/api/v1/projects/?page_size=200")
        assert data["count"] == everything["budget"].projects.count()
        assert get_json(client, "/api/v1/projects/?fiscal_year=2023")["count"] == 0

    def test_query_budget(self, client, everything, django_assert_max_num_queries):
        with django_assert_max_num_queries(3):  # COUNT + page + the forms of the page
            get_json(client, "/api/v1/projects/?page_size=200")


class TestForms:
    def test_standalone_forms_are_public(self, client, standalone):
        data = get_json(client, f"/api/v1/forms/{standalone.pk}/")
        assert data["id"] == standalone.pk and data["funds_unit"] == "元" and data["indicators"]

    def test_embedded_forms_follow_their_disclosure(self, client, budget, draft):
        published_form = TargetForm.objects.filter(disclosure=budget).first()
        draft_form = TargetForm.objects.filter(disclosure=draft).first()
        assert get_json(client, f"/api/v1/forms/{published_form.pk}/")["department"] == "晋城市应急管理局"
        get_json(client, f"/api/v1/forms/{draft_form.pk}/", status=404)

    def test_query_budget(self, client, budget, django_assert_max_num_queries):
        form = TargetForm.objects.filter(disclosure=budget).first()
        with django_assert_max_num_queries(3):
            get_json(client, f"/api/v1/forms/{form.pk}/")


class TestIndicators:
    def test_search_name_or_value_with_parsed_value(self, client, everything):
        data = get_json(client, "/api/v1/indicators/?q=满意度&page_size=200")
        assert data["count"] > 0
        assert all("满意度" in i["name"] or "满意度" in i["value"] for i in data["results"])
        draft_forms = set(TargetForm.objects.filter(disclosure=everything["draft"]).values_list("pk", flat=True))
        assert not {i["form_id"] for i in data["results"]} & draft_forms
        sample = next(i for i in data["results"] if i["parsed"]["number"])
        assert set(sample["parsed"]) == {"operator", "number", "unit", "kind", "flags"}

    def test_parsed_filters(self, client, everything):
        data = get_json(client, "/api/v1/indicators/?unit=%25&operator=≥&page_size=200")
        assert data["count"] > 0
        assert all(i["parsed"]["unit"] == "%" and i["parsed"]["operator"] == "≥" for i in data["results"])

    def test_every_public_indicator(self, client, everything):
        public = Indicator.objects.exclude(form__disclosure=everything["draft"]).count()
        assert get_json(client, "/api/v1/indicators/")["count"] == public

    def test_query_budget(self, client, everything, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):
            get_json(client, "/api/v1/indicators/?q=率&page_size=200")


class TestDataDictionary:
    def test_every_table_and_its_columns(self, client, budget, final):
        response = client.get("/data-dictionary/")
        assert response.status_code == 200
        html = response.content.decode()
        for text in ("表三 ××××年预算支出总表", "公开09表 财政拨款“三公”经费支出决算表", "budget_12", "final_10"):
            assert text in html
        assert "××××年预算数/基本支出" in html and "amounts_unit" in html and "page_size" in html

    def test_columns_link_to_glossary_terms(self, client, budget, final):
        html = client.get("/data-dictionary/").content.decode()
        assert '<dt id="term-budget-1">基本支出</dt>' in html
        assert 'href="#term-budget-1">基本支出</a>' in html
        assert '<dt id="term-final-6">年初结转和结余</dt>' in html and 'href="#term-final-6"' in html
        assert 'href="#term-budget-3">“三公”经费</a>' in html

    def test_without_published_disclosures(self, client, db, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            html = client.get("/data-dictionary/").content.decode()
        assert "表十三" in html and "暂无名词解释" in html
