"""公开门户 — what citizens browse: home, the disclosure list, 功能分类 drilldowns, project search and department
profiles. Published data only (anonymous or not: drafts live on the review pages). No JavaScript: every
filter, sort and page is a GET link, so each view is a shareable URL.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from disclosures.filters import DisclosureFilter, ProjectSearchForm
from disclosures.models import Department, Disclosure, Region
from disclosures.portal_queries import (
    KIND_SHORT,
    attach_matches,
    clean_code,
    department_profile,
    disclosure_drilldown,
    hydrate,
    project_search,
    publication_counts,
    published_disclosures,
    recent_publications,
    region_drilldown,
    region_years,
    standalone_form_groups,
    with_expenditure,
)
from disclosures.tables import DisclosureTable, ProjectResultTable

PER_PAGE = 25


@require_GET
def home(request):
    return render(
        request,
        "portal/home.html",
        {"counts": publication_counts(), "recent": recent_publications(), "standalone": standalone_form_groups()},
    )


@method_decorator(require_GET, name="dispatch")
class DisclosureListView(SingleTableMixin, FilterView):
    """/disclosures/ — every published version; superseded ones are marked, not hidden."""

    model = Disclosure
    table_class = DisclosureTable
    filterset_class = DisclosureFilter
    template_name = "portal/disclosure_list.html"
    table_pagination = {"per_page": PER_PAGE}  # not paginate_by: ListView would paginate (and count) once more

    def get_queryset(self):
        return (
            with_expenditure(published_disclosures())
            .select_related("unit__department__region")
            .order_by("-fiscal_year", "unit__department__region__name", "unit__code", "kind", "-version")
        )


@require_GET
def disclosure_drilldown_view(request, pk: int):
    disclosure = get_object_or_404(published_disclosures().with_unit(), pk=pk)
    code = clean_code(request.GET.get("code"))
    drill = disclosure_drilldown(disclosure, code) if code is not None else None
    if drill is None:
        raise Http404("没有这个科目")
    return render(
        request,
        "portal/drilldown.html",
        {
            "drill": drill,
            "disclosure": disclosure,
            "scope_title": str(disclosure),
            "base_url": reverse("portal:disclosure_drilldown", args=[disclosure.pk]),
            "base_query": "",
        },
    )


@require_GET
def region_drilldown_view(request, region_pk: int, fiscal_year: int):
    region = get_object_or_404(Region, pk=region_pk)
    available = region_years(region)
    kinds = [kind for year, kind in available if year == fiscal_year]
    if not kinds:
        raise Http404("该地区该年度没有已公开的预决算")
    kind = request.GET.get("kind") or kinds[0]
    code = clean_code(request.GET.get("code"))
    if kind not in kinds or code is None:
        raise Http404("参数不正确")
    drill = region_drilldown(region=region, fiscal_year=fiscal_year, kind=kind, code=code)
    if code and not drill.rows:
        raise Http404("没有这个科目")
    return render(
        request,
        "portal/drilldown.html",
        {
            "drill": drill,
            "region": region,
            "fiscal_year": fiscal_year,
            "kind": kind,
            "kind_links": [(k, KIND_SHORT[k]) for k in kinds],
            "available": available,
            "scope_title": f"{region.name}{fiscal_year}年各单位{KIND_SHORT[kind]}",
            "base_url": reverse("portal:region_drilldown", args=[region.pk, fiscal_year]),
            "base_query": f"kind={kind}&",
        },
    )


@method_decorator(require_GET, name="dispatch")
class ProjectSearchView(TemplateView):
    """/projects/?q=救援 — 项目 by name, target-form goals and indicator names (substring, Chinese as written)."""

    template_name = "portal/project_search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ProjectSearchForm(self.request.GET or None)
        context["form"] = form
        if form.is_bound and form.is_valid() and form.has_criteria:
            criteria = form.search_kwargs()
            table = ProjectResultTable(project_search(**criteria), order_by=("-r_year", "r_name"))
            RequestConfig(self.request, paginate={"per_page": PER_PAGE}).configure(table)
            # Evaluate the page once, then complete its rows and say where each matched (four queries in all).
            table.page.object_list = rows = list(table.page.object_list)
            records = [row.record for row in rows]
            hydrate(records)
            attach_matches(records, criteria["q"])
            context.update(table=table, q=criteria["q"])
        return context


@require_GET
def department_profile_view(request, pk: int):
    department = get_object_or_404(Department.objects.select_related("region"), pk=pk)
    profile = department_profile(department)
    if not profile.disclosures and not profile.form_years:
        raise Http404("该部门没有已公开的内容")
    return render(request, "portal/department_profile.html", {"profile": profile})
