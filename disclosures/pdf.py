"""PDF rendering with WeasyPrint: a pure function of a disclosure, and a cache for published versions.

Rendering cost (a 90-page budget with 33 performance target forms) lies in WeasyPrint's CSS cascade, layout and
drawing, not in building the HTML. Three things keep it down without changing a pixel of the result:

* the print styles avoid what is dear per box: the table cells carry no screen-only resets or white backgrounds
  (tables.css), the forms' sign-off line is no grid of flex boxes (print.css);
* WeasyPrint's user-agent stylesheet without its pseudo-element rules for every element (``::marker``, footnote and
  note rules): they matched each of the document's ~9,000 elements four to six times and gave each a set of
  pseudo-element styles, although these documents have no footnotes and only the 目录's ``<li>`` have markers;
* no cyclic garbage collection while WeasyPrint builds and draws its hundreds of thousands of objects (it collected
  ~1,100 times per render, a fifth of the time); the collector resumes once the PDF is written.

On a machine with two or more CPUs the document is laid out in parallel (settings.PDF_WORKERS, pdf_parallel): cut
where it breaks pages anyway, its parts laid out in forked processes and merged with pikepdf, page for page the PDF
of one render. It pays only when CPUs are idle; on a busy machine it takes as long as one process.
"""

import gc
import hashlib
import logging
import re
import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

from disclosures.documents import build_document
from disclosures.models import Disclosure
from disclosures.pdf_parallel import ParallelRenderError, render_parallel

logger = logging.getLogger(__name__)

# Bump when templates or print styles change, so cached PDFs of published versions are rendered anew.
RENDER_VERSION = "3"
STYLESHEETS = ("css/tables.css", "css/forms.css", "css/charts.css", "css/print.css")

# Pseudo-element rules of WeasyPrint's user-agent stylesheet that match every element. ::marker only matters for
# list items (display: list-item: the 目录's <li>); footnote and note pseudo-elements need float: footnote/note,
# which these documents never use.
_UA_MARKER_RULE = re.compile(r"^::marker(?= *\{)", re.MULTILINE)
_UA_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ *\{[^}]*\}\n", re.MULTILINE)


@cache
def _user_agent_stylesheet() -> CSS | None:
    """WeasyPrint's HTML5 user-agent stylesheet without its universal pseudo-element rules (None: use the stock one)."""
    from weasyprint import html as weasy_html

    text = weasy_html.UA
    lean, markers = _UA_MARKER_RULE.subn("li::marker", text)
    lean, notes = _UA_NOTE_RULES.subn("", lean)
    if markers != 1 or notes != 5:  # another WeasyPrint version: keep its own stylesheet
        return None
    # A throwaway CounterStyle: the @counter-style rules are already in WeasyPrint's UA_COUNTER_STYLE.
    return CSS(string=lean, counter_style=CounterStyle())


class PrintHTML(HTML):
    """An HTML document for print, laid out with the lean user-agent stylesheet."""

    def _ua_stylesheets(self, forms=False):
        sheet = _user_agent_stylesheet()
        if sheet is None or forms:
            return super()._ua_stylesheets(forms)
        return [sheet]


_gc_lock = threading.Lock()
_gc_pause = {"renders": 0, "was_enabled": True}


@contextmanager
def _without_gc():
    """Pause cyclic garbage collection: process-wide, so concurrent renders keep it paused until the last one ends."""
    with _gc_lock:
        if _gc_pause["renders"] == 0:
            _gc_pause["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_pause["renders"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pause["renders"] -= 1
            if _gc_pause["renders"] == 0 and _gc_pause["was_enabled"]:
                gc.enable()


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


# WeasyPrint work in this process, one render at a time. A parallel render forks: a fork taken while another thread
# is inside Pango or fontconfig would hand the child a lock that nobody in it ever releases.
_render_lock = threading.RLock()


def render_html_document(html: str):
    """Lay out print HTML (as render_document_html gives it) into a WeasyPrint Document."""
    font_config, sheets = _styles()
    with _render_lock, _without_gc():
        return PrintHTML(string=html, base_url=str(settings.BASE_DIR)).render(
            stylesheets=sheets, font_config=font_config, pdf_variant=None, uncompressed_pdf=False
        )


def render_html_pdf(html: str, *, workers: int | None = None) -> bytes:
    """Print HTML (as render_document_html gives it) to PDF bytes.

    With ``workers`` (default settings.PDF_WORKERS) of 2 or more, the document is cut into parts laid out in that
    many forked processes and merged (pdf_parallel); a document that cannot be cut renders in this process.
    """
    workers = settings.PDF_WORKERS if workers is None else workers
    with _render_lock:
        if workers >= 2:
            _styles()  # loaded before the fork, so the workers inherit fonts and stylesheets
            try:
                return render_parallel(html, render_html_document, workers)
            except ParallelRenderError as error:
                logger.warning("PDF rendered in one process: %s", error)
        with _without_gc():
            document = render_html_document(html)
            pdf = document.write_pdf()
            del document
        return pdf


def render_disclosure_pdf(disclosure: Disclosure, *, review: bool = False, viewer: str = "") -> bytes:
    return render_html_pdf(render_document_html(disclosure, review=review, viewer=viewer))


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
