from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from disclosures.documents import build_document
from disclosures.models import Disclosure
from disclosures.pdf import pdf_filename, published_pdf, render_disclosure_pdf
from disclosures.permissions import reviewable_disclosures
from performance.models import TargetForm


def _published(pk: int) -> Disclosure:
    return get_object_or_404(Disclosure.objects.with_unit().published(), pk=pk)


def _reviewable(request, pk: int) -> Disclosure:
    """The review version is for staff of the department only; to anyone else it does not exist."""
    return get_object_or_404(reviewable_disclosures(request.user, Disclosure.objects.with_unit()), pk=pk)


def _viewer(request) -> str:
    user = request.user
    return f"{user.get_full_name() or user.get_username()}"


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": content_disposition_header(False, filename)},
    )


@require_GET
def home(request):
    disclosures = Disclosure.objects.with_unit().published().order_by("-fiscal_year", "unit__code", "kind")
    standalone = (
        TargetForm.objects.filter(disclosure__isnull=True)
        .values("fiscal_year", "department__name", "department_id")
        .distinct()
        .order_by("-fiscal_year", "department__name")
    )
    return render(request, "disclosures/home.html", {"disclosures": disclosures, "standalone": standalone})


@require_GET
def disclosure_detail(request, pk: int):
    doc = build_document(_published(pk))
    return render(request, "disclosures/disclosure_detail.html", {"doc": doc})


@require_GET
def disclosure_pdf(request, pk: int):
    disclosure = _published(pk)
    return _pdf_response(published_pdf(disclosure), pdf_filename(disclosure))


@require_GET
def review_detail(request, pk: int):
    doc = build_document(_reviewable(request, pk), review=True, viewer=_viewer(request))
    return render(request, "disclosures/disclosure_detail.html", {"doc": doc})


@require_GET
def review_pdf(request, pk: int):
    disclosure = _reviewable(request, pk)
    pdf = render_disclosure_pdf(disclosure, review=True, viewer=_viewer(request))
    return _pdf_response(pdf, pdf_filename(disclosure, review=True))
