"""Template filters for official tables: cell formatting and the cell layout of templates/disclosures/_table.html."""

from dataclasses import dataclass
from decimal import Decimal

from django import template

from disclosures.amounts import format_wan, format_yuan
from disclosures.narrative import written_numbers
from disclosures.tablespecs import Column, Row

register = template.Library()
register.filter("wan", format_wan)
register.filter("yuan", format_yuan)

LABEL_KINDS = {"code", "text"}
CELL_CLASSES = {"amount": "num", "count": "num", "code": "code", "rowno": "rowno"}


@register.filter
def cell(value) -> str:
    """Decimal 元 → 万元 as printed (3,306.81); int as is; None blank; text as is."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_wan(value)
    return str(value)


@dataclass(frozen=True)
class BodyCell:
    value: object
    kind: str
    is_header: bool = False
    colspan: int = 1

    @property
    def css_class(self) -> str:
        return CELL_CLASSES.get(self.kind, "")


@register.filter
def body_cells(row: Row, columns: list[Column]) -> list[BodyCell]:
    """A row's cells with their column kinds. The first text column holds the row header; a label printed in
    the code column with a blank name beside it (合计) becomes one header spanning both, as printed."""
    header = next((i for i, c in enumerate(columns) if c.kind == "text"), None)
    cells = [BodyCell(v, c.kind, i == header) for i, (v, c) in enumerate(zip(row.cells, columns, strict=True))]
    if header and columns[header - 1].kind == "code" and not row.cells[header] and row.cells[header - 1]:
        cells[header - 1 : header + 1] = [BodyCell(row.cells[header - 1], "text", True, 2)]
    return cells


@register.filter
def column_numbers(columns: list[Column]) -> list[str]:
    """栏次 row: each column's number; a label column without one reads 栏次 where a half of the table starts."""
    return [
        c.number or ("栏次" if c.kind in LABEL_KINDS and (i == 0 or columns[i - 1].kind not in LABEL_KINDS) else "")
        for i, c in enumerate(columns)
    ]


register.filter("written_numbers", written_numbers)
