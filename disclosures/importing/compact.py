"""Compact project performance-target table (DOMAIN §4.6, seed 004): one row per project, HTML-ish cells.

``单位编码 | 单位及项目名称 | 金额 (万元) | 绩效目标 | 绩效指标``; the header row repeats after page breaks (kept once).
Rows: ``合计:``, the department (3-digit code), the unit (6-digit code), then projects numbered 1…N.

The 绩效指标 cell is a flat run of ``<p>``/``<ol>`` chunks: 一级 headings ``一、产出指标``, 二级 headings
``(一) 数量指标`` (numbering continues, restarts or repeats — only the name counts), and items ``1. name value``
(inside ``<ol>`` without ``<li>``, one per ``<p>``, several per ``<p>``, or unnumbered). A 二级 name can also
start an item (``质量指标 农村住房保险补贴覆盖率 ≥95%``) or stand alone as an item (``1. 服务对象满意度指标``); both
change the 二级 for what follows and are reported as misplaced labels (DOMAIN Q13).

Name and value are split at the value boundary decided by performance.values.parse_indicator_value; list punctuation
after the value (``;`` ``。`` ``、``) is dropped. Labels are kept as printed minus their numbering and colon.
"""

from __future__ import annotations

import html
import re

from disclosures.importing.numbers import AmountError, parse_amount
from disclosures.importing.parsed import (
    ImportIssue,
    ParsedDocument,
    ParsedIndicator,
    ParsedTable,
    ParsedTargetForm,
    SourceRow,
)
from performance.values import LEVEL2_PARENT, normalise_level1, normalise_level2, parse_indicator_value

TABLE_KEY = "targets_compact"
HEADER_FIRST_CELL = "单位编码"
_PROVINCE_OF = {"门源县": "青海省", "门源回族自治县": "青海省"}  # the compact document never names its province

_TAG = re.compile(r"<\s*/?\s*(?:p|ol|ul|li|br|div|span)\b[^>]*>", re.IGNORECASE)
_OTHER_TAG = re.compile(r"<[^>]{0,200}>")
_PARAGRAPH = re.compile(r"<\s*p\b[^>]*>(.*?)(?:<\s*/\s*p\s*>|$)", re.IGNORECASE | re.DOTALL)
_CN_NUMERAL = "一二三四五六七八九十"
_LEVEL1_HEADING = re.compile(rf"^[{_CN_NUMERAL}]+\s*[、.．]\s*(?P<label>\S{{2,12}}?)\s*[:：]?$")
_LEVEL2_HEADING = re.compile(rf"^[(（]\s*[{_CN_NUMERAL}]+\s*[)）]\s*(?P<label>\S{{2,12}}?)\s*[:：]?$")
_LEVEL2_NAMES = "数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响|服务对象满意度|满意度"
_INLINE_LEVEL2 = re.compile(rf"^(?P<label>(?:{_LEVEL2_NAMES})指标)\s*[:：]?(?:\s+|$)(?P<rest>.*)$", re.DOTALL)
_ITEM_MARK = re.compile(r"(?:^|(?<=\s))(?P<n>\d{1,2})\s*[.．、](?!\d)\s*")
_CJK_BEFORE_VALUE = re.compile(r"[\u4e00-\u9fff）)》」”]")
_VALUE_START = re.compile(r"[\d≥≤≧≦≠=＝<>＜＞]")
_SEPARATORS = "；;。，,、 \t"
_RECOGNISED = ("quantity", "range", "date", "qualitative")


def parse_compact_document(text: str) -> ParsedDocument:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title_line, title = next(((n, s.strip()) for n, s in enumerate(lines, 1) if s.strip()), (0, ""))
    year_match = re.search(r"((?:19|20)\d{2})\s*年", title)
    fiscal_year = int(year_match.group(1)) if year_match else 0
    doc = ParsedDocument(
        kind=TABLE_KEY, fiscal_year=fiscal_year, department_code="", department_name="", title=title,
        lines_read=len(lines),
    )  # fmt: skip
    if not year_match:
        doc.issues.append(ImportIssue(title_line, "标题中找不到预算年度", "error", "标题"))
    table = ParsedTable(key=TABLE_KEY, title=title, line=title_line)
    doc.tables.append(table)
    width = 5
    projects: list[tuple[int, list[str]]] = []

    for number, line in enumerate(lines, 1):
        if number == title_line or not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        first = cells[0]
        if first == HEADER_FIRST_CELL:
            if not table.header_rows:
                table.header_rows.append(cells)
                width = max(5, len(cells))
                unit = re.search(r"[(（]\s*(万元|元)\s*[)）]", line)
                table.unit_label = unit.group(1) if unit else ""
            continue
        if len(cells) > width:  # a tab inside a cell: keep it in the last column
            cells = cells[: width - 1] + ["\t".join(cells[width - 1 :])]
        cells += [""] * (width - len(cells))
        if not table.header_rows:
            doc.issues.append(ImportIssue(number, f"表头之前的内容已忽略：{line.strip()[:40]}", "warning"))
            continue
        table.rows.append(SourceRow(number, cells))
        if first.startswith("合计"):
            continue
        if re.fullmatch(r"\d{3}", first) and not doc.department_code:
            doc.department_code, doc.department_name = first, cells[1]
        elif re.fullmatch(r"\d{6}", first) and not doc.unit_code:
            doc.unit_code, doc.unit_name = first, cells[1]
        elif re.fullmatch(r"\d{1,3}", first):
            projects.append((number, cells))
        else:
            doc.issues.append(ImportIssue(number, f"无法识别的表格行：{first[:20]}", "warning", "单位编码"))

    if not table.header_rows:
        doc.issues.append(ImportIssue(None, "找不到表头“单位编码 单位及项目名称 金额 绩效目标 绩效指标”", "error"))
    if not doc.department_code:
        doc.issues.append(ImportIssue(None, "找不到部门行（3位单位编码）", "error", "单位编码"))
    if not doc.unit_code and doc.department_code:
        doc.unit_code, doc.unit_name = doc.department_code + "001", doc.department_name
    _set_region(doc)

    for number, cells in projects:
        doc.target_forms.append(_parse_project(number, cells, doc, table.unit_label or "万元"))
    return doc


def _set_region(doc: ParsedDocument) -> None:
    match = re.match(r"^(.{2,}?(?:自治县|自治州|县|旗|市|区|州|省))", doc.department_name or doc.unit_name)
    if not match:
        return
    doc.region = match.group(1)
    doc.region_level = {"省": "province", "市": "city", "州": "city"}.get(doc.region[-1], "county")
    doc.province = doc.region if doc.region_level == "province" else _PROVINCE_OF.get(doc.region, "")


def _parse_project(line: int, cells: list[str], doc: ParsedDocument, unit: str) -> ParsedTargetForm:
    code, name, amount_text, goal_cell, indicator_cell = cells[:5]
    form = ParsedTargetForm(
        line=line,
        title=doc.title,
        year_label=f"{doc.fiscal_year}年" if doc.fiscal_year else "",
        project_name=name,
        department_label=f"{doc.department_code}-{doc.department_name}" if doc.department_code else "",
        implementing_unit=doc.unit_name,
        funds_unit=unit,
        code=code,
        goal_annual=_paragraph_text(goal_cell),
    )
    try:
        form.amount = parse_amount(amount_text)
    except AmountError as exc:
        form.issues.append(ImportIssue(line, f"项目{code}金额无法识别：{exc}", "error", "金额"))
    if form.amount is None and not form.issues:
        form.issues.append(ImportIssue(line, f"项目{code}金额为空", "warning", "金额"))
    form.indicators = _parse_indicators(indicator_cell, line, code, form.issues)
    return form


def _clean(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(_OTHER_TAG.sub("", fragment))).strip()


def _paragraph_text(cell: str) -> str:
    """``<p>目标1: …</p> <p>目标2: …</p>`` → ``目标1: …\\n目标2: …``."""
    paragraphs = [_clean(p) for p in _PARAGRAPH.findall(cell)] if _PARAGRAPH.search(cell) else [_clean(cell)]
    return "\n".join(p for p in paragraphs if p)


def _parse_indicators(cell: str, line: int, code: str, issues: list[ImportIssue]) -> list[ParsedIndicator]:
    where = f"项目{code} 绩效指标"
    indicators: list[ParsedIndicator] = []
    level1 = level2 = ""
    expected = 1

    def warn(message: str) -> None:
        issues.append(ImportIssue(line, message, "warning", where))

    for chunk in (_clean(c) for c in _TAG.split(cell)):
        if not chunk:
            continue
        heading = _LEVEL1_HEADING.match(chunk)
        if heading and heading["label"].endswith("指标"):
            level1 = heading["label"]
            _, flagged = normalise_level1(level1)
            level2 = ""
            if flagged:
                level2 = level1
                warn(f"一级标题“{chunk}”是二级指标名称，按{level1}处理（Q13）")
            expected = 1
            continue
        heading = _LEVEL2_HEADING.match(chunk)
        if heading and heading["label"].endswith("指标"):
            level2 = heading["label"]
            code2, flagged = normalise_level2(level2)
            if flagged:
                warn(f"无法识别的二级指标名称“{level2}”")
            elif level1 and LEVEL2_PARENT[code2] != normalise_level1(level1)[0]:
                warn(f"二级指标“{level2}”印在一级指标“{level1}”之下（Q13）")
            expected = 1
            continue

        for number, piece in _items(chunk, expected):
            if number is not None:
                expected = number + 1
            inline = _INLINE_LEVEL2.match(piece)
            if inline:
                level2 = inline["label"]
                piece = inline["rest"].strip()
                what = f"第{number}项" if number is not None else "指标行"
                warn(f"二级指标名称“{level2}”印在{what}中（{'单独成项' if not piece else '与指标同行'}，Q13）")
                if not piece:
                    continue
            name, value, problem = split_name_value(piece)
            if problem:
                warn(f"“{piece[:40]}”：{problem}")
            if not level1 or not level2:
                warn(f"指标“{name[:20]}”前没有{'一级' if not level1 else '二级'}指标标题")
            indicators.append(ParsedIndicator("annual", level1, level2, name, value, line))
    return indicators


def _items(chunk: str, expected: int) -> list[tuple[int | None, str]]:
    """Split a chunk at item numbers ``1.`` ``2.`` … (in sequence, or any number at the chunk start)."""
    cuts: list[tuple[int, int, int]] = []  # (number, marker start, text start)
    for match in _ITEM_MARK.finditer(chunk):
        number = int(match["n"])
        if (match.start() == 0 and not cuts) or number == expected:
            cuts.append((number, match.start(), match.end()))
            expected = number + 1
    pieces: list[tuple[int | None, str]] = []
    lead = chunk[: cuts[0][1]] if cuts else chunk
    if lead.strip():
        pieces.append((None, lead.strip()))
    for i, (number, _, start) in enumerate(cuts):
        end = cuts[i + 1][1] if i + 1 < len(cuts) else len(chunk)
        if chunk[start:end].strip():
            pieces.append((number, chunk[start:end].strip()))
    return pieces


def split_name_value(item: str) -> tuple[str, str, str]:
    """``企业安全检查 50次`` → (name, value, ""); the third element names a problem ("" when clean).

    Tries the longest whitespace-separated tail that parses as a value, then a value glued to the name
    (``业务工作经费1万元``), then a last token that starts like a value (kept, reported as unrecognised).
    """
    item = item.strip().rstrip(_SEPARATORS)
    tokens = item.split()
    for k in range(len(tokens) - 1, 0, -1):
        value = " ".join(tokens[-k:]).rstrip(_SEPARATORS)
        if value and parse_indicator_value(value).kind in _RECOGNISED:
            return " ".join(tokens[:-k]), value, ""
    for i in range(1, len(item)):
        if _VALUE_START.match(item[i]) and _CJK_BEFORE_VALUE.match(item[i - 1]):
            value = item[i:]
            if parse_indicator_value(value).kind in ("quantity", "range"):
                return item[:i].strip(), value, ""
    if len(tokens) > 1 and _VALUE_START.match(tokens[-1]):
        return " ".join(tokens[:-1]), tokens[-1], "指标值无法识别，按原文保留"
    return item, "", "无法拆分指标名称和指标值，整行作为指标名称"
