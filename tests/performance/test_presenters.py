"""Official grids of the performance forms (performance/presenters.py) and their partials, on the real seeds.

001 应急工作专项业务费 is the worked example of DOMAIN §4.7, 003 冶金工贸… the one of §5.3, 004 the compact variant.
"""

import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string

from performance.models import Period, SelfEvaluation, TargetForm
from performance.presenters import (
    format_fill_date,
    format_number,
    format_wan3,
    self_evaluation_grid,
    target_form_grid,
)
from tests.factories import make_self_evaluation, make_target_form

TARGET_PARTIAL = "performance/_target_form.html"
EVALUATION_PARTIAL = "performance/_self_evaluation.html"


class Cells(HTMLParser):
    """Text of every <td>/<th> by class, and every tag with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.by_class: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict]] = []
        self._open: list[tuple[str, list[str]]] = []  # (classes, text parts) of the open cells
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in ("td", "th"):
            self._open.append((attributes.get("class") or "", []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._open:
            classes, parts = self._open.pop()
            for name in classes.split():
                self.by_class.setdefault(name, []).append("".join(parts).strip())

    def handle_data(self, data):
        if self._open:
            self._open[-1][1].append(data)

    def texts(self, css_class: str) -> list[str]:
        return [text for text in self.by_class.get(css_class, []) if text]


def render_target(form: TargetForm) -> str:
    return render_to_string(TARGET_PARTIAL, {"grid": target_form_grid(form)})


@pytest.fixture
def jincheng_form(import_seed):
    import_seed("001")
    return TargetForm.objects.get(fiscal_year=2026, project_name="应急工作专项业务费")


@pytest.fixture
def evaluation(import_seed):
    import_seed("003")
    return SelfEvaluation.objects.get(project_name__startswith="冶金工贸、非煤矿山、危险化学品企业")


class TestFormatting:
    @pytest.mark.parametrize(
        ("yuan", "expected"),
        [("1359120", "135.912"), ("1740000", "174"), ("0", "0"), ("12345678", "1,234.568"), ("100", "0.01")],
    )
    def test_wan_with_up_to_three_decimals(self, yuan, expected):
        assert format_wan3(Decimal(yuan)) == expected

    def test_blank_stays_blank(self):
        assert (format_wan3(None), format_number(None)) == ("", "")

    @pytest.mark.parametrize(("value", "expected"), [("95.60", "95.6"), ("100.00", "100"), ("1.60", "1.6"), ("0", "0")])
    def test_scores_drop_trailing_zeros(self, value, expected):
        assert format_number(Decimal(value)) == expected


class TestTargetFormGrid:
    def test_header_and_funds_block(self, jincheng_form):
        grid = target_form_grid(jincheng_form)
        assert (grid.title, grid.year_label, grid.compact) == (
            "晋城市市级预算部门（单位）项目支出绩效目标表",
            "(2026年度)",
            False,
        )
        fields = {field.label: field.value for row in grid.header_rows for field in row}
        assert fields == {
            "项目名称": "应急工作专项业务费",
            "主管部门及代码": "222-晋城市应急管理局",
            "实施单位": "晋城市应急管理局",
            "项目属性": "经常性项目（长期开展）",
            "项目期": "99年",
        }
        assert [(r.period_label, r.period_amount, r.annual_label, r.annual_amount) for r in grid.funds_rows] == [
            ("实施期资金总额：", "1,930,000", "年度资金总额：", "1,930,000"),
            ("其中：中央财政资金", "0", "其中：中央财政资金", "0"),
            ("省级财政资金", "0", "省级财政资金", "0"),
            ("市县(区)财政资金", "1,930,000", "市县(区)财政资金", "1,930,000"),
            ("单位自筹", "0", "单位自筹", "0"),
            ("其他资金", "", "其他资金", ""),  # blank in the source, not 0
        ]
        assert [t.label for t in grid.text_rows] == [
            "项目概况",
            "立项依据",
            "项目设立必要性",
            "保证项目实施的制度、措施",
            "项目实施计划",
        ]
        assert grid.goal_period and grid.goal_period == grid.goal_annual
        assert [(f.label, f.value) for f in grid.footer][-1] == ("填报日期：", "2026-01-08 10:52:22")

    def test_periods_side_by_side_in_printed_order(self, jincheng_form):
        grid = target_form_grid(jincheng_form)
        filled = [row for row in grid.indicator_rows if not row.is_template]
        for period in (Period.PERIOD, Period.ANNUAL):
            expected = [(i.name, i.value) for i in jincheng_form.indicators.filter(period=period)]
            half = [(row.period if period == Period.PERIOD else row.annual) for row in filled]
            assert [(h.name, h.value) for h in half] == expected
        assert all((row.period.name, row.period.value) == (row.annual.name, row.annual.value) for row in filled)
        first = filled[0]
        assert (first.period.name, first.period.value, first.annual.value) == (
            "安全生产领域常态化督导巡查次数",
            "4次",
            "4次",
        )

    def test_rowspans(self, jincheng_form):
        groups = target_form_grid(jincheng_form).indicator_groups
        assert [g.level1 for g in groups] == ["产出指标", "效益指标", "满意度指标"]
        output = groups[0]
        assert output.rows[0].level1_rowspan == len(output.rows) == 11
        assert all(row.level1_rowspan == 0 for row in output.rows[1:])
        assert [(r.period.level2, r.level2_rowspan) for r in output.rows if r.level2_rowspan] == [
            ("数量指标", 4),
            ("质量指标", 2),
            ("时效指标", 4),
            ("成本指标", 1),  # printed in the 一级 column by the 2026 template; a 二级 of 产出
        ]
        assert sum(row.level2_rowspan for row in output.rows) == 11

    def test_empty_template_rows_as_printed(self, jincheng_form):
        outcome = target_form_grid(jincheng_form).indicator_groups[1]
        assert outcome.rows[0].level1_rowspan == 5
        # 001 prints 效益 二级 without 指标 (社会效益), so the blank template rows follow that spelling.
        assert [(r.period.level2, r.annual.level2, r.is_template, r.level2_rowspan) for r in outcome.rows] == [
            ("经济效益", "经济效益", True, 1),
            ("社会效益", "社会效益", False, 2),
            ("社会效益", "社会效益", False, 0),
            ("生态效益", "生态效益", True, 1),
            ("可持续影响", "可持续影响", True, 1),
        ]
        assert all(r.period.is_blank and r.annual.is_blank for r in outcome.rows if r.is_template)

    def test_missing_half_stays_blank(self, import_seed):
        import_seed("000")  # 公用经费项目: the 年度 column is printed empty (INV-T1)
        form = TargetForm.objects.get(fiscal_year=2022, project_name="公用经费项目")
        grid = target_form_grid(form)
        filled = [row for row in grid.indicator_rows if not row.period.is_blank]
        assert len(filled) == form.indicators.filter(period=Period.PERIOD).count() > 0
        assert all(row.annual.is_blank for row in grid.indicator_rows)
        output = grid.indicator_groups[0]
        assert [(r.annual.level2, r.level2_rowspan) for r in output.rows if r.level2_rowspan] == [
            ("数量指标", 2),
            ("质量指标", 1),
            ("时效指标", 1),  # printed empty by the template
            ("成本指标", 2),
        ]
        assert [r.period.level2 for r in grid.indicator_groups[1].rows if r.is_template][0] == "经济效益指标"

    def test_partial_prints_each_indicator_once_per_period(self, jincheng_form):
        html = render_target(jincheng_form)
        cells = Cells(html)
        for period, prefix in ((Period.PERIOD, "period"), (Period.ANNUAL, "annual")):
            indicators = list(jincheng_form.indicators.filter(period=period))
            assert Counter(cells.texts(f"{prefix}-name")) == Counter(i.name for i in indicators)
            assert Counter(cells.texts(f"{prefix}-value")) == Counter(i.value for i in indicators)
        assert cells.texts("level1") == ["产出指标", "效益指标", "满意度指标"]
        assert 'rowspan="11"' in html and 'rowspan="4"' in html
        assert "1,930,000" in html and "2026-01-08 10:52:22" in html and "20260108105222" not in html

    def test_partial_markup_conventions(self, jincheng_form):
        html = render_target(jincheng_form)
        cells = Cells(html)
        assert (
            f'<section class="performance-form target-form" id="form-{jincheng_form.pk}" tabindex="0" '
            'aria-label="应急工作专项业务费 项目支出绩效目标表">'
        ) in html
        assert html.count("<caption>") == 2 and html.count("<thead>") == 1
        assert all("style" not in attrs for _, attrs in cells.tags)
        assert not any(tag in ("script", "style") for tag, _ in cells.tags)
        assert all(
            attrs.get("scope") in ("row", "col", "rowgroup", "colgroup") for tag, attrs in cells.tags if tag == "th"
        )
        headers = re.findall(r"<th [^>]*>([^<]*)</th>", html.split("<thead>")[1].split("</thead>")[0])
        assert headers == [
            "一级指标",
            "实施期指标",
            "年度指标",
            "二级指标",
            "三级指标",
            "指标值",
            "二级指标",
            "三级指标",
            "指标值",
        ]


class TestSelfEvaluationGrid:
    def test_funds_in_wan_and_score(self, evaluation):
        grid = self_evaluation_grid(evaluation)
        assert (grid.title, grid.year_label) == (evaluation.title, "(2023年度)")
        assert grid.split_initial
        total = grid.funds_rows[0]
        assert (
            total.label,
            total.initial_declared,
            total.initial_budgeted,
            total.full_year_budget,
            total.executed,
            total.balance,
            total.execution_rate,
            total.score,
        ) == ("资金总额", "174", "174", "135.912", "135.912", "0", "100", "10")
        assert (grid.total_score, grid.grade) == ("95.6", "优")
        assert [item.heading for item in grid.analysis][-1] == "下一步改进措施及管理建议" and len(grid.analysis) == 7

    def test_indicator_rows_with_rowspans(self, evaluation):
        grid = self_evaluation_grid(evaluation)
        assert [(g.level1, g.rowspan) for g in grid.indicator_groups] == [
            ("产出指标", 13),
            ("效益指标", 2),
            ("满意度指标", 2),
        ]
        output = grid.indicator_groups[0].rows
        assert output[0].level1_rowspan == 13
        assert [(r.level2, r.level2_rowspan) for r in output if r.level2_rowspan] == [
            ("数量指标", 5),
            ("质量指标", 2),
            ("时效指标", 3),
            ("成本指标", 3),
        ]
        partial = output[2]
        assert (partial.initial_value, partial.actual_value, partial.weight, partial.score) == (
            "≥10个",
            "≥4个",
            "4",
            "1.6",
        )
        assert sum(float(r.score) for r in grid.indicator_rows) + float(grid.funds_rows[0].score) == 95.6

    def test_partial(self, evaluation):
        html = render_to_string(EVALUATION_PARTIAL, {"grid": self_evaluation_grid(evaluation)})
        cells = Cells(html)
        assert f'id="evaluation-{evaluation.pk}" tabindex="0"' in html
        assert f'aria-label="{evaluation.project_name} 项目支出绩效自评表"' in html
        assert "135.912" in html and 'rowspan="13"' in html
        assert cells.texts("total-score") == ["95.6"] and cells.texts("grade") == ["优"]
        assert Counter(cells.texts("result-name")) == Counter(r.name for r in evaluation.results.all())
        assert all("style" not in attrs for _, attrs in cells.tags)

    def test_single_initial_budget_column(self, evaluation):
        single = SelfEvaluation.objects.get(project_name__startswith="重点行业领域")
        grid = self_evaluation_grid(single)
        assert not grid.split_initial and grid.funds_rowspan == 1 + len(grid.funds_rows)
        html = render_to_string(EVALUATION_PARTIAL, {"grid": grid})
        # One 年初预算数 column (nine grid columns): HTML forbids a column in which no cell begins.
        assert "目标申报数" not in html and '<td class="num">215.1</td>' in html


class TestCompactForm:
    def test_grid_and_partial(self, import_seed):
        import_seed("004")
        form = TargetForm.objects.get(variant=TargetForm.Variant.COMPACT, project_name="全县安全生产监管专项")
        grid = target_form_grid(form)
        assert grid.compact and grid.amount == "50.00" and not grid.funds_rows
        assert grid.year_label == ""  # the title already says 2023年
        assert grid.text_rows[0].label == "绩效目标" and grid.text_rows[0].paragraphs[0].startswith("目标1:")
        assert len(grid.text_rows[0].paragraphs) == 4
        assert all(row.period.is_blank for row in grid.indicator_rows)
        assert [g.level1 for g in grid.indicator_groups] == ["产出指标", "效益指标", "满意度指标"]
        html = render_target(form)
        cells = Cells(html)
        assert (
            f'<section class="performance-form compact-form" id="form-{form.pk}" tabindex="0" '
            'aria-label="全县安全生产监管专项 项目支出绩效目标表">'
        ) in html
        assert "50.00" in html and "金额（万元）" in html and "实施期" not in html
        assert Counter(cells.texts("annual-name")) == Counter(i.name for i in form.indicators.all())
        assert not any(row.is_template for row in grid.indicator_rows)


class TestFillDate:
    def test_parsed_stamp_prints_as_beijing_date_and_time(self):
        form = TargetForm(filled_at_raw="20260108105222", filled_at=datetime(2026, 1, 8, 2, 52, 22, tzinfo=UTC))
        assert format_fill_date(form) == "2026-01-08 10:52:22"

    def test_unparsed_stamp_prints_as_written(self):
        form = TargetForm(filled_at_raw="2026011611300", filled_at=None)  # 13 digits in the 001 seed
        assert format_fill_date(form) == "2026011611300"
        assert format_fill_date(TargetForm(filled_at_raw="", filled_at=None)) == ""


def region_labels(html: str) -> list[str]:
    return re.findall(r'<section class="performance-form [^"]*" id="[^"]+" tabindex="0" aria-label="([^"]+)">', html)


class TestScrollableRegions:
    """Each form scrolls sideways on phones: a focusable region named after its project, unique on the page."""

    LOOP = "{%% for grid in grids %%}{%% include '%s' %%}{%% endfor %%}"

    def render_loop(self, partial: str, grids) -> str:
        return engines["django"].from_string(self.LOOP % partial).render({"grids": grids})

    def test_same_project_name_gets_distinct_labels(self, db):
        forms = [make_target_form(name="安全生产监管专项经费", order=i) for i in (1, 2)]
        html = self.render_loop(TARGET_PARTIAL, [target_form_grid(form) for form in forms])
        assert region_labels(html) == [
            "安全生产监管专项经费 项目支出绩效目标表（第1张）",
            "安全生产监管专项经费 项目支出绩效目标表（第2张）",
        ]

    def test_self_evaluations_in_a_loop(self, db):
        evaluations = [make_self_evaluation(name="安全生产监管专项经费", order=i) for i in (1, 2)]
        html = self.render_loop(EVALUATION_PARTIAL, [self_evaluation_grid(e) for e in evaluations])
        assert region_labels(html) == [
            "安全生产监管专项经费 项目支出绩效自评表（第1张）",
            "安全生产监管专项经费 项目支出绩效自评表（第2张）",
        ]

    def test_compact_forms_in_a_loop(self, import_seed):
        import_seed("004")
        grid = target_form_grid(TargetForm.objects.get(project_name="全县安全生产监管专项"))
        assert grid.compact
        assert region_labels(self.render_loop(TARGET_PARTIAL, [grid, grid])) == [
            "全县安全生产监管专项 项目支出绩效目标表（第1张）",
            "全县安全生产监管专项 项目支出绩效目标表（第2张）",
        ]

    def test_focus_outline_is_for_screens_only(self):
        css = (settings.BASE_DIR / "static" / "css" / "forms.css").read_text()
        screen = css[css.index("@media screen {") : css.index("@media print {")]
        assert re.search(r"\.performance-form:focus-visible \{\s*outline: 3px solid", screen)
        assert css.count(":focus") == screen.count(":focus")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_weasyprint_pdf_of_two_forms(import_seed, tmp_path):
    from weasyprint import CSS, HTML

    import_seed("001")
    forms = TargetForm.objects.filter(fiscal_year=2026, project_name__in=["应急工作专项业务费", "森林消防高压水带采购"])
    assert forms.count() == 2
    body = "".join(render_target(form) for form in forms.prefetch_related("funding", "indicators"))
    head = '<meta charset="utf-8"><title>绩效目标表</title>'
    html = f'<!DOCTYPE html><html lang="zh-Hans"><head>{head}</head><body>{body}</body></html>'
    css = [CSS(filename=str(settings.BASE_DIR / "static" / "css" / name)) for name in ("tables.css", "forms.css")]
    pdf = tmp_path / "forms.pdf"
    HTML(string=html).write_pdf(pdf, stylesheets=[*css, CSS(string="@page { size: A4 }")])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s", "", text)
    assert "应急工作专项业务费" in flat and "森林消防高压水带采购" in flat
    assert "1,930,000" in flat and "≤193万元" in flat
    assert text.count("\f") >= 2  # each form starts on a page of its own
