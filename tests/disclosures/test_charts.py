"""Charts of the 情况说明: figures equal the official tables, SVG is static and searchable, PDF keeps the text."""

import base64
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from disclosures.charts import NO_DATA, Chart, _donut_chart, _sweeps, disclosure_charts
from disclosures.models import Disclosure
from disclosures.tablespecs import DisclosureData, build_table

SVG = "{http://www.w3.org/2000/svg}"
CHARTS_CSS = Path(settings.BASE_DIR) / "static" / "css" / "charts.css"


def charts_of(report) -> dict[str, Chart]:
    disclosure = Disclosure.objects.get(pk=report.disclosure_id)
    return {chart.key: chart for chart in disclosure_charts(disclosure)}


def table_of(report, key):
    return build_table(Disclosure.objects.get(pk=report.disclosure_id), key)


def figures(chart: Chart) -> list[tuple[str, str, str]]:
    return [(row.label, row.amount_wan, row.share_text) for row in chart.rows]


def svg_root(chart: Chart) -> ET.Element:
    prefix = "data:image/svg+xml;base64,"
    assert chart.svg_data_uri.startswith(prefix)
    markup = base64.b64decode(chart.svg_data_uri[len(prefix) :]).decode("utf-8")
    assert markup == chart.svg
    return ET.fromstring(markup)  # noqa: S314 — our own output, parsed to prove it is well-formed


def svg_texts(chart: Chart) -> list[str]:
    return [el.text or "" for el in svg_root(chart).iter(f"{SVG}text")]


@pytest.fixture
def budget(import_seed):
    return import_seed("001")


@pytest.fixture
def final(import_seed):
    return import_seed("003")


class TestBudgetCharts:
    def test_titles_in_narrative_order(self, budget):
        charts = charts_of(budget)
        assert [(c.key, c.title) for c in charts.values()] == [
            ("budget_income", "收入预算图"),
            ("budget_general_structure", "一般公共预算当年支出结构图"),
            ("budget_three_public", "三公经费分布图"),
        ]
        assert all(c.svg_data_uri and c.rows for c in charts.values())

    def test_income_equals_table_one(self, budget):
        chart = charts_of(budget)["budget_income"]
        assert figures(chart) == [
            ("一般公共预算拨款收入", "3,257.54", "98.51%"),
            ("政府性基金预算拨款收入", "0.00", "0.00%"),
            ("国有资本经营预算拨款收入", "0.00", "0.00%"),
            ("财政专户管理资金收入", "0.00", "0.00%"),
            ("单位资金", "0.00", "0.00%"),
            ("上年结转", "49.27", "1.49%"),
        ]
        rows = {row.cells[0]: row.cells[1] for row in table_of(budget, "budget_01").rows}
        income = [
            rows[label] or Decimal(0)
            for label in (
                "一、一般公共预算",
                "二、政府性基金预算",
                "三、国有资本经营预算",
                "四、财政专户管理资金",
                "五、单位资金",
                "上年结转",
            )
        ]
        assert [row.amount_yuan for row in chart.rows] == income
        assert [(t.label, t.amount_yuan, t.share_text) for t in chart.totals] == [("合计", rows["收入总计"], "100.00%")]
        assert chart.alt == (
            "收入预算图：收入总计3,306.81万元，其中一般公共预算拨款收入3,257.54万元，占98.51%；上年结转49.27万元，占1.49%。"
        )

    def test_general_structure_equals_table_five(self, budget):
        chart = charts_of(budget)["budget_general_structure"]
        table = table_of(budget, "budget_05")
        categories = [(row.cells[1], row.cells[2]) for row in table.rows if row.kind == "category"]
        assert [(row.label, row.amount_yuan) for row in chart.rows] == categories
        assert [row.share_text for row in chart.rows] == ["0.06%", "6.83%", "1.71%", "2.18%", "89.22%"]
        assert chart.rows[-1].amount_wan == "2,906.39"  # current year only, not 2,955.66 with carry-over
        assert chart.totals[0].amount_yuan == table.rows[0].cells[2]

    def test_three_public_equals_table_ten(self, budget):
        chart = charts_of(budget)["budget_three_public"]
        assert figures(chart) == [
            ("因公出国（境）费", "0.00", "0.00%"),
            ("公务接待费", "0.50", "100.00%"),
            ("公务用车购置费", "0.00", "0.00%"),
            ("公务用车运行维护费", "0.00", "0.00%"),
        ]
        table = {row.cells[0]: row.cells[1] for row in table_of(budget, "budget_10").rows}
        assert chart.rows[1].amount_yuan == table["公务接待费"]
        assert chart.totals[0].amount_yuan == table["合计"]


class TestFinalCharts:
    def test_titles(self, final):
        assert [(c.key, c.title) for c in charts_of(final).values()] == [
            ("final_income", "收入决算图"),
            ("final_expense", "支出决算图"),
            ("final_general_structure", "一般公共预算财政拨款支出结构图"),
            ("final_three_public", "三公经费预决算对比图"),
        ]

    def test_income_equals_table_01(self, final):
        chart = charts_of(final)["final_income"]
        table = table_of(final, "final_01")
        printed = [(row.cells[0].split("、", 1)[1], row.cells[2] or Decimal(0)) for row in table.rows[:8]]
        assert [(row.label, row.amount_yuan) for row in chart.rows] == printed
        drawn = [(label, amount, share) for label, amount, share in figures(chart) if amount != "0.00"]
        assert drawn == [("一般公共预算财政拨款收入", "3,220.54", "99.99%"), ("其他收入", "0.21", "0.01%")]
        total = next(row.cells[2] for row in table.rows if row.cells[0] == "本年收入合计")
        assert chart.totals[0].amount_yuan == total

    def test_expense_equals_table_03_total(self, final):
        chart = charts_of(final)["final_expense"]
        total_row = table_of(final, "final_03").rows[0].cells
        assert [row.amount_yuan for row in chart.rows] == [v or Decimal(0) for v in total_row[3:8]]
        assert figures(chart)[:2] == [("基本支出", "985.02", "28.26%"), ("项目支出", "2,500.14", "71.74%")]
        assert chart.totals[0].amount_yuan == total_row[2]

    def test_general_structure_equals_table_05(self, final):
        chart = charts_of(final)["final_general_structure"]
        table = table_of(final, "final_05")
        assert [(row.label, row.amount_yuan) for row in chart.rows] == [
            (row.cells[1], row.cells[2]) for row in table.rows if row.kind == "category"
        ]
        assert [row.share_text for row in chart.rows] == ["1.98%", "1.66%", "2.24%", "94.12%"]

    def test_three_public_budget_against_actual(self, final):
        chart = charts_of(final)["final_three_public"]
        cells = table_of(final, "final_09").rows[0].cells  # 预算数 1–6, 决算数 7–12
        by_item = {(row.label, row.series): row.amount_yuan for row in chart.rows}
        for offset, series in ((0, "预算数"), (6, "决算数")):
            assert by_item[("因公出国（境）费", series)] == (cells[offset + 1] or 0)
            assert by_item[("公务用车购置费", series)] == (cells[offset + 3] or 0)
            assert by_item[("公务用车运行维护费", series)] == cells[offset + 4]
            assert by_item[("公务接待费", series)] == cells[offset + 5]
        assert [(t.series, t.amount_wan) for t in chart.totals] == [("预算数", "29.14"), ("决算数", "29.14")]
        assert "决算数为预算数的100.00%" in chart.alt
        assert chart.has_series and chart.kind == "grouped"


class TestSvg:
    def test_static_well_formed_with_text_labels(self, budget, final):
        for chart in [*charts_of(budget).values(), *charts_of(final).values()]:
            root = svg_root(chart)
            assert root.tag == f"{SVG}svg"
            assert root.get("viewBox") == f"0 0 {chart.width} {chart.height}"
            tags = {el.tag.removeprefix(SVG) for el in root.iter()}
            assert not tags & {"script", "style", "foreignObject", "image", "a"}, chart.key
            for el in root.iter():
                assert not any(name.startswith("on") or "href" in name for name in el.attrib), chart.key
                assert "style" not in el.attrib
            texts = svg_texts(chart)
            for row in chart.rows:
                if row.amount_yuan > 0:
                    assert row.label in texts, (chart.key, row.label)
                    assert any(row.amount_wan in text for text in texts), (chart.key, row.amount_wan)

    def test_zero_parts_listed_but_not_drawn(self, budget):
        chart = charts_of(budget)["budget_income"]
        texts = svg_texts(chart)
        assert "上年结转" in texts and "政府性基金预算拨款收入" not in texts
        assert len(list(svg_root(chart).iter(f"{SVG}path"))) == 2

    def test_arcs_weasyprint_draws_correctly(self, budget, final):
        """No zero-radius arc (WeasyPrint 70 draws an absolute one as a relative line) and no large-arc flag."""
        arcs = []
        for chart in [*charts_of(budget).values(), *charts_of(final).values()]:
            for path in svg_root(chart).iter(f"{SVG}path"):
                arcs += re.findall(r"A(\S+) (\S+) (\S+) (\S+) (\S+) ", path.get("d"))
        assert arcs
        for rx, ry, rotation, large, _sweep in arcs:
            assert float(rx) > 0 and float(ry) > 0 and (rotation, large) == ("0", "0")

    def test_hairline_parts_stay_visible(self):
        sweeps = _sweeps([Decimal("32205400"), Decimal("2100")])
        assert sum(sweeps) == pytest.approx(2 * 3.141592653589793)
        assert sweeps[1] >= 0.0349  # 2 degrees for 0.01 %

    def test_labels_are_escaped(self):
        chart = _donut_chart("x", "测试图", "合计", [("A&B <C>", Decimal(100)), ("D", Decimal(300))], Decimal(400))
        assert "A&B <C>" in svg_texts(chart)
        assert [row.share_text for row in chart.rows] == ["25.00%", "75.00%"]


class TestEmpty:
    def test_no_data_gives_empty_chart(self, budget):
        disclosure = Disclosure.objects.get(pk=budget.disclosure_id)
        disclosure.three_public.all().delete()
        chart = {c.key: c for c in disclosure_charts(disclosure, DisclosureData(disclosure))}["budget_three_public"]
        assert (chart.title, chart.alt, chart.svg_data_uri, chart.rows, chart.is_empty) == (
            "三公经费分布图",
            NO_DATA,
            "",
            [],
            True,
        )
        html = render_to_string("disclosures/_chart.html", {"chart": chart})
        assert "<img" not in html and "<table" not in html and NO_DATA in html and "三公经费分布图" in html


class ChartHtml(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


class TestTemplate:
    def test_figure_image_and_data_table(self, budget):
        chart = charts_of(budget)["budget_income"]
        parser = ChartHtml()
        parser.feed(render_to_string("disclosures/_chart.html", {"chart": chart}))
        tags = [tag for tag, _ in parser.tags]
        assert tags[:3] == ["figure", "figcaption", "img"] and "table" in tags and "caption" in tags
        img = dict(parser.tags)["img"]
        assert img["alt"] == chart.alt and img["src"] == chart.svg_data_uri
        assert (img["width"], img["height"]) == (str(chart.width), str(chart.height))
        assert not any("style" in attrs for _, attrs in parser.tags) and "style" not in tags and "script" not in tags
        col_headers = [attrs.get("scope") for tag, attrs in parser.tags if tag == "th"]
        assert col_headers[:3] == ["col", "col", "col"] and set(col_headers[3:]) == {"row"}
        assert parser.text[:5] == ["收入预算图", "收入预算图数据", "项目", "金额（万元）", "占比"]
        assert ["一般公共预算拨款收入", "3,257.54", "98.51%"] == parser.text[5:8]

    def test_comparison_table_has_series_column(self, final):
        html = render_to_string("disclosures/_chart.html", {"chart": charts_of(final)["final_three_public"]})
        assert '<th scope="col">口径</th>' in html and "<td>决算数</td>" in html

    def test_table_stays_visible(self):
        css = CHARTS_CSS.read_text()
        assert "display: none" not in css and "visually-hidden" not in css


def pdf_text(html: str, tmp_path) -> str:
    from weasyprint import CSS, HTML

    page = f'<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"></head><body>{html}</body></html>'
    pdf = tmp_path / "chart.pdf"
    HTML(string=page).write_pdf(pdf, stylesheets=[CSS(filename=str(CHARTS_CSS))])
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", "", result.stdout.decode("utf-8"))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
class TestPdf:
    def test_chart_html_through_weasyprint(self, budget, final, tmp_path):
        charts = [*charts_of(budget).values(), *charts_of(final).values()]
        html = "".join(render_to_string("disclosures/_chart.html", {"chart": chart}) for chart in charts)
        text = pdf_text(html, tmp_path)
        for chart in charts:
            assert chart.title in text
            for row in chart.rows:
                assert row.label in text

    @pytest.mark.parametrize("key", ["budget_income", "budget_general_structure", "budget_three_public"])
    def test_svg_text_is_searchable_in_pdf(self, budget, tmp_path, key):
        """The image alone (no data table): its labels and amounts are real text in the PDF."""
        chart = charts_of(budget)[key]
        text = pdf_text(
            f'<img src="{chart.svg_data_uri}" alt="" width="{chart.width}" height="{chart.height}">', tmp_path
        )
        for row in chart.rows:
            if row.amount_yuan > 0:
                assert row.label in text and row.amount_wan in text
