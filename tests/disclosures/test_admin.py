"""Admin: every model's pages open, the disclosure page shows the projected official tables as printed."""

import pytest
from django.contrib import admin
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
