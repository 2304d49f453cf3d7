"""PDF rendering with WeasyPrint: a pure function of a disclosure, and a cache for published versions."""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from disclosures.documents import build_document
from disclosures.models import Disclosure

# Bump when templates or print styles change, so cached PDFs of published versions are rendered anew.
RENDER_VERSION = "1"
STYLESHEETS = ("css/tables.css", "css/forms.css", "css/charts.css", "css/print.css")


@cache
def _styles() -> tuple[FontConfiguration, list[CSS]]:
    """Fonts and stylesheets are loaded once per process."""
    font_config = FontConfiguration()
    sheets = [CSS(filename=finders.find(name), font_config=font_config) for name in STYLESHEETS]
    return font_config, sheets


def render_document_html(
    disclosure: Disclosure, *, review: bool = False, viewer: str = "", standalone: bool = False
) -> str:
    """The print HTML; ``standalone`` inlines the print stylesheets (for a file read by other tools)."""
    doc = build_document(disclosure, review=review, viewer=viewer)
    styles = (
        "\n".join(Path(finders.find(name)).read_text(encoding="utf-8") for name in STYLESHEETS) if standalone else ""
    )
    return render_to_string("disclosures/pdf/disclosure.html", {"doc": doc, "inline_styles": styles})


def render_disclosure_pdf(disclosure: Disclosure, *, review: bool = False, viewer: str = "") -> bytes:
    html = render_document_html(disclosure, review=review, viewer=viewer)
    font_config, sheets = _styles()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=sheets, font_config=font_config, pdf_variant=None, uncompressed_pdf=False
    )


def cached_pdf_name(disclosure: Disclosure) -> str:
    digest = hashlib.sha256(f"{disclosure.pk}:{disclosure.version}:{RENDER_VERSION}".encode()).hexdigest()[:16]
    return f"pdf/disclosure-{disclosure.pk}-v{disclosure.version}-{digest}.pdf"


def published_pdf(disclosure: Disclosure) -> bytes:
    """A published version never changes: render it once, then serve it from storage."""
    name = cached_pdf_name(disclosure)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    pdf = render_disclosure_pdf(disclosure)
    default_storage.save(name, ContentFile(pdf))
    return pdf


def pdf_filename(disclosure: Disclosure, *, review: bool = False) -> str:
    suffix = "（审核版）" if review else ""
    return f"{disclosure.unit.name}{disclosure.fiscal_year}年度{disclosure.get_kind_display()}{suffix}.pdf"
