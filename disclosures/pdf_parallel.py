"""The disclosure PDF laid out in parallel processes and merged: the same pages as one WeasyPrint render, sooner.

The print HTML is cut where the document forces a page break anyway (before a part, an official table, a
performance form), so every part lays out exactly as it would inside the whole document:

* the front part (cover and 目录) is rendered by the calling process, the body parts by forked workers, one each;
* a worker's page numbers depend on the parts before it and on the total: WeasyPrint fills the page-margin boxes
  (第 N 页 共 M 页) only after it has paginated, so the worker reports its page count at that moment, waits for its
  offset and the total, and numbers its pages with them (``_numbered_margin_boxes``);
* the 目录's page numbers are written into the front part as text once the workers have reported where their anchors
  fell; its links become named destinations, resolved in the merged file, whose name tree holds every part's anchors;
* the outline (bookmarks) is built from all parts' bookmarks with WeasyPrint's own algorithm, so it nests across parts.

The parts are merged with pikepdf (qpdf). Each part embeds its own subset of the CJK font, so the file is larger
than a single render's. Anything unexpected (a part that cannot be cut, a worker that fails, a 目录 that changes
length) raises ``ParallelRenderError`` and the caller renders in one process instead.
"""

import io
import logging
import multiprocessing
import os
import re
import time
import traceback
import warnings
from dataclasses import dataclass, field
from html import escape, unescape

import pikepdf
from weasyprint import layout as weasy_layout
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.matrix import Matrix

logger = logging.getLogger(__name__)

# Elements that start on a new page in print (print.css, tables.css, forms.css): a part (its h2.part-title breaks
# before), an official table, a performance form.
CUT_BEFORE = re.compile(r'<section class="(?:part[ "]|official-table-block[ "]|performance-form )')
FIRST_BODY_PART = re.compile(r'<section class="part[ "]')
DOCUMENT_START = '<div class="document'
TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>", re.DOTALL)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ID_ATTRIBUTE = re.compile(r'\s+id="[^"]*"')
TOC_LINK = re.compile(r'(<nav class="toc".*?</nav>)', re.DOTALL)
HREF = re.compile(r'<a href="#([^"]+)">')
HEAD_END = "</head>"

# Author styles, over the print stylesheets (user origin). The front part gets its 目录 numbers as text and knows
# the total; the body parts get the running title as text (its string-set element is on the cover page).
FRONT_STYLE = (
    '<style>.toc a::after {{ content: leader(".") attr(data-page); }} '
    '@page {{ @bottom-center {{ content: "第 " counter(page) " 页 共 {total} 页"; }} }} '
    "@page cover {{ @bottom-center {{ content: none; }} }}</style>"
)
CONTINUED_STYLE = "<style>@page {{ @top-center {{ content: {title}; }} }}</style>"
RUNNING_TITLE = re.compile(r'<p class="running-title">(.*?)</p>\s*', re.DOTALL)
STUB_PAGE = '<div class="anchor-stubs" style="break-before: page">{}</div>'
TIMEOUT = 600  # seconds a worker may take for its part before the render falls back


class ParallelRenderError(Exception):
    pass


@dataclass
class Cut:
    """The print HTML in parts: ``front`` (cover, 目录) and the body parts, each a complete HTML document."""

    front: str
    body: list[str]
    toc_targets: list[str] = field(default_factory=list)


def _open_elements(html: str, end: int, start: int = 0, stack: list | None = None) -> list[tuple[str, str]]:
    """The elements open at ``end``: (tag, start tag text), outermost first."""
    stack = list(stack or [])
    for match in TAG.finditer(html, start, end):
        closing, name, self_closing = match.groups()
        if name is None:  # comment
            continue
        name = name.lower()
        if closing:
            while stack:
                if stack.pop()[0] == name:
                    break
        elif not self_closing and name not in VOID:
            stack.append((name, match.group(0)))
    return stack


def _weights(html: str, cuts: list[int]) -> list[int]:
    """A cost estimate of each stretch between cuts: its number of tags (WeasyPrint's work grows with its boxes)."""
    bounds = [*cuts, len(html)]
    return [html.count("<", bounds[i], bounds[i + 1]) for i in range(len(cuts))]


def cut_document(html: str, parts: int) -> Cut:
    """Cut the print HTML (pdf.render_document_html) into a front part and ``parts`` body parts of similar cost."""
    body_open = html.find("<body")
    body_start = html.find(">", body_open) + 1
    document_start = html.find(DOCUMENT_START, body_start)
    first_part = FIRST_BODY_PART.search(html, document_start)
    body_end = html.rfind("</body>")
    if body_open < 0 or document_start < 0 or first_part is None or body_end < 0:
        raise ParallelRenderError("not a print document")
    cuts = [m.start() for m in CUT_BEFORE.finditer(html, first_part.start(), body_end)]
    if len(cuts) < parts:
        raise ParallelRenderError("too few places to cut")

    # Choose parts-1 cuts (besides the first) so that each part's weight is near the mean.
    weights = _weights(html, cuts)
    total = sum(weights)
    chosen = [cuts[0]]
    running = 0
    for position, weight in zip(cuts, weights, strict=True):
        if len(chosen) < parts and running >= total * len(chosen) / parts and position != chosen[-1]:
            chosen.append(position)
        running += weight
    if len(chosen) < parts:
        raise ParallelRenderError("could not balance the parts")

    head = html[:body_start]
    prelude = html[body_start:document_start]
    # A body part starts with its first page-breaking element: the running title becomes literal margin content.
    running_title = RUNNING_TITLE.search(prelude)
    title = _css_string(unescape(running_title.group(1))) if running_title else "none"
    continued_head = head.replace(HEAD_END, CONTINUED_STYLE.format(title=title) + HEAD_END, 1)
    continued_prelude = RUNNING_TITLE.sub("", prelude)
    bounds = [*chosen, body_end]
    front = head + prelude + html[document_start : chosen[0]] + "</div>" + html[body_end:]

    body = []
    stack = _open_elements(html, chosen[0], body_start)
    for i, start in enumerate(chosen):
        end = bounds[i + 1]
        reopen = "".join(ID_ATTRIBUTE.sub("", text, count=1) for _, text in stack)
        next_stack = _open_elements(html, end, start, stack)  # empty after the last part
        segment = html[start:end] + "".join(f"</{name}>" for name, _ in reversed(next_stack))
        body.append(continued_head + continued_prelude + reopen + segment + html[body_end:])
        stack = next_stack
    toc = TOC_LINK.search(front)
    targets = HREF.findall(toc.group(1)) if toc else []
    return Cut(front=front, body=body, toc_targets=targets)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def front_with_numbers(front: str, pages: dict[str, int], total: int, stubs: list[str]) -> str:
    """The front part with the 目录's page numbers as text and a last page of anchors its links can point to."""
    toc = TOC_LINK.search(front)
    if toc is None:
        raise ParallelRenderError("no 目录")

    def number(match):
        anchor = match.group(1)
        return f'<a href="#{anchor}" data-page="{pages.get(anchor, "")}">'

    numbered = front[: toc.start()] + HREF.sub(number, toc.group(1)) + front[toc.end() :]
    numbered = numbered.replace(HEAD_END, FRONT_STYLE.format(total=total) + HEAD_END, 1)
    anchors = "".join(f'<i id="{escape(name)}">·</i>' for name in stubs)
    end = numbered.rfind("</div>")  # inside div.document
    return numbered[:end] + STUB_PAGE.format(anchors) + numbered[end:]


# ---------------------------------------------------------------- worker side


class _Numbering:
    """In a worker: the offset and total its pages are numbered with, asked of the parent once paginated."""

    def __init__(self, conn, index):
        self.conn = conn
        self.index = index
        self.offset = self.total = None

    def shift(self, state):
        counters = state[1]
        if self.total is None:
            self.conn.send(("count", self.index, counters["pages"][-1]))
            message = self.conn.recv()
            if message[0] != "numbers":
                raise ParallelRenderError("unexpected message")
            self.offset, self.total = message[1], message[2]
        shifted = dict(counters)
        shifted["page"] = [counters["page"][-1] + self.offset]
        shifted["pages"] = [self.total]
        return (state[0], shifted, *state[2:])


def _page_info(document) -> tuple[dict[str, int], list]:
    anchors = {}
    pages = []
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, number)
        pages.append((page.height, page.bookmarks))
    return anchors, pages


def _worker(conn, index: int, html: str, render_document):
    """Lay out one body part, number its pages with what the parent sends, write its PDF and send it."""
    try:
        numbering = _Numbering(conn, index)
        original = weasy_layout.make_margin_boxes
        weasy_layout.make_margin_boxes = lambda context, page, state: original(context, page, numbering.shift(state))
        document = render_document(html)
        conn.send(("layout", index, *_page_info(document)))
        conn.send(("pdf", index, document.write_pdf()))
    except BaseException:  # noqa: BLE001 - reported to the parent, which falls back to one process
        conn.send(("error", index, traceback.format_exc()))
    finally:
        conn.close()
        os._exit(0)


# ---------------------------------------------------------------- parent side


class _FakePage:
    def __init__(self, height, bookmarks):
        self.height = height
        self.bookmarks = bookmarks


def _outline(pages_info: list) -> list:
    """WeasyPrint's bookmark tree (Document.make_bookmark_tree) over the pages of all parts."""
    root = []
    skipped, last_by_depth, previous = [], [root], 0
    for number, (height, bookmarks) in enumerate(pages_info):
        matrix = Matrix(a=0.75, d=-0.75, f=height * 0.75)
        previous = make_page_bookmark_tree(
            _FakePage(height, bookmarks), skipped, last_by_depth, previous, number, matrix
        )
    return root


def _write_outline(pdf: pikepdf.Pdf, tree: list, parent=None) -> tuple[list, int]:
    """pikepdf transcription of weasyprint.pdf.anchors.add_outlines."""
    count = len(tree)
    items = []
    for title, (page, x, y), children, state in tree:
        item = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(title), Dest=pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, x, y, 0])
            )
        )
        child_items, child_count = _write_outline(pdf, children, item)
        item.Count = -child_count if state == "closed" else child_count
        if state != "closed":
            count += child_count
        if items:
            item.Prev = items[-1]
            items[-1].Next = item
        if child_items:
            item.First = child_items[0]
            item.Last = child_items[-1]
        if parent is not None:
            item.Parent = parent
        items.append(item)
    if parent is None and items:
        outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=count))
        outlines.First = items[0]
        outlines.Last = items[-1]
        for item in items:
            item.Parent = outlines
        pdf.Root.Outlines = outlines
    return items, count


def _retag_fonts(pages, part: int) -> None:
    """Give a part's font subsets their own subset tags: WeasyPrint derives them from the font, not the subset, so
    each part's subset of the same font has the same name, and a viewer could take one for the other."""
    seen = set()
    for page in pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            for target in (font, *font.get("/DescendantFonts", [])):
                for owner, key in ((target, "/BaseFont"), (target.get("/FontDescriptor"), "/FontName")):
                    if owner is not None and key in owner and re.match(r"^/[A-Z]{6}\+", str(owner[key])):
                        name = str(owner[key])
                        tag = "".join(chr(65 + (ord(c) - 65 + part) % 26) for c in name[1:7])
                        owner[key] = pikepdf.Name("/" + tag + name[7:])


def merge(parts: list[tuple[bytes, int]], pages_info: list) -> bytes:
    """One PDF of the parts' first ``keep`` pages, with every part's named destinations and the whole outline."""
    merged = pikepdf.Pdf.new()
    names = {}
    sources = []
    for data, keep in parts:
        source = pikepdf.open(io.BytesIO(data))
        sources.append(source)
        offset = len(merged.pages)
        index = {page.obj.objgen: i for i, page in enumerate(source.pages)}
        with warnings.catch_warnings():  # named destinations are rebuilt below, from every part
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning if hasattr(pikepdf, "PageCopyWarning") else Warning)
            merged.pages.extend(source.pages[:keep])
        _retag_fonts(merged.pages[offset:], len(sources) - 1)
        dests = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names", [])
        for i in range(0, len(dests), 2):
            name, dest = str(dests[i]), dests[i + 1]
            page = index.get(dest[0].objgen)
            if page is None or page >= keep or name in names:
                continue
            names[name] = (offset + page, [float(v) for v in dest[2:4]])
    flat = pikepdf.Array()
    for name in sorted(names):
        page, (x, y) = names[name]
        flat.append(pikepdf.String(name))
        flat.append(pikepdf.Array([merged.pages[page].obj, pikepdf.Name.XYZ, x, y, 0]))
    merged.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=flat))
    _write_outline(merged, _outline(pages_info))
    front = sources[0]
    for key in ("/Lang", "/PageMode", "/ViewerPreferences", "/MarkInfo"):
        if key in front.Root:
            value = front.Root[key]
            merged.Root[key] = merged.copy_foreign(value) if value.is_indirect else value
    for key, value in front.docinfo.items():
        merged.docinfo[key] = pikepdf.String(str(value))
    out = io.BytesIO()
    merged.save(out, compress_streams=True)
    return out.getvalue()


def render_parallel(html: str, render_document, workers: int = 2) -> bytes:
    """Print HTML to PDF bytes with ``workers`` processes besides this one; ``render_document(html)`` lays out.

    The caller keeps other threads of this process out of WeasyPrint meanwhile (pdf.render_html_pdf's lock).
    """
    cut = cut_document(html, workers)
    context = multiprocessing.get_context("fork")
    connections, processes = [], []
    for index, part in enumerate(cut.body):
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_worker, args=(child_end, index, part, render_document), name=f"pdf-part-{index}"
        )
        process.daemon = True
        process.start()
        child_end.close()
        connections.append(parent_end)
        processes.append(process)
    try:
        return _coordinate(cut, connections, render_document)
    finally:
        for conn in connections:
            conn.close()
        for process in processes:
            process.join(timeout=1)
            if process.is_alive():
                process.kill()
                process.join()


def _receive(conn, kind: str):
    if not conn.poll(TIMEOUT):
        raise ParallelRenderError(f"a worker sent no {kind} in {TIMEOUT} s")
    message = conn.recv()
    if message[0] == "error":
        raise ParallelRenderError(f"worker {message[1]} failed:\n{message[2]}")
    if message[0] != kind:
        raise ParallelRenderError(f"expected {kind}, got {message[0]}")
    return message[1:]


def _coordinate(cut: Cut, connections: list, render_document) -> bytes:
    started = time.perf_counter()
    # The front part's length with placeholder numbers while the workers lay out theirs; its links need anchors.
    stubs = cut.toc_targets
    probe = render_document(front_with_numbers(cut.front, {}, 0, stubs))
    front_pages = len(probe.pages) - 1  # without the anchor page
    del probe
    probed = time.perf_counter()

    counts = [_receive(conn, "count")[1] for conn in connections]
    paginated = time.perf_counter()
    total = front_pages + sum(counts)
    offset = front_pages
    for conn, count in zip(connections, counts, strict=True):
        conn.send(("numbers", offset, total))
        offset += count

    anchors: dict[str, int] = {}
    body_info = []
    offset = front_pages
    for conn, count in zip(connections, counts, strict=True):
        _, part_anchors, part_pages = _receive(conn, "layout")
        if len(part_pages) != count:
            raise ParallelRenderError("a part changed length after numbering")
        for name, page in part_anchors.items():
            anchors.setdefault(name, offset + page + 1)
        body_info.extend(part_pages)
        offset += count
    laid_out = time.perf_counter()

    front = render_document(front_with_numbers(cut.front, anchors, total, stubs))
    if len(front.pages) - 1 != front_pages:
        raise ParallelRenderError("the 目录 changed length once numbered")
    front_info = _page_info(front)[1]
    front_pdf = front.write_pdf()
    del front
    fronted = time.perf_counter()

    parts = [(front_pdf, front_pages)]
    for conn, count in zip(connections, counts, strict=True):
        parts.append((_receive(conn, "pdf")[1], count))
    written = time.perf_counter()
    pdf = merge(parts, front_info[:front_pages] + body_info)
    logger.debug(
        "parallel PDF, %d pages (%s): front probe %.2f s, parts paginated %.2f s, laid out %.2f s, front %.2f s, "
        "parts written %.2f s, merged %.2f s",
        total,
        "+".join(str(n) for n in [front_pages, *counts]),
        probed - started,
        paginated - started,
        laid_out - started,
        fronted - started,
        written - started,
        time.perf_counter() - started,
    )
    return pdf
