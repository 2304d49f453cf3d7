"""版本比对 — what changed between two versions of a disclosure, or since it was last submitted for review.

Both sides are compared as published: the projected official tables cell by cell (exports.disclosure_json: amounts
as printed, in 万元 with two decimals), the narrative sections paragraph by paragraph, and the performance forms
(target forms: funds and indicator values; self-evaluations: funds rows and indicator results).

A side is a Disclosure (its data now), a DisclosureSnapshot, or a snapshot's data dict: ``snapshot_take`` stores
the disclosure's data when it is submitted, so the next review round can see what the filer changed since.

Rows are aligned by table and row code (the 科目 code), or, for rows without one, by their first label cell
(项目名称, 单位名称 …); a repeated key is told apart by its occurrence. Sections are aligned by part and heading,
forms by project name, indicators by period and name — each with its occurrence when repeated.
"""

import difflib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from disclosures.exports import disclosure_json
from disclosures.models import Disclosure, DisclosureSnapshot, Section

PART_LABELS = dict(Section.Part.choices)
PERIOD_LABELS = {"period": "实施期", "annual": "年度"}
FORM_FUND_LABELS = {
    "total": "资金总额",
    "central": "中央财政资金",
    "provincial": "省级财政资金",
    "local": "市县(区)财政资金",
    "self_raised": "单位自筹",
    "other": "其他资金",
}
EVALUATION_FUND_LABELS = {
    "initial_declared": "年初预算数（目标申报数）",
    "initial_budgeted": "年初预算数（预算编制数）",
    "full_year_budget": "全年预算数",
    "executed": "全年执行数",
    "balance": "资金结（转）余",
    "execution_rate": "执行率（%）",
    "weight": "分值",
    "score": "得分",
    "deviation": "偏差原因分析及改进措施",
}
RESULT_LABELS = {
    "initial_value": "年初指标值",
    "adjusted_value": "调整后指标值",
    "actual_value": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "deviation": "偏差原因分析及改进措施",
}
EVALUATION_LABELS = {"total_score": "总分", "grade": "等级", "annual_goal": "年度目标", "actual_result": "实际完成情况"}


@dataclass
class CellChange:
    table: str  # table key (budget_12)
    table_label: str  # 表十二
    row: str  # row key: code or first label
    row_label: str
    column: str  # column key
    column_label: str
    old: object
    new: object


@dataclass
class RowChange:
    table: str
    table_label: str
    row: str
    row_label: str
    cells: list  # [(column label, value)] of the non-blank cells


@dataclass
class TableDiff:
    key: str
    label: str
    title: str
    cells: list[CellChange] = field(default_factory=list)
    rows_added: list[RowChange] = field(default_factory=list)
    rows_removed: list[RowChange] = field(default_factory=list)
    added: bool = False  # the whole table is new / gone (different kinds of disclosure)
    removed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.cells or self.rows_added or self.rows_removed or self.added or self.removed)


@dataclass
class ParagraphChange:
    op: str  # changed | added | removed
    old: str | None
    new: str | None


@dataclass
class SectionChange:
    kind: str  # changed | added | removed
    part: str
    part_label: str
    heading: str
    old_heading: str = ""
    paragraphs: list[ParagraphChange] = field(default_factory=list)


@dataclass
class FormDetail:
    what: str  # 年度资金 资金总额 / 指标“…”（年度）指标值 / 新增指标“…”
    old: object
    new: object


@dataclass
class FormChange:
    kind: str  # target | self_evaluation
    kind_label: str
    name: str
    details: list[FormDetail] = field(default_factory=list)


@dataclass
class DisclosureDiff:
    old_label: str
    new_label: str
    tables: list[TableDiff] = field(default_factory=list)  # only the tables with a difference
    sections: list[SectionChange] = field(default_factory=list)
    forms_added: list[FormChange] = field(default_factory=list)
    forms_removed: list[FormChange] = field(default_factory=list)
    forms_changed: list[FormChange] = field(default_factory=list)

    @property
    def cells(self) -> list[CellChange]:
        return [c for t in self.tables for c in t.cells]

    @property
    def rows_added(self) -> list[RowChange]:
        return [r for t in self.tables for r in t.rows_added]

    @property
    def rows_removed(self) -> list[RowChange]:
        return [r for t in self.tables for r in t.rows_removed]

    @property
    def sections_changed(self) -> list[SectionChange]:
        return [s for s in self.sections if s.kind == "changed"]

    @property
    def is_empty(self) -> bool:
        return not (self.tables or self.sections or self.forms_added or self.forms_removed or self.forms_changed)

    @property
    def summary(self) -> str:
        if self.is_empty:
            return "无差异"
        parts = [
            (len(self.cells), "个单元格变化"),
            (len(self.rows_added), "行新增"),
            (len(self.rows_removed), "行删除"),
            (len(self.sections), "段文字变化"),
            (len(self.forms_added), "张表新增"),
            (len(self.forms_removed), "张表删除"),
            (len(self.forms_changed), "张表修改"),
        ]
        return "，".join(f"{n}{label}" for n, label in parts if n)


# ---------------------------------------------------------------- sides


def snapshot_take(disclosure: Disclosure) -> dict:
    """Store the disclosure's data as it is now (called when it is submitted for review); returns the data."""
    data = disclosure_json(disclosure)
    DisclosureSnapshot.objects.create(disclosure=disclosure, revision=disclosure.revision, data=data)
    return data


def snapshot_latest(disclosure: Disclosure) -> DisclosureSnapshot | None:
    return DisclosureSnapshot.objects.filter(disclosure=disclosure).order_by("-created_at", "-id").first()


def side_data(side) -> dict:
    if isinstance(side, Disclosure):
        return disclosure_json(side)
    if isinstance(side, DisclosureSnapshot):
        return side.data
    return side


def side_label(side) -> str:
    if isinstance(side, DisclosureSnapshot):
        taken = timezone.localtime(side.created_at)
        return f"第{side.data.get('version', '')}版 提交时（修订号{side.revision}，{taken:%Y-%m-%d %H:%M}）"
    if isinstance(side, Disclosure):
        return f"第{side.version}版（{side.get_status_display()}，修订号{side.revision}）"
    return f"第{side.get('version', '')}版"


def disclosure_diff(old, new) -> DisclosureDiff:
    """Differences from ``old`` to ``new`` (each a Disclosure, a DisclosureSnapshot or snapshot data)."""
    before, after = side_data(old), side_data(new)
    return DisclosureDiff(
        old_label=side_label(old),
        new_label=side_label(new),
        tables=_tables_diff(before.get("tables", []), after.get("tables", [])),
        sections=_sections_diff(before.get("sections", []), after.get("sections", [])),
        **_forms_diff(before, after),
    )


def diff_since_submission(disclosure: Disclosure) -> DisclosureDiff | None:
    """The data now against the last submission's snapshot; None if it was never submitted."""
    snapshot = snapshot_latest(disclosure)
    return None if snapshot is None else disclosure_diff(snapshot, disclosure)


# ---------------------------------------------------------------- tables


def _is_amount(value) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        Decimal(value.replace(",", ""))
    except InvalidOperation:
        return False
    return True


def _row_texts(row: dict) -> list[str]:
    return [c for c in row["cells"] if isinstance(c, str) and c.strip() and c != "——" and not _is_amount(c)]


def _row_label(row: dict) -> str:
    texts = _row_texts(row)
    if row.get("code") and row["code"] not in texts:
        texts.insert(0, row["code"])
    return " / ".join(texts) or "（空行）"


def _keyed(items, key) -> dict:
    """{(key, occurrence): item}, in order."""
    seen = Counter()
    out = {}
    for item in items:
        k = key(item)
        out[(k, seen[k])] = item
        seen[k] += 1
    return out


def _row_key(row: dict) -> str:
    if row.get("code"):
        return row["code"]
    texts = _row_texts(row)
    return texts[0] if texts else row.get("kind", "")


def _column_labels(table: dict) -> dict[str, str]:
    return {c["key"]: " / ".join(h for h in c["header"] if h) or c["key"] for c in table["columns"]}


def _row_cells(table: dict, row: dict) -> list:
    labels = _column_labels(table)
    return [
        (labels[c["key"]], value)
        for c, value in zip(table["columns"], row["cells"], strict=False)
        if value not in (None, "")
    ]


def _tables_diff(before: list[dict], after: list[dict]) -> list[TableDiff]:
    old_tables = {t["key"]: t for t in before}
    new_tables = {t["key"]: t for t in after}
    out = []
    for key in [*new_tables, *(k for k in old_tables if k not in new_tables)]:
        old, new = old_tables.get(key), new_tables.get(key)
        table = new or old
        diff = TableDiff(key, table["label"], table["title"], added=old is None, removed=new is None)
        old_rows = _keyed(old["rows"], _row_key) if old else {}
        new_rows = _keyed(new["rows"], _row_key) if new else {}
        for row_key, row in new_rows.items():
            label = _row_label(row)
            if row_key not in old_rows:
                diff.rows_added.append(RowChange(key, table["label"], row_key[0], label, _row_cells(new, row)))
                continue
            before_row = old_rows[row_key]
            old_cells = dict(zip((c["key"] for c in old["columns"]), before_row["cells"], strict=False))
            labels = _column_labels(new)
            for column, value in zip(new["columns"], row["cells"], strict=False):
                previous = old_cells.get(column["key"])
                if _blank(previous) and _blank(value) or previous == value:
                    continue
                diff.cells.append(
                    CellChange(
                        key, table["label"], row_key[0], label, column["key"], labels[column["key"]], previous, value
                    )
                )
        for row_key, row in old_rows.items():
            if row_key not in new_rows:
                diff.rows_removed.append(
                    RowChange(key, table["label"], row_key[0], _row_label(row), _row_cells(old, row))
                )
        if diff.changed:
            out.append(diff)
    return out


def _blank(value) -> bool:
    return value is None or value == ""


# ---------------------------------------------------------------- sections


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in (body or "").splitlines() if p.strip()]


def paragraph_changes(old_body: str, new_body: str) -> list[ParagraphChange]:
    old, new = paragraphs(old_body), paragraphs(new_body)
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        removed, added = old[i1:i2], new[j1:j2]
        paired = min(len(removed), len(added)) if op == "replace" else 0
        changes += [ParagraphChange("changed", removed[k], added[k]) for k in range(paired)]
        changes += [ParagraphChange("removed", p, None) for p in removed[paired:]]
        changes += [ParagraphChange("added", None, p) for p in added[paired:]]
    return changes


def _sections_diff(before: list[dict], after: list[dict]) -> list[SectionChange]:
    def key(section):
        return (section["part"], section["heading"].strip())

    old, new = _keyed(before, key), _keyed(after, key)
    out = []
    for k, section in new.items():
        part, label = section["part"], PART_LABELS.get(section["part"], section["part"])
        if k not in old:
            out.append(
                SectionChange(
                    "added",
                    part,
                    label,
                    section["heading"],
                    paragraphs=[ParagraphChange("added", None, p) for p in paragraphs(section["body"])],
                )
            )
            continue
        changes = paragraph_changes(old[k]["body"], section["body"])
        if old[k].get("level") != section.get("level"):
            changes.insert(0, ParagraphChange("changed", f"层级{old[k].get('level')}", f"层级{section.get('level')}"))
        if changes:
            out.append(SectionChange("changed", part, label, section["heading"], paragraphs=changes))
    for k, section in old.items():
        if k not in new:
            out.append(
                SectionChange(
                    "removed",
                    section["part"],
                    PART_LABELS.get(section["part"], section["part"]),
                    section["heading"],
                    paragraphs=[ParagraphChange("removed", p, None) for p in paragraphs(section["body"])],
                )
            )
    return out


# ---------------------------------------------------------------- forms


def _values_diff(what: str, labels: dict, old: dict, new: dict) -> list[FormDetail]:
    return [
        FormDetail(f"{what}{label}" if what else label, old.get(name), new.get(name))
        for name, label in labels.items()
        if (old.get(name) or None) != (new.get(name) or None)
    ]


def _target_form_details(old: dict, new: dict) -> list[FormDetail]:
    details = []
    for period, label in PERIOD_LABELS.items():
        before, after = old.get("funds", {}).get(period, {}), new.get("funds", {}).get(period, {})
        details += _values_diff(f"{label}资金 ", FORM_FUND_LABELS, before, after)
    details += _values_diff("", {"goal_period": "实施期总体目标", "goal_annual": "年度总体目标"}, old, new)

    def key(indicator):
        return (indicator["period"], indicator["name"])

    old_ind, new_ind = _keyed(old.get("indicators", []), key), _keyed(new.get("indicators", []), key)
    for k, indicator in new_ind.items():
        where = f"指标“{indicator['name']}”（{PERIOD_LABELS.get(indicator['period'], indicator['period'])}）"
        if k not in old_ind:
            details.append(FormDetail(f"新增{where}", None, indicator["value"]))
        elif old_ind[k]["value"] != indicator["value"]:
            details.append(FormDetail(f"{where}指标值", old_ind[k]["value"], indicator["value"]))
    for k, indicator in old_ind.items():
        if k not in new_ind:
            where = f"指标“{indicator['name']}”（{PERIOD_LABELS.get(indicator['period'], indicator['period'])}）"
            details.append(FormDetail(f"删除{where}", indicator["value"], None))
    return details


def _evaluation_details(old: dict, new: dict) -> list[FormDetail]:
    details = _values_diff("", EVALUATION_LABELS, old, new)
    old_funds = _keyed(old.get("funds", []), lambda f: f["label"])
    new_funds = _keyed(new.get("funds", []), lambda f: f["label"])
    for k, row in new_funds.items():
        if k not in old_funds:
            details.append(FormDetail(f"新增资金行“{row['label']}”", None, row.get("full_year_budget")))
        else:
            details += _values_diff(f"资金“{row['label']}” ", EVALUATION_FUND_LABELS, old_funds[k], row)
    details += [
        FormDetail(f"删除资金行“{row['label']}”", row.get("full_year_budget"), None)
        for k, row in old_funds.items()
        if k not in new_funds
    ]
    old_results = _keyed(old.get("results", []), lambda r: r["name"])
    new_results = _keyed(new.get("results", []), lambda r: r["name"])
    for k, row in new_results.items():
        if k not in old_results:
            details.append(FormDetail(f"新增指标“{row['name']}”", None, row.get("actual_value")))
        else:
            details += _values_diff(f"指标“{row['name']}” ", RESULT_LABELS, old_results[k], row)
    details += [
        FormDetail(f"删除指标“{row['name']}”", row.get("actual_value"), None)
        for k, row in old_results.items()
        if k not in new_results
    ]
    return details


def _forms_diff(before: dict, after: dict) -> dict:
    out = {"forms_added": [], "forms_removed": [], "forms_changed": []}
    for kind, label, items, details in (
        ("target", "绩效目标表", "forms", _target_form_details),
        ("self_evaluation", "绩效自评表", "self_evaluations", _evaluation_details),
    ):
        old = _keyed(before.get(items, []), lambda f: f["project_name"])
        new = _keyed(after.get(items, []), lambda f: f["project_name"])
        for k, form in new.items():
            if k not in old:
                out["forms_added"].append(FormChange(kind, label, form["project_name"]))
            elif changes := details(old[k], form):
                out["forms_changed"].append(FormChange(kind, label, form["project_name"], changes))
        out["forms_removed"] += [FormChange(kind, label, f["project_name"]) for k, f in old.items() if k not in new]
    return out
