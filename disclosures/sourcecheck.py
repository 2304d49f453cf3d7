"""原表核对 — compare the tables an imported document printed with the tables projected from the facts.

A difference means the document prints a figure the facts do not reproduce: a cell that disagrees with
another table, a derived column that does not add up, or a cell the importer could not map.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from disclosures.amounts import wan
from disclosures.importing.numbers import AmountError, parse_amount
from disclosures.tablespecs import Table

# Columns that hold text (names, codes, 行次) rather than amounts, per table layout as printed.
TEXT_COLUMNS = {
    "budget_01": {0, 2},
    "budget_04": {0, 2},
    "budget_09": {0, 1, 3, 4},
    "budget_10": {0},
    "budget_11": {0},
    "budget_12": {0},
    "budget_13": {0},
    "final_01": {0, 1, 3, 4},
    "final_04": {0, 1, 3, 4},
    "final_06": {0, 1, 3, 4, 6, 7, 9, 10},
    "final_09": set(),
    "final_10": {0, 1},
    "targets_compact": {0, 1, 3, 4},
}
DEFAULT_TEXT_COLUMNS = {0, 1}
NUMBER_LIKE = re.compile(r"[0-9０-９XＸ×]")


@dataclass(frozen=True)
class CellDifference:
    table: str  # key
    label: str  # 表二 / 公开03表
    line: int
    column: int  # 1-based, as a reader counts
    row_key: str
    printed: str
    projected: str

    @property
    def message(self) -> str:
        return (
            f"{self.label}“{self.row_key}”行第{self.column}列印为{self.printed or '空白'}，"
            f"按数据生成为{self.projected or '空白'}"
        )


def text_columns(key: str) -> set[int]:
    return TEXT_COLUMNS.get(key, DEFAULT_TEXT_COLUMNS)


def unreadable_cells(key: str, rows) -> list[tuple[int, int, str]]:
    """(line, column index, text) of every amount cell that is neither blank nor an amount."""
    bad = []
    for row in rows:
        for index, cell in enumerate(row.cells):
            if index in text_columns(key) or not NUMBER_LIKE.search(cell):
                continue  # sub-headings such as 统计数 inside 公开10表 are words, not amounts
            try:
                parse_amount(cell)
            except AmountError:
                bad.append((row.line, index, cell))
    return bad


def _row_key(cells: list, text_cols: set[int]) -> str:
    for index in sorted(text_cols):
        if index < len(cells) and isinstance(cells[index], str) and cells[index].strip():
            return cells[index].strip()
    return ""


def _as_printed(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return wan(value)
    if isinstance(value, int):
        return Decimal(value)
    return None


def compare(source_rows, table: Table) -> list[CellDifference]:
    """Cell by cell, rows aligned by their first label (and occurrence), amount columns only."""
    text_cols = text_columns(table.key)
    projected: dict[tuple[str, int], list] = {}
    seen: dict[str, int] = {}
    for row in table.rows:
        key = _row_key(row.cells, text_cols)
        projected[(key, seen.get(key, 0))] = row.cells
        seen[key] = seen.get(key, 0) + 1
    differences = []
    seen = {}
    for row in source_rows:
        key = _row_key(row.cells, text_cols)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        cells = projected.get((key, occurrence))
        if cells is None:
            if any(_parse(c) for i, c in enumerate(row.cells) if i not in text_cols):
                differences.append(CellDifference(table.key, table.label, row.line, 1, key, "（整行）", "无此行"))
            continue
        for index in range(max(len(row.cells), len(cells))):
            if index in text_cols:
                continue
            printed = _parse(row.cells[index]) if index < len(row.cells) else None
            value = _as_printed(cells[index]) if index < len(cells) else None
            if (printed or Decimal(0)) != (value or Decimal(0)):
                differences.append(
                    CellDifference(
                        table.key,
                        table.label,
                        row.line,
                        index + 1,
                        key,
                        row.cells[index] if index < len(row.cells) else "",
                        "" if value is None else f"{value:,.2f}",
                    )
                )
    return differences


def _parse(cell) -> Decimal | None:
    try:
        return parse_amount(cell) if isinstance(cell, str) and cell.strip() not in {"——", "—"} else None
    except AmountError:
        return None
