"""Read-only JSON API (v1) of the citizen portal: published data only, GET only, paginated lists.

Every list answers ``{"count", "page", "page_size", "num_pages", "next", "previous", "results"}``; ``?page=``
counts from 1 and ``?page_size=`` is at most MAX_PAGE_SIZE. Errors answer ``{"error": "…"}`` with 400 or 404.
Each view runs a fixed number of queries whatever the page size (tests/portal/test_api.py holds them to it).
The fields are described on the data-dictionary page (/data-dictionary/, disclosures/dictionary.py).
"""

from functools import wraps

from django.core.paginator import EmptyPage, Paginator
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from disclosures.exports import disclosure_json, form_json, table_json
from disclosures.models import Disclosure, ProjectLine
from disclosures.tablespecs import build_table
from performance.models import Indicator, TargetForm

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class BadRequest(Exception):
    pass


def json_response(payload, status: int = 200) -> JsonResponse:
    return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def api_view(view):
    """GET only; Http404 and bad parameters become JSON errors instead of HTML pages."""

    @require_GET
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return json_response({"error": "not found"}, status=404)
        except BadRequest as exc:
            return json_response({"error": str(exc)}, status=400)

    return wrapper


def _int_param(request, name: str, default: int | None = None) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise BadRequest(f"{name} must be a positive integer")
    return int(raw)


def paginate(request, queryset, serialise) -> dict:
    """One COUNT and one page query (plus the queryset's prefetches)."""
    page_size = _int_param(request, "page_size", DEFAULT_PAGE_SIZE)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    number = _int_param(request, "page", 1)
    paginator = Paginator(queryset, page_size)
    try:
        page = paginator.page(number)
    except EmptyPage as exc:
        raise Http404 from exc

    def link(n: int) -> str:
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "count": paginator.count,
        "page": page.number,
        "page_size": page_size,
        "num_pages": paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": [serialise(obj) for obj in page.object_list],
    }


def published_disclosures():
    return Disclosure.objects.with_unit().published()


def public_forms():
    """Standalone forms are published documents; embedded ones are public once their disclosure is."""
    return TargetForm.objects.filter(
        Q(disclosure__isnull=True) | Q(disclosure__status=Disclosure.Status.PUBLISHED)
    ).select_related("department")


# ---------------------------------------------------------------- disclosures


def disclosure_summary(d: Disclosure) -> dict:
    unit, department = d.unit, d.unit.department
    return {
        "id": d.pk,
        "fiscal_year": d.fiscal_year,
        "kind": d.kind,
        "kind_label": d.get_kind_display(),
        "version": d.version,
        "title": d.title or str(d),
        "unit_code": unit.code,
        "unit_name": unit.name,
        "department_id": department.pk,
        "department_code": department.code,
        "department": department.name,
        "region_id": department.region_id,
        "region": department.region.name,
        "published_at": d.published_at.isoformat() if d.published_at else None,
        "supersedes": d.supersedes_id,
        "superseded_by": getattr(d, "corrected_by", None),
        "url": reverse("portal:api_disclosure", args=[d.pk]),
        "html_url": reverse("disclosures:detail", args=[d.pk]),
        "downloads": {
            "pdf": reverse("disclosures:pdf", args=[d.pk]),
            **{fmt: reverse("portal:disclosure_download", args=[d.pk, fmt]) for fmt in ("csv", "xlsx", "json")},
        },
    }


@api_view
def disclosure_list(request):
    """Filters: fiscal_year, kind (budget|final), region (id or name), department (id), department_code, and
    current=1 (leave out versions replaced by a published correction)."""
    corrections = Disclosure.objects.published().filter(supersedes=OuterRef("pk")).values("pk")[:1]
    qs = (
        published_disclosures()
        .annotate(corrected_by=Subquery(corrections))
        .order_by("-fiscal_year", "unit__department__code", "unit__code", "kind", "-version")
    )
    if request.GET.get("current", "").strip() in {"1", "true"}:
        qs = qs.filter(corrected_by__isnull=True)
    fiscal_year = _int_param(request, "fiscal_year")
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    kind = request.GET.get("kind", "").strip()
    if kind:
        if kind not in Disclosure.Kind.values:
            raise BadRequest(f"kind must be one of {', '.join(Disclosure.Kind.values)}")
        qs = qs.filter(kind=kind)
    region = request.GET.get("region", "").strip()
    if region:
        qs = (
            qs.filter(unit__department__region_id=int(region))
            if region.isdigit()
            else qs.filter(unit__department__region__name=region)
        )
    department = _int_param(request, "department")
    if department is not None:
        qs = qs.filter(unit__department_id=department)
    code = request.GET.get("department_code", "").strip()
    if code:
        qs = qs.filter(unit__department__code=code)
    return json_response(paginate(request, qs, disclosure_summary))


@api_view
def disclosure_detail(request, pk: int):
    try:
        disclosure = published_disclosures().get(pk=pk)
    except Disclosure.DoesNotExist as exc:
        raise Http404 from exc
    return json_response(disclosure_json(disclosure))


@api_view
def table_detail(request, pk: int, key: str):
    try:
        disclosure = published_disclosures().get(pk=pk)
        table = build_table(disclosure, key)
    except (Disclosure.DoesNotExist, KeyError) as exc:
        raise Http404 from exc
    return json_response(table_json(table))


# ---------------------------------------------------------------- projects, forms, indicators


def _amount(value) -> str | None:
    return None if value is None else str(value)


def project_json(p: ProjectLine) -> dict:
    d = p.disclosure
    return {
        "id": p.pk,
        "name": p.name,
        "carryover": p.carryover,
        "category": p.get_category_display() if p.category else "",
        "function_code": p.function.code if p.function_id else None,
        "amounts_unit": "元",
        "amounts": {
            "total": _amount(p.total),
            **{
                k: _amount(getattr(p, k))
                for k in ("general", "gov_fund", "state_capital", "special_account", "unit_own")
            },
        },
        "disclosure": {
            "id": d.pk,
            "fiscal_year": d.fiscal_year,
            "kind": d.kind,
            "unit_name": d.unit.name,
            "department": d.unit.department.name,
            "url": reverse("portal:api_disclosure", args=[d.pk]),
        },
        "table": "budget_13" if p.carryover else "budget_12",
        "form_ids": [f.pk for f in p.target_forms.all()],
    }


@api_view
def project_list(request):
    """表十二/表十三 project lines of published disclosures; ?q= matches the name (substring), ?fiscal_year=."""
    qs = (
        ProjectLine.objects.filter(disclosure__status=Disclosure.Status.PUBLISHED)
        .select_related("disclosure__unit__department", "function")
        .prefetch_related(Prefetch("target_forms", queryset=TargetForm.objects.only("pk", "project_id").order_by("pk")))
        .order_by("-disclosure__fiscal_year", "disclosure_id", "carryover", "order")
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    fiscal_year = _int_param(request, "fiscal_year")
    if fiscal_year is not None:
        qs = qs.filter(disclosure__fiscal_year=fiscal_year)
    return json_response(paginate(request, qs, project_json))


@api_view
def form_detail(request, pk: int):
    forms = (
        public_forms()
        .select_related("project")
        .prefetch_related("funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order")))
    )
    try:
        form = forms.get(pk=pk)
    except TargetForm.DoesNotExist as exc:
        raise Http404 from exc
    return json_response(form_json(form))


def indicator_json(i: Indicator) -> dict:
    form = i.form
    return {
        "id": i.pk,
        "form_id": form.pk,
        "form_url": reverse("portal:api_form", args=[form.pk]),
        "project_name": form.project_name,
        "fiscal_year": form.fiscal_year,
        "department": form.department.name,
        "disclosure_id": form.disclosure_id,
        "period": i.period,
        "level1": i.get_level1_display(),
        "level2": i.get_level2_display(),
        "name": i.name,
        "value": i.value,
        "parsed": {
            "operator": i.value_operator,
            "number": None if i.value_number is None else str(i.value_number.normalize()),
            "unit": i.value_unit,
            "kind": i.value_kind,
            "flags": i.value_flags,
        },
    }


@api_view
def indicator_list(request):
    """绩效指标 of public forms; ?q= matches the indicator name or value; ?fiscal_year=, and the parsed value's
    ?kind= (quantity, qualitative…), ?unit= (%, 次…) and ?operator= (≥, ≤…)."""
    qs = (
        Indicator.objects.filter(
            Q(form__disclosure__isnull=True) | Q(form__disclosure__status=Disclosure.Status.PUBLISHED)
        )
        .select_related("form__department")
        .order_by("-form__fiscal_year", "form_id", "-period", "order")
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(value__icontains=q))
    fiscal_year = _int_param(request, "fiscal_year")
    if fiscal_year is not None:
        qs = qs.filter(form__fiscal_year=fiscal_year)
    for param, field in (("kind", "value_kind"), ("unit", "value_unit"), ("operator", "value_operator")):
        value = request.GET.get(param, "").strip()
        if value:
            qs = qs.filter(**{field: value})
    return json_response(paginate(request, qs, indicator_json))
