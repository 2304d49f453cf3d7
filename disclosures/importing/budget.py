"""单位预算公开 (tab-separated extraction, as seed 001) → ParsedDocument."""

import re

from disclosures.importing.parsed import ImportIssue, ParsedDocument, ParsedSection, ParsedTable, SourceRow
from disclosures.importing.text import (
    WATERMARK,
    find_line,
    region_of,
    split_sections,
)

# Title fragment → table number, most specific first (表十二/十三 share a stem).
TABLE_TITLES = [
    ("项目支出预算表（本年预算）", 12),
    ("项目支出预算表（上年结转）", 13),
    ("财政拨款收支总表", 4),
    ("预算收支总表", 1),
    ("预算收入总表", 2),
    ("预算支出总表", 3),
    ("一般公共预算支出预算表", 5),
    ("基本支出分经济科目表", 6),
    ("政府性基金预算收入表", 7),
    ("政府性基金预算支出表", 8),
    ("国有资本经营预算收支预算表", 9),
    ("“三公”经费", 10),
    ('"三公"经费', 10),
    ("三公经费", 10),
    ("机关运行经费", 11),
]
TITLE_LINE = re.compile(r"^(\d{4})年.*表")
LABEL_LINE = re.compile(r"^(?:预算公开表|部门公开表)\s*(\d{1,2})$")
DATA_START = re.compile(r"^(合计|部门合计|\d{3}(\d{2}){0,2}|[一二三四五六七八九十]+、|因公出国|本年收入合计|[①②])")
COLUMN_NUMBERS = re.compile(r"^\d{1,2}$")


def table_number(title: str) -> int | None:
    for fragment, number in TABLE_TITLES:
        if fragment in title:
            return number
    return None


def parse_budget_tables(lines: list[str], start: int, end: int, issues: list[ImportIssue]) -> list[ParsedTable]:
    """Tables between the 第二部分 heading (index start) and 第三部分 (index end)."""
    tables: list[ParsedTable] = []
    current: ParsedTable | None = None
    in_header = False
    pending_label = ""
    for i in range(start, end):
        raw = lines[i]
        text = raw.strip()
        if not text or text == WATERMARK:
            continue
        label = LABEL_LINE.match(text)
        if label:
            pending_label = text
            continue
        if "\t" not in raw and TITLE_LINE.match(text) and (number := table_number(text)):
            current = ParsedTable(key=f"budget_{number:02d}", title=text, line=i + 1, label=pending_label)
            pending_label = ""
            tables.append(current)
            in_header = True
            continue
        if current is None:
            continue
        if text.startswith("单位名称：") and "\t" not in raw:
            continue
        if text.startswith("单位：") or text.startswith("金额单位："):
            current.unit_label = text.split("：", 1)[1].strip()
            continue
        if text.startswith(("注：", "说明：")) and "\t" not in raw:
            if "本表无数据" in text:
                current.empty_note = text
            else:
                current.notes.append(text)
            continue
        cells = [c.strip() for c in raw.rstrip("\n").split("\t")]
        while cells and cells[-1] == "" and len(cells) > 1:
            cells.pop()
        if in_header:
            if all(COLUMN_NUMBERS.match(c) for c in cells if c) and len([c for c in cells if c]) > 2:
                current.header_rows.append(cells)
                in_header = False
                continue
            if not DATA_START.match(cells[0]) or _is_header_like(cells):
                current.header_rows.append(cells)
                continue
            in_header = False
        current.rows.append(SourceRow(line=i + 1, cells=cells))
    found = {t.key for t in tables}
    for number in range(1, 14):
        if f"budget_{number:02d}" not in found:
            issues.append(ImportIssue(None, f"未找到预算公开表{number}", severity="error"))
    return tables


def _is_header_like(cells: list[str]) -> bool:
    return any(c in {"项目", "科目编码", "收入科目编码", "单位名称"} for c in cells)


def parse_budget_document(text: str, *, target_form_parser=None) -> ParsedDocument:
    """Parse a clean budget disclosure. ``target_form_parser(lines, start=, end=)`` parses embedded forms."""
    lines = text.split("\n")
    issues: list[ImportIssue] = []
    content = [(i, ln.strip()) for i, ln in enumerate(lines) if ln.strip() and ln.strip() != WATERMARK]
    unit_name = content[0][1] if content else ""
    title_match = next((t for _, t in content[:5] if re.match(r"^\d{4}年度单位预算公开$", t)), "")
    year_match = re.match(r"^(\d{4})", title_match)
    if not year_match:
        raise ValueError("封面未找到“YYYY年度单位预算公开”标题，无法确定年度")
    fiscal_year = int(year_match.group(1))

    part1 = find_line(lines, r"^第一部分\s*概况$")
    part2 = find_line(lines, r"^第二部分\s", after=part1)
    part3 = find_line(lines, r"^第三部分\s", after=part2)
    part4 = find_line(lines, r"^第四部分\s*名词解释$", after=part3)
    for name, index in (("第一部分", part1), ("第二部分", part2), ("第三部分", part3), ("第四部分", part4)):
        if index is None:
            raise ValueError(f"未找到“{name}”标题，文件结构不是单位预算公开")

    tables = parse_budget_tables(lines, part2, part3, issues)

    form_start = find_line(lines, r"项目支出绩效目标(申报)?表", after=part3)
    assets = find_line(lines, r"^十一、国有资产", after=form_start or part3)
    forms = []
    if form_start is not None:
        form_end = assets if assets is not None else part4
        if target_form_parser is not None:
            forms = target_form_parser(lines, start=form_start, end=form_end)
    narrative_ranges = [(part3 + 1, form_start if form_start is not None else part4)]
    if assets is not None:
        narrative_ranges.append((assets, part4))

    sections: list[ParsedSection] = []
    sections += split_sections(lines, part1 + 1, part2, part="overview")
    for start, end in narrative_ranges:
        sections += split_sections(lines, start, end, part="narrative")
    sections += split_sections(lines, part4 + 1, len(lines), part="glossary")

    department_code = ""
    for form in forms:
        code = re.match(r"^(\d+)-", form.department_label or "")
        if code:
            department_code = code.group(1)
            break
    if not department_code:
        issues.append(ImportIssue(None, "文件未印部门编码，且未从绩效目标表中找到“主管部门及代码”", "error"))
    region, level, province = region_of(unit_name)
    return ParsedDocument(
        kind="budget",
        fiscal_year=fiscal_year,
        department_code=department_code,
        department_name=unit_name,
        unit_code=f"{department_code}001" if department_code else "",
        unit_name=unit_name,
        region=region,
        region_level=level,
        province=province,
        title=title_match,
        tables=tables,
        sections=sections,
        target_forms=forms,
        issues=issues,
        lines_read=len(lines),
    )
