"""The PDF laid out in parallel processes (disclosures/pdf_parallel.py) is the PDF of one WeasyPrint render.

Seed 001's review version (watermark, review header, 33 target forms) and seed 003 (a final-accounts document with
its self-evaluation forms) are rendered both ways; page by page the text layer, page sizes, links, named
destinations, bookmarks and metadata must be the same. Rendering takes seconds, so each module fixture renders once.
"""

import io
import os
import re
import shutil
import subprocess

import pikepdf
import pytest
from django.db import transaction

from disclosures.importing.loader import document_import
from disclosures.models import Disclosure
from disclosures.pdf import render_document_html, render_html_document, render_html_pdf
from disclosures.pdf_parallel import ParallelRenderError, _open_elements, cut_document, render_parallel
from tests.conftest import SEED_FILES, seed_text

pytestmark = [
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.django_db,
]

ID = re.compile(r'\sid="([^"]+)"')


def pdf_text_pages(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return text.decode().split("\f")[:-1]


def structure(pdf: bytes) -> dict:
    """What a reader navigates by: page sizes, links, named destinations, bookmarks (page index, position), metadata."""
    document = pikepdf.open(io.BytesIO(pdf))
    index = {page.obj.objgen: number for number, page in enumerate(document.pages)}

    def place(dest):
        return index[dest[0].objgen], round(float(dest[2]), 1), round(float(dest[3]), 1)

    bookmarks = []

    def walk(items, depth):
        for item in items:
            bookmarks.append((depth, item.title, place(item.obj.Dest)))
            walk(item.children, depth + 1)

    with document.open_outline() as outline:
        walk(outline.root, 0)
    names = document.Root.Names.Dests.Names
    return {
        "boxes": [tuple(round(float(v), 1) for v in page.mediabox) for page in document.pages],
        "links": [
            sorted(
                (str(annot.get("/Dest", "")), tuple(round(float(v), 1) for v in annot.Rect))
                for annot in page.obj.get("/Annots", [])
            )
            for page in document.pages
        ],
        "dests": {str(names[i]): place(names[i + 1]) for i in range(0, len(names), 2)},
        "bookmarks": bookmarks,
        "info": {str(key): str(value) for key, value in document.docinfo.items()},
    }


class Pair:
    def __init__(self, html: str):
        self.html = html
        self.single = render_html_document(html).write_pdf()
        self.parallel = render_parallel(html, render_html_document, 2)  # no fallback: errors surface here


@pytest.fixture(scope="module")
def renders(django_db_setup, django_db_blocker):
    """Seed 001 (review version) and seed 003, each rendered in one process and in parallel."""
    pairs = {}
    with django_db_blocker.unblock(), transaction.atomic():
        for seed, review in (("001", True), ("003", False)):
            report = document_import(text=seed_text(seed), file_name=SEED_FILES[seed].name)
            disclosure = Disclosure.objects.with_unit().get(pk=report.disclosure_id)
            pairs[seed] = Pair(render_document_html(disclosure, review=review, viewer="审核员甲"))
        transaction.set_rollback(True)
    return pairs


@pytest.mark.parametrize("seed", ["001", "003"])
def test_same_text_page_by_page(renders, seed):
    single, parallel = pdf_text_pages(renders[seed].single), pdf_text_pages(renders[seed].parallel)
    assert len(single) > 50
    assert len(parallel) == len(single)
    differing = [n for n, (a, b) in enumerate(zip(single, parallel, strict=True), start=1) if a != b]
    assert differing == []


@pytest.mark.parametrize("seed", ["001", "003"])
def test_same_links_destinations_bookmarks_and_metadata(renders, seed):
    single, parallel = structure(renders[seed].single), structure(renders[seed].parallel)
    assert len(single["bookmarks"]) > 50 and len(single["dests"]) > 60
    assert any(single["links"]), "the 目录 links to the parts"
    for key in ("boxes", "links", "dests", "bookmarks", "info"):
        assert parallel[key] == single[key], key


@pytest.mark.parametrize("seed", ["001", "003"])
def test_every_page_numbered_against_the_whole(renders, seed):
    pages = pdf_text_pages(renders[seed].parallel)
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert re.search(rf"第 {number} 页 共 {total}\b", re.sub(r"\s+", " ", text)), number


def test_review_version_keeps_watermark_and_stamp_on_every_page(renders):
    pages = pdf_text_pages(renders["001"].parallel)
    # The diagonal watermark comes out of pdftotext as scattered characters; the stamp in the top margin as a line.
    assert all(set("仅供内部审核") <= set(page) for page in pages)
    assert all("审核员甲" in page for page in pages)


def test_parts_were_rendered_apart(renders, tmp_path):
    """Each part embeds its own font subset: the merged file lists the CJK font once per part, with its own tag."""
    path = tmp_path / "parallel.pdf"
    path.write_bytes(renders["003"].parallel)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    regular = [line for line in fonts.splitlines() if re.search(r"\+Noto-?Sans-?CJK-?SC\s", line)]
    assert len(regular) == 3, fonts  # front, two body parts
    assert all(line.split()[-5] == "yes" for line in regular), fonts  # embedded
    assert len({line.split()[0] for line in regular}) == 3, fonts  # each subset under a name of its own


def test_cut_keeps_every_id_once_and_every_part_whole(renders):
    html = renders["001"].html
    cut = cut_document(html, 2)
    assert len(cut.body) == 2
    ids = ID.findall(html)
    found = [i for part in (cut.front, *cut.body) for i in ID.findall(part)]
    assert sorted(found) == sorted(ids)
    for part in (cut.front, *cut.body):
        assert part.startswith("<!DOCTYPE html>") and part.rstrip().endswith("</html>")
        body = part.index(">", part.index("<body")) + 1
        assert _open_elements(part, part.rindex("</body>"), body) == []
    # The parts are of similar size (tags as the measure of layout work).
    sizes = [part.count("<") for part in cut.body]
    assert max(sizes) < 2.5 * min(sizes), sizes
    assert set(cut.toc_targets) <= set(ids) and "h-tables" not in cut.front


def test_a_failing_worker_is_reported(renders):
    parent = os.getpid()

    def fails_in_worker(html):
        if os.getpid() != parent:
            raise RuntimeError("worker layout failed")
        return render_html_document(html)

    with pytest.raises(ParallelRenderError, match="worker layout failed"):
        render_parallel(renders["003"].html, fails_in_worker, 2)


def test_uncuttable_html_renders_in_one_process(caplog):
    pdf = render_html_pdf("<p>无法分段的短文</p>", workers=2)
    assert pdf.startswith(b"%PDF-")
    assert "一页" not in pdf_text_pages(pdf)[0] and "无法分段的短文" in pdf_text_pages(pdf)[0]
    assert "PDF rendered in one process" in caplog.text


def test_renders_in_one_process_take_turns():
    """No thread is inside WeasyPrint while another forks its workers: renders hold one lock."""
    import threading

    from disclosures import pdf as pdf_module

    done = threading.Event()
    thread = threading.Thread(target=lambda: (render_html_pdf("<p>并发</p>", workers=1), done.set()))
    with pdf_module._render_lock:
        thread.start()
        assert not done.wait(1.0)  # waits for the render holding the lock
    thread.join(60)
    assert done.is_set()
