"""列表表格 — django-tables2 tables of the portal (sortable by their column headers, paginated with GET links).

Every table names a caption and the column that heads each row; templates/portal/_table.html renders them as
<caption>, <th scope="col"> and <th scope="row">.
"""

from decimal import Decimal

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from disclosures.amounts import format_wan
from disclosures.portal_queries import KIND_SHORT

NUM = {"th": {"class": "num"}, "td": {"class": "num"}, "tf": {"class": "num"}}
NOWRAP = {"td": {"class": "nowrap"}}


class AmountColumn(tables.Column):
    """Right-aligned amount stored in 元, shown in 万元 (two decimals); blank stays blank, never 0.00."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUM)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_wan(value if isinstance(value, Decimal) else Decimal(str(value)))


class PortalTable(tables.Table):
    caption = ""
    caption_id = "results"  # unique per page: the scrolling region is labelled by the caption
    row_header = ""  # name of the column rendered as <th scope="row">

    class Meta:
        template_name = "portal/_table.html"
        attrs = {"class": "listing portal-table"}


class DisclosureTable(PortalTable):
    fiscal_year = tables.Column("年度", attrs=NOWRAP)
    region = tables.Column("地区", accessor="unit__department__region__name", attrs=NOWRAP)
    unit = tables.Column("单位", accessor="unit__name", order_by=("unit__name", "unit__code", "-version"))
    kind = tables.Column("类型", order_by=("kind", "-version"), attrs=NOWRAP)
    total = AmountColumn("支出总计（万元）")
    published_at = tables.DateTimeColumn(verbose_name="公开时间", format="Y-m-d", attrs=NOWRAP)

    caption = "已公开的单位预算、决算"
    caption_id = "disclosure-list"
    row_header = "unit"

    class Meta(PortalTable.Meta):
        empty_text = "没有符合条件的公开内容。"

    def render_fiscal_year(self, value):
        return f"{value}年"

    def render_unit(self, value, record):
        link = format_html('<a href="{}">{}</a>', reverse("disclosures:detail", args=[record.pk]), value)
        notes = []
        if record.version > 1:
            notes.append(format_html('<span class="tag">更正版·第{}版</span>', record.version))
        if getattr(record, "superseded", False):
            notes.append(mark_safe('<span class="tag tag-superseded">已被更正，请看新版本</span>'))  # noqa: S308
        profile = format_html(
            '<a class="aside-link" href="{}">部门概况<span class="visually-hidden">：{}</span></a>',
            reverse("portal:department_profile", args=[record.unit.department_id]),
            record.unit.department.name,
        )
        return format_html("{} {} {}", link, format_html_join(" ", "{}", ((n,) for n in notes)), profile)

    def render_kind(self, value, record):
        return KIND_SHORT.get(record.kind, value)


class ProjectResultTable(PortalTable):
    """Rows are dicts from portal_queries.project_search (a UNION), plus ``matches`` for the page."""

    r_name = tables.Column("项目名称", empty_values=())
    r_year = tables.Column("年度", attrs=NOWRAP)
    r_department_name = tables.Column("部门", orderable=False)
    r_unit = tables.Column("单位", orderable=False, default="")
    r_amount = AmountColumn("金额（万元）")
    links = tables.Column("查看", empty_values=(), orderable=False, attrs={"td": {"class": "links"}})

    caption = "项目搜索结果"
    caption_id = "project-results"
    row_header = "r_name"

    class Meta(PortalTable.Meta):
        empty_text = "没有找到匹配的项目。"

    def render_r_name(self, value, record):
        hit = record.get("name_match")
        if hit:
            name = format_html("{}<mark>{}</mark>{}", *hit)
        else:
            name = value or "（未填写项目名称）"
        matches = format_html_join(
            "",
            '<li><span class="match-where">{}</span>：{}<mark>{}</mark>{}</li>',
            ((m.where, m.before, m.hit, m.after) for m in record.get("matches", [])),
        )
        return format_html('{}<ul class="matches">{}</ul>', name, matches) if matches else name

    def render_r_year(self, value):
        return f"{value}年"

    def render_r_department_name(self, value, record):
        url = reverse("portal:department_profile", args=[record["r_department"]])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_links(self, record):
        links = []
        if record["r_form"]:
            links.append((reverse("performance:form_detail", args=[record["r_form"]]), "绩效目标表"))
        if record["r_disclosure"]:
            links.append((reverse("disclosures:detail", args=[record["r_disclosure"]]), "预算公开"))
        name = record["r_name"] or ""
        return format_html_join(
            " ", '<a href="{}">{}<span class="visually-hidden">：{}</span></a>', ((u, t, name) for u, t in links)
        )
