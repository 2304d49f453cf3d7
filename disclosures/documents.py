"""The rendered document of a disclosure: one context for the HTML page, the review page and the PDF.

Structure and order follow the published documents: cover, 目录, 第一部分 概况, 第二部分 tables,
第三部分 情况说明 (with charts and, for budgets, the performance target forms as 附件), 第四部分 名词解释,
and for final accounts 第五部分 附件 (self-evaluations).
"""

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from disclosures.charts import Chart, disclosure_charts
from disclosures.models import Disclosure, Section
from disclosures.narrative import NarrativeItem, differing_numbers, find_previous, generate_narrative
from disclosures.tablespecs import DisclosureData, Table, build_tables
from performance.models import Indicator, IndicatorResult, SelfEvaluation, TargetForm
from performance.presenters import self_evaluation_grid, target_form_grid

# Chart placed after the narrative item it illustrates, as in the published documents.
CHART_AFTER = {
    "budget_income": "二、",
    "budget_general_structure": "（二）",
    "budget_three_public": "七、",
    "final_income": "二、",
    "final_expense": "三、",
    "final_general_structure": "（二）",
    "final_three_public": "九、",
}


@dataclass
class NarrativeBlock:
    heading: str
    level: int
    paragraphs: list[str]
    anchor: str
    source: str  # "imported" | "edited" | "generated"
    generated: list[str] = field(default_factory=list)
    differing: list = field(default_factory=list)  # numbers in the shown text that the data does not give
    charts: list[Chart] = field(default_factory=list)
    forms_after: bool = False  # the performance target forms follow 十、绩效管理情况 as its 附件


@dataclass
class TocEntry:
    title: str
    anchor: str
    level: int


@dataclass
class Document:
    disclosure: Disclosure
    title: str
    kind_label: str
    unit_name: str
    parts: dict
    tables: list[Table]
    overview: list[Section]
    narrative: list[NarrativeBlock]
    glossary: list[Section]
    forms: list  # TargetFormGrid, in printed order
    evaluations: list  # SelfEvaluationGrid
    toc: list[TocEntry]
    review: bool
    generated_at: object
    viewer: str = ""

    @property
    def is_budget(self) -> bool:
        return self.disclosure.kind == Disclosure.Kind.BUDGET


def _normalise_heading(text: str) -> str:
    return re.sub(r"[\s“”\"]", "", text)


@dataclass
class NarrativePair:
    """One 情况说明 item: the text the data gives and the stored text (imported or edited); either may be missing."""

    item: NarrativeItem | None
    section: Section | None
    shown: bool  # part of the document (an imported document prints only its own sections)


def narrative_pairs(generated: list[NarrativeItem], sections: list[Section]) -> list[NarrativePair]:
    """Generated items and stored narrative sections, paired by heading, in document order.

    A stored section is the document's text for its item; a generated item no section matches is shown as
    generated, in its generated position — unless the document has a narrative of its own (a section that was
    imported or entered as its text, not edited on the 编辑情况说明 page): then it prints exactly its sections, so
    an item it words differently does not appear twice.
    """
    stored = [s for s in sections if s.part == Section.Part.NARRATIVE]
    by_heading = {_normalise_heading(item.heading): item for item in generated}
    matched = [(by_heading.get(_normalise_heading(s.heading)), s) for s in stored]
    used = {id(item) for item, _ in matched if item is not None}
    position = {id(item): i for i, item in enumerate(generated)}
    shown = all(s.edited_by_id for s in stored)  # no text of its own
    pairs: list[NarrativePair] = []
    placed = 0  # generated items before this index are placed (or matched)
    for item, section in matched:
        if item is not None:
            until = position[id(item)]
            pairs += [NarrativePair(g, None, shown) for g in generated[placed:until] if id(g) not in used]
            placed = max(placed, until + 1)
        pairs.append(NarrativePair(item, section, True))
    pairs += [NarrativePair(g, None, shown) for g in generated[placed:] if id(g) not in used]
    return pairs


def _narrative_blocks(disclosure: Disclosure, data: DisclosureData, sections: list[Section], charts) -> list:
    generated = generate_narrative(disclosure, data=data, previous=find_previous(disclosure))
    blocks = []
    for pair in (p for p in narrative_pairs(generated, sections) if p.shown):
        anchor = f"narrative-{len(blocks) + 1}"
        item, section = pair.item, pair.section
        if section is None:  # generated from the data
            blocks.append(
                NarrativeBlock(item.heading, item.level, item.paragraphs, anchor, "generated", item.paragraphs)
            )
            continue
        # the document's own text (imported or edited), compared with what the data gives
        generated_text = item.paragraphs if item else []
        blocks.append(
            NarrativeBlock(
                section.heading,
                section.level,
                [p for p in section.body.split("\n") if p.strip()],
                anchor,
                "edited" if section.edited_by_id else "imported",
                generated_text,
                differing_numbers(section.body, "\n".join(generated_text)) if item else [],
            )
        )
    if disclosure.kind == Disclosure.Kind.BUDGET:
        anchor = next((b for b in blocks if b.heading.startswith("十、")), blocks[-1] if blocks else None)
        if anchor is not None:
            anchor.forms_after = True
    for chart in charts:
        prefix = CHART_AFTER.get(chart.key, "")
        target = next((b for b in blocks if prefix and b.heading.startswith(prefix)), blocks[-1] if blocks else None)
        if target is not None:
            target.charts.append(chart)
    return blocks


def build_document(disclosure: Disclosure, *, review: bool = False, viewer: str = "") -> Document:
    disclosure = Disclosure.objects.with_unit().get(pk=disclosure.pk)
    data = DisclosureData(disclosure)
    tables = build_tables(disclosure, data)
    sections = list(disclosure.sections.select_related("edited_by"))
    charts = disclosure_charts(disclosure, data)
    narrative = _narrative_blocks(disclosure, data, sections, charts)
    forms = list(
        TargetForm.objects.filter(disclosure=disclosure)
        .select_related("department")
        .prefetch_related("funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order")))
        .order_by("order")
    )
    evaluations = list(
        SelfEvaluation.objects.filter(disclosure=disclosure)
        .prefetch_related("funds", Prefetch("results", queryset=IndicatorResult.objects.order_by("order")))
        .order_by("order")
    )
    year = disclosure.fiscal_year
    budget = disclosure.kind == Disclosure.Kind.BUDGET
    parts = {
        "overview": "第一部分 概况",
        "tables": f"第二部分 {year}年单位预算报表" if budget else f"第二部分 {year}年部门决算表",
        "narrative": f"第三部分 {year}年度单位预算情况说明" if budget else "第三部分 情况说明",
        "glossary": "第四部分 名词解释",
        "attachments": "第五部分 附件",
    }
    toc = [TocEntry(parts["overview"], "part-overview", 1)]
    toc += [
        TocEntry(s.heading, f"overview-{i + 1}", 2) for i, s in enumerate(x for x in sections if x.part == "overview")
    ]
    toc.append(TocEntry(parts["tables"], "part-tables", 1))
    toc += [TocEntry(f"{t.label} {t.title}", f"table-{t.key}", 2) for t in tables]
    toc.append(TocEntry(parts["narrative"], "part-narrative", 1))
    for block in narrative:
        if block.heading:
            toc.append(TocEntry(block.heading, block.anchor, 2 if block.level == 1 else 3))
        if block.forms_after and forms:
            toc.append(TocEntry("附件：项目支出绩效目标表", "attachment-forms", 3))
    toc.append(TocEntry(parts["glossary"], "part-glossary", 1))
    if not budget and evaluations:
        toc.append(TocEntry(parts["attachments"], "part-attachments", 1))
        toc += [TocEntry(e.title or e.project_name, f"evaluation-{e.pk}", 2) for e in evaluations]
    return Document(
        disclosure=disclosure,
        title=f"{disclosure.unit.name}{year}年度{disclosure.get_kind_display()}",
        kind_label=disclosure.get_kind_display(),
        unit_name=disclosure.unit.name,
        parts=parts,
        tables=tables,
        overview=[s for s in sections if s.part == Section.Part.OVERVIEW],
        narrative=narrative,
        glossary=[s for s in sections if s.part == Section.Part.GLOSSARY],
        forms=[target_form_grid(f) for f in forms],
        evaluations=[self_evaluation_grid(e) for e in evaluations],
        toc=toc,
        review=review,
        generated_at=timezone.now(),
        viewer=viewer,
    )
