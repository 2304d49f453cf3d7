from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from disclosures.models import Department, Disclosure
from performance.models import Indicator, TargetForm
from performance.pdf import render_forms_pdf
from performance.presenters import target_form_grid


def public_forms():
    """Standalone forms are published documents; embedded ones are public once their disclosure is."""
    return (
        TargetForm.objects.filter(Q(disclosure__isnull=True) | Q(disclosure__status=Disclosure.Status.PUBLISHED))
        .select_related("department")
        .prefetch_related("funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order")))
    )


@require_GET
def form_list(request, department: int, fiscal_year: int):
    department = get_object_or_404(Department, pk=department)
    forms = list(public_forms().filter(department=department, fiscal_year=fiscal_year).order_by("disclosure", "order"))
    for form in forms:
        form.grid = target_form_grid(form)
    if not forms:
        return render(
            request,
            "performance/form_list.html",
            {"department": department, "fiscal_year": fiscal_year, "forms": []},
            status=404,
        )
    return render(
        request, "performance/form_list.html", {"department": department, "fiscal_year": fiscal_year, "forms": forms}
    )


@require_GET
def form_detail(request, pk: int):
    form = get_object_or_404(public_forms(), pk=pk)
    form.grid = target_form_grid(form)
    return render(request, "performance/form_detail.html", {"form": form})


@require_GET
def form_list_pdf(request, department: int, fiscal_year: int):
    department = get_object_or_404(Department, pk=department)
    forms = list(public_forms().filter(department=department, fiscal_year=fiscal_year).order_by("disclosure", "order"))
    if not forms:
        raise Http404
    pdf = render_forms_pdf(department=department, fiscal_year=fiscal_year, forms=forms)
    filename = f"{department.name}{fiscal_year}年度项目支出绩效目标表.pdf"
    disposition = content_disposition_header(False, filename)
    return HttpResponse(pdf, content_type="application/pdf", headers={"Content-Disposition": disposition})
