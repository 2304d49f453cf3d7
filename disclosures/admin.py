"""Admin for 预决算公开: catalogues, disclosures with their facts, and the imported sources (read-only).

Amounts are entered in 元 (as stored); lists and the projected official tables show 万元.
"""

from django.contrib import admin
from django.db import models
from django.forms import NumberInput, Textarea, TextInput
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from disclosures.amounts import format_wan
from disclosures.importing.loader import KIND_LABELS
from disclosures.models import (
    AssetSummary,
    Balance,
    BudgetUnit,
    Department,
    Disclosure,
    EconomicClass,
    EconomicLine,
    FunctionClass,
    FunctionLine,
    OperatingCost,
    Procurement,
    ProjectLine,
    Region,
    RevenueLine,
    Section,
    SourceDocument,
    SourceTable,
    ThreePublicLine,
    VehicleCount,
)
from disclosures.tablespecs import build_tables

admin.site.site_header = admin.site.site_title = "预决算公开审核 管理后台"
admin.site.index_title = "数据管理"

DISCLOSURE_FILTERS = ["disclosure__fiscal_year", "disclosure__kind", "disclosure__status"]
# Tabular inlines: inputs sized so that a row of amounts fits beside its labels (admin's own width classes).
COMPACT_INPUTS = {
    models.DecimalField: {"widget": NumberInput(attrs={"class": "vBigIntegerField"})},
    models.CharField: {"widget": TextInput(attrs={"size": 20})},
    models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})},
}


def wan_column(field: str, description: str):
    """A list_display column showing an amount field (元) in 万元."""

    @admin.display(description=f"{description}（万元）", ordering=field)
    def column(obj):
        return format_wan(getattr(obj, field))

    column.__name__ = f"{field}_wan"
    return column


class ReadOnlyMixin:
    """Imported as received: viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- places and catalogues


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(BudgetUnit)
class BudgetUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department__region", "department"]
    search_fields = ["code", "name", "department__code", "department__name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]


@admin.register(FunctionClass)
class FunctionClassAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "since_year", "until_year", "budget_summary_no", "final_summary_no"]
    list_filter = ["since_year", "until_year"]
    search_fields = ["code", "name"]


@admin.register(EconomicClass)
class EconomicClassAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "government_class", "not_in_basic", "since_year", "until_year"]
    list_filter = ["scheme", "not_in_basic"]
    search_fields = ["code", "name"]
    list_select_related = ["government_class"]
    autocomplete_fields = ["government_class"]


# ---------------------------------------------------------------- disclosures and their facts


class FactInline(admin.TabularInline):
    extra = 0
    classes = ["collapse"]
    formfield_overrides = COMPACT_INPUTS


class ClassifiedInline(FactInline):
    """Facts keyed by a catalogue 科目: the 科目 is shown rather than offered as a select of the whole catalogue in
    every row (one query per row); lines are added or re-keyed on their own page."""

    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.readonly_fields)


class FunctionLineInline(ClassifiedInline):
    model = FunctionLine
    readonly_fields = ["function"]
    measures = {
        Disclosure.Kind.BUDGET: ["carryover", "basic", "project"],
        Disclosure.Kind.FINAL: [
            "income",
            "basic",
            "project",
            "to_superior",
            "operating",
            "affiliated_subsidy",
            "opening_balance",
            "closing_balance",
        ],
    }

    def get_fields(self, request, obj=None):
        """Only the measures this kind of disclosure reports."""
        kind = obj.kind if obj else Disclosure.Kind.FINAL
        return ["function", "fund", *self.measures[kind], "reported_subtotal"]


class EconomicLineInline(ClassifiedInline):
    model = EconomicLine
    fields = ["economic_class", "personnel", "public", "reported_subtotal"]
    readonly_fields = ["economic_class"]


class ProjectLineInline(ClassifiedInline):
    model = ProjectLine
    fields = [
        "order",
        "name",
        "carryover",
        "category",
        "function",
        "general",
        "gov_fund",
        "state_capital",
        "special_account",
        "unit_own",
    ]
    readonly_fields = ["function"]


class ThreePublicLineInline(FactInline):
    model = ThreePublicLine
    fields = ["stage", "fund", "item", "amount"]


class OperatingCostInline(FactInline):
    model = OperatingCost
    fields = ["order", "unit_name", "unit_kind", "fund", "amount"]


class BalanceInline(FactInline):
    model = Balance
    fields = ["item", "fund", "amount"]


class RevenueLineInline(FactInline):
    model = RevenueLine
    fields = ["fund", "code", "name", "amount"]


class VehicleCountInline(FactInline):
    model = VehicleCount
    fields = ["category", "count"]


class OneToOneFactInline(admin.StackedInline):
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("disclosure__unit")  # for the row's __str__


class ProcurementInline(OneToOneFactInline):
    model = Procurement


class AssetSummaryInline(OneToOneFactInline):
    model = AssetSummary


class SectionInline(FactInline):
    model = Section
    fields = ["order", "part", "level", "heading", "body"]
    ordering = ["order"]


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    list_display = ["unit", "fiscal_year", "kind", "version", "status", "department_name", "published_at"]
    list_filter = ["fiscal_year", "kind", "status", "unit__department__region", "unit__department"]
    search_fields = ["title", "unit__code", "unit__name", "unit__department__code", "unit__department__name"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["source_document", "supersedes"]
    readonly_fields = ["source_tables", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["unit", ("fiscal_year", "kind", "version", "status"), "title"]}),
        ("金额", {"fields": ["year_end_carryover"], "description": "金额以元录入；下方公开表按万元显示。"}),
        (
            "发布与来源",
            {
                "fields": [
                    "published_at",
                    "supersedes",
                    "correction_note",
                    "source_document",
                    "source_tables",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [
        FunctionLineInline,
        EconomicLineInline,
        ProjectLineInline,
        ThreePublicLineInline,
        OperatingCostInline,
        BalanceInline,
        RevenueLineInline,
        VehicleCountInline,
        ProcurementInline,
        AssetSummaryInline,
        SectionInline,
    ]

    class Media:
        css = {"all": ["css/tables.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_unit()

    @admin.display(description="主管部门", ordering="unit__department__code")
    def department_name(self, obj):
        return obj.unit.department.name

    @admin.display(description="导入的原表")
    def source_tables(self, obj):
        url = reverse("admin:disclosures_sourcetable_changelist")
        return format_html('<a href="{}?disclosure={}">查看原表（与公开表对照）</a>', url, obj.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The official tables projected from the stored facts, rendered after the fieldsets (see change_form.html)."""
        if obj is not None:
            context.update(projected_tables=build_tables(obj), unit_name=obj.unit.name)
        return super().render_change_form(request, context, add, change, form_url, obj)


class FactAdmin(admin.ModelAdmin):
    """A fact of one disclosure, listed with its disclosure."""

    list_select_related = ["disclosure__unit"]
    autocomplete_fields = ["disclosure"]


@admin.register(FunctionLine)
class FunctionLineAdmin(FactAdmin):
    list_display = [
        "disclosure",
        "function",
        "fund",
        "carryover",
        wan_column("income", "收入"),
        wan_column("basic", "基本支出"),
        wan_column("project", "项目支出"),
        "reported_subtotal",
    ]
    list_filter = [*DISCLOSURE_FILTERS, "fund", "carryover", "reported_subtotal"]
    search_fields = ["function__code", "function__name", "disclosure__unit__name"]
    list_select_related = [*FactAdmin.list_select_related, "function"]
    autocomplete_fields = ["disclosure", "function"]


@admin.register(EconomicLine)
class EconomicLineAdmin(FactAdmin):
    list_display = [
        "disclosure",
        "economic_class",
        wan_column("personnel", "人员经费"),
        wan_column("public", "公用经费"),
        "reported_subtotal",
    ]
    list_filter = [*DISCLOSURE_FILTERS, "reported_subtotal"]
    search_fields = ["economic_class__code", "economic_class__name", "disclosure__unit__name"]
    list_select_related = [*FactAdmin.list_select_related, "economic_class"]
    autocomplete_fields = ["disclosure", "economic_class"]


@admin.register(ProjectLine)
class ProjectLineAdmin(FactAdmin):
    list_display = [
        "name",
        "disclosure",
        "carryover",
        "category",
        "function",
        wan_column("general", "一般公共预算"),
        "total_wan",
    ]
    list_filter = [*DISCLOSURE_FILTERS, "carryover", "category"]
    search_fields = ["name", "function__code", "disclosure__unit__name"]
    list_select_related = [*FactAdmin.list_select_related, "function"]
    autocomplete_fields = ["disclosure", "function"]

    @admin.display(description="合计（万元）")
    def total_wan(self, obj):
        return format_wan(obj.total)


@admin.register(Balance)
class BalanceAdmin(FactAdmin):
    list_display = ["disclosure", "item", "fund", wan_column("amount", "金额")]
    list_filter = [*DISCLOSURE_FILTERS, "item", "fund"]
    search_fields = ["disclosure__unit__name"]


@admin.register(RevenueLine)
class RevenueLineAdmin(FactAdmin):
    list_display = ["disclosure", "fund", "code", "name", wan_column("amount", "金额")]
    list_filter = [*DISCLOSURE_FILTERS, "fund"]
    search_fields = ["code", "name", "disclosure__unit__name"]


@admin.register(ThreePublicLine)
class ThreePublicLineAdmin(FactAdmin):
    list_display = ["disclosure", "stage", "fund", "item", wan_column("amount", "金额")]
    list_filter = [*DISCLOSURE_FILTERS, "stage", "fund", "item"]
    search_fields = ["disclosure__unit__name"]


@admin.register(OperatingCost)
class OperatingCostAdmin(FactAdmin):
    list_display = ["disclosure", "unit_name", "unit_kind", "fund", wan_column("amount", "金额"), "order"]
    list_filter = [*DISCLOSURE_FILTERS, "unit_kind", "fund"]
    search_fields = ["unit_name", "disclosure__unit__name"]


@admin.register(Procurement)
class ProcurementAdmin(FactAdmin):
    list_display = [
        "disclosure",
        wan_column("goods", "货物"),
        wan_column("works", "工程"),
        wan_column("services", "服务"),
        wan_column("sme", "授予中小企业"),
    ]
    list_filter = DISCLOSURE_FILTERS
    search_fields = ["disclosure__unit__name"]


@admin.register(AssetSummary)
class AssetSummaryAdmin(FactAdmin):
    list_display = ["disclosure", "equipment_over_million", "equipment_over_half_million", "office_area"]
    list_filter = DISCLOSURE_FILTERS
    search_fields = ["disclosure__unit__name"]


@admin.register(VehicleCount)
class VehicleCountAdmin(FactAdmin):
    list_display = ["disclosure", "category", "count"]
    list_filter = [*DISCLOSURE_FILTERS, "category"]
    search_fields = ["disclosure__unit__name"]


@admin.register(Section)
class SectionAdmin(FactAdmin):
    list_display = ["heading", "disclosure", "part", "level", "order"]
    list_filter = [*DISCLOSURE_FILTERS, "part"]
    search_fields = ["heading", "body", "disclosure__unit__name"]


# ---------------------------------------------------------------- imported sources (read-only)


class SourceKindFilter(admin.SimpleListFilter):
    title = "文件类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(KIND_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class SourceTableInline(ReadOnlyMixin, admin.TabularInline):
    model = SourceTable
    fields = ["order", "label", "title", "line"]
    show_change_link = True


@admin.register(SourceDocument)
class SourceDocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["file_name", "kind_label", "imported_at", "imported_by", "warning_count"]
    list_filter = [SourceKindFilter, "imported_at"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["imported_by"]
    fieldsets = [
        (None, {"fields": ["file_name", "kind_label", "sha256", "imported_at", "imported_by"]}),
        ("导入报告", {"fields": ["summary", "warnings"]}),
        ("原文", {"classes": ["collapse"], "fields": ["text"]}),
    ]
    readonly_fields = ["kind_label", "summary", "warnings"]
    inlines = [SourceTableInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("text")

    @admin.display(description="文件类型", ordering="kind")
    def kind_label(self, obj):
        return KIND_LABELS.get(obj.kind, obj.kind)

    @admin.display(description="警告数")
    def warning_count(self, obj):
        return len(obj.report.get("warnings", []))

    @admin.display(description="摘要")
    def summary(self, obj):
        """The report's head and counts; its warning lines are the table below."""
        return format_html_join("", "{}<br>", ((line,) for line in obj.report.get("summary", "").splitlines()[:2]))

    @admin.display(description="警告")
    def warnings(self, obj):
        rows = obj.report.get("warnings", [])
        if not rows:
            return "无"
        return format_html(
            '<table><thead><tr><th class="nowrap">原文行号</th><th>位置</th><th>说明</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            format_html_join(
                "",
                '<tr><td>{}</td><td class="nowrap">{}</td><td>{}</td></tr>',
                ((w.get("line") or "", w.get("cell", ""), w["message"]) for w in rows),
            ),
        )


@admin.register(SourceTable)
class SourceTableAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["label", "title", "disclosure", "document", "line"]
    list_display_links = ["label", "title"]
    list_filter = [*DISCLOSURE_FILTERS, "key"]
    search_fields = ["label", "title", "document__file_name"]
    list_select_related = ["document", "disclosure__unit"]
    fields = ["document", "disclosure", "key", "order", "label", "title", "unit_label", "line", "printed", "notes"]
    readonly_fields = ["printed"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related).defer("document__text")

    @admin.display(description="原表")
    def printed(self, obj):
        """The table as printed, each row after its line number in the source text; short rows padded."""
        width = 1 + max(map(len, [*obj.header_rows, *(row["cells"] for row in obj.rows)]), default=0)

        def rows_html(tag, rows):
            cell = f"<{tag}>{{}}</{tag}>"
            return format_html_join(
                "",
                "<tr>{}</tr>",
                ((format_html_join("", cell, ((t,) for t in [*r, *[""] * (width - len(r))])),) for r in rows),
            )

        header = rows_html("th", (["原文行号" if i == 0 else "", *row] for i, row in enumerate(obj.header_rows)))
        body = rows_html("td", ([row["line"], *row["cells"]] for row in obj.rows))
        note = format_html("<p>{}</p>", obj.empty_note) if obj.empty_note else ""
        return format_html("<table><thead>{}</thead><tbody>{}</tbody></table>{}", header, body, note)
