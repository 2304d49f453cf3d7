"""公开门户图表 — share bars for the 功能分类 drilldown and multi-year trend bars for a department profile.

Built with the SVG helpers of charts.py, so these charts look like the 情况说明 charts: static SVG (no script,
no <style>) embedded as a data: URI, always shown next to a data table with the same numbers.
"""

import base64
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree as ET

from disclosures.amounts import ZERO, format_wan
from disclosures.charts import (
    MUTED_COLOR,
    PALETTE,
    STAGE_COLORS,
    WIDTH,
    Chart,
    ChartRow,
    _bars_svg,
    _chart,
    _empty,
    _label_lines,
    _num,
    _parts_alt,
    _positive,
    _serialise,
    _share,
    _svg_root,
    _text,
    _text_width,
)

NOT_PUBLISHED = "未公开"


def share_bars(key: str, title: str, total_label: str, parts: list[tuple[str, Decimal | None]], total) -> Chart:
    """One bar per part with its amount and its share of ``total`` (the parts of one drilldown level)."""
    if not _positive(total) or not any(_positive(amount) for _, amount in parts):
        return _empty(key, title)
    rows = [ChartRow(label, amount or ZERO, _share(amount, total)) for label, amount in parts]
    drawn = [row for row in rows if row.amount_yuan > 0]
    svg, height = _bars_svg(title, drawn)
    alt = _parts_alt(title, total_label, total, drawn)
    return _chart(key, title, svg, height, alt, rows, "bars", [ChartRow("合计", total, _share(total, total))])


@dataclass
class TrendSeries:
    label: str
    values: list[Decimal | None]  # one per year; None = blank (no amount)
    published: list[bool] | None = None  # per year: was anything of this kind published? (default: yes)

    @property
    def cells(self) -> list[str]:
        """万元 per year; “未公开” when nothing was published that year, "" when it was but left this blank."""
        published = self.published or [True] * len(self.values)
        return [
            format_wan(v) if v is not None else "" if shown else NOT_PUBLISHED
            for v, shown in zip(self.values, published, strict=True)
        ]


@dataclass
class TrendChart:
    key: str
    title: str
    years: list[int]
    series: list[TrendSeries]
    svg_data_uri: str = ""
    alt: str = ""
    width: int = 0
    height: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.svg_data_uri

    @property
    def table_rows(self) -> list[tuple[int, list[str]]]:
        """Data table: one row per year, one cell per series (万元, or 未公开)."""
        return [(year, [s.cells[i] for s in self.series]) for i, year in enumerate(self.years)]


def trend_chart(key: str, title: str, years: list[int], series: list[TrendSeries]) -> TrendChart:
    """Grouped horizontal bars: one group per year (oldest first), one bar per series."""
    series = [s for s in series if any(v is not None for v in s.values)]  # a measure nobody reports is left out
    chart = TrendChart(key, title, years, series)
    if not years or not any(v is not None and v > 0 for s in series for v in s.values):
        chart.alt = "本项无数据"
        return chart
    svg, height = _trend_svg(title, years, series)
    chart.svg_data_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    chart.width, chart.height = WIDTH, height
    parts = []
    for i, year in enumerate(years):
        values = "、".join(f"{s.label}{s.cells[i] or '空白'}" + ("" if s.values[i] is None else "万元") for s in series)
        parts.append(f"{year}年{values}")
    chart.alt = f"{title}：" + "；".join(parts) + "。"
    return chart


def _series_color(label: str, index: int) -> str:
    return STAGE_COLORS.get(label, PALETTE[index % len(PALETTE)])


def _trend_svg(title: str, years: list[int], series: list[TrendSeries]) -> tuple[str, int]:
    size, bar_height, gap, top = 13, 14, 3, 40
    group_height = len(series) * bar_height + (len(series) - 1) * gap + 16
    labels = [f"{year}年" for year in years]
    label_width = max(_text_width(label, size) for label in labels)
    value_width = max(_text_width(cell, 12) for s in series for cell in s.cells)
    x0 = 10 + label_width + 10
    bar_space = WIDTH - x0 - value_width - 16
    height = top + group_height * len(years) + 4
    root = _svg_root(title, height)
    x = 10.0
    for i, s in enumerate(series):
        legend_width = 20 + _text_width(s.label, 12) + 18
        if x + legend_width > WIDTH - 80:  # legend wraps are rare (≤ 4 short labels); keep it on one line
            break
        ET.SubElement(
            root, "rect", {"x": _num(x), "y": "8", "width": "14", "height": "14", "fill": _series_color(s.label, i)}
        )
        _text(root, x + 20, 20, s.label, size=12)
        x += legend_width
    _text(root, WIDTH - 8, 20, "单位：万元", size=12, anchor="end", fill=MUTED_COLOR)
    largest = max(v for s in series for v in s.values if v is not None and v > 0)
    for g, label in enumerate(labels):
        y0 = top + group_height * g + 8
        middle = y0 + (group_height - 16) / 2
        for j, line in enumerate(_label_lines(label, label_width, size)):
            _text(root, x0 - 10, middle + 4.5 + j * 14, line, size=size, anchor="end")
        for k, s in enumerate(series):
            y = y0 + k * (bar_height + gap)
            value = s.values[g]
            width = bar_space * float(value / largest) if value is not None and value > 0 else 0.0
            if width:
                attrs = {"x": _num(x0), "y": _num(y), "width": _num(max(width, 1.5)), "height": str(bar_height)}
                ET.SubElement(root, "rect", {**attrs, "fill": _series_color(s.label, k)})
            fill = {} if value is not None else {"fill": MUTED_COLOR}
            _text(root, x0 + width + 6, y + bar_height / 2 + 4.5, s.cells[g], size=12, **fill)
    line = {"x1": _num(x0), "y1": str(top), "x2": _num(x0), "y2": str(height - 4)}
    ET.SubElement(root, "line", {**line, "stroke": MUTED_COLOR, "stroke-width": "1"})
    return _serialise(root), height
