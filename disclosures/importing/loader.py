"""document_import — one source file into the database, atomically, with a report."""

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from disclosures.audit import protected_message
from disclosures.importing.parsed import ImportIssue, ParsedDocument, SourceRow
from disclosures.models import (
    BudgetUnit,
    Department,
    Disclosure,
    EconomicLine,
    FunctionLine,
    Region,
    SourceDocument,
    SourceTable,
)
from disclosures.search_index import refresh_search_index
from disclosures.sourcecheck import compare, unreadable_cells
from disclosures.tablespecs import DisclosureData, build_tables

KIND_LABELS = {
    "budget": "单位预算公开",
    "final": "单位决算公开",
    "targets": "项目支出绩效目标申报表",
    "targets_compact": "项目支出绩效目标公开表（简表）",
}


class ImportFailed(Exception):
    """The file could not be imported; nothing was written. ``issues`` say where and why (Chinese)."""

    def __init__(self, file_name: str, issues: list[ImportIssue]):
        self.file_name = file_name
        self.issues = issues
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"{self.file_name}：导入失败，未写入任何数据。"]
        for issue in self.issues:
            where = f"第{issue.line}行" if issue.line else "文件"
            cell = f"（{issue.cell}）" if issue.cell else ""
            lines.append(f"  {self.file_name} {where}{cell}：{issue.message}")
        return "\n".join(lines)


@dataclass
class ImportReport:
    file_name: str
    kind: str
    unit: str
    fiscal_year: int
    disclosure_id: int | None = None
    replaced: bool = False
    tables: int = 0
    lines: int = 0
    economic_lines: int = 0
    projects: int = 0
    sections: int = 0
    forms: int = 0
    indicators: int = 0
    self_evaluations: int = 0
    results: int = 0
    source_lines: int = 0
    seconds: float = 0.0
    warnings: list[ImportIssue] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            f"{self.file_name}：{self.unit} {self.fiscal_year}年度 {KIND_LABELS.get(self.kind, self.kind)}"
            f"{'（替换原草稿）' if self.replaced else ''}"
        )
        counts = (
            f"  原文{self.source_lines}行；表{self.tables}张，功能分类金额{self.lines}条，"
            f"经济分类金额{self.economic_lines}条，"
            f"项目{self.projects}个，文字部分{self.sections}段；绩效目标表{self.forms}张（指标{self.indicators}条），"
            f"绩效自评表{self.self_evaluations}张（指标{self.results}条）；警告{len(self.warnings)}条；"
            f"用时{self.seconds:.2f}秒"
        )
        warnings = [
            f"  警告 {'第' + str(w.line) + '行' if w.line else ''}{'（' + w.cell + '）' if w.cell else ''}：{w.message}"
            for w in self.warnings
        ]
        return "\n".join([head, counts, *warnings])


def read_source(path: Path) -> str:
    """UTF-8 (with or without BOM), falling back to GB18030; a clear error otherwise."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(path.name, [ImportIssue(None, "文件编码既不是UTF-8也不是GB18030，无法读取", "error")])


def detect_kind(text: str) -> str | None:
    head = text[:20000]
    if "公开01表" in text or "年度单位决算公开" in head or "部门决算表" in head:
        return "final"
    if "绩效目标公开表" in head and ("<p>" in text or "单位编码" in head):
        return "targets_compact"
    if "年度单位预算公开" in head or "单位预算报表" in text or "预算公开表" in text:
        return "budget_noisy" if text.count("\t") < 50 else "budget"
    if "绩效目标申报表" in head or "绩效目标表" in head:
        return "targets"
    return None


PARSERS = {
    "budget": "disclosures.importing.budget.parse_budget_document",
    "budget_noisy": "disclosures.importing.noisy.parse_noisy_budget_document",
    "final": "disclosures.importing.final.parse_final_document",
    "targets": "disclosures.importing.forms.parse_targets_document",
    "targets_compact": "disclosures.importing.compact.parse_compact_document",
}


def parse_document(text: str) -> ParsedDocument:
    kind = detect_kind(text)
    if kind is None:
        raise ValueError("无法识别文件类型：既不是单位预算公开、单位决算公开，也不是绩效目标表")
    parser = import_string(PARSERS[kind])
    if kind == "budget":
        return parser(text, target_form_parser=import_string("disclosures.importing.forms.parse_target_forms"))
    return parser(text)


def _unit_for(doc: ParsedDocument) -> BudgetUnit:
    province = None
    if doc.province:
        province, _ = Region.objects.get_or_create(name=doc.province, level=Region.Level.PROVINCE)
    region, _ = Region.objects.get_or_create(
        name=doc.region or doc.department_name,
        level=doc.region_level or Region.Level.CITY,
        defaults={"parent": province},
    )
    department, _ = Department.objects.get_or_create(
        region=region, code=doc.department_code, defaults={"name": doc.department_name}
    )
    unit, _ = BudgetUnit.objects.get_or_create(
        department=department,
        code=doc.unit_code or f"{doc.department_code}001",
        defaults={"name": doc.unit_name or doc.department_name},
    )
    return unit


def document_import(*, text: str, file_name: str, publish: bool = False, user=None) -> ImportReport:
    """Parse and store one document in a single transaction; raises ImportFailed and writes nothing on error."""
    started = time.perf_counter()
    try:
        doc = parse_document(text)
    except ValueError as exc:
        raise ImportFailed(file_name, [ImportIssue(None, str(exc), "error")]) from exc
    errors = [i for i in doc.issues if i.severity == "error"]
    for table in doc.tables:
        for line, index, cell in unreadable_cells(table.key, table.rows):
            label = table.label or table.title
            errors.append(
                ImportIssue(line, f"{label}第{index + 1}列：无法识别的金额“{cell}”", "error", f"第{index + 1}列")
            )
    if errors:
        raise ImportFailed(file_name, errors)
    if not doc.department_code:
        raise ImportFailed(file_name, [ImportIssue(None, "未能确定部门编码", "error")])
    try:
        with transaction.atomic():
            report = _store(doc, text=text, file_name=file_name, publish=publish, user=user)
    except ImportFailed:
        raise
    except DatabaseError as exc:  # the immutability triggers (disclosures/migrations/0007_published_immutable.py)
        message = protected_message(exc)
        if message is None:
            raise
        raise ImportFailed(file_name, [ImportIssue(None, message, "error")]) from exc
    report.seconds = time.perf_counter() - started
    return report


def _store(doc: ParsedDocument, *, text: str, file_name: str, publish: bool, user) -> ImportReport:
    from performance.services import self_evaluations_create, target_forms_create

    issues = list(doc.issues)
    unit = _unit_for(doc)
    report = ImportReport(
        file_name=file_name,
        kind=doc.kind,
        unit=f"{unit.code}-{unit.name}",
        fiscal_year=doc.fiscal_year,
        source_lines=doc.lines_read,
    )
    source = SourceDocument.objects.create(
        file_name=file_name,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        kind=doc.kind,
        text=text,
        imported_by=user,
    )
    disclosure = None
    if doc.kind in ("budget", "final"):
        disclosure, report.replaced = _replace_draft(doc, unit, file_name)
        disclosure.source_document = source
        disclosure.title = doc.title or f"{doc.fiscal_year}年度{KIND_LABELS[doc.kind]}"
        facts = _facts(doc, disclosure, issues)
        disclosure.year_end_carryover = facts.year_end_carryover
        disclosure.save()
        _save_facts(facts)
        report.disclosure_id = disclosure.pk
        report.lines = len(facts.lines)
        report.economic_lines = len(facts.economic)
        report.projects = len(facts.projects)
        from disclosures.models import Section

        Section.objects.bulk_create(
            Section(disclosure=disclosure, part=s.part, order=i, level=s.level, heading=s.heading[:255], body=s.body)
            for i, s in enumerate(doc.sections, start=1)
        )
        report.sections = len(doc.sections)
    else:
        _replace_standalone_forms(doc, unit)
    SourceTable.objects.bulk_create(
        SourceTable(
            document=source,
            disclosure=disclosure,
            key=t.key,
            order=i,
            label=t.label[:32],
            title=t.title[:200],
            unit_label=t.unit_label[:8],
            line=t.line,
            header_rows=t.header_rows,
            rows=[{"line": r.line, "cells": r.cells} for r in t.rows],
            empty_note=t.empty_note[:32],
            notes=t.notes,
        )
        for i, t in enumerate(doc.tables, start=1)
    )
    report.tables = len(doc.tables)
    forms, report.indicators = target_forms_create(
        parsed=doc.target_forms,
        department=unit.department,
        unit=unit,
        fiscal_year=doc.fiscal_year,
        disclosure=disclosure,
        source_document=source,
        issues=issues,
    )
    report.forms = len(forms)
    evaluations, report.results = self_evaluations_create(
        parsed=doc.self_evaluations,
        department=unit.department,
        unit=unit,
        fiscal_year=doc.fiscal_year,
        disclosure=disclosure,
        source_document=source,
        issues=issues,
    )
    report.self_evaluations = len(evaluations)
    if disclosure is not None:
        issues.extend(_source_differences(disclosure))
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise ImportFailed(file_name, errors)
    report.warnings = issues
    source.report = {"summary": report.summary(), "warnings": [vars(i) for i in issues]}
    source.save(update_fields=["report"])
    if disclosure is not None:
        _record_import(disclosure, report, user=user, publish=publish)
    return report


def _record_import(disclosure: Disclosure, report: ImportReport, *, user, publish: bool) -> None:
    from disclosures.models import AuditEntry, ReviewEvent

    AuditEntry.objects.create(
        disclosure=disclosure,
        user=user,
        action=AuditEntry.Action.CREATE,
        model="disclosure",
        object_id=str(disclosure.pk),
        object_repr=str(disclosure)[:255],
        changes={"导入": [None, report.file_name], "替换草稿": [None, report.replaced]},
    )
    ReviewEvent.objects.create(
        disclosure=disclosure,
        actor=user,
        action=ReviewEvent.Action.IMPORT,
        to_status=Disclosure.Status.DRAFT,
        comment=f"导入{report.file_name}",
    )
    if publish:  # demo data: published as the source documents were
        disclosure.status = Disclosure.Status.PUBLISHED
        disclosure.published_at = timezone.now()
        disclosure.save(update_fields=["status", "published_at"])
        refresh_search_index(disclosure)
        ReviewEvent.objects.create(
            disclosure=disclosure,
            actor=user,
            action=ReviewEvent.Action.PUBLISH,
            from_status=Disclosure.Status.DRAFT,
            to_status=Disclosure.Status.PUBLISHED,
            comment="演示数据按原文公开",
        )


def _source_differences(disclosure: Disclosure) -> list[ImportIssue]:
    """Printed cells that the stored facts do not reproduce, as warnings for the reviewer."""
    data = DisclosureData(disclosure)
    tables = {t.key: t for t in build_tables(disclosure, data)}
    issues = []
    for source in disclosure.source_tables.all():
        if source.key in tables:
            rows = [SourceRow(line=r["line"], cells=r["cells"]) for r in source.rows]
            for diff in compare(rows, tables[source.key]):
                issues.append(ImportIssue(diff.line, diff.message, "warning", f"第{diff.column}列"))
    return issues


def _replace_draft(doc: ParsedDocument, unit: BudgetUnit, file_name: str) -> tuple[Disclosure, bool]:
    latest = (
        Disclosure.objects.select_for_update()
        .filter(unit=unit, fiscal_year=doc.fiscal_year, kind=doc.kind)
        .order_by("-version")
        .first()
    )
    if latest is None:
        return Disclosure(unit=unit, fiscal_year=doc.fiscal_year, kind=doc.kind), False
    if latest.status != Disclosure.Status.DRAFT:
        raise ImportFailed(
            file_name,
            [
                ImportIssue(
                    None,
                    f"{latest}（第{latest.version}版）状态为“{latest.get_status_display()}”，导入不能覆盖；"
                    "如需修改已公开的内容请走更正流程",
                    "error",
                )
            ],
        )
    version = latest.version
    latest.delete()
    return Disclosure(unit=unit, fiscal_year=doc.fiscal_year, kind=doc.kind, version=version), True


def _replace_standalone_forms(doc: ParsedDocument, unit: BudgetUnit) -> None:
    """Standalone forms of the same unit and year from an earlier import of the same kind are replaced."""
    from performance.models import TargetForm

    TargetForm.objects.filter(
        unit=unit, fiscal_year=doc.fiscal_year, disclosure__isnull=True, source_document__kind=doc.kind
    ).delete()


def _facts(doc: ParsedDocument, disclosure: Disclosure, issues: list[ImportIssue]):
    if doc.kind == "budget":
        from disclosures.importing.facts_budget import budget_facts

        return budget_facts(doc, disclosure, issues)
    from disclosures.importing.facts_final import final_facts

    return final_facts(doc, disclosure, issues)


def _save_facts(facts) -> None:
    from disclosures.models import (
        AssetSummary,
        Balance,
        OperatingCost,
        Procurement,
        ProjectLine,
        RevenueLine,
        ThreePublicLine,
        VehicleCount,
    )

    FunctionLine.objects.bulk_create(facts.lines)
    EconomicLine.objects.bulk_create(facts.economic)
    ThreePublicLine.objects.bulk_create(facts.three_public)
    OperatingCost.objects.bulk_create(facts.operating_costs)
    ProjectLine.objects.bulk_create(facts.projects)
    RevenueLine.objects.bulk_create(facts.revenues)
    Balance.objects.bulk_create(facts.balances)
    VehicleCount.objects.bulk_create(facts.vehicles)
    if facts.procurement is not None:
        Procurement.objects.bulk_create([facts.procurement])
    if facts.assets is not None:
        AssetSummary.objects.bulk_create([facts.assets])
