"""检索索引 — the project search's documents (SearchDocument), built when a disclosure is published.

pg_trgm (migration 0008) needs a trigram in the pattern, so it cannot serve a two-character query such as 救援,
and most Chinese keywords have two characters. So each searchable thing of a published disclosure — a 项目支出
line with its target forms, or a target form without a line — gets one SearchDocument: its texts, upper-cased and
joined by newlines, and the set of their character bigrams ('应急救援' → 应急, 急救, 救援), coded as integers in
an integer[] with a GIN index on PostgreSQL. A text that contains the query holds every bigram of the query, so
``bigrams @> codes(q)`` finds the candidates from the index, and the text decides (portal_queries.search_documents):
exactly what the substring scan of the source tables finds.

Why stored bigrams rather than an expression index on the source columns (which would need no refreshing):
whenever the planner scans instead (a common bigram such as 能力 is in most rows), an expression index makes it
compute the bigrams of every row it reads, several times slower than the plain scan it replaces.

Published rows never change (migration 0007), so a disclosure's documents are built once, when it is published,
and never go stale; drafts have none (they are not searched). Standalone target forms (no disclosure) stay
editable and are few: the search always scans them. While any published disclosure has no documents (published
before this index existed, or by a path that does not call refresh_search_index), the search scans the source
tables as it did before: a missing index is slower, never wrong. ``manage.py rebuild_search_index`` builds all.
"""

import zlib
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q

from disclosures.models import Disclosure, ProjectLine, SearchDocument
from disclosures.totals import refresh_published_totals
from performance.models import Indicator, TargetForm

SEPARATOR = "\n"  # between the texts of a document; no stored bigram spans it
FORM_TEXT_FIELDS = ("project_name", "goal_annual", "goal_period")  # what the search matches in a target form
BATCH = 500  # disclosures per rebuild step


def normalise(text: str) -> str:
    """Upper case, one character to one as PostgreSQL's UPPER does (Python's 'ß'.upper() is 'SS'): what the
    documents store and a query is matched as, so that matching ignores case as icontains does."""
    upper = text.upper()
    return upper if len(upper) == len(text) else "".join(c if len(c.upper()) > 1 else c.upper() for c in text)


def bigrams(text: str) -> list[str]:
    """Every pair of adjacent characters within each line of a normalised text ('救援队' → [救援, 援队])."""
    return [line[i : i + 2] for line in text.split(SEPARATOR) for i in range(len(line) - 1)]


def bigram_codes(text: str) -> set[int]:
    """The bigrams of a normalised text as 32-bit integers, what SearchDocument.bigrams stores (about a third of the
    size of text[], and faster to compare). Two characters of the Basic Multilingual Plane (all common Chinese)
    code exactly; a pair with a rarer character is hashed, so two such pairs may share a code (see is_exact)."""
    codes = set()
    for pair in bigrams(text):
        a, b = ord(pair[0]), ord(pair[1])
        code = (a << 16 | b) if a <= 0xFFFF and b <= 0xFFFF else zlib.crc32(pair.encode())
        codes.add(code - 0x8000_0000)  # into the signed range of PostgreSQL's integer
    return codes


def is_exact(needle: str) -> bool:
    """Whether having the bigram of a normalised two-character query is the same as containing it: no stored bigram
    spans two texts, and a pair of Basic Multilingual Plane characters has a code of its own."""
    return len(needle) == 2 and SEPARATOR not in needle and max(map(ord, needle)) <= 0xFFFF


def _document(disclosure_id: int, texts: Iterable[str], **target) -> SearchDocument:
    text = normalise(SEPARATOR.join(t for t in texts if t))
    return SearchDocument(disclosure_id=disclosure_id, text=text, bigrams=bigram_codes(text), **target)


def _documents(disclosure_ids: list[int]) -> list[SearchDocument]:
    """The documents of these published disclosures: a mark for each, one per line, one per form without a line.

    A line's document holds the texts of every target form tied to it, as the scan matches a line by its forms.
    """
    lines = (
        ProjectLine.objects.filter(disclosure_id__in=disclosure_ids)
        .order_by("pk")
        .values_list("pk", "disclosure_id", "name")
    )
    forms = list(
        TargetForm.objects.filter(Q(disclosure_id__in=disclosure_ids) | Q(project__disclosure_id__in=disclosure_ids))
        .order_by("pk")
        .values_list("pk", "disclosure_id", "project_id", *FORM_TEXT_FIELDS)
    )
    indicators = defaultdict(list)
    for form_id, name in (
        Indicator.objects.filter(form_id__in=[f[0] for f in forms]).order_by("pk").values_list("form_id", "name")
    ):
        indicators[form_id].append(name)
    form_texts = {pk: [*texts, *indicators[pk]] for pk, _, _, *texts in forms}
    by_line = defaultdict(list)
    for pk, _, project_id, *_ in forms:
        if project_id is not None:
            by_line[project_id] += form_texts[pk]
    wanted = set(disclosure_ids)
    documents = [SearchDocument(disclosure_id=pk, bigrams=set()) for pk in disclosure_ids]
    documents += [_document(d, [name, *by_line[pk]], line_id=pk) for pk, d, name in lines]
    documents += [
        _document(d, form_texts[pk], form_id=pk)
        for pk, d, project_id, *_ in forms
        if project_id is None and d in wanted
    ]
    return documents


def _build(disclosures) -> int:
    """Replace the documents of these disclosures (a queryset); only published ones get any, and their stored 支出合计
    (totals.refresh_published_totals) with them. Returns how many documents."""
    with transaction.atomic():
        SearchDocument.objects.filter(disclosure__in=disclosures.values("pk")).delete()
        published = list(disclosures.published().values_list("pk", flat=True))
        if not published:
            return 0
        refresh_published_totals(published)
        return len(SearchDocument.objects.bulk_create(_documents(published), batch_size=2000))


def refresh_search_index(disclosure: Disclosure) -> int:
    """(Re)build one disclosure's search documents: call it once the disclosure is published."""
    return _build(Disclosure.objects.filter(pk=disclosure.pk))


def rebuild_search_index() -> int:
    """Rebuild the documents of every published disclosure, in batches. Returns how many.

    Emptied first (TRUNCATE on PostgreSQL, which leaves no dead rows behind): meanwhile the search scans.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(SearchDocument._meta.db_table)}")
    else:
        SearchDocument.objects.all().delete()
    ids = list(Disclosure.objects.published().order_by("pk").values_list("pk", flat=True))
    return sum(_build(Disclosure.objects.filter(pk__in=ids[i : i + BATCH])) for i in range(0, len(ids), BATCH))
