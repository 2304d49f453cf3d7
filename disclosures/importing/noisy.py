"""Noisy 单位预算公开 extraction (seed 002, 大同市应急管理局 2023) → ParsedDocument.

The text has the structure of a clean budget disclosure (see 001) but was extracted badly:
- table cells are separated by single spaces and a blank cell is one more space; in rows whose values
  are doubled the blank cells are doubled too (``20.00   20.0020.00`` = 合计, blank 基本支出, 项目支出);
- headings, header cells and many values are printed twice back-to-back (``收入收入``, ``809.80809.80``);
- a cell wraps onto the physical line right after it (``二十二、国有资本经营预`` / ``算支出``), whereas
  rows are separated by an empty line;
- running headers, page numbers, split watermarks and HTTP error pages are mixed into the text;
- the header block of the ``J安委会工作经费`` target form is printed again inside most other forms.

Whatever the parser had to infer, or could not recover, is reported as an ImportIssue.
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
_ATTRIBUTE = re.compile(r"^项目属性\s*(.*?)\s*项目日?期\s*(.*)$")
_FUNDS_LINE = re.compile(
    r"^(?:项目资金|（元）|实施期资金总额|其中：中央财政资金|省级财政资金|市县（区）财政资|单位自筹|其他资金"
    r"|金(?:\s|$)|[\d,\s]+市县（区）财政资金)"
)
_FIELD = re.compile(r"^(项目概况|立项依据|项目设立必要性|保证项目实施的制度、措施|项目实施计划)\s*(.*)$")
_GOAL = re.compile(r"^总体目标\s*(.*)$")
_GOAL_HEADER = re.compile(r"^实施期目标\s*年度目标$")
_VERTICAL_LABEL = {"绩", "效", "指", "标", "绩效指标"}
_GRID = re.compile(r"^一级指标\s*二级指标\s*三级指标\s*指标值\s*二级指标\s*三级指标\s*指标值(.*)$")
_FOOTER = re.compile(r"^负责人：\s*(.*?)\s*经办人：\s*(.*?)\s*联系电话：\s*(.*?)\s*填报日期：\s*(.*)$")
_INDICATOR_LEVEL1 = re.compile(r"^(产出指标|效益指标|满意度指标)(?:\s+(.*))?$")
_INDICATOR_LEVEL2 = re.compile(
    r"(?:^|(?<=\s))(服务对象满意度指标|可持续影响指标|经济效益指标|社会效益指标|生态效益指标"
    r"|数量指标|质量指标|时效指标|成本指标)"
)
_INDICATOR_VALUE = re.compile(r"^(.*?)\s*([≥≤]?\d+(?:\.\d+)?[^\d\s]*)$")
# Q4: 002 prints 指标值 as <v>100% (100100% → 100%, 17100% → 17). Never certain, so kept and flagged.
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

    def where(self) -> str:
        return f"第{self.start}–{self.end}行HTTP错误页"


def _grid(*rows: str) -> tuple[tuple[str, ...], ...]:
    """Header rows written compactly: cells split on spaces, '_' for a blank cell, {y} for the year."""
    return tuple(tuple("" if cell == "_" else cell for cell in row.split()) for row in rows)


@dataclass(frozen=True)
class _Spec:
    """How one official table is laid out: the column layout of the clean 001 extraction."""

    header: tuple[tuple[str, ...], ...]
    text_columns: tuple[int, ...]
    sums: tuple[int, tuple[int, ...]] | None = None  # a total column and the columns it adds up
    right_label: int | None = None  # 表1/表4: the 支出 label's column, recognised by its wording
    coded: bool = False  # rows keyed by 科目编码: the parent row is the code prefix

    @property
    def width(self) -> int:
        return len(self.header[0])

    def column_name(self, column: int) -> str:
        return next(row[column] for row in reversed(self.header) if row[column]).replace("{y}", "")


_SPLIT = _grid("项目 _ {y}年预算数 _ _", "科目编码 科目名称 合计 基本支出 项目支出")
_FUNDING = "_ 合计 一般公共预算 政府性基金预算 国有资本经营预算"
_SPECS = {
    1: _Spec(
        _grid("收入 _ 支出 _ _ _", "项目 {y}年 项目 {y}年合计 当年预算安排 上年结转安排"),
        (0, 2),
        (3, (4, 5)),
        right_label=2,
    ),
    2: _Spec(
        _grid(
            "项目 _ 本年收入 _ _ _ _ _ 上年结转",
            "科目编码 科目名称 合计 一般公共预算 政府性基金 国有资本经营预算 财政专户管理资金 单位资金 _",
        ),
        (0, 1),
        (2, (3, 4, 5, 6, 7)),
        coded=True,
    ),
    3: _Spec(_SPLIT, (0, 1), (2, (3, 4)), coded=True),
    4: _Spec(
        _grid(
            "收入 _ 支出 _ _ _ _",
            "项目 金额 项目 金额 _ _ _",
            "_ _ _ 小计 一般公共预算 政府性基金预算 国有资本经营预算",
        ),
        (0, 2),
        (3, (4, 5, 6)),
        right_label=2,
    ),
    5: _Spec(_SPLIT, (0, 1), (2, (3, 4)), coded=True),
    6: _Spec(
        _grid("部门预算支出经济科目名称 政府预算支出经济科目名称 {y}年预算数 _ _", "_ _ 合计 人员经费 公用经费"),
        (0, 1),
        (2, (3, 4)),
    ),
    7: _Spec(_grid("项目 _ 政府性基金收入预算", "收入科目编码 科目名称 _"), (0, 1)),
    8: _Spec(_grid("科目编码 科目名称 合计 基本支出 项目支出"), (0, 1), (2, (3, 4))),
    9: _Spec(
        _grid(
            "国有资本经营预算收入 _ _ 国有资本经营预算支出 _ _ _ _",
            "项目 _ 国有资本经营收入预算 科目编码 科目名称 合计 基本支出 项目支出",
            "收入科目编码 科目名称 _ _ _ _ _ _",
        ),
        (0, 1, 3, 4),
        (5, (6, 7)),
    ),
    10: _Spec(_grid("项目 {y}年预算数 _ _ _", _FUNDING), (0,), (1, (2, 3, 4))),
    11: _Spec(_grid("单位名称 {y}预算数 _ _ _", _FUNDING), (0,), (1, (2, 3, 4))),
    12: _Spec(
        _grid(
            "项目名称 合计 {y}年财政拨款 _ _ 财政专户管理资金 单位资金",
            "_ _ 一般公共预算 政府性基金预算 国有资本经营预算 _ _",
            "1 2 3 4 5 6 7",
        ),
        (0,),
        (1, (2, 3, 4, 5, 6)),
    ),
    13: _Spec(
        _grid("项目名称 合计 {y}年财政拨款 _ _", "_ _ 一般公共预算 政府性基金预算 国有资本经营预算", "1 2 3 4 5"),
        (0,),
        (1, (2, 3, 4)),
    ),
}


def parse_noisy_budget_document(text: str) -> ParsedDocument:
    """Parse a noisy 单位预算公开 extraction (the 002 family) into the shape a clean parser gives."""
    lines, errors, running_title = _read(text)
    issues = [ImportIssue(e.start, f"{e.where()}混在正文中（{' / '.join(e.texts)}），已删除") for e in errors]
    parts = {m.group(1): i for i, line in enumerate(lines) if (m := _PART.match(line.text.strip()))}
    labels = [i for i, line in enumerate(lines) if _TABLE_LABEL.match(line.text.strip())]
    year = re.search(r"(\d{4})年", lines[parts["三"]].text) if "三" in parts else None
    if not labels or year is None or not {"一", "四"} <= parts.keys():
        issues.append(
            ImportIssue(None, "未找到第一、三、四部分、年度或预算公开表标记，无法按单位预算公开解析", "error")
        )
        return ParsedDocument("budget", 0, "", "", issues=issues, lines_read=len(text.splitlines()))
    fiscal_year = int(year.group(1))

    table_lines = [line for line in lines[labels[0] : parts["三"]] if not _PART.match(line.text.strip())]
    starts = [i for i, line in enumerate(table_lines) if _TABLE_LABEL.match(line.text.strip())]
    tables = [
        _table(table_lines[start], table_lines[start + 1 : end], fiscal_year, issues)
        for start, end in zip(starts, starts[1:] + [len(table_lines)], strict=True)
    ]

    narrative = lines[parts["三"] + 1 : parts["四"]]
    form_start = next((i for i, line in enumerate(narrative) if _FORM_TITLE.search(line.text.strip())), len(narrative))
    form_end = next((i for i in range(form_start, len(narrative)) if _heading_level(narrative[i].text) == 1), None)
    forms = _target_forms(narrative[form_start:form_end], errors, issues)
    sections = (
        _sections(lines[parts["一"] + 1 : labels[0]], "overview")
        + _sections(narrative[:form_start] + (narrative[form_end:] if form_end is not None else []), "narrative")
        + _glossary(lines[parts["四"] + 1 :])
    )

    department_code, department_name = _department(forms, issues)
    unit_name = next((m.group(1) for line in table_lines if (m := _UNIT_NAME.match(line.text.strip()))), "")
    region = m.group() if (m := re.match(r"^.+?[市县区]", department_name)) else ""
    unit_code = f"{department_code}001" if department_code else ""
    if unit_code:
        issues.append(ImportIssue(None, f"文中未印出预算单位编码，按部门编码加001推定为{unit_code}", cell="单位编码"))
    return ParsedDocument(
        kind="budget",
        fiscal_year=fiscal_year,
        department_code=department_code,
        department_name=department_name,
        unit_code=unit_code,
        unit_name=unit_name or department_name,
        region=region,
        region_level={"市": "city", "县": "county", "区": "county"}.get(region[-1:], ""),
        province=_province(text, issues),
        title=running_title,
        tables=tables,
        sections=sections,
        target_forms=forms,
        issues=issues,
        lines_read=len(text.splitlines()),
    )


# ---------------------------------------------------------------- reading


def _read(text: str) -> tuple[list[_Line], list[_ErrorPage], str]:
    """Lines without page furniture (whitespace-only lines stay: they are blank table cells)."""
    lines: list[_Line] = []
    errors: list[_ErrorPage] = []
    running_title = ""
    previous, last_text = "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        follows, previous = previous != "", raw
        if not stripped:
            if raw:
                lines.append(_Line(no, raw, follows))
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
    if (whole := _undouble(text)) != text:
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
    unsure: set[int] = field(default_factory=set)  # columns whose spacing was lost in a line break

    @property
    def last(self) -> int:
        return max(self.cells, default=-1)

    @property
    def code(self) -> str:
        return self.cells[0].text if 0 in self.cells else ""

    def value(self, column: int) -> Decimal:
        return (parse_amount(self.cells[column].text) or Decimal(0)) if column in self.cells else Decimal(0)

    def label(self) -> str:
        return " ".join(cell.text for _, cell in sorted(self.cells.items()) if cell.kind != "amount")


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
    table.header_rows, size = _read_header(rest, header, label, issues)
    data = []
    for line in rest[size:]:
        note = _undouble(line.text.strip())
        if not note.startswith("注："):
            data.append(line)
        elif "本表无数据" in note:
            table.empty_note = note
        else:
            table.notes.append(note)
    rows = _place(_cells(data), spec, label, issues)
    if spec.coded:
        _resolve_unsure(rows, spec, label, issues)
    _check_sums(rows, spec, label, issues)
    table.rows = [
        SourceRow(row.line, [row.cells[c].text if c in row.cells else "" for c in range(spec.width)]) for row in rows
    ]
    if table.empty_note and any(cell.kind == "amount" for row in rows for cell in row.cells.values()):
        message = f"{label}注明“本表无数据”却列出{len(rows)}行0.00，行与说明均按原样保留"
        issues.append(ImportIssue(table.line, message, cell=label))
    return table


def _read_header(
    lines: list[_Line], expected: tuple[tuple[str, ...], ...], label: str, issues: list[ImportIssue]
) -> tuple[list[list[str]], int]:
    """The expected header rows, once the printed (doubled, wrapped) header cells spell exactly them."""
    target = "".join(cell for row in expected for cell in row)
    seen = ""
    for count, line in enumerate(lines, 1):
        seen += "".join(_undouble(token) for token in line.text.split())
        if seen == target:
            return [list(row) for row in expected], count
        if not target.startswith(seen):
            break
    size = next((i for i, line in enumerate(lines) if _AMOUNT.search(line.text) or "合计" in line.text), 0)
    issues.append(ImportIssue(lines[0].no if lines else None, f"{label}表头与预期的列结构不符，按原文单元格保留为一行"))
    return [[_undouble(token) for line in lines[:size] for token in line.text.split()]], size


def _cells(lines: list[_Line]) -> list[_Cell]:
    """Cells in reading order; a text fragment wrapped onto the next line is joined to its cell."""
    cells: list[_Cell] = []
    open_text: _Cell | None = None  # text cell that ended the previous line: it may continue
    for line in lines:
        line_cells, trailing_blank = _line_cells(line)
        first = line_cells[0] if line_cells else None
        if first and open_text and line.follows and first.kind == "text" and first.blanks == 0:
            open_text.text += line_cells.pop(0).text
        elif not line_cells:
            open_text = None
        if line_cells:
            open_text = line_cells[-1] if line_cells[-1].kind == "text" else None
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
            # a doubled row prints its blank cells doubled too: '20.00   20.0020.00' skips one column
            cells.append(_Cell(kind, text, line.no, blanks // 2 if doubled else blanks, not cells))
            blanks = 0
    return cells, blanks > 0


def _pieces(chunk: str) -> list[tuple[str, str, bool]]:
    """Split a space-free chunk into (kind, text, doubled): '2,296.592,296.59本年支出合计本年支出合计'."""
    pieces: list[tuple[str, str, bool]] = []
    position = 0
    for match in _AMOUNT.finditer(chunk):
        if match.start() == position and pieces and pieces[-1] == ("amount", match.group(), False):
            pieces[-1] = ("amount", match.group(), True)
        else:
            pieces.extend(_word(chunk[position : match.start()]))
            pieces.append(("amount", match.group(), False))
        position = match.end()
    return pieces + _word(chunk[position:])


def _word(text: str) -> list[tuple[str, str, bool]]:
    text = text.strip("\u3000")  # 表12 indents project names with full-width spaces
    if not text:
        return []
    return [("code", text, False)] if _CODE.fullmatch(text) else [("text", _undouble(text), False)]


def _place(cells: list[_Cell], spec: _Spec, label: str, issues: list[ImportIssue]) -> list[_Row]:
    """Labels go to their columns in order (表1/表4: by wording); amounts skip the blank cells before them."""
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
        else:
            target = row.last + 1 + cell.blanks if row else spec.width
            column = next((c for c in range(target, spec.width) if c not in spec.text_columns), None)
            if row is None or column is None:
                where = f"「{row.label()}」" if row else "表头后"
                issues.append(
                    ImportIssue(cell.line, f"{label}{where}的数值{cell.text}无法对应到列，已忽略", cell=label)
                )
                continue
            row.cells[column] = cell
            if cell.line_start and previous is not None and previous.kind == "amount":
                row.unsure.add(column)
        previous = cell
    return rows


def _text_column(spec: _Spec, cell: _Cell, after: int) -> int | None:
    if spec.right_label is not None:
        return spec.right_label if _RIGHT_LABEL.match(cell.text) else 0
    return next((c for c in spec.text_columns if c > after), None)


def _resolve_unsure(rows: list[_Row], spec: _Spec, label: str, issues: list[ImportIssue]) -> None:
    """A part value whose spacing was lost goes to the column where the parent row's sums need it."""
    if spec.sums is None:
        return
    parts = spec.sums[1]
    for row in rows:
        for column in sorted(row.unsure & set(parts)):
            cell = row.cells.pop(column)
            parent = _parent(rows, row.code)
            siblings = _children(rows, parent) if parent else []
            fits = [
                c
                for c in parts
                if parent
                and c not in row.cells
                and parent.value(c) - sum((r.value(c) for r in siblings if r is not row), Decimal(0))
                == parse_amount(cell.text)
            ]
            decided = len(fits) == 1
            row.cells[fits[0] if decided else column] = cell
            name = spec.column_name(fits[0] if decided else column)
            how = f"按上级科目{parent.code}的分列合计判断为" if decided else "上级科目合计也无法判断，暂列"
            issues.append(
                ImportIssue(
                    cell.line,
                    f"{label} {row.code} {row.label()}：{cell.text}的列位置无法从空格判断，{how}「{name}」",
                    cell=f"{label} {row.code} {name}",
                )
            )


def _parent(rows: list[_Row], code: str) -> _Row | None:
    key = code[:-2] if len(code) > 3 else "合计"
    return next((row for row in rows if row.code == key), None)


def _children(rows: list[_Row], parent: _Row) -> list[_Row]:
    key = "" if parent.code == "合计" else parent.code
    return [
        row
        for row in rows
        if 0 in row.cells
        and row.cells[0].kind == "code"
        and len(row.code) == (len(key) + 2 if key else 3)
        and row.code.startswith(key)
    ]


def _check_sums(rows: list[_Row], spec: _Spec, label: str, issues: list[ImportIssue]) -> None:
    """Row total = Σ its columns; in 科目 tables also parent = Σ children per column. Differences are reported."""
    if spec.sums is None:
        return
    total, parts = spec.sums
    for row in rows:
        expected = sum((row.value(c) for c in parts), Decimal(0))
        if row.value(total) != expected:
            message = f"{label}「{row.label()}」{spec.column_name(total)}{row.value(total)}≠各分列之和{expected}"
            issues.append(ImportIssue(row.line, message, cell=f"{label} {spec.column_name(total)}"))
    for parent in rows if spec.coded else ():
        children = _children(rows, parent) if parent.code else []
        for column in (total, *parts) if children else ():
            expected = sum((child.value(column) for child in children), Decimal(0))
            if parent.value(column) != expected:
                name = spec.column_name(column)
                message = f"{label} {parent.code}「{name}」{parent.value(column)}≠下级科目之和{expected}"
                issues.append(ImportIssue(parent.line, message, cell=f"{label} {parent.code} {name}"))


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
    bodies: list[list[str]] = []
    for line in lines:
        text = line.text.strip()
        if level := _heading_level(text):
            sections.append(ParsedSection(part, _heading(text), "", line.no, level))
            bodies.append([])
        elif text and bodies:
            bodies[-1].append(text)
    for section, body in zip(sections, bodies, strict=True):
        section.body = _paragraphs(body)
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
        heading, opening = term.groups() if (term := _TERM.match(first)) else (first, "")
        sections.append(ParsedSection("glossary", heading, _paragraphs([opening, *rest] if opening else rest), no))
    return sections


def _paragraphs(texts: list[str]) -> str:
    """Join lines wrapped at a fixed width; a paragraph ends at a short line closing a sentence or an item."""
    full = max(map(_width, texts), default=0)
    paragraphs: list[str] = []
    closed = True
    for text in texts:
        if closed or _ITEM.match(text):
            paragraphs.append(text)
        else:
            paragraphs[-1] += text
        standalone_item = paragraphs[-1] == text and bool(_ITEM.match(text))
        closed = _width(text) < full * 0.85 and (text[-1] in "。；：！？" or standalone_item)
    return "\n".join(paragraphs)


# ---------------------------------------------------------------- target forms


@dataclass
class _FormLines:
    line: int
    lines: list[_Line] = field(default_factory=list)
    gap: _ErrorPage | None = None  # content lost inside the form; the form goes on after it
    cut: _ErrorPage | None = None  # the form stops at the error page, before its footer
    after: _ErrorPage | None = None  # headless form that starts right after the error page
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
            if current.has_grid:  # only the footer can still be missing: the form ends here
                current.cut, current = error, None
            else:
                current.gap = error
        text = line.text.strip()
        if _FORM_TITLE.search(text):
            current = _FormLines(line.no)
            drafts.append(current)
        elif current is None:
            if error is None:
                if text:
                    issues.append(ImportIssue(line.no, f"绩效目标表之间无法归属的行“{text[:30]}”，已忽略"))
                continue
            current = _FormLines(line.no, after=error)
            drafts.append(current)
        current.lines.append(line)
        current.has_grid = current.has_grid or bool(_GRID.match(text))
        if _FOOTER.match(text):
            current = None
    return [_target_form(draft) for draft in drafts]


def _drop_foreign_blocks(lines: list[_Line], issues: list[ImportIssue]) -> list[_Line]:
    """Q5: a form's header block (title … grid header) printed again inside other forms is cut out.

    Blocks are compared on their whole text without whitespace; the first one is the genuine form.
    Text glued after a copy's grid header (e.g. '项目资金') belongs to the host form and is kept.
    """
    titles = [i for i, line in enumerate(lines) if _FORM_TITLE.search(line.text.strip())]
    first_seen: dict[str, int] = {}
    copies: dict[int, list[int]] = {}
    dropped: set[int] = set()
    tails: dict[int, _Line] = {}
    for start in titles:
        end = next((i for i in range(start + 1, len(lines)) if i in titles or _GRID.match(lines[i].text.strip())), None)
        if end is None or end in titles:
            continue
        signature = "".join("".join(line.text.split()) for line in lines[start:end])
        if signature not in first_seen:
            first_seen[signature] = start
            continue
        copies.setdefault(first_seen[signature], []).append(start)
        dropped.update(range(start, end + 1))
        if tail := _GRID.match(lines[end].text.strip()).group(1).strip():
            tails[end] = _Line(lines[end].no, tail, follows=False)
    for original, starts in copies.items():
        name = next((m.group(1) for line in lines[original:] if (m := _NAME.match(line.text.strip()))), "")
        numbers = "、".join(str(lines[start].no) for start in starts)
        message = f"绩效目标表「{name}」的表头、资金和总体目标块被插入其他表中{len(starts)}次（第{numbers}行），已删除"
        issues.append(ImportIssue(lines[starts[0]].no, f"{message}；保留第{lines[original].no}行的原表"))
    return [tails.get(i, line) for i, line in enumerate(lines) if i not in dropped or i in tails]


def _target_form(draft: _FormLines) -> ParsedTargetForm:
    form = ParsedTargetForm(line=draft.line, title="", year_label="", project_name="")
    fields: dict[str, list[tuple[int, list[str]]]] = {}
    goals: list[tuple[int, list[str]]] = []
    funds: list[str] = []
    grids: list[int] = []
    indicators: list[ParsedIndicator] = []
    collector: list[str] | None = None  # the text field that unlabelled lines continue
    level1 = ""
    for line in draft.lines:
        text = line.text.strip()
        if not text:
            continue
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
            collector = [m.group(2)]
            fields.setdefault(m.group(1), []).append((line.no, collector))
        elif m := _GOAL.match(text):
            collector = [m.group(1)]
            goals.append((line.no, collector))
        elif text in _VERTICAL_LABEL or _GOAL_HEADER.match(text):
            collector = None
        elif _GRID.match(text):
            grids.append(line.no)
            collector, level1 = None, ""
        elif m := _FOOTER.match(text):
            form.responsible, form.handler, form.phone, form.filled_at = m.groups()
        elif collector is not None:
            collector.append(text)
        elif grids:
            if m := _INDICATOR_LEVEL1.match(text):
                level1, text = m.group(1), m.group(2) or ""
            indicators.extend(_indicator_row(text, level1, line.no, form))
        else:
            form.issues.append(ImportIssue(line.no, f"绩效目标表「{form.project_name}」中无法归属的行“{text[:30]}”"))

    name = form.project_name or f"第{draft.line}行起的无表头表"
    if funds:
        form.funds_period, form.funds_annual = _funds(" ".join(funds), name, draft.line, form.issues)
    for label, attr in _FIELD_ATTRS.items():
        texts = [(no, "".join(pieces)) for no, pieces in fields.get(label, [])]
        setattr(form, attr, _merge(texts, f"「{name}」{label}", form.issues))
    split = [(no, _split_goal(pieces, name, no, form.issues)) for no, pieces in goals]
    form.goal_period = _merge([(no, p) for no, (p, _) in split], f"「{name}」实施期目标", form.issues)
    form.goal_annual = _merge([(no, a) for no, (_, a) in split], f"「{name}」年度目标", form.issues)
    form.indicators = _dedupe_indicators(indicators, name, form.issues)
    _report_values(form.indicators, name, form.issues)
    if repeats := [no for occurrences in fields.values() for no, _ in occurrences[1:]] + grids[1:]:
        message = f"绩效目标表「{name}」自第{min(repeats)}行起把表内字段和指标块又印了一遍，重复内容已去除"
        form.issues.append(ImportIssue(min(repeats), message))
    _report_missing(form, draft, bool(funds))
    return form


def _indicator_row(text: str, level1: str, no: int, form: ParsedTargetForm) -> list[ParsedIndicator]:
    """'数量指标 名称100100% 数量指标 名称100100%' → its 实施期 and 年度 halves (template rows give none)."""
    starts = [m.start() for m in _INDICATOR_LEVEL2.finditer(text)]
    if not starts or len(starts) > 2:
        if text:
            form.issues.append(ImportIssue(no, f"绩效目标表「{form.project_name}」无法识别的指标行“{text[:30]}”"))
        return []
    indicators = []
    halves = zip(starts, starts[1:] + [len(text)], strict=True)
    for period, (start, end) in zip(("period", "annual"), halves, strict=False):
        half = text[start:end].strip()
        level2 = _INDICATOR_LEVEL2.match(half).group(1)
        if rest := half[len(level2) :].strip():
            name, value = m.groups() if (m := _INDICATOR_VALUE.match(rest)) else (rest, "")
            indicators.append(ParsedIndicator(period, level1, level2, name, value, no))
    return indicators


def _report_values(indicators: list[ParsedIndicator], name: str, issues: list[ImportIssue]) -> None:
    """Q4/Q9: values stay as printed; suspected doubling and unfilled placeholders are reported per row."""
    rows: dict[int, list[ParsedIndicator]] = {}
    for indicator in indicators:
        rows.setdefault(indicator.line, []).append(indicator)
    for no, row in rows.items():
        where = f"绩效目标表「{name}」指标「{'、'.join(dict.fromkeys(i.name for i in row))}」"
        values = list(dict.fromkeys(i.value for i in row))
        doubled = [
            f"{v}→{m.group(1)}{'100%' if m.group(2) == '100' else m.group(2)}"
            for v in values
            if (m := _SUSPECT_VALUE.match(v))
        ]
        if doubled:
            issues.append(ImportIssue(no, f"{where}疑似重复值 {'；'.join(doubled)}，指标值按原文保留", cell="指标值"))
        for value in (v for v in values if "XX" in v):
            issues.append(ImportIssue(no, f"{where}的指标值“{value}”含未填写的占位符XX，按原文保留", cell="指标值"))


def _dedupe_indicators(
    indicators: list[ParsedIndicator], name: str, issues: list[ImportIssue]
) -> list[ParsedIndicator]:
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
        message = f"绩效目标表「{name}」第{dropped[0]}–{dropped[-1]}行的{len(dropped)}个指标与前面重复，已去除"
        issues.append(ImportIssue(dropped[0], message))
    return list(kept.values())


def _merge(occurrences: list[tuple[int, str]], what: str, issues: list[ImportIssue]) -> str:
    """One text from a field printed once or more (Q7); a truncated first copy gives way to a complete one."""
    if not occurrences:
        return ""
    (first, text), *others = occurrences
    for no, repeat in others:
        if text.startswith(repeat):
            continue
        if repeat.startswith(text):
            issues.append(ImportIssue(no, f"{what}第{first}行的文本被截断，采用第{no}行重复印出的完整文本"))
            text = repeat
        else:
            issues.append(ImportIssue(no, f"{what}在第{first}行和第{no}行各印一次且内容不同，保留第{first}行"))
    return text


def _split_goal(pieces: list[str], name: str, no: int, issues: list[ImportIssue]) -> tuple[str, str]:
    """总体目标 prints the 实施期 and the 年度 cell one after the other, each wrapped at its own width."""
    pieces = [piece for piece in pieces if piece]
    if len(pieces) == 1:
        line = pieces[0]
        for position in (i for i, char in enumerate(line) if char == " "):
            if line[:position].strip() == line[position:].strip():
                return line[:position].strip(), line[position:].strip()
    elif pieces:  # the 年度 cell starts like the 实施期 cell
        start = next((i for i in range(1, len(pieces)) if pieces[i].startswith(pieces[0][:8])), None)
        if start is not None:
            return "".join(pieces[:start]), "".join(pieces[start:])
    issues.append(ImportIssue(no, f"「{name}」总体目标分不出实施期目标与年度目标，全文记为实施期目标", cell="总体目标"))
    return "".join(pieces), ""


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
        message = f"绩效目标表「{name}」项目资金缺少{'、'.join(missing)}，按空白处理"
        issues.append(ImportIssue(no, message, cell="项目资金"))
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
    if not (missing := " / ".join(label for label, value in present.items() if not value)):
        return
    where = f"绩效目标表「{form.project_name}」（第{draft.line}行）"
    if draft.after:
        message = f"{draft.after.where()}之后的绩效目标表（第{draft.line}行起）缺少：{missing}；无法确定所属项目"
    elif draft.gap:
        message = f"{where}在{draft.gap.where()}处丢失了：{missing}"
    elif draft.cut:
        message = f"{where}在{draft.cut.where()}处中断，缺少：{missing}"
    else:
        message = f"{where}缺少：{missing}"
    form.issues.append(ImportIssue(draft.line, message))


# ---------------------------------------------------------------- document facts


def _department(forms: list[ParsedTargetForm], issues: list[ImportIssue]) -> tuple[str, str]:
    for label, _ in Counter(form.department_label for form in forms if form.department_label).most_common(1):
        if m := _DEPARTMENT_CODE.match(label):
            return m.group(1), m.group(2)
    issues.append(ImportIssue(None, "绩效目标表中没有“主管部门及代码”，无法确定部门编码", "error", cell="部门编码"))
    return "", ""


def _province(text: str, issues: list[ImportIssue]) -> str:
    """Not printed as such; inferred from the one province whose documents the text cites (《山西省…》)."""
    provinces = Counter(_PROVINCE.findall(text))
    if len(provinces) != 1:
        issues.append(ImportIssue(None, "文中未印出所属省份，也无法从引用的省级文件推定", cell="省份"))
        return ""
    province, count = provinces.most_common(1)[0]
    issues.append(
        ImportIssue(None, f"文中未印出所属省份，按引用的{count}处《{province}…》文件推定为{province}", cell="省份")
    )
    return province
