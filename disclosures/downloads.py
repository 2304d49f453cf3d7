"""Downloads of published tables: CSV (a ZIP of them for a disclosure), XLSX and JSON — pure functions to bytes.

Every format renders the rows of tablespecs.py, like the HTML page and the PDF, so a download cannot disagree
with what the page shows. Amounts are printed in 万元 with two decimals (CSV: no thousands separator, XLSX:
numeric cells formatted '#,##0.00'); a blank cell stays blank, distinct from 0.00.

Spreadsheet programs run a cell that starts with = + - @ (or tab/CR) as a formula, and every text cell here
comes from an imported or edited document: ``neutralise`` prefixes such text with a single quote
(OWASP "CSV injection"). Numbers are written by this module and are never prefixed.

``rows_to_csv`` and ``rows_to_xlsx`` are the shared primitives for any other listing (search results…).
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from disclosures.amounts import wan
from disclosures.exports import disclosure_json, table_json
from disclosures.models import Disclosure
from disclosures.tablespecs import DisclosureData, Table, build_table, build_tables
from disclosures.templatetags.disclosure_tags import column_numbers  # the 栏次 row as the page prints it

BOM = "\ufeff"  # lets Excel open UTF-8 CSV with Chinese text correctly
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
AMOUNT_FORMAT = "#,##0.00"


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula is prefixed with a single quote."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def header_label(header) -> str:
    """A column header as one string: a multi-level path joined with "/"."""
    return "/".join(header) if isinstance(header, tuple | list) else str(header)


# ---------------------------------------------------------------- file names


def file_stem(disclosure: Disclosure) -> str:
    """晋城市应急管理局2026年度单位预算公开 — the same stem as the PDF."""
    return f"{disclosure.unit.name}{disclosure.fiscal_year}年度{disclosure.get_kind_display()}"


def table_file_stem(disclosure: Disclosure, table: Table) -> str:
    return f"{file_stem(disclosure)}_{table.label}"


# ---------------------------------------------------------------- CSV


def _csv_text(value) -> str:
    """One CSV cell: Decimal as a plain number string, None blank, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(str(value))


def csv_bytes(lines: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM, CRLF line ends (RFC 4180); cells go through _csv_text."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in lines:
        writer.writerow([_csv_text(v) for v in line])
    return buffer.getvalue().encode("utf-8")


def rows_to_csv(title: str, header: Sequence, rows: Iterable[Sequence], *, notes: Sequence[str] = ()) -> bytes:
    """A titled listing as CSV: title row, one header row, the rows, then any notes.

    ``header`` items are strings or tuples (a multi-level header, joined with "/"). Cells are written as given:
    convert 元 to 万元 (amounts.wan) before passing an amount that the listing shows in 万元.
    """
    lines: list[Sequence] = [[title], [header_label(h) for h in header], *rows]
    lines += [[note] for note in notes]
    return csv_bytes(lines)


def _table_cell(value):
    """A table cell for CSV: Decimal 元 → 万元 with two decimals (written without thousands separator)."""
    return wan(value) if isinstance(value, Decimal) else value


def table_csv(table: Table, unit_name: str) -> bytes:
    width = len(table.columns)
    meta = [f"单位名称：{unit_name}", *([""] * (width - 2)), f"单位：{table.unit}"] if width > 1 else [unit_name]
    lines: list[Sequence] = [[f"{table.label} {table.title}"], meta, [header_label(c.path) for c in table.columns]]
    if table.numbered:
        lines.append(column_numbers(table.columns))
    lines += [[_table_cell(v) for v in row.cells] for row in table.rows]
    lines += [[note] for note in table.notes]
    if table.is_empty:
        lines.append([table.empty_note])
    return csv_bytes(lines)


def disclosure_csv_zip(disclosure: Disclosure) -> bytes:
    """One CSV per table, numbered in the official order, in a ZIP (names in UTF-8)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i, table in enumerate(build_tables(disclosure, DisclosureData(disclosure)), start=1):
            name = f"{i:02d}_{table.label}_{table.title}.csv"
            archive.writestr(name, table_csv(table, disclosure.unit.name))
    return buffer.getvalue()


# ---------------------------------------------------------------- XLSX

THIN = Side(style="thin", color="333333")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="F0F0F0")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _xlsx_value(value):
    """A cell value for openpyxl: Decimal/int stay numeric, text is neutralised (openpyxl would store "=…"
    as a formula), None stays empty."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    return neutralise(str(value))


def _display_width(value) -> int:
    """Approximate width in Excel character units: CJK characters count two."""
    text = f"{value:,.2f}" if isinstance(value, Decimal) else str(value if value is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def sheet_name(label: str, taken: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique within the workbook."""
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in label)[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _write_title(ws: Worksheet, row: int, text: str, width: int) -> None:
    cell = ws.cell(row=row, column=1, value=neutralise(text))
    cell.font, cell.alignment = TITLE_FONT, CENTER
    if width > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = 24


def _write_meta(ws: Worksheet, row: int, left: str, right: str, width: int) -> None:
    """单位名称 on the left (merged over all but the last column), 单位：万元 right-aligned in the last column."""
    if width == 1:
        ws.cell(row=row, column=1, value=neutralise(f"{left} {right}".strip()))
        return
    ws.cell(row=row, column=1, value=neutralise(left))
    if width > 2:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width - 1)
    ws.cell(row=row, column=width, value=neutralise(right)).alignment = Alignment(horizontal="right")


def _header_cell(ws: Worksheet, row: int, column: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
    cell = ws.cell(row=row, column=column, value=neutralise(text))
    cell.font, cell.alignment, cell.fill = BOLD, CENTER, HEADER_FILL
    for r in range(row, row + rowspan):
        for c in range(column, column + colspan):
            ws.cell(row=r, column=c).border = BORDER
            ws.cell(row=r, column=c).fill = HEADER_FILL
    if rowspan > 1 or colspan > 1:
        ws.merge_cells(start_row=row, start_column=column, end_row=row + rowspan - 1, end_column=column + colspan - 1)


def _write_rows(ws: Worksheet, first_row: int, rows: Iterable[Sequence], bold_rows: set[int] = frozenset()) -> int:
    """Data rows with borders; amounts numeric with AMOUNT_FORMAT. Returns the next free row."""
    r = first_row
    for i, cells in enumerate(rows):
        for c, value in enumerate(cells, start=1):
            cell = ws.cell(row=r, column=c, value=_xlsx_value(value))
            cell.border = BORDER
            if isinstance(value, Decimal):
                cell.number_format = AMOUNT_FORMAT
                cell.alignment = Alignment(horizontal="right")
            if i in bold_rows:
                cell.font = BOLD
        r += 1
    return r


def _set_widths(ws: Worksheet, columns: Sequence[Sequence], minimum: int = 8, maximum: int = 48) -> None:
    """columns: for each column, the values shown in it (header parts and cells)."""
    for c, values in enumerate(columns, start=1):
        width = max((_display_width(v) for v in values), default=minimum) + 2
        ws.column_dimensions[get_column_letter(c)].width = max(minimum, min(maximum, width))


def _write_notes(ws: Worksheet, row: int, notes: Iterable[str], width: int) -> int:
    """Notes merged across the table, wrapped; Excel does not grow a merged row, so its height is estimated
    from the text width (set the column widths first)."""
    total = sum(ws.column_dimensions[get_column_letter(c)].width or 8 for c in range(1, width + 1))
    for note in notes:
        cell = ws.cell(row=row, column=1, value=neutralise(note))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if width > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        lines = -(-_display_width(note) // max(int(total) - 2, 1))
        if lines > 1:
            ws.row_dimensions[row].height = 15 * lines
        row += 1
    return row


def header_positions(table: Table) -> list[tuple[int, int, str, int, int]]:
    """(row, column, text, rowspan, colspan) of each header cell, zero-based, laid out as HTML lays out
    table.header_rows: each cell takes the next column not covered by a rowspan from above."""
    taken: set[tuple[int, int]] = set()
    positions = []
    for r, header_row in enumerate(table.header_rows):
        c = 0
        for h in header_row:
            while (r, c) in taken:
                c += 1
            positions.append((r, c, h.text, h.rowspan, h.colspan))
            taken.update((r + dr, c + dc) for dr in range(h.rowspan) for dc in range(h.colspan))
            c += h.colspan
    return positions


def write_table_sheet(ws: Worksheet, table: Table, unit_name: str) -> None:
    width = len(table.columns)
    _write_title(ws, 1, f"{table.label} {table.title}", width)
    _write_meta(ws, 2, f"单位名称：{unit_name}", f"单位：{table.unit}", width)
    top = 3
    depth = len(table.header_rows)
    for r, c, text, rowspan, colspan in header_positions(table):
        _header_cell(ws, top + r, c + 1, text, rowspan, colspan)
    row = top + depth
    if table.numbered:
        for c, number in enumerate(column_numbers(table.columns), start=1):
            cell = ws.cell(row=row, column=c, value=neutralise(number))
            cell.alignment, cell.border, cell.fill = CENTER, BORDER, HEADER_FILL
        row += 1
    ws.freeze_panes = ws.cell(row=row, column=1)
    bold = {i for i, r in enumerate(table.rows) if r.kind in {"total", "category", "heading"}}
    amounts = [[wan(v) if isinstance(v, Decimal) else v for v in r.cells] for r in table.rows]
    row = _write_rows(ws, row, amounts, bold)
    notes = [*table.notes, *([table.empty_note] if table.is_empty else [])]
    # Width from the deepest header label and the cells; a spanning parent label does not widen one column.
    _set_widths(ws, [[col.path[-1], *(r[i] for r in amounts)] for i, col in enumerate(table.columns)])
    _write_notes(ws, row, notes, width)
    ws.page_setup.orientation = "landscape" if table.landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{top + depth - 1 + (1 if table.numbered else 0)}"


def _workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def tables_xlsx(tables: Iterable[Table], unit_name: str, *, title: str = "") -> bytes:
    """One sheet per table, named by its label (表一 / 公开01表)."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for table in tables:
        write_table_sheet(wb.create_sheet(sheet_name(table.label, taken)), table, unit_name)
    wb.properties.title = title or unit_name
    wb.properties.creator = "预决算公开平台"
    return _workbook_bytes(wb)


def disclosure_xlsx(disclosure: Disclosure) -> bytes:
    tables = build_tables(disclosure, DisclosureData(disclosure))
    return tables_xlsx(tables, disclosure.unit.name, title=file_stem(disclosure))


def table_xlsx(disclosure: Disclosure, table: Table) -> bytes:
    return tables_xlsx([table], disclosure.unit.name, title=table_file_stem(disclosure, table))


def rows_to_xlsx(
    title: str,
    header: Sequence,
    rows: Iterable[Sequence],
    *,
    sheet_title: str = "",
    unit_note: str = "",
    notes: Sequence[str] = (),
) -> bytes:
    """A titled listing as a one-sheet workbook: merged title row, optional unit note, a bold header row
    (tuples joined with "/"), the rows (Decimal cells numeric with '#,##0.00'; pass 万元 values for amounts
    shown in 万元), column widths fitted, header frozen. Text cells are neutralised."""
    rows = [list(r) for r in rows]
    labels = [header_label(h) for h in header]
    width = max(len(labels), 1)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name(sheet_title or title or "Sheet", set())
    _write_title(ws, 1, title, width)
    row = 2
    if unit_note:
        _write_meta(ws, row, "", unit_note, width)
        row += 1
    for c, label in enumerate(labels, start=1):
        _header_cell(ws, row, c, label)
    row += 1
    ws.freeze_panes = ws.cell(row=row, column=1)
    row = _write_rows(ws, row, rows)
    _set_widths(ws, [[label, *(r[i] if i < len(r) else None for r in rows)] for i, label in enumerate(labels)])
    _write_notes(ws, row, notes, width)
    wb.properties.title = title
    return _workbook_bytes(wb)


# ---------------------------------------------------------------- JSON


def json_bytes(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


def disclosure_json_bytes(disclosure: Disclosure) -> bytes:
    return json_bytes(disclosure_json(disclosure))


def table_json_bytes(table: Table) -> bytes:
    return json_bytes(table_json(table))


def find_table(disclosure: Disclosure, key: str) -> Table | None:
    try:
        return build_table(disclosure, key)
    except KeyError:
        return None
