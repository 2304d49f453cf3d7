"""The project search's index (SearchDocument, disclosures/search_index.py, migration 0009): with the documents
built, results are exactly those of a plain substring scan for one-, two- and longer queries; a disclosure gets
its documents when published and keeps them; anything without documents is still found, by scanning; and — on
PostgreSQL — the planner answers a two-character query such as 救援 from the GIN bigram index."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosures.models import Disclosure, ProjectLine, SearchDocument
from disclosures.portal_queries import current_disclosures, project_search, search_documents
from disclosures.search_index import (
    FORM_TEXT_FIELDS,
    bigram_codes,
    bigrams,
    normalise,
    rebuild_search_index,
    refresh_search_index,
)
from performance.models import Indicator, Level1, Level2, Period, TargetForm
from tests.portal.portal_data import Form, make_disclosure, make_form, make_unit
from tests.portal.test_search import SEARCH_BUDGET

GIN_INDEX = "portal_searchdocument_bigrams"
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")


def substring_scan(q: str) -> set[tuple[str, int]]:
    """What the search must return, by brute force in Python: every current line and every public form without a
    line whose own texts, linked forms' texts or indicator names contain q (ignoring case)."""
    needle = q.upper()

    def hit(text: str | None) -> bool:
        return needle in (text or "").upper()

    forms = list(TargetForm.objects.prefetch_related("indicators"))
    matched = {
        form.pk
        for form in forms
        if any(hit(getattr(form, f)) for f in FORM_TEXT_FIELDS) or any(hit(i.name) for i in form.indicators.all())
    }
    current = set(current_disclosures().values_list("pk", flat=True))
    lines = {
        ("project", line.pk)
        for line in ProjectLine.objects.filter(disclosure__in=current)
        if hit(line.name) or any(f.pk in matched for f in forms if f.project_id == line.pk)
    }
    public = {f.pk for f in forms if f.project_id is None and (f.disclosure_id is None or f.disclosure_id in current)}
    return lines | {("form", pk) for pk in matched & public}


def found(q: str, **filters) -> set[tuple[str, int]]:
    return {(row["r_kind"], row["r_pk"]) for row in project_search(q=q, **filters)}


def all_indexed() -> bool:
    """Whether the search answers from the documents: every published disclosure has them."""
    marked = SearchDocument.objects.filter(line=None, form=None).values("disclosure_id")
    return not Disclosure.objects.published().exclude(pk__in=marked).exists()


@pytest.fixture
def province(db):
    """Public, draft and superseded data whose texts put 救援 in every searched column, and near misses."""
    unit = make_unit()
    other = make_unit("乙市", dept_code="902", dept_name="乙市消防救援支队")
    make_disclosure(
        unit,
        2025,
        projects=[
            ("应急救援装备购置", "30.00"),
            ("值班值守经费", "12.00"),
            ("森林防火宣传", "8.00"),
            ("PPP项目前期费", "5.00"),
            ("应急物资急救援助", "1.00"),  # every bigram of 应急救援, but not 应急救援
            ("装备维护救", "2.00"),
        ],
        forms=[
            Form("应急救援装备购置", goal="提升应急救援能力", project="应急救援装备购置"),
            Form("值班值守经费", indicators=["救援响应时间", "完成率100%"], project="值班值守经费"),
            Form("森林防火宣传", goal="第一行救\n援第二行", project="森林防火宣传"),  # 救 and 援 split by a newline
            Form("未对应表十二的救援演练", indicators=["演练次数"]),  # a form of the disclosure without a line
            Form("消防宣传经费救", goal="援助困难群众", indicators=["宣传次数"]),  # 救|援 across two texts
            Form("装备维护救", goal="援建项目", project="装备维护救"),  # the same, in a line's document
        ],
    )
    make_disclosure(unit, 2024, projects=[("草稿里的救援项目", "1.00")], publish=False)
    old = make_disclosure(other, 2025, projects=[("救援大队训练", "1.00")])
    make_disclosure(other, 2025, version=2, supersedes=old, projects=[("救援大队训练", "2.00")])
    standalone = make_form(unit, 2024, Form("水域安全培训", goal="开展培训", indicators=["培训人次"]))
    TargetForm.objects.filter(pk=standalone.pk).update(goal_period="建立水域救援队伍")
    make_form(other, 2023, Form("J安委会工作经费", indicators=["巡查次数"], amount="3.00"))


QUERIES = [
    "救",
    "援",
    "救援",
    "援队",
    "应急救援",
    "救援响应时间",
    "j安",
    "PPP",
    "ppp项目",
    "0%",
    "%",
    "_",
    "救\n援",
    "救\n",  # a pair of the newline between two texts (…救 / 援…): never a stored bigram
    "\n援",
    "无此词",
]


class TestSameResultsAsSubstringScan:
    @pytest.mark.parametrize("q", QUERIES)
    def test_without_documents(self, province, q):
        assert not SearchDocument.objects.exists()
        assert found(q) == substring_scan(q)

    @pytest.mark.parametrize("q", QUERIES)
    def test_with_documents(self, province, q):
        assert rebuild_search_index() > 0 and all_indexed()
        assert found(q) == substring_scan(q)

    def test_two_characters_find_every_text_and_nothing_split(self, province):
        rebuild_search_index()
        names = {row["r_name"] for row in project_search(q="救援")}
        # a name, a goal, an indicator, a form without a line, a correction, a standalone form's 实施期目标
        assert names == {
            "应急救援装备购置",
            "值班值守经费",
            "未对应表十二的救援演练",
            "救援大队训练",
            "水域安全培训",
            "应急物资急救援助",
        }

    def test_filters(self, province):
        rebuild_search_index()
        standalone = TargetForm.objects.get(project_name="水域安全培训")
        assert found("救援", fiscal_year=2024) == {("form", standalone.pk)}
        assert found("救援", department=make_unit().department) < found("救援")

    def test_answers_come_from_the_documents(self, province):
        rebuild_search_index()
        line = ProjectLine.objects.get(name="应急救援装备购置")
        SearchDocument.objects.filter(line=line).update(text="", bigrams=set())  # never done: shows who answers
        assert ("project", line.pk) not in found("救援") and ("project", line.pk) not in found("应急救援")

    def test_documents_hold_the_bigrams_of_their_text(self, province):
        rebuild_search_index()
        for document in SearchDocument.objects.exclude(line=None, form=None):
            assert set(document.bigrams) == bigram_codes(document.text)
            assert document.text == normalise(document.text) and "\n\n" not in document.text


class TestSearchPage:
    def test_same_page_and_query_budget_with_documents(self, client, province, django_assert_max_num_queries):
        url = "/projects/?q=救援&amount_min=1"
        with CaptureQueriesContext(connection) as scanned:
            before = client.get(url).content
        rebuild_search_index()
        with django_assert_max_num_queries(SEARCH_BUDGET):
            after = client.get(url).content
        assert after == before and "<mark>救援</mark>" in after.decode()
        assert len(scanned.captured_queries) <= SEARCH_BUDGET


class TestBigrams:
    def test_pairs_within_each_line(self):
        assert bigrams("应急救援") == ["应急", "急救", "救援"]
        assert bigrams("救") == bigrams("") == []
        assert bigrams("J安\n委会") == ["J安", "委会"]

    def test_codes(self):
        assert len(bigram_codes("应急救援")) == 3 and bigram_codes("救援") < bigram_codes("应急救援")
        assert bigram_codes("𠀀救") and all(-(2**31) <= c < 2**31 for c in bigram_codes("𠀀救援😀"))

    def test_normalise_maps_one_character_to_one(self):
        assert normalise("ppp项目ß") == "PPP项目ß"


class TestRefresh:
    """Documents are built when a disclosure is published; published rows never change, so they never go stale."""

    def test_published_disclosure_gets_documents_draft_none(self, db):
        unit = make_unit()
        draft = make_disclosure(unit, 2025, projects=[("防汛物资储备", "1.00")], publish=False)
        assert refresh_search_index(draft) == 0 and not SearchDocument.objects.exists()
        Disclosure.objects.filter(pk=draft.pk).update(status=Disclosure.Status.PUBLISHED)
        draft.refresh_from_db()
        assert refresh_search_index(draft) == 2  # the mark and the line
        assert refresh_search_index(draft) == 2  # rebuilt, not doubled
        assert all_indexed() and found("防汛") == {("project", draft.projects.get().pk)}

    def test_search_scans_while_a_published_disclosure_has_no_documents(self, db):
        unit = make_unit()
        indexed = make_disclosure(unit, 2024, projects=[("防汛物资储备", "1.00")])
        refresh_search_index(indexed)
        assert all_indexed()
        later = make_disclosure(unit, 2025, projects=[("防汛抗旱演练", "1.00")])  # published without a refresh
        assert not all_indexed() and len(found("防汛")) == 2
        refresh_search_index(later)
        assert all_indexed() and len(found("防汛")) == 2

    def test_standalone_form_edits_are_searchable_at_once(self, db):
        """Standalone forms stay editable and have no documents: they are always scanned."""
        unit = make_unit()
        refresh_search_index(make_disclosure(unit, 2025, projects=[("值班经费", "1.00")]))
        form = make_form(unit, 2024, Form("培训经费", indicators=["培训人次"]))
        assert all_indexed() and found("巡检") == set()
        Indicator.objects.filter(form=form).update(name="无人机巡检次数")
        assert found("巡检") == {("form", form.pk)}

    def test_documents_go_with_a_deleted_draft(self, db):
        draft = make_disclosure(make_unit(), 2025, projects=[("防汛物资储备", "1.00")], publish=False)
        SearchDocument.objects.create(disclosure=draft, bigrams=set())
        draft.delete()
        assert not SearchDocument.objects.exists()

    def test_command(self, province, capsys):
        call_command("rebuild_search_index")
        assert "已重建检索文本" in capsys.readouterr().out
        assert SearchDocument.objects.filter(line=None, form=None).count() == Disclosure.objects.published().count()


@on_postgresql
class TestGinIndex:
    def test_index_exists(self, db):
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [GIN_INDEX])
            assert "USING gin (bigrams) WITH (fastupdate=off)" in cursor.fetchone()[0]

    def test_planner_uses_it_for_two_characters(self, db):
        """With enough documents and a selective keyword, the planner picks the GIN index by itself."""
        unit = make_unit()
        disclosure = make_disclosure(unit, 2025, publish=False)
        names = [f"救援{i}" if i % 500 == 0 else f"安全生产检查经费{i}" for i in range(1, 3001)]
        ProjectLine.objects.bulk_create(
            ProjectLine(disclosure=disclosure, order=i, name=name) for i, name in enumerate(names, 1)
        )
        forms = TargetForm.objects.bulk_create(
            TargetForm(department=unit.department, fiscal_year=2025, disclosure=disclosure, order=i, project_name=n)
            for i, n in enumerate(names, 1)
        )
        Indicator.objects.bulk_create(
            Indicator(form=f, period=Period.ANNUAL, order=1, level1=Level1.OUTPUT, level2=Level2.QUANTITY, name=n)
            for f, n in zip(forms, names, strict=True)
        )
        Disclosure.objects.filter(pk=disclosure.pk).update(status=Disclosure.Status.PUBLISHED)
        disclosure.refresh_from_db()
        assert refresh_search_index(disclosure) == 6001
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        assert f"Bitmap Index Scan on {GIN_INDEX}" in search_documents("救援").explain()
        plan = project_search(q="救援").explain(analyze=True)
        assert f"Bitmap Index Scan on {GIN_INDEX}" in plan, plan
        # The scanning branches are in the plan, behind a one-time gate that keeps them from running.
        assert all("never executed" in line for line in plan.splitlines() if "trgm" in line), plan
        assert found("救援") == substring_scan("救援") and len(found("救援")) == 12
