"""Charts of the 情况说明 as static SVG that looks the same in the browser and in WeasyPrint PDFs.

Each chart is drawn server-side as a small SVG (no script, no <style>, text as real <text> elements so the PDF
text layer stays searchable), embedded as an <img> data: URI (allowed by the site's CSP), and comes with the
rows of a data table for screen readers and print (templates/disclosures/_chart.html).

pygal 3.1.3 was evaluated and not used: it always emits a <script> (its config) even with js=[], and a full pie
closes each slice with a zero-radius arc ("A0 0 0 1 0 cx cy"), which WeasyPrint 70 (svg/path.py) replaces by a
*relative* line "l cx cy", so a slice runs out of the chart to (x + cx, y + cy) in the PDF while Chromium draws it
correctly. The generator
below avoids zero radii and large-arc flags: arcs are split into segments of at most 90 degrees.

Amounts are Decimal 元 (as in the tables); charts and tables show 万元 with two decimals. Shares are percentages
of the table's own total (合计 / 总计), two decimals, half-up, as the published narrative writes them.
"""

import base64
import math
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree as ET

from disclosures.amounts import ZERO, add, format_wan, percent
from disclosures.models import Disclosure, Fund, ThreePublicLine
from disclosures.tablespecs import BUDGET_MEASURES, FINAL_INCOME_ROWS, DisclosureData, budget_05, final_03, final_05

NO_DATA = "本项无数据"
FONT_FAMILY = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
WIDTH = 640
TEXT_COLOR = "#1a1a1a"
MUTED_COLOR = "#404040"
# Every colour has at least 3:1 contrast against white (WCAG non-text contrast); neighbours differ in hue.
PALETTE = (
    "#1f5fa8",  # blue
    "#c25e00",  # orange
    "#2b7a4b",  # green
    "#b8322a",  # red
    "#6a4fb0",  # purple
    "#7a5c12",  # brown
    "#137a87",  # teal
    "#a8336e",  # magenta
    "#555f66",  # grey
)
STAGE_COLORS = {"预算数": "#1f5fa8", "决算数": "#c25e00"}

THREE_PUBLIC_ITEMS = (
    ThreePublicLine.Item.ABROAD,
    ThreePublicLine.Item.RECEPTION,
    ThreePublicLine.Item.VEHICLE_PURCHASE,
    ThreePublicLine.Item.VEHICLE_OPERATION,
)
BUDGET_INCOME_PARTS = (
    ("一般公共预算拨款收入", Fund.GENERAL),
    ("政府性基金预算拨款收入", Fund.GOV_FUND),
    ("国有资本经营预算拨款收入", Fund.STATE_CAPITAL),
    ("财政专户管理资金收入", Fund.SPECIAL_ACCOUNT),
    ("单位资金", Fund.UNIT_OWN),
)
FINAL_EXPENSE_PARTS = (
    ("基本支出", "basic"),
    ("项目支出", "project"),
    ("上缴上级支出", "to_superior"),
    ("经营支出", "operating"),
    ("对附属单位补助支出", "affiliated_subsidy"),
)


@dataclass
class ChartRow:
    label: str
    amount_yuan: Decimal
    share: Decimal  # percent of the chart's total (of its series, for comparisons), 2 dp half-up
    series: str = ""  # 预算数 / 决算数 in a comparison; "" otherwise

    @property
    def amount_wan(self) -> str:
        return format_wan(self.amount_yuan)

    @property
    def share_text(self) -> str:
        return f"{self.share:.2f}%"


@dataclass
class Chart:
    key: str
    title: str
    svg_data_uri: str
    alt: str
    rows: list[ChartRow]
    kind: str = ""  # donut | bars | grouped ("" when there is no data)
    totals: list[ChartRow] = field(default_factory=list)  # 合计 rows for the table footer
    svg: str = ""
    width: int = 0
    height: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.svg_data_uri

    @property
    def has_series(self) -> bool:
        return any(row.series for row in self.rows)


def disclosure_charts(disclosure: Disclosure, data: DisclosureData | None = None) -> list[Chart]:
    """The charts of a disclosure's 情况说明, in the order the narrative shows them."""
    data = data or DisclosureData(disclosure)
    if disclosure.kind == Disclosure.Kind.BUDGET:
        return [_budget_income(data), _budget_general_structure(data), _budget_three_public(data)]
    return [
        _final_income(data),
        _final_expense(data),
        _final_general_structure(data),
        _final_three_public(data),
    ]


# ---------------------------------------------------------------- charts from the tables


def _budget_income(data: DisclosureData) -> Chart:
    """表一 income side: current-year income by fund, then 上年结转; shares of 收入总计."""
    f = data.functions
    parts = [
        (label, f.value(None, BUDGET_MEASURES, funds=[fund], carryover=False)) for label, fund in BUDGET_INCOME_PARTS
    ]
    carry = f.value(None, BUDGET_MEASURES, carryover=True)
    parts.append(("上年结转", carry))
    total = add(f.value(None, BUDGET_MEASURES, carryover=False), carry)
    return _donut_chart("budget_income", "收入预算图", "收入总计", parts, total)


def _budget_general_structure(data: DisclosureData) -> Chart:
    """表五 (一般公共预算, current year only): one bar per 类; shares of 表五 合计."""
    return _category_bars(
        "budget_general_structure", "一般公共预算当年支出结构图", "一般公共预算当年支出", budget_05(data)
    )


def _budget_three_public(data: DisclosureData) -> Chart:
    """表十 合计 column: the four parts of the “三公” budget."""
    stage = ThreePublicLine.Stage.BUDGET
    parts = [(item.label, data.three_public_amount(stage, (item,))) for item in THREE_PUBLIC_ITEMS]
    total = data.three_public_amount(stage, THREE_PUBLIC_ITEMS)
    return _donut_chart("budget_three_public", "三公经费分布图", "“三公”经费预算", parts, total)


def _final_income(data: DisclosureData) -> Chart:
    """公开01 income rows 1–8; shares of 本年收入合计."""
    f = data.functions
    parts = [(_strip_numbering(label), f.value(None, ["income"], funds=[fund])) for label, fund in FINAL_INCOME_ROWS]
    total = add(*(amount for _, amount in parts))
    return _donut_chart("final_income", "收入决算图", "本年收入合计", parts, total)


def _final_expense(data: DisclosureData) -> Chart:
    """公开03 合计 row: 基本支出, 项目支出 and the other expenditure columns; shares of 本年支出合计."""
    total_row = final_03(data).rows[0].cells
    parts = [(label, total_row[3 + i]) for i, (label, _) in enumerate(FINAL_EXPENSE_PARTS)]
    return _donut_chart("final_expense", "支出决算图", "本年支出合计", parts, total_row[2])


def _final_general_structure(data: DisclosureData) -> Chart:
    """公开05: one bar per 类; shares of 公开05 合计."""
    return _category_bars(
        "final_general_structure", "一般公共预算财政拨款支出结构图", "一般公共预算财政拨款支出", final_05(data)
    )


def _final_three_public(data: DisclosureData) -> Chart:
    """公开09: 预算数 and 决算数 of each “三公” part, side by side."""
    key, title = "final_three_public", "三公经费预决算对比图"
    stages = (("预算数", ThreePublicLine.Stage.BUDGET), ("决算数", ThreePublicLine.Stage.ACTUAL))
    totals = {name: data.three_public_amount(stage, THREE_PUBLIC_ITEMS) for name, stage in stages}
    if not any(_positive(t) for t in totals.values()):
        return _empty(key, title)
    groups: list[tuple[str, list[Decimal]]] = []
    rows: list[ChartRow] = []
    for item in THREE_PUBLIC_ITEMS:
        values = [data.three_public_amount(stage, (item,)) or ZERO for _, stage in stages]
        groups.append((item.label, values))
        for (name, _), value in zip(stages, values, strict=True):
            rows.append(ChartRow(item.label, value, _share(value, totals[name]), series=name))
    total_rows = [
        ChartRow("合计", totals[name] or ZERO, _share(totals[name], totals[name]), series=name) for name, _ in stages
    ]
    if not any(v > 0 for _, values in groups for v in values):
        return _empty(key, title)
    svg, height = _grouped_bars_svg(title, [name for name, _ in stages], groups)
    budget, actual = (totals[name] or ZERO for name, _ in stages)
    alt = f"{title}：“三公”经费预算数{format_wan(budget)}万元，决算数{format_wan(actual)}万元"
    completion = percent(actual, budget)
    if completion is not None:
        alt += f"，决算数为预算数的{completion:.2f}%"
    details = [
        f"{label}预算数{format_wan(values[0])}万元、决算数{format_wan(values[1])}万元"
        for label, values in groups
        if any(v > 0 for v in values)
    ]
    if details:
        alt += "；其中" + "，".join(details)
    return _chart(key, title, svg, height, alt + "。", rows, "grouped", total_rows)


# ---------------------------------------------------------------- chart assembly


def _donut_chart(key: str, title: str, total_label: str, parts, total: Decimal | None) -> Chart:
    """Parts of a whole: every part listed in the table, only the positive ones drawn."""
    if not _positive(total) or not any(_positive(amount) for _, amount in parts):
        return _empty(key, title)
    rows = [ChartRow(label, amount or ZERO, _share(amount, total)) for label, amount in parts]
    drawn = [row for row in rows if row.amount_yuan > 0]
    svg, height = _donut_svg(title, total_label, total, drawn)
    return _chart(
        key,
        title,
        svg,
        height,
        _parts_alt(title, total_label, total, drawn),
        rows,
        "donut",
        [ChartRow("合计", total, _share(total, total))],
    )


def _category_bars(key: str, title: str, total_label: str, table) -> Chart:
    """One bar per 类 row of a classified table (columns: code, name, total, …)."""
    total = table.rows[0].cells[2] if table.rows else None
    categories = [(row.cells[1], row.cells[2]) for row in table.rows if row.kind == "category"]
    if not _positive(total) or not any(_positive(amount) for _, amount in categories):
        return _empty(key, title)
    rows = [ChartRow(label, amount or ZERO, _share(amount, total)) for label, amount in categories]
    drawn = [row for row in rows if row.amount_yuan > 0]
    svg, height = _bars_svg(title, drawn)
    return _chart(
        key,
        title,
        svg,
        height,
        _parts_alt(title, total_label, total, drawn),
        rows,
        "bars",
        [ChartRow("合计", total, _share(total, total))],
    )


def _chart(key, title, svg: str, height: int, alt: str, rows, kind: str, totals) -> Chart:
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    return Chart(key, title, uri, alt, rows, kind=kind, totals=totals, svg=svg, width=WIDTH, height=height)


def _empty(key: str, title: str) -> Chart:
    return Chart(key, title, "", NO_DATA, [])


def _parts_alt(title: str, total_label: str, total: Decimal, drawn: list[ChartRow]) -> str:
    parts = "；".join(f"{row.label}{row.amount_wan}万元，占{row.share_text}" for row in drawn)
    return f"{title}：{total_label}{format_wan(total)}万元，其中{parts}。"


def _share(amount: Decimal | None, total: Decimal | None) -> Decimal:
    return percent(amount or ZERO, total) or Decimal("0.00")


def _positive(amount: Decimal | None) -> bool:
    return amount is not None and amount > 0


def _strip_numbering(label: str) -> str:
    """'一、一般公共预算财政拨款收入' → '一般公共预算财政拨款收入'."""
    return label.split("、", 1)[-1]


# ---------------------------------------------------------------- SVG drawing


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text_width(text: str, size: float) -> float:
    """Estimated advance width: CJK and full-width characters are one em; Latin digits about 0.56 em."""
    width = 0.0
    for ch in text:
        if ord(ch) >= 0x2E80 or ch in "“”‘’":
            width += 1.0
        elif ch in ",.:;'|!":
            width += 0.28
        elif ch == "%":
            width += 0.85
        else:
            width += 0.57
    return width * size


def _svg_root(title: str, height: int) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(WIDTH),
            "height": str(height),
            "viewBox": f"0 0 {WIDTH} {height}",
            "font-family": FONT_FAMILY,
            "font-size": "13",
            "fill": TEXT_COLOR,
        },
    )
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "rect", {"x": "0", "y": "0", "width": str(WIDTH), "height": str(height), "fill": "#ffffff"})
    return root


def _text(parent: ET.Element, x: float, y: float, text: str, *, size: int = 13, anchor: str = "start", **attrs):
    attributes = {"x": _num(x), "y": _num(y), "font-size": str(size)}
    if anchor != "start":
        attributes["text-anchor"] = anchor
    attributes.update({k.replace("_", "-"): v for k, v in attrs.items()})
    ET.SubElement(parent, "text", attributes).text = text


def _serialise(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def _point(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def _arc_points(start: float, end: float) -> list[float]:
    """Angles from start to end in steps of at most 90°, so no arc needs the large-arc flag."""
    steps = max(1, math.ceil((end - start) / (math.pi / 2) - 1e-9))
    return [start + (end - start) * i / steps for i in range(steps + 1)]


def _ring_segment(cx: float, cy: float, outer: float, inner: float, start: float, end: float) -> str:
    angles = _arc_points(start, end)
    x, y = _point(cx, cy, outer, angles[0])
    d = [f"M{_num(x)} {_num(y)}"]
    for angle in angles[1:]:
        x, y = _point(cx, cy, outer, angle)
        d.append(f"A{_num(outer)} {_num(outer)} 0 0 1 {_num(x)} {_num(y)}")
    x, y = _point(cx, cy, inner, angles[-1])
    d.append(f"L{_num(x)} {_num(y)}")
    for angle in reversed(angles[:-1]):
        x, y = _point(cx, cy, inner, angle)
        d.append(f"A{_num(inner)} {_num(inner)} 0 0 0 {_num(x)} {_num(y)}")
    d.append("Z")
    return " ".join(d)


def _sweeps(amounts: list[Decimal], minimum: float = math.radians(2)) -> list[float]:
    """Angles of the parts of a full circle; hairline parts (0.01%) get a visible minimum, taken from the largest."""
    whole = sum(amounts, ZERO)
    sweeps = [2 * math.pi * float(amount / whole) for amount in amounts]
    if len(sweeps) > 1:
        shown = [max(sweep, minimum) for sweep in sweeps]
        largest = shown.index(max(shown))
        shown[largest] -= sum(shown) - 2 * math.pi
        sweeps = shown
    return sweeps


def _donut_svg(title: str, total_label: str, total: Decimal, parts: list[ChartRow]) -> tuple[str, int]:
    """A donut on the left (total in the hole), a legend with amount and share on the right."""
    cx, outer, inner = 150.0, 120.0, 66.0
    legend_step = 42
    height = max(280, 24 + legend_step * len(parts))
    cy = height / 2
    root = _svg_root(title, height)
    # White seams between parts; none on a single full ring, where it would show as a cut at 12 o'clock.
    seams = {"stroke": "#ffffff", "stroke-width": "1", "stroke-linejoin": "round"} if len(parts) > 1 else {}
    slices = ET.SubElement(root, "g", seams)
    start = -math.pi / 2  # 12 o'clock, clockwise
    for i, sweep in enumerate(_sweeps([row.amount_yuan for row in parts])):
        end = start + sweep
        ET.SubElement(
            slices, "path", {"d": _ring_segment(cx, cy, outer, inner, start, end), "fill": PALETTE[i % len(PALETTE)]}
        )
        start = end
    _text(
        root,
        cx,
        cy - 16,
        total_label if _text_width(total_label, 12) < 2 * inner - 12 else "合计",
        size=12,
        anchor="middle",
        fill=MUTED_COLOR,
    )
    amount = format_wan(total)
    _text(
        root,
        cx,
        cy + 6,
        amount,
        size=18 if _text_width(amount, 18) < 2 * inner - 14 else 13,
        anchor="middle",
        font_weight="bold",
    )
    _text(root, cx, cy + 24, "万元", size=12, anchor="middle", fill=MUTED_COLOR)

    legend = ET.SubElement(root, "g")
    x0, top = 300.0, cy - legend_step * len(parts) / 2
    for i, row in enumerate(parts):
        y = top + legend_step * i
        ET.SubElement(
            legend,
            "rect",
            {"x": _num(x0), "y": _num(y + 6), "width": "14", "height": "14", "fill": PALETTE[i % len(PALETTE)]},
        )
        label_size = 13 if _text_width(row.label, 13) <= WIDTH - x0 - 30 else 11
        _text(legend, x0 + 22, y + 18, row.label, size=label_size)
        _text(legend, x0 + 22, y + 36, f"{row.amount_wan}万元，占{row.share_text}", size=12, fill=MUTED_COLOR)
    return _serialise(root), height


def _label_lines(label: str, max_width: float, size: int) -> list[str]:
    """One line when it fits, else two lines split near the middle."""
    if _text_width(label, size) <= max_width:
        return [label]
    middle = len(label) // 2
    return [label[:middle], label[middle:]]


def _bars_svg(title: str, rows: list[ChartRow]) -> tuple[str, int]:
    """Horizontal bars: label on the left, bar, then amount and share."""
    size, row_height, bar_height, top = 13, 34, 20, 30
    label_width = min(max(_text_width(row.label, size) for row in rows), 230.0)
    values = [f"{row.amount_wan}（{row.share_text}）" for row in rows]
    value_width = max(_text_width(v, 12) for v in values)
    x0 = 10 + label_width + 10
    bar_space = WIDTH - x0 - value_width - 16
    height = top + row_height * len(rows) + 10
    root = _svg_root(title, height)
    _text(root, WIDTH - 8, 18, "单位：万元", size=12, anchor="end", fill=MUTED_COLOR)
    largest = max(row.amount_yuan for row in rows)
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = top + row_height * i + (row_height - bar_height) / 2
        middle = y + bar_height / 2
        lines = _label_lines(row.label, label_width, size)
        for j, line in enumerate(lines):
            offset = 4.5 + (j - (len(lines) - 1) / 2) * 14
            _text(root, x0 - 10, middle + offset, line, size=size if len(lines) == 1 else 11, anchor="end")
        width = max(bar_space * float(row.amount_yuan / largest), 1.5)
        ET.SubElement(
            root,
            "rect",
            {"x": _num(x0), "y": _num(y), "width": _num(width), "height": str(bar_height), "fill": PALETTE[0]},
        )
        _text(root, x0 + width + 6, middle + 4.5, value, size=12)
    ET.SubElement(
        root,
        "line",
        {
            "x1": _num(x0),
            "y1": str(top - 4),
            "x2": _num(x0),
            "y2": str(height - 6),
            "stroke": MUTED_COLOR,
            "stroke-width": "1",
        },
    )
    return _serialise(root), height


def _grouped_bars_svg(title: str, series: list[str], groups: list[tuple[str, list[Decimal]]]) -> tuple[str, int]:
    """One group of horizontal bars per item (one bar per series); items with no amount at all are left out."""
    drawn = [(label, values) for label, values in groups if any(v > 0 for v in values)]
    size, bar_height, gap, top = 13, 16, 4, 40
    group_height = len(series) * bar_height + (len(series) - 1) * gap + 18
    label_width = min(max(_text_width(label, size) for label, _ in drawn), 230.0)
    value_width = max(_text_width(format_wan(v), 12) for _, values in drawn for v in values)
    x0 = 10 + label_width + 10
    bar_space = WIDTH - x0 - value_width - 16
    height = top + group_height * len(drawn) + 4
    root = _svg_root(title, height)
    x = 10.0
    for name in series:
        ET.SubElement(root, "rect", {"x": _num(x), "y": "8", "width": "14", "height": "14", "fill": STAGE_COLORS[name]})
        _text(root, x + 20, 20, name, size=12)
        x += 20 + _text_width(name, 12) + 18
    _text(root, WIDTH - 8, 20, "单位：万元", size=12, anchor="end", fill=MUTED_COLOR)
    largest = max(v for _, values in drawn for v in values)
    for i, (label, values) in enumerate(drawn):
        y0 = top + group_height * i + 9
        middle = y0 + (group_height - 18) / 2
        lines = _label_lines(label, label_width, size)
        for j, line in enumerate(lines):
            offset = 4.5 + (j - (len(lines) - 1) / 2) * 14
            _text(root, x0 - 10, middle + offset, line, size=size if len(lines) == 1 else 11, anchor="end")
        for k, (name, value) in enumerate(zip(series, values, strict=True)):
            y = y0 + k * (bar_height + gap)
            width = bar_space * float(value / largest) if value > 0 else 0.0
            if width:
                ET.SubElement(
                    root,
                    "rect",
                    {
                        "x": _num(x0),
                        "y": _num(y),
                        "width": _num(max(width, 1.5)),
                        "height": str(bar_height),
                        "fill": STAGE_COLORS[name],
                    },
                )
            _text(root, x0 + max(width, 0) + 6, y + bar_height / 2 + 4.5, format_wan(value), size=12)
    ET.SubElement(
        root,
        "line",
        {
            "x1": _num(x0),
            "y1": str(top),
            "x2": _num(x0),
            "y2": str(height - 4),
            "stroke": MUTED_COLOR,
            "stroke-width": "1",
        },
    )
    return _serialise(root), height
