"""The disclosure PDF as WeasyPrint renders it: text layer, fonts, footers, 目录 page numbers and bookmarks.

Seed 001 (a 2026 budget of ~90 pages with 33 performance target forms) is imported and rendered once for the module;
the checks read the PDF with poppler's tools. Rendering takes several seconds, so the module renders it only once.
"""

import re
import shutil
import subprocess
from collections import Counter

import pytest
from django.db import transaction

from disclosures.importing.loader import document_import
from disclosures.models import Disclosure
from disclosures.pdf import pdf_filename, render_document_html, render_html_document
from performance.models import TargetForm
from tests.conftest import SEED_FILES, seed_text
from tests.seedtables import amounts_in, seed_table_amounts

pytestmark = [
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdffonts")),
        reason="poppler-utils (pdftotext, pdfinfo, pdffonts) not installed",
    ),
    # Also makes pytest-django set up the test database when this module runs alone (the fixture needs it).
    pytest.mark.django_db,
]

TOC_LINE = re.compile(r"^\s*(?P<title>\S.*?)\s*\.{3,}\s*(?P<page>\d+)\s*$")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


class Rendered:
    """One render of seed 001 and what poppler reads from it."""

    def __init__(self, tmp_dir, disclosure: Disclosure):
        self.title = f"{disclosure.unit.name} {disclosure.fiscal_year}年度{disclosure.get_kind_display()}"
        self.filename = pdf_filename(disclosure)
        self.forms = list(
            TargetForm.objects.filter(disclosure=disclosure).order_by("order").values_list("project_name", flat=True)
        )
        # The path of render_disclosure_pdf (render_html_pdf = render_html_document + write_pdf), keeping the
        # Document for its bookmarks.
        document = render_html_document(render_document_html(disclosure))
        self.pdf = document.write_pdf()
        self.bookmarks = document.make_bookmark_tree()
        path = tmp_dir / "disclosure.pdf"
        path.write_bytes(self.pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        self.page_count = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
        self.text = text.stdout
        self.pages = self.text.split("\f")[: self.page_count]  # pages[0] is page 1
        self.fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed 001 imported and published (as the import_seed fixture does), rendered once; the import is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        report = document_import(text=seed_text("001"), file_name=SEED_FILES["001"].name, publish=True)
        disclosure = Disclosure.objects.with_unit().get(pk=report.disclosure_id)
        assert disclosure.status == Disclosure.Status.PUBLISHED
        result = Rendered(tmp_path_factory.mktemp("pdf"), disclosure)
        transaction.set_rollback(True)
    return result


def toc_pages(rendered) -> list[int]:
    """Numbers of the 目录 pages: the first pages with lines of title …… page."""
    return [
        n
        for n, page in enumerate(rendered.pages[:4], start=1)
        if sum(bool(TOC_LINE.match(line)) for line in page.splitlines()) >= 5
    ]


def toc_entries(rendered) -> dict[str, int]:
    """The 目录's entries: title (without spaces) → page number."""
    entries = {}
    for number in toc_pages(rendered):
        for line in rendered.pages[number - 1].splitlines():
            if match := TOC_LINE.match(line):
                entries[_flat(match["title"])] = int(match["page"])
    return entries


def first_page_with(rendered, heading: str, after: int) -> int:
    """The number of the first page after page ``after`` whose text contains ``heading``."""
    flat = _flat(heading)
    return next(n for n, page in enumerate(rendered.pages, start=1) if n > after and flat in _flat(page))


def test_is_a_pdf_of_the_whole_document(rendered):
    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.page_count > 80  # cover, 目录, four parts, 33 forms of about two pages each
    assert rendered.filename == "晋城市应急管理局2026年度单位预算公开.pdf"


def test_text_layer_has_every_table_amount(rendered):
    expected = seed_table_amounts(seed_text("001"))
    assert sum(expected.values()) > 300
    missing = expected - amounts_in(rendered.text.splitlines())
    assert missing == Counter(), f"amounts of the seed's tables not in the PDF text: {dict(missing)}"


def test_embeds_noto_sans_cjk(rendered):
    rows = [line.split() for line in rendered.fonts.splitlines()[2:] if line.strip()]
    cjk = [row for row in rows if "notosanscjksc" in re.sub(r"[^a-z]", "", row[0].lower())]
    assert cjk, rendered.fonts
    # Columns from the right: object ID (2), uni, sub, emb.
    assert all(row[-5] == "yes" for row in cjk), rendered.fonts


def test_running_header_and_page_footer(rendered):
    total = rendered.page_count
    assert not re.search(r"第\s*1\s*页", rendered.pages[0])  # the cover has no footer
    for number in (2, total // 2, total - 1, total):
        page = re.sub(r"\s+", " ", rendered.pages[number - 1])
        assert f"第 {number} 页 共 {total} 页" in page, (number, page[-200:])
        assert _flat(rendered.title) in _flat(page)


def test_toc_page_numbers_point_at_their_headings(rendered):
    entries = toc_entries(rendered)
    assert len(entries) > 30
    assert toc_pages(rendered) == [2]
    toc_last_page = 2
    checked = {
        "表一2026年预算收支总表",
        "十、绩效管理情况",
        "附件：项目支出绩效目标表",
        "第四部分名词解释",
        "第二部分2026年单位预算报表",
    }
    for title in checked:
        assert title in entries, sorted(entries)
        assert entries[title] == first_page_with(rendered, title, after=toc_last_page), title
    # Every entry points into the document, in order.
    pages = list(entries.values())
    assert pages == sorted(pages) and pages[-1] <= rendered.page_count


def test_bookmarks_of_parts_tables_narrative_and_forms(rendered):
    tree = rendered.bookmarks
    labels = [label for label, *_ in tree]
    assert labels == [
        "第一部分 概况",
        "第二部分 2026年单位预算报表",
        "第三部分 2026年度单位预算情况说明",
        "第四部分 名词解释",
    ]
    parts = {label: children for label, _, children, _ in tree}
    tables = [label for label, *_ in parts["第二部分 2026年单位预算报表"]]
    assert tables[0] == "表一 2026年预算收支总表" and len(tables) == 13
    narrative = {label: children for label, _, children, _ in parts["第三部分 2026年度单位预算情况说明"]}
    assert "十、绩效管理情况" in narrative and "十二、其他说明" in narrative
    (attachment_label, _, forms, _), *_ = narrative["十、绩效管理情况"]
    assert attachment_label == "附件：项目支出绩效目标表"
    assert [label for label, *_ in forms] == rendered.forms and len(forms) == 33
    # A bookmark's page is where the 目录 says its heading is (targets are (page index, x, y)).
    entries = toc_entries(rendered)
    for label, (page_index, _, _), _, _ in tree:
        assert entries[_flat(label)] == page_index + 1, label
