"""Admin: every model's pages open, the disclosure page shows the projected official tables as printed."""

import pytest
from django.contrib import admin
from django.forms import CheckboxInput
from django.urls import reverse

from disclosures.models import Disclosure
from performance.models import TargetForm

# Disclosure change page, measured 25 for seed 001: session, user, the disclosure, one query per inline (11), the
# related-object widgets and tablespecs.DisclosureData (a fixed number whatever the number of rows). An N+1 over the
# 34 projects or 15 function lines would blow the budget.
CHANGE_PAGE_QUERY_BUDGET = 40


@pytest.fixture
def budget(import_seed):
    return Disclosure.objects.get(pk=import_seed("001").disclosure_id)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def form_data(response, **changes) -> dict:
    """The POST an admin change page would send back as rendered (main form and every inline), with ``changes``."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_every_changelist_and_a_change_page_open(admin_client, budget, import_seed):
    import_seed("003")
    failures = []
    for model in admin.site._registry:
        urls = [admin_url(model, "changelist")]
        if (obj := model._default_manager.first()) is not None:
            urls.append(admin_url(model, "change", obj.pk))
        failures += [(url, status) for url in urls if (status := admin_client.get(url).status_code) != 200]
    assert failures == []


def test_disclosure_change_page_shows_projected_tables(admin_client, budget, django_assert_max_num_queries):
    with django_assert_max_num_queries(CHANGE_PAGE_QUERY_BUDGET):
        response = admin_client.get(admin_url(Disclosure, "change", budget.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "公开表（由数据生成）" in html
    assert "css/tables.css" in html
    for title in ("2026年预算收支总表", "2026年预算收入总表", "2026年项目支出预算表（本年预算）"):
        assert title in html
    assert html.count('<table class="official-table">') == 13
    for figure in ("3,306.81", "3,257.54", "2,186.09"):
        assert f'<td class="num">{figure}</td>' in html
    assert "单位名称：晋城市应急管理局" in html
    assert '<th scope="colgroup" colspan="6">本年收入</th>' in html
    assert '<th scope="col" rowspan="2">上年结转</th>' in html
    assert '<th scope="row" colspan="2">合计</th>' in html
    assert '<p class="empty-note">注：本表无数据</p>' in html  # 表七 政府性基金


def test_final_accounts_tables_number_their_columns(admin_client, import_seed):
    final = import_seed("003")
    html = admin_client.get(admin_url(Disclosure, "change", final.disclosure_id)).content.decode()
    assert "收入支出决算总表" in html
    assert (
        '<tr class="column-numbers">\n        <td>栏次</td><td></td><td>1</td><td>栏次</td><td></td><td>2</td>' in html
    )
    assert '<td class="num">3,220.54</td>' in html


def test_target_form_search_by_project_name(admin_client, budget):
    response = admin_client.get(admin_url(TargetForm, "changelist"), {"q": "晋城市航空应急救援服务费"})
    assert response.status_code == 200
    forms = list(response.context["cl"].result_list)
    assert forms and all("航空应急救援" in f.project_name for f in forms)


def test_list_filters_by_fiscal_year(admin_client, budget, import_seed):
    import_seed("003")
    url = admin_url(Disclosure, "changelist")
    assert [d.fiscal_year for d in admin_client.get(url, {"fiscal_year__exact": 2026}).context["cl"].result_list] == [
        2026
    ]
    assert [d.fiscal_year for d in admin_client.get(url, {"fiscal_year__exact": 2023}).context["cl"].result_list] == [
        2023
    ]
    forms = admin_client.get(admin_url(TargetForm, "changelist"), {"fiscal_year__exact": 2026}).context["cl"]
    assert forms.result_count == TargetForm.objects.filter(fiscal_year=2026).count() > 0


# ---------------------------------------------------------------- department-scoped access


@pytest.fixture
def scoped(db):
    """Department A (a filer and a reviewer) and department B, each with a draft, its rows and a standalone form."""
    from django.contrib.auth import get_user_model

    from disclosures.models import DepartmentRole
    from tests.disclosures.test_immutability import fill, make_disclosure

    ours, theirs = make_disclosure("811"), make_disclosure("812")
    rows = {"ours": fill(ours), "theirs": fill(theirs)}
    for key, disclosure in (("ours", ours), ("theirs", theirs)):
        rows[key]["standalone"] = TargetForm.objects.create(
            department=disclosure.unit.department, fiscal_year=2026, project_name=f"独立表{key}"
        )
    User = get_user_model()
    users = {}
    for role in DepartmentRole.Role:
        users[role] = User.objects.create_user(f"{role}-a", password="x", is_staff=True)
        DepartmentRole.objects.create(user=users[role], department=ours.unit.department, role=role)
    users["none"] = User.objects.create_user("no-role", password="x", is_staff=True)
    return ours, theirs, rows, users


def result_pks(response) -> set:
    return {obj.pk for obj in response.context["cl"].result_list}


class TestDepartmentScope:
    def test_lists_hold_only_the_users_departments(self, client, scoped):
        from disclosures.models import FunctionLine

        ours, theirs, rows, users = scoped
        client.force_login(users["filer"])
        assert result_pks(client.get(admin_url(Disclosure, "changelist"))) == {ours.pk}
        assert result_pks(client.get(admin_url(FunctionLine, "changelist"))) == {rows["ours"][FunctionLine].pk}
        forms = result_pks(client.get(admin_url(TargetForm, "changelist")))
        assert forms == {rows["ours"][TargetForm].pk, rows["ours"]["standalone"].pk}

    def test_another_departments_objects_are_404(self, client, scoped):
        from disclosures.models import FunctionLine, SourceTable
        from performance.models import Indicator, SelfEvaluation, SelfEvaluationFunds

        ours, theirs, rows, users = scoped
        client.force_login(users["reviewer"])
        theirs_rows = rows["theirs"]
        objects = [
            theirs,
            theirs_rows[FunctionLine],
            theirs_rows[SourceTable],
            theirs_rows[TargetForm],
            theirs_rows["standalone"],
            theirs_rows[Indicator],
            theirs_rows[SelfEvaluation],
            theirs_rows[SelfEvaluationFunds],
        ]
        for obj in objects:
            for view in ("change", "delete", "history"):
                assert client.get(admin_url(type(obj), view, obj.pk)).status_code == 404, (obj, view)
        assert client.get(admin_url(Disclosure, "change", 987654)).status_code == 404  # missing: the same 404
        assert client.get(admin_url(Disclosure, "change", ours.pk)).status_code == 200

    def test_reviewers_view_but_do_not_change(self, client, scoped):
        ours, theirs, rows, users = scoped
        client.force_login(users["reviewer"])
        url = admin_url(Disclosure, "change", ours.pk)
        response = client.get(url)
        assert response.status_code == 200 and not response.context["has_change_permission"]
        assert "loaded_revision" not in response.content.decode()
        assert client.post(url, {"title": "审核人不能改"}).status_code == 403
        assert client.get(admin_url(Disclosure, "add")).status_code == 403

    def test_filers_change_their_drafts_not_published_ones(self, client, scoped):
        from tests.disclosures.test_immutability import publish

        ours, theirs, rows, users = scoped
        client.force_login(users["filer"])
        url = admin_url(Disclosure, "change", ours.pk)
        response = client.get(url)
        assert response.context["has_change_permission"]
        assert client.post(url, form_data(response, title="填报人改的")).status_code == 302
        assert Disclosure.objects.get(pk=ours.pk).title == "填报人改的"
        publish(ours)
        response = client.get(url)
        assert response.status_code == 200 and not response.context["has_change_permission"]

    def test_choices_offer_only_the_users_editable_disclosures(self, client, scoped):
        from disclosures.models import FunctionLine
        from tests.disclosures.test_immutability import make_disclosure, publish

        ours, theirs, rows, users = scoped
        published = publish(make_disclosure("811", year=2025))
        client.force_login(users["filer"])
        form = client.get(admin_url(FunctionLine, "add")).context["adminform"].form
        assert set(form.fields["disclosure"].queryset.values_list("pk", flat=True)) == {ours.pk}
        found = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "disclosures", "model_name": "functionline", "field_name": "disclosure", "term": ""},
        ).json()
        assert {int(r["id"]) for r in found["results"]} == {ours.pk}
        assert published.pk not in {int(r["id"]) for r in found["results"]}

    def test_standalone_forms_follow_their_department(self, client, scoped):
        ours, theirs, rows, users = scoped
        client.force_login(users["filer"])
        response = client.get(admin_url(TargetForm, "change", rows["ours"]["standalone"].pk))
        assert response.status_code == 200 and response.context["has_change_permission"]
        client.force_login(users["reviewer"])
        response = client.get(admin_url(TargetForm, "change", rows["ours"]["standalone"].pk))
        assert response.status_code == 200 and not response.context["has_change_permission"]

    def test_staff_without_a_role_sees_no_disclosure_data(self, client, scoped):
        ours, theirs, rows, users = scoped
        client.force_login(users["none"])
        assert client.get(admin_url(Disclosure, "changelist")).status_code == 403
        assert client.get(admin_url(Disclosure, "change", ours.pk)).status_code in (403, 404)
        assert client.get(reverse("admin:index")).context["app_list"] == []
