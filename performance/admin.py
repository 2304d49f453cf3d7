"""Admin for 绩效: target forms with their funding and indicators, self-evaluations with funds and results.

An edited 指标值 is parsed again on save, so the parsed fields never go stale. Like the disclosure data
(disclosures.admin.DataAdmin): department-scoped, editable where the form's disclosure is (a standalone form: by
the 填报人 of its department), revision-checked against the disclosure and audited.
"""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery

from disclosures.admin import COMPACT_INPUTS, DataAdmin, ScopedInlineMixin, editable_parents, wan_column
from disclosures.amounts import format_wan
from performance.models import (
    Indicator,
    IndicatorResult,
    Period,
    SelfEvaluation,
    SelfEvaluationFunds,
    TargetForm,
    TargetFunding,
)
from performance.services import value_fields

PARSED_FROM = {Indicator: "value", IndicatorResult: "initial_value"}


def reparse(obj) -> None:
    for name, value in value_fields(getattr(obj, PARSED_FROM[type(obj)])).items():
        setattr(obj, name, value)


class ReparseInlineValues:
    def save_formset(self, request, form, formset, change):
        if formset.model in PARSED_FROM:
            for inline_form in formset.forms:
                if inline_form.has_changed():
                    reparse(inline_form.instance)
        super().save_formset(request, form, formset, change)


class ReparseValue:
    def save_model(self, request, obj, form, change):
        reparse(obj)
        super().save_model(request, obj, form, change)


# ---------------------------------------------------------------- 绩效目标表


class TargetFundingInline(ScopedInlineMixin, admin.TabularInline):
    model = TargetFunding
    fields = ["period", "total", "central", "provincial", "local", "self_raised", "other"]
    extra = 0
    formfield_overrides = COMPACT_INPUTS
    max_num = len(Period.choices)


class IndicatorInline(ScopedInlineMixin, admin.TabularInline):
    model = Indicator
    fields = ["period", "order", "level1", "level2", "name", "value"]
    ordering = ["-period", "order"]  # 实施期 then 年度, each in printed order: the indicator tree
    extra = 0
    formfield_overrides = COMPACT_INPUTS


@admin.register(TargetForm)
class TargetFormAdmin(ReparseInlineValues, DataAdmin):
    department_path = "department"
    list_display = [
        "project_name",
        "code",
        "department",
        "fiscal_year",
        "variant",
        "annual_total_wan",
        "indicator_count",
    ]
    list_filter = [
        "fiscal_year",
        "variant",
        ("department__region", admin.RelatedOnlyFieldListFilter),
        ("department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "project_name",
        "code",
        "implementing_unit",
        "department__code",
        "department__name",
        "indicators__name",
    ]
    list_select_related = ["department"]
    autocomplete_fields = ["department", "unit", "disclosure", "project"]
    raw_id_fields = ["source_document"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("fiscal_year", "variant", "order"),
                    ("department", "unit"),
                    ("disclosure", "project"),
                    ("title", "year_label", "code"),
                    "project_name",
                ]
            },
        ),
        (
            "项目情况",
            {
                "fields": [
                    ("department_label", "implementing_unit"),
                    ("attribute", "period_label"),
                    "overview",
                    "basis",
                    "necessity",
                    "safeguards",
                    "plan",
                ]
            },
        ),
        ("总体目标", {"fields": ["goal_period", "goal_annual"]}),
        (
            "填报与来源",
            {
                "classes": ["collapse"],
                "fields": [
                    ("responsible", "handler", "phone"),
                    ("filled_at_raw", "filled_at"),
                    ("source_document", "source_line"),
                ],
            },
        ),
    ]
    inlines = [TargetFundingInline, IndicatorInline]

    def get_queryset(self, request):
        annual = TargetFunding.objects.filter(form=OuterRef("pk"), period=Period.ANNUAL).values("total")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(annual_total=Subquery(annual), indicator_total=Count("indicators", distinct=True))
        )

    def autocomplete_queryset(self, request, queryset):
        return queryset.filter(pk__in=editable_parents(request, TargetForm))

    @admin.display(description="年度资金总额（万元）", ordering="annual_total")
    def annual_total_wan(self, obj):
        return format_wan(obj.annual_total)

    @admin.display(description="指标数", ordering="indicator_total")
    def indicator_count(self, obj):
        return obj.indicator_total


@admin.register(TargetFunding)
class TargetFundingAdmin(DataAdmin):
    disclosure_path = "form__disclosure"
    department_path = "form__department"
    list_display = [
        "form",
        "period",
        wan_column("total", "资金总额"),
        wan_column("local", "市县(区)财政资金"),
        wan_column("self_raised", "单位自筹"),
    ]
    list_filter = ["form__fiscal_year", "period"]
    search_fields = ["form__project_name", "form__code"]
    list_select_related = ["form"]
    autocomplete_fields = ["form"]


@admin.register(Indicator)
class IndicatorAdmin(ReparseValue, DataAdmin):
    disclosure_path = "form__disclosure"
    department_path = "form__department"
    list_display = ["name", "value", "value_kind", "level1", "level2", "period", "form"]
    list_filter = ["form__fiscal_year", "period", "level1", "level2", "value_kind"]
    search_fields = ["name", "value", "form__project_name", "form__code"]
    list_select_related = ["form"]
    autocomplete_fields = ["form"]
    readonly_fields = ["value_operator", "value_number", "value_unit", "value_kind", "value_flags"]


# ---------------------------------------------------------------- 绩效自评表


class SelfEvaluationFundsInline(ScopedInlineMixin, admin.TabularInline):
    model = SelfEvaluationFunds
    fields = [
        "order",
        "label",
        "initial_declared",
        "initial_budgeted",
        "full_year_budget",
        "executed",
        "balance",
        "execution_rate",
        "weight",
        "score",
        "deviation",
    ]
    ordering = ["order"]
    extra = 0
    formfield_overrides = COMPACT_INPUTS


class IndicatorResultInline(ScopedInlineMixin, admin.TabularInline):
    model = IndicatorResult
    fields = [
        "order",
        "level1",
        "level2",
        "name",
        "initial_value",
        "adjusted_value",
        "actual_value",
        "weight",
        "score",
        "deviation",
    ]
    ordering = ["order"]
    extra = 0
    formfield_overrides = COMPACT_INPUTS


@admin.register(SelfEvaluation)
class SelfEvaluationAdmin(ReparseInlineValues, DataAdmin):
    department_path = "department"
    list_display = ["project_name", "department", "fiscal_year", "total_score", "grade"]
    list_filter = [
        "fiscal_year",
        "grade",
        ("department__region", admin.RelatedOnlyFieldListFilter),
        ("department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["project_name", "department__code", "department__name", "results__name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department", "unit", "disclosure"]
    raw_id_fields = ["source_document"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("fiscal_year", "order"),
                    ("department", "unit", "disclosure"),
                    ("title", "year_label"),
                    "project_name",
                    ("department_label", "unit_label"),
                ]
            },
        ),
        ("自评结果", {"fields": ["annual_goal", "actual_result", ("total_score", "grade"), "analysis"]}),
        ("来源", {"classes": ["collapse"], "fields": [("source_document", "source_line")]}),
    ]
    inlines = [SelfEvaluationFundsInline, IndicatorResultInline]

    def autocomplete_queryset(self, request, queryset):
        return queryset.filter(pk__in=editable_parents(request, SelfEvaluation))


@admin.register(SelfEvaluationFunds)
class SelfEvaluationFundsAdmin(DataAdmin):
    disclosure_path = "evaluation__disclosure"
    department_path = "evaluation__department"
    list_display = [
        "label",
        "evaluation",
        wan_column("full_year_budget", "全年预算数"),
        wan_column("executed", "全年执行数"),
        "execution_rate",
        "score",
    ]
    list_filter = ["evaluation__fiscal_year"]
    search_fields = ["label", "evaluation__project_name"]
    list_select_related = ["evaluation"]
    autocomplete_fields = ["evaluation"]


@admin.register(IndicatorResult)
class IndicatorResultAdmin(ReparseValue, DataAdmin):
    disclosure_path = "evaluation__disclosure"
    department_path = "evaluation__department"
    list_display = ["name", "initial_value", "actual_value", "weight", "score", "level1", "level2", "evaluation"]
    list_filter = ["evaluation__fiscal_year", "level1", "level2", "value_kind"]
    search_fields = ["name", "initial_value", "actual_value", "evaluation__project_name"]
    list_select_related = ["evaluation"]
    autocomplete_fields = ["evaluation"]
    readonly_fields = ["value_operator", "value_number", "value_unit", "value_kind", "value_flags"]
