"""Helpers to compare a seed's printed tables with what the project projects."""

import re
from collections import Counter
from decimal import Decimal

# Amounts as printed: with a decimal point or thousands separators (行次/栏次 and codes excluded).
AMOUNT = re.compile(r"(?<![\d.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d.])|(?<![\d.,])-?\d+\.\d+(?![\d.])")


def amounts_in(cells) -> Counter:
    found: Counter = Counter()
    for cell in cells:
        if isinstance(cell, str):
            for match in AMOUNT.finditer(cell):
                found[Decimal(match.group().replace(",", "")).normalize()] += 1
    return found


def source_amounts(source_table) -> Counter:
    return sum((amounts_in(row["cells"]) for row in source_table.rows), Counter())


def projected_amounts(table_json: dict) -> Counter:
    return sum((amounts_in(row["cells"]) for row in table_json["rows"]), Counter())


def seed_table_amounts(text: str, start: str = "第二部分", end: str = "第三部分") -> Counter:
    """Every amount printed in a seed's table part (the shared fidelity tool's rule)."""
    lines = text.split("\n")
    s = next(
        i for i, line in enumerate(lines) if line.strip().startswith(start) and "\t" not in line.strip() and i > 40
    )
    e = next(i for i, line in enumerate(lines) if i > s and line.strip().startswith(end))
    return amounts_in(lines[s:e])
