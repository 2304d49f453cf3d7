"""Noisy 单位预算公开 extraction (seed 002, 大同市应急管理局 2023) → ParsedDocument.

The text has the structure of a clean budget disclosure, but it was extracted badly:
- table cells are separated by single spaces; a blank cell is one more space, and in rows whose
  values are doubled the blank cells are doubled too (``20.00   20.0020.00`` = 合计, blank, 项目);
- headings, header cells and many values are printed twice back-to-back (``收入收入``, ``809.80809.80``);
- cells wrap onto the next physical line (``二十二、国有资本经营预`` / ``算支出``): a wrapped fragment sits on
  the line right after its cell, whereas rows are separated by an empty line;
- running headers, page numbers, split watermarks and HTTP error pages are mixed into the text;
- the header block of the ``J安委会工作经费`` target form is re-inserted inside most other forms.

Everything the parser had to guess or could not recover is reported as an ImportIssue.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .numbers import parse_amount
from .parsed import (
    ImportIssue,
    ParsedDocument,
    ParsedFunds,
    ParsedIndicator,
    ParsedSection,
    ParsedTable,
    ParsedTargetForm,
    SourceRow,
)

_NUMERALS = "一二三四五六七八九十"
_PART = re.compile(r"^第([一二三四])部分")
_TABLE_LABEL = re.compile(r"^(?:预算|部门)公开表(\d+)$")
_META = re.compile(r"^单位名称：|^单位[:：]")
_UNIT = re.compile(r"单位[:：]\s*(万元|元)")
_UNIT_NAME = re.compile(r"^单位名称：\s*(\S+)")
_FURNITURE = re.compile(r"^(?:-\d+-|—\s*\d+\s*—|仅供内部审核|仅供|内部|审核)$")
_RUNNING_HEADER = re.compile(r"^\S+?(\d{4}年单位预算公开报告)$")
_ERROR_PAGE = re.compile(r"^(?:[45]\d\d [A-Z][A-Za-z ]+|nginx(?:/[\d.]+)?)$")
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+\.\d{2}|\d+\.\d{2}")
_CODE = re.compile(r"\d{3}(?:\d{2}){0,2}")
_RIGHT_LABEL = re.compile(rf"^(?:[{_NUMERALS}]+、.*(?:支出|预备费)|本年支出合计|年终结转|支出总计)$")
_LEVEL1 = re.compile(rf"^[{_NUMERALS}]+、")
_LEVEL2 = re.compile(rf"^（[{_NUMERALS}]+）")
_ITEM = re.compile(rf"^(?:（[{_NUMERALS}]+）|[{_NUMERALS}]+、|\d+、)")
_TERM = re.compile(rf"^([{_NUMERALS}]+、.+?)(?:：|(?=是指|是对))(.*)$")
_PROVINCE = re.compile(r"《(\w{2,3}省)")

_FORM_TITLE = re.compile(r"项目支出绩效目标(?:申报)?表$")
_YEAR_LABEL = re.compile(r"^[（(]\d{4}年度[）)]$")
_NAME = re.compile(r"^项目名称\s*(.*)$")
_DEPARTMENT = re.compile(r"^主管部门及代码\s*(.*?)\s*实施单位\s*(.*)$")
_DEPARTMENT_CODE = re.compile(r"^(\d+)-(.+?)(?:\[[^\]]*\])?$")
_ATTRIBUTE = re.compile(r"^项目属性\s*(.*?)\s*项目(?:日)?期\s*(.*)$")
_FUNDS_LINE = re.compile(
    r"^(?:项目资金|（元）|实施期资金总额|其中：中央财政资金|省级财政资金|市县（区）财政资|单位自筹|其他资金|金(?:\s|$)|[\d,\s]+市县（区）财政资金)"
)
_FIELD = re.compile(r"^(项目概况|立项依据|项目设立必要性|保证项目实施的制度、措施|项目实施计划)\s*(.*)$")
_GOAL = re.compile(r"^总体目标\s*(.*)$")
_GOAL_HEADER = re.compile(r"^实施期目标\s*年度目标$")
_VERTICAL_LABEL = {"绩", "效", "指", "标", "绩效指标"}
_GRID = re.compile(r"^一级指标\s*二级指标\s*三级指标\s*指标值\s*二级指标\s*三级指标\s*指标值(.*)$")
_FOOTER = re.compile(r"^负责人：\s*(.*?)\s*经办人：\s*(.*?)\s*联系电话：\s*(.*?)\s*填报日期：\s*(.*)$")
_INDICATOR_LEVEL1 = re.compile(r"^(产出指标|效益指标|满意度指标)(?:\s+(.*))?$")
_INDICATOR_LEVEL2 = re.compile(
    r"(?:^|(?<=\s))(服务对象满意度指标|可持续影响指标|经济效益指标|社会效益指标|生态效益指标|数量指标|质量指标|时效指标|成本指标)"
)
_INDICATOR_VALUE = re.compile(r"^(.*?)\s*([≥≤]?\d+(?:\.\d+)?[^\d\s]*)$")
# Q4: the 002 system prints 指标值 as <v>100% (100100% → 100%, 17100% → 17); never certain, so only flagged.
_SUSPECT_VALUE = re.compile(r"^([≥≤]?)(\d+)100%$")

_FIELD_ATTRS = {
    "项目概况": "overview",
    "立项依据": "basis",
    "项目设立必要性": "necessity",
    "保证项目实施的制度、措施": "safeguards",
    "项目实施计划": "plan",
}
_FUNDS_ROWS = (
    ("central", "中央财政资金"),
    ("provincial", "省级财政资金"),
    ("local", "市县（区）财政资金"),
    ("self_raised", "单位自筹"),
    ("other", "其他资金"),
)


@dataclass(frozen=True)
class _Line:
    no: int
    text: str  # as extracted, spacing kept
    follows: bool  # the physical line before it is not empty: a wrapped cell continues here


@dataclass
class _ErrorPage:
    start: int
    end: int
    texts: list[str]


@dataclass(frozen=True)
class _Spec:
    """How one official table is laid out (columns as in the clean 001 extraction)."""

    header: tuple[tuple[str, ...], ...]  # "{y}" stands for the fiscal year
    text_columns: tuple[int, ...]
    sums: tuple[int, tuple[int, ...]] | None = None  # total column and the columns it adds up
    right_label: int | None = None  # 表1/表4: column of the 支出 label, placed by its wording
    coded: bool = False  # rows keyed by 科目编码: parent = code prefix

    @property
    def width(self) -> int:
        return len(self.header[0])

    def column_name(self, column: int) -> str:
        return next(row[column] for row in reversed(self.header) if row[column]).replace("{y}", "")


_FUNDING_COLUMNS = ("合计", "一般公共预算", "政府性基金预算", "国有资本经营预算")
_SPECS = {
    1: _Spec(
        (("收入", "", "支出", "", "", ""), ("项目", "{y}年", "项目", "{y}年合计", "当年预算安排", "上年结转安排")),
        (0, 2),
        (3, (4, 5)),
        right_label=2,
    ),
    2: _Spec(
        (
            ("项目", "", "本年收入", "", "", "", "", "", "上年结转"),
            ("科目编码", "科目名称", "合计", "一般公共预算", "政府性基金", "国有资本经营预算", "财政专户管理资金", "单位资金", ""),
        ),
        (0, 1),
        (2, (3, 4, 5, 6, 7)),
        coded=True,
    ),
    3: _Spec(
        (("项目", "", "{y}年预算数", "", ""), ("科目编码", "科目名称", "合计", "基本支出", "项目支出")),
        (0, 1),
        (2, (3, 4)),
        coded=True,
    ),
    4: _Spec(
        (
            ("收入", "", "支出", "", "", "", ""),
            ("项目", "金额", "项目", "金额", "", "", ""),
            ("", "", "", "小计", "一般公共预算", "政府性基金预算", "国有资本经营预算"),
        ),
        (0, 2),
        (3, (4, 5, 6)),
        right_label=2,
    ),
    5: _Spec(
        (("项目", "", "{y}年预算数", "", ""), ("科目编码", "科目名称", "合计", "基本支出", "项目支出")),
        (0, 1),
        (2, (3, 4)),
        coded=True,
    ),
    6: _Spec(
        (
            ("部门预算支出经济科目名称", "政府预算支出经济科目名称", "{y}年预算数", "", ""),
            ("", "", "合计", "人员经费", "公用经费"),
        ),
        (0, 1),
        (2, (3, 4)),
    ),
    7: _Spec((("项目", "", "政府性基金收入预算"), ("收入科目编码", "科目名称", "")), (0, 1)),
    8: _Spec((("科目编码", "科目名称", "合计", "基本支出", "项目支出"),), (0, 1), (2, (3, 4))),
    9: _Spec(
        (
            ("国有资本经营预算收入", "", "", "国有资本经营预算支出", "", "", "", ""),
            ("项目", "", "国有资本经营收入预算", "科目编码", "科目名称", "合计", "基本支出", "项目支出"),
            ("收入科目编码", "科目名称", "", "", "", "", "", ""),
        ),
        (0, 1, 3, 4),
        (5, (6, 7)),
    ),
    10: _Spec((("项目", "{y}年预算数", "", "", ""), ("",) + _FUNDING_COLUMNS), (0,), (1, (2, 3, 4))),
    11: _Spec((("单位名称", "{y}预算数", "", "", ""), ("",) + _FUNDING_COLUMNS), (0,), (1, (2, 3, 4))),
    12: _Spec(
        (
            ("项目名称", "合计", "{y}年财政拨款", "", "", "财政专户管理资金", "单位资金"),
            ("", "", "一般公共预算", "政府性基金预算", "国有资本经营预算", "", ""),
            ("1", "2", "3", "4", "5", "6", "7"),
        ),
        (0,),
        (1, (2, 3, 4, 5, 6)),
    ),
    13: _Spec(
        (
            ("项目名称", "合计", "{y}年财政拨款", "", ""),
            ("", "", "一般公共预算", "政府性基金预算", "国有资本经营预算"),
            ("1", "2", "3", "4", "5"),
        ),
        (0,),
        (1, (2, 3, 4)),
    ),
}


def parse_noisy_budget_document(text: str) -> ParsedDocument:
    """Parse a noisy 单位预算公开 extraction (the 002 family) into the same shape a clean parser gives."""
    lines, errors, running_title = _read(text)
    issues = [
        ImportIssue(e.start, f"第{e.start}–{e.end}行是混入正文的HTTP错误页（{' / '.join(e.texts)}），已删除；其后内容见相关绩效目标表的问题")
        for e in errors
    ]
    parts = {m.group(1): i for i, line in enumerate(lines) if (m := _PART.match(line.text.strip()))}
    labels = [i for i, line in enumerate(lines) if _TABLE_LABEL.match(line.text.strip())]
    if not labels or not {"一", "三", "四"} <= parts.keys():
        issues.append(ImportIssue(None, "未找到第一、三、四部分或预算公开表标记，无法按单位预算公开解析", "error"))
        return ParsedDocument("budget", 0, "", "", issues=issues, lines_read=len(text.splitlines()))

    table_lines = [line for line in lines[labels[0] : parts["三"]] if not _PART.match(line.text.strip())]
    first_title = next((lines[i].text.strip() for i in range(labels[0] + 1, parts["三"]) if lines[i].text.strip()), "")
    year_match = re.match(r"\d{4}", _heading(first_title))
    fiscal_year = int(year_match.group()) if year_match else 0
    if not fiscal_year:
        issues.append(ImportIssue(lines[labels[0]].no, "表1标题中没有年度，无法确定预算年度", "error"))
    tables = _tables(table_lines, fiscal_year, issues)

    narrative = lines[parts["三"] + 1 : parts["四"]]
    form_start = next((i for i, line in enumerate(narrative) if _FORM_TITLE.search(line.text.strip())), len(narrative))
    form_end = next((i for i in range(form_start, len(narrative)) if _heading_level(narrative[i].text) == 1), len(narrative))
    forms = _target_forms(narrative[form_start:form_end], errors, issues)

    sections = (
        _sections(lines[parts["一"] + 1 : labels[0]], "overview")
        + _sections(narrative[:form_start] + narrative[form_end:], "narrative")
        + _glossary(lines[parts["四"] + 1 :])
    )

    department_code, department_name = _department(forms, issues)
    unit_name = next((m.group(1) for line in table_lines if (m := _UNIT_NAME.match(line.text.strip()))), department_name)
    region_match = re.match(r"^.+?[市县区]", department_name)
    region = region_match.group() if region_match else ""
    province = _province(text, issues)
    unit_code = f"{department_code}001" if department_code else ""
    if unit_code:
        issues.append(ImportIssue(None, f"文中未印出预算单位编码，按主管部门编码{department_code}加001推定为{unit_code}", cell="单位编码"))
    return ParsedDocument(
        kind="budget",
        fiscal_year=fiscal_year,
        department_code=department_code,
        department_name=department_name,
        unit_code=unit_code,
        unit_name=unit_name,
        region=region,
        region_level={"市": "city", "县": "county", "区": "county"}.get(region[-1:], ""),
        province=province,
        title=running_title,
        tables=tables,
        sections=sections,
        target_forms=forms,
        issues=issues,
        lines_read=len(text.splitlines()),
    )


# ---------------------------------------------------------------- reading


def _read(text: str) -> tuple[list[_Line], list[_ErrorPage], str]:
    """Non-empty lines without page furniture; HTTP error pages are cut out and returned separately."""
    lines: list[_Line] = []
    errors: list[_ErrorPage] = []
    running_title = ""
    previous, last_text = "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        follows, previous = previous != "", raw
        if not stripped:
            if raw:
                lines.append(_Line(no, raw, follows))  # blank cells of a table row
            continue
        if _ERROR_PAGE.match(stripped):
            if errors and errors[-1].end == last_text:
                errors[-1].end = no
                errors[-1].texts.append(stripped)
            else:
                errors.append(_ErrorPage(no, no, [stripped]))
        elif header := _RUNNING_HEADER.match(stripped):
            running_title = header.group(1)
        elif not _FURNITURE.match(stripped):
            lines.append(_Line(no, raw, follows))
        last_text = no
    return lines, errors, running_title


def _undouble(text: str) -> str:
    """'收入收入' → '收入'; text that is not two identical halves is returned unchanged."""
    half, odd = divmod(len(text), 2)
    return text[:half] if half and not odd and text[:half] == text[half:] else text


def _heading(text: str) -> str:
    """Collapse a doubled heading: '第一部分 概况第一部分 概况', '第二部分 第二部分 2023年…报表2023年…报表'."""
    text = text.strip()
    whole = _undouble(text)
    if whole != text:
        return whole
    tokens: list[str] = []
    for token in map(_undouble, text.split()):
        if not tokens or tokens[-1] != token:
            tokens.append(token)
    return " ".join(tokens)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# ---------------------------------------------------------------- tables


@dataclass
class _Cell:
    kind: str  # amount | code | text
    text: str  # de-doubled
    line: int
    blanks: int  # blank cells printed before it on its line
    line_start: bool


@dataclass
class _Row:
    line: int
    cells: dict[int, _Cell] = field(default_factory=dict)
    unsure: set[int] = field(default_factory=set)  # columns placed without spacing evidence

    @property
    def last(self) -> int:
        return max(self.cells, default=-1)

    def value(self, column: int) -> Decimal:
        cell = self.cells.get(column)
        return parse_amount(cell.text) or Decimal(0) if cell else Decimal(0)

    def label(self) -> str:
        return " ".join(self.cells[c].text for c in sorted(self.cells) if self.cells[c].kind != "amount")


def _tables(lines: list[_Line], year: int, issues: list[ImportIssue]) -> list[ParsedTable]:
    starts = [i for i, line in enumerate(lines) if _TABLE_LABEL.match(line.text.strip())]
    return [
        _table(lines[start], lines[start + 1 : end], year, issues)
        for start, end in zip(starts, starts[1:] + [len(lines)], strict=True)
    ]


def _table(label_line: _Line, body: list[_Line], year: int, issues: list[ImportIssue]) -> ParsedTable:
    label = label_line.text.strip()
    number = int(_TABLE_LABEL.match(label).group(1))
    spec = _SPECS[number]
    rest = list(body)
    while rest and not rest[0].text.strip():
        rest.pop(0)
    title = rest.pop(0)
    table = ParsedTable(key=f"budget_{number:02d}", title=_heading(title.text), line=title.no, label=label)
    while rest and (not rest[0].text.strip() or _META.match(rest[0].text.strip())):
        if unit := _UNIT.search(rest.pop(0).text):
            table.unit_label = unit.group(1)
    header = tuple(tuple(cell.replace("{y}", str(year)) for cell in row) for row in spec.header)
    table.header_rows, header_size = _header(rest, header, table.label, issues)
    data = []
    for line in rest[header_size:]:
        note = _undouble(line.text.strip())
        if note.startswith("注："):
            if "本表无数据" in note:
                table.empty_note = note
            else:
                table.notes.append(note)
        else:
            data.append(line)
    rows = _place(_cells(data), spec, table.label, issues)
    if spec.coded:
        _resolve_unsure(rows, spec, table.label, issues)
    _check_sums(rows, spec, table.label, issues)
    table.rows = [SourceRow(row.line, [row.cells[c].text if c in row.cells else "" for c in range(spec.width)]) for row in rows]
    if table.empty_note and any(row.cells[c].kind == "amount" for row in rows for c in row.cells):
        issues.append(
            ImportIssue(
                table.line,
                f"{table.label}注明“本表无数据”，却列出{len(rows)}行（数值为0.00）；行与说明均按原样保留",
                cell=table.label,
            )
        )
    return table


def _header(lines: list[_Line], expected: tuple[tuple[str, ...], ...], label: str, issues: list[ImportIssue]) -> tuple[list[list[str]], int]:
    """Header rows, checked against the printed (doubled, wrapped) header cells read in order."""
    target = "".join(cell for row in expected for cell in row)
    seen = ""
    for count, line in enumerate(lines, 1):
        seen += "".join(_undouble(token) for token in line.text.split())
        if seen == target:
            return [list(row) for row in expected], count
        if not target.startswith(seen):
            break
    size = next((i for i, line in enumerate(lines) if _AMOUNT.search(line.text) or line.text.strip().startswith("合计")), 0)
    tokens = [_undouble(token) for line in lines[:size] for token in line.text.split()]
    issues.append(ImportIssue(lines[0].no if lines else None, f"{label}表头与预期的列结构不符，表头按原文单元格保留为一行", cell=f"{label} 表头"))
    return [tokens], size


def _cells(lines: list[_Line]) -> list[_Cell]:
    """Cells in reading order; a text fragment wrapped onto the next line is joined to its cell."""
    cells: list[_Cell] = []
    open_text: _Cell | None = None
    for line in lines:
        line_cells, trailing_blank = _line_cells(line)
        if line_cells and open_text and line.follows and line_cells[0].kind == "text" and line_cells[0].blanks == 0:
            open_text.text += line_cells.pop(0).text
        elif not line_cells:
            open_text = None
        if line_cells:
            last = line_cells[-1]
            open_text = last if last.kind == "text" else None
        if trailing_blank:
            open_text = None
        cells.extend(line_cells)
    return cells


def _line_cells(line: _Line) -> tuple[list[_Cell], bool]:
    cells: list[_Cell] = []
    blanks = 0
    for chunk in line.text.split(" "):
        if not chunk:
            blanks += 1
            continue
        for kind, text, doubled in _pieces(chunk):
            # in a doubled row the blank cells are doubled too
            cells.append(_Cell(kind, text, line.no, blanks // 2 if doubled else blanks, not cells))
            blanks = 0
    return cells, blanks > 0


def _pieces(chunk: str) -> list[tuple[str, str, bool]]:
    """Split a space-free chunk into amounts, codes and text: '2,296.592,296.59本年支出合计本年支出合计'."""
    pieces: list[tuple[str, str, bool]] = []
    position = 0
    for match in _AMOUNT.finditer(chunk):
        if match.start() > position:
            pieces.extend(_word(chunk[position : match.start()]))
        elif pieces and pieces[-1] == ("amount", match.group(), False):
            pieces[-1] = ("amount", match.group(), True)
            position = match.end()
            continue
        pieces.append(("amount", match.group(), False))
        position = match.end()
    pieces.extend(_word(chunk[position:]))
    return pieces


def _word(text: str) -> list[tuple[str, str, bool]]:
    text = text.strip("\u3000")
    if not text:
        return []
    return [("code", text, False)] if _CODE.fullmatch(text) else [("text", _undouble(text), False)]


def _place(cells: list[_Cell], spec: _Spec, label: str, issues: list[ImportIssue]) -> list[_Row]:
    """Put cells into columns: labels by wording/order, amounts after the blank cells printed before them."""
    rows: list[_Row] = []
    previous: _Cell | None = None
    for cell in cells:
        row = rows[-1] if rows else None
        if cell.kind != "amount":
            column = _text_column(spec, cell, row.last if row else -1)
            if row is None or column is None or column <= row.last:
                row = _Row(cell.line)
                rows.append(row)
                column = _text_column(spec, cell, -1)
            row.cells[column] = cell
        elif row is None:
            issues.append(ImportIssue(cell.line, f"{label}表头后出现不属于任何行的数值{cell.text}，已忽略", cell=label))
        else:
            target = row.last + 1 + cell.blanks
            column = next((c for c in range(target, spec.width) if c not in spec.text_columns), None)
            if column is None:
                issues.append(ImportIssue(cell.line, f"{label}「{row.label()}」的数值{cell.text}超出表格列数，已忽略", cell=label))
                continue
            row.cells[column] = cell
            if cell.line_start and previous is not None and previous.kind == "amount":
                row.unsure.add(column)  # the line break hides the spaces before this value
        previous = cell
    return rows


def _text_column(spec: _Spec, cell: _Cell, after: int) -> int | None:
    if spec.right_label is not None:
        return spec.right_label if _RIGHT_LABEL.match(cell.text) else 0
    return next((c for c in spec.text_columns if c > after), None)


def _resolve_unsure(rows: list[_Row], spec: _Spec, label: str, issues: list[ImportIssue]) -> None:
    """A lone part value whose spacing was lost goes to the column where the parent row's sum needs it."""
    if spec.sums is None:
        return
    parts = spec.sums[1]
    for row in rows:
        for column in sorted(row.unsure & set(parts)):
            cell = row.cells[column]
            code = row.cells[0].text
            parent = _parent(rows, code)
            value = parse_amount(cell.text)
            fits = [
                c
                for c in parts
                if parent is not None
                and (c == column or c not in row.cells)
                and parent.value(c) - sum((r.value(c) for r in _children(rows, parent) if r is not row), Decimal(0)) == value
            ]
            where = f"{label} {code} {row.cells.get(1, cell).text}"
            if len(fits) == 1:
                del row.cells[column]
                column = fits[0]
                row.cells[column] = cell
                message = f"{where}：{cell.text}的列位置无法从空格判断，按上级科目{parent.cells[0].text}的分列合计判断为「{spec.column_name(column)}」"
            else:
                message = f"{where}：{cell.text}的列位置无法从空格或上级科目合计判断，暂列「{spec.column_name(column)}」"
            issues.append(ImportIssue(cell.line, message, cell=f"{label} {code} {spec.column_name(column)}"))


def _parent(rows: list[_Row], code: str) -> _Row | None:
    key = code[:-2] if len(code) > 3 else "合计"
    return next((row for row in rows if row.cells.get(0) and row.cells[0].text == key), None)


def _children(rows: list[_Row], parent: _Row) -> list[_Row]:
    key = parent.cells[0].text
    length = 3 if key == "合计" else len(key) + 2
    return [
        row
        for row in rows
        if row.cells.get(0) and row.cells[0].kind == "code" and len(row.cells[0].text) == length
        and (key == "合计" or row.cells[0].text.startswith(key))
    ]


def _check_sums(rows: list[_Row], spec: _Spec, label: str, issues: list[ImportIssue]) -> None:
    """Row totals and (for 科目 tables) parent = Σ children, per column; differences are reported."""
    if spec.sums is None:
        return
    total, parts = spec.sums
    for row in rows:
        if total in row.cells or any(c in row.cells for c in parts):
            expected = sum((row.value(c) for c in parts), Decimal(0))
            if row.value(total) != expected:
                issues.append(
                    ImportIssue(
                        row.line,
                        f"{label}「{row.label()}」{spec.column_name(total)}{row.value(total)}不等于各分列之和{expected}，请核对列归属",
                        cell=f"{label} {spec.column_name(total)}",
                    )
                )
    if not spec.coded:
        return
    for parent in rows:
        children = _children(rows, parent) if parent.cells.get(0) else []
        for column in (total, *parts) if children else ():
            expected = sum((child.value(column) for child in children), Decimal(0))
            if parent.value(column) != expected:
                issues.append(
                    ImportIssue(
                        parent.line,
                        f"{label} {parent.cells[0].text}「{spec.column_name(column)}」{parent.value(column)}不等于下级科目之和{expected}",
                        cell=f"{label} {parent.cells[0].text} {spec.column_name(column)}",
                    )
                )


# ---------------------------------------------------------------- sections


def _heading_level(text: str) -> int:
    """1 for '一、…', 2 for '（一）…' when the line is a title (short, no punctuation), else 0."""
    heading = _heading(text)
    marker = _LEVEL1.match(heading) or _LEVEL2.match(heading)
    title = heading[marker.end() :] if marker else ""
    if not title or len(title) > 36 or any(mark in title for mark in "，。；、：,"):
        return 0
    return 1 if _LEVEL1.match(heading) else 2


def _sections(lines: list[_Line], part: str) -> list[ParsedSection]:
    sections: list[ParsedSection] = []
    body: list[str] = []
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if level := _heading_level(text):
            if sections:
                sections[-1].body = _paragraphs(body)
            body = []
            sections.append(ParsedSection(part, _heading(text), "", line.no, level))
        else:
            body.append(text)
    if sections:
        sections[-1].body = _paragraphs(body)
    return sections


def _glossary(lines: list[_Line]) -> list[ParsedSection]:
    items: list[tuple[int, list[str]]] = []
    for line in lines:
        text = line.text.strip()
        if _LEVEL1.match(text):
            items.append((line.no, [text]))
        elif text and items:
            items[-1][1].append(text)
    sections = []
    for no, (first, *rest) in items:
        term = _TERM.match(first)
        heading, opening = (term.group(1), term.group(2)) if term else (first, "")
        sections.append(ParsedSection("glossary", heading, _paragraphs([opening, *rest] if opening else rest), no))
    return sections


def _paragraphs(texts: list[str]) -> str:
    """Join lines wrapped at a fixed width: a paragraph ends at a short line closing a sentence or item."""
    full = max(map(_width, texts), default=0)
    paragraphs: list[str] = []
    closed = True
    for text in texts:
        if closed or _ITEM.match(text):
            paragraphs.append(text)
        else:
            paragraphs[-1] += text
        short = _width(text) < full * 0.85
        closed = short and (text[-1] in "。；：！？" or (paragraphs[-1] == text and bool(_ITEM.match(text))))
    return "\n".join(paragraphs)


# ---------------------------------------------------------------- target forms


@dataclass
class _FormLines:
    line: int
    lines: list[_Line] = field(default_factory=list)
    gap: _ErrorPage | None = None  # content lost inside the form, the form goes on
    cut: _ErrorPage | None = None  # the form stops at the error page before its footer
    after: _ErrorPage | None = None  # headless form: starts right after the error page
    has_grid: bool = False


def _target_forms(lines: list[_Line], errors: list[_ErrorPage], issues: list[ImportIssue]) -> list[ParsedTargetForm]:
    lines = _drop_foreign_blocks(lines, issues)
    drafts: list[_FormLines] = []
    current: _FormLines | None = None
    previous = lines[0].no if lines else 0
    for line in lines:
        error = next((e for e in errors if previous < e.start and e.end < line.no), None)
        previous = line.no
        if error and current:
            if current.has_grid:
                current.cut, current = error, None
            else:
                current.gap = error
        text = line.text.strip()
        if _FORM_TITLE.search(text):
            current = _FormLines(line.no)
            drafts.append(current)
        elif current is None:
            if error is None:
                issues.append(ImportIssue(line.no, f"绩效目标表之间有无法归属的行：{text[:30]}，已忽略"))
                continue
            current = _FormLines(line.no, after=error)
            drafts.append(current)
        current.lines.append(line)
        current.has_grid = current.has_grid or bool(_GRID.match(text))
        if _FOOTER.match(text):
            current = None
    return [_target_form(draft) for draft in drafts]


def _drop_foreign_blocks(lines: list[_Line], issues: list[ImportIssue]) -> list[_Line]:
    """Q5: a form's header block (title … 指标 grid header) printed again inside other forms is cut out.

    A block is identified by its whole text without whitespace; the first occurrence is the genuine form.
    Text glued after the copy's grid header (e.g. '项目资金') belongs to the host form and is kept.
    """
    titles = [i for i, line in enumerate(lines) if _FORM_TITLE.search(line.text.strip())]
    first_seen: dict[str, int] = {}
    copies: dict[int, list[int]] = {}
    drop: set[int] = set()
    kept_tail: dict[int, _Line] = {}
    for start in titles:
        end = next((i for i in range(start + 1, len(lines)) if i in titles or _GRID.match(lines[i].text.strip())), None)
        if end is None or end in titles:
            continue
        signature = "".join("".join(line.text.split()) for line in lines[start:end])
        if signature not in first_seen:
            first_seen[signature] = start
            continue
        copies.setdefault(first_seen[signature], []).append(start)
        drop.update(range(start, end + 1))
        if tail := _GRID.match(lines[end].text.strip()).group(1).strip():
            kept_tail[end] = _Line(lines[end].no, tail, follows=False)
    for original, starts in copies.items():
        name = next((m.group(1) for line in lines[original : original + 4] if (m := _NAME.match(line.text.strip()))), "")
        issues.append(
            ImportIssue(
                lines[starts[0]].no,
                f"绩效目标表「{name}」的表头、资金和总体目标块被插入其他表中{len(starts)}次"
                f"（第{'、'.join(str(lines[s].no) for s in starts)}行），已删除；保留第{lines[original].no}行的原表",
                cell="绩效目标表",
            )
        )
    return [kept_tail.get(i, line) for i, line in enumerate(lines) if i not in drop or i in kept_tail]


@dataclass
class _Occurrence:
    line: int
    texts: list[str]


def _target_form(draft: _FormLines) -> ParsedTargetForm:
    form = ParsedTargetForm(line=draft.line, title="", year_label="", project_name="")
    fields: dict[str, list[_Occurrence]] = {}
    goals: list[_Occurrence] = []
    funds: list[str] = []
    grids: list[int] = []
    indicators: list[ParsedIndicator] = []
    collector: list[str] | None = None
    level1 = ""
    for line in draft.lines:
        text = line.text.strip()
        if _FORM_TITLE.search(text):
            form.title = text
        elif _YEAR_LABEL.match(text):
            form.year_label = text
        elif m := _NAME.match(text):
            form.project_name = m.group(1)
        elif m := _DEPARTMENT.match(text):
            form.department_label, form.implementing_unit = m.groups()
        elif m := _ATTRIBUTE.match(text):
            form.attribute, form.period_label = m.groups()
        elif _FUNDS_LINE.match(text):
            funds.append(text)
        elif m := _FIELD.match(text):
            occurrence = _Occurrence(line.no, [m.group(2)] if m.group(2) else [])
            fields.setdefault(m.group(1), []).append(occurrence)
            collector = occurrence.texts
        elif m := _GOAL.match(text):
            goals.append(_Occurrence(line.no, [m.group(1)] if m.group(1) else []))
            collector = goals[-1].texts
        elif text in _VERTICAL_LABEL or _GOAL_HEADER.match(text):
            collector = None
        elif _GRID.match(text):
            grids.append(line.no)
            collector, level1 = None, ""
        elif m := _FOOTER.match(text):
            form.responsible, form.handler, form.phone, form.filled_at = m.groups()
        elif grids and collector is None:
            if m := _INDICATOR_LEVEL1.match(text):
                level1, text = m.group(1), m.group(2) or ""
            indicators.extend(_indicator_row(text, level1, line.no, form))
        elif collector is not None:
            collector.append(text)
        else:
            form.issues.append(ImportIssue(line.no, f"绩效目标表「{form.project_name}」中无法归属的行：{text[:30]}，已忽略"))

    name = form.project_name or f"第{draft.line}行起的无表头表"
    if funds:
        form.funds_period, form.funds_annual = _funds(" ".join(funds), name, draft.line, form.issues)
    for label, attr in _FIELD_ATTRS.items():
        texts = [_Occurrence(o.line, ["".join(o.texts)]) for o in fields.get(label, [])]
        setattr(form, attr, _merge(texts, f"「{name}」{label}", form.issues))
    split = [(o.line, _split_goal(o.texts, name, o.line, form.issues)) for o in goals]
    form.goal_period = _merge([_Occurrence(no, [p]) for no, (p, _) in split], f"「{name}」实施期目标", form.issues)
    form.goal_annual = _merge([_Occurrence(no, [a]) for no, (_, a) in split], f"「{name}」年度目标", form.issues)
    form.indicators = _dedupe_indicators(indicators, name, form.issues)
    repeats = [o.line for occurrences in fields.values() for o in occurrences[1:]] + grids[1:]
    if repeats:
        form.issues.append(ImportIssue(min(repeats), f"绩效目标表「{name}」自第{min(repeats)}行起把表内的字段和指标块又印了一遍，重复内容已去除"))
    _report_missing(form, draft, bool(funds))
    return form


def _indicator_row(text: str, level1: str, no: int, form: ParsedTargetForm) -> list[ParsedIndicator]:
    """'数量指标 名称100100% 数量指标 名称100100%' → the 实施期 and 年度 halves (template rows give nothing)."""
    starts = [m.start() for m in _INDICATOR_LEVEL2.finditer(text)]
    if not starts:
        if text:
            form.issues.append(ImportIssue(no, f"绩效目标表「{form.project_name}」无法识别的指标行：{text[:30]}，已忽略"))
        return []
    indicators = []
    suspects = []
    halves = zip(starts, starts[1:] + [len(text)], strict=True)
    for period, (start, end) in zip(("period", "annual"), halves, strict=False):
        half = text[start:end].strip()
        level2 = _INDICATOR_LEVEL2.match(half).group(1)
        rest = half[len(level2) :].strip()
        if not rest:
            continue
        match = _INDICATOR_VALUE.match(rest)
        name, value = match.groups() if match else (rest, "")
        indicators.append(ParsedIndicator(period, level1, level2, name, value, no))
        if suspect := _SUSPECT_VALUE.match(value):
            operator, number = suspect.groups()
            suspects.append(f"{value}→{operator}{'100%' if number == '100' else number}")
        if "XX" in value:
            suspects.append(f"{value}含占位符XX")
    if len(starts) > 2:
        form.issues.append(ImportIssue(no, f"绩效目标表「{form.project_name}」指标行含多于两组二级指标，只读取前两组"))
    if suspects:
        names = "、".join(dict.fromkeys(i.name for i in indicators))
        form.issues.append(
            ImportIssue(no, f"绩效目标表「{form.project_name}」指标「{names}」疑似重复值 {'；'.join(dict.fromkeys(suspects))}，指标值按原文保留", cell="指标值")
        )
    return indicators


def _dedupe_indicators(indicators: list[ParsedIndicator], name: str, issues: list[ImportIssue]) -> list[ParsedIndicator]:
    """Q7: an indicator block printed twice in one form keeps its first copy."""
    kept: dict[tuple[str, str, str, str, str], ParsedIndicator] = {}
    dropped = []
    for indicator in indicators:
        key = (indicator.period, indicator.level1, indicator.level2, indicator.name, indicator.value)
        if key in kept:
            dropped.append(indicator.line)
        else:
            kept[key] = indicator
    if dropped:
        issues.append(ImportIssue(dropped[0], f"绩效目标表「{name}」第{dropped[0]}–{dropped[-1]}行的{len(dropped)}个指标与前面重复，已去除"))
    return list(kept.values())


def _merge(occurrences: list[_Occurrence], what: str, issues: list[ImportIssue]) -> str:
    """One text from a field printed once or more (Q7); a truncated first copy gives way to the complete one."""
    if not occurrences:
        return ""
    first = occurrences[0]
    text = first.texts[0]
    for other in occurrences[1:]:
        repeat = other.texts[0]
        if text.startswith(repeat):
            continue
        if repeat.startswith(text):
            issues.append(ImportIssue(other.line, f"{what}第{first.line}行的文本被截断，采用第{other.line}行重复出现的完整文本"))
            text = repeat
        else:
            issues.append(ImportIssue(other.line, f"{what}在第{first.line}行和第{other.line}行各印一次且内容不同，保留第{first.line}行"))
    return text


def _split_goal(texts: list[str], name: str, no: int, issues: list[ImportIssue]) -> tuple[str, str]:
    """总体目标 prints the 实施期 and 年度 cells one after the other, each wrapped at its own width."""
    texts = [text for text in texts if text]
    if len(texts) == 1:
        line = texts[0]
        for position in (i for i, char in enumerate(line) if char == " "):
            if line[:position].strip() == line[position:].strip():
                return line[:position].strip(), line[position:].strip()
    elif texts:
        prefix = texts[0][:8]
        start = next((i for i in range(1, len(texts)) if texts[i].startswith(prefix)), None)
        if start is not None:
            return "".join(texts[:start]), "".join(texts[start:])
    issues.append(ImportIssue(no, f"「{name}」总体目标无法区分实施期目标与年度目标，全文记为实施期目标", cell="总体目标"))
    return "".join(texts), ""


def _funds(text: str, name: str, no: int, issues: list[ImportIssue]) -> tuple[ParsedFunds, ParsedFunds]:
    text = re.sub(r"(\d),\s+(?=\d{3}\b)", r"\1,", text)  # '300, 000'
    text = re.sub(r"财政资\s+金", "财政资金", text)  # label wrapped inside its cell
    period, annual = ParsedFunds(), ParsedFunds()
    missing = []
    if totals := re.search(r"实施期资金总额：\s*([\d,.]*)\s*年度资金总额：\s*([\d,.]*)", text):
        period.total, annual.total = parse_amount(totals.group(1)), parse_amount(totals.group(2))
    else:
        missing.append("资金总额")
    for attr, label in _FUNDS_ROWS:
        values = re.findall(rf"{label}\s*([\d,]+(?:\.\d+)?)?", text)
        if len(values) == 2:
            setattr(period, attr, parse_amount(values[0]))
            setattr(annual, attr, parse_amount(values[1]))
        else:
            missing.append(label)
    if missing:
        issues.append(ImportIssue(no, f"绩效目标表「{name}」项目资金缺少：{'、'.join(missing)}，按空白处理", cell="项目资金"))
    return period, annual


def _report_missing(form: ParsedTargetForm, draft: _FormLines, has_funds: bool) -> None:
    present = {
        "项目名称": form.project_name,
        "主管部门及代码": form.department_label,
        "项目属性": form.attribute,
        "项目期": form.period_label,
        "项目资金": has_funds,
        **{label: getattr(form, attr) for label, attr in _FIELD_ATTRS.items()},
        "总体目标": form.goal_period or form.goal_annual,
        "绩效指标": form.indicators,
        "填报日期": form.filled_at,
    }
    missing = "、".join(label for label, value in present.items() if not value)
    if not missing:
        return
    name = form.project_name or "（无项目名称）"
    if draft.after:
        e = draft.after
        message = f"第{e.start}–{e.end}行HTTP错误页之后的绩效目标表（第{draft.line}行起）丢失了表头：{missing}；无法确定所属项目，资金按空白处理"
    elif draft.gap:
        e = draft.gap
        message = f"绩效目标表「{name}」（第{draft.line}行）在第{e.start}–{e.end}行HTTP错误页处丢失了：{missing}"
    elif draft.cut:
        e = draft.cut
        message = f"绩效目标表「{name}」（第{draft.line}行）在第{e.start}–{e.end}行HTTP错误页处中断，缺少：{missing}"
    else:
        message = f"绩效目标表「{name}」（第{draft.line}行）缺少：{missing}"
    form.issues.append(ImportIssue(draft.line, message))


# ---------------------------------------------------------------- document facts


def _department(forms: list[ParsedTargetForm], issues: list[ImportIssue]) -> tuple[str, str]:
    labels = Counter(form.department_label for form in forms if form.department_label)
    for label, _ in labels.most_common(1):
        if m := _DEPARTMENT_CODE.match(label):
            return m.group(1), m.group(2)
    issues.append(ImportIssue(None, "绩效目标表中没有“主管部门及代码”，无法确定部门编码", "error", cell="主管部门及代码"))
    return "", ""


def _province(text: str, issues: list[ImportIssue]) -> str:
    provinces = Counter(_PROVINCE.findall(text))
    if len(provinces) != 1:
        issues.append(ImportIssue(None, "文中未印出所属省份，且无法从引用的省级文件推定", cell="省份"))
        return ""
    province, count = provinces.most_common(1)[0]
    issues.append(ImportIssue(None, f"文中未印出所属省份，按正文引用的{count}处《{province}…》文件推定为{province}", cell="省份"))
    return province
