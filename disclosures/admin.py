"""Admin for 预决算公开: catalogues, disclosures with their facts, and the imported sources (read-only).

Amounts are entered in 元 (as stored); lists and the projected official tables show 万元.

Disclosure data (a disclosure, its facts, its forms and self-evaluations — ``DataAdmin`` here and in
performance/admin.py) is:

* department-scoped: a staff user who is not a superuser sees only the departments where they hold a
  DepartmentRole (Django's model permissions are not consulted for these pages); another department's object
  is a 404, not the admin's "does not exist" redirect;
* editable only where permissions.can_edit says so (填报人 of the department, drafts and returned versions;
  standalone forms: 填报人 of their department) — reviewers and everyone looking at a published, submitted or
  approved version get the read-only view; the status is changed by the review workflow only;
* revision-checked: the change form carries the disclosure's revision as loaded (hidden field); saving locks the
  disclosure row, refuses a stale edit with a Chinese message and increments the revision
  (audit.disclosure_touch);
* audited: every created, changed or deleted row (inline rows too) leaves an AuditEntry with old → new values,
  listed on the disclosure's page;
* backed by the database: what the immutability triggers refuse is shown as a message, never a 500.
"""

from django import forms
from django.contrib import admin, messages
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.forms import NumberInput, Textarea, TextInput
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from disclosures.amounts import format_wan
from disclosures.audit import (
    RevisionRefused,
    audit_record,
    department_id_of,
    disclosure_of,
    disclosure_touch,
    model_changes,
    protected_message,
    revision_lock,
)
from disclosures.facts import FUNCTION_MEASURES
from disclosures.importing.loader import KIND_LABELS
from disclosures.models import (
    AssetSummary,
    AuditEntry,
    Balance,
    BudgetUnit,
    Department,
    DepartmentRole,
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
from disclosures.permissions import can_edit, department_ids, is_admin
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


# ---------------------------------------------------------------- access, revision check and audit trail

EDITABLE = (Disclosure.Status.DRAFT, Disclosure.Status.RETURNED)
FILER = DepartmentRole.Role.FILER
REVISION_FIELD = "loaded_revision"


def _access_cache(request) -> dict:
    if not hasattr(request, "_disclosure_access"):
        request._disclosure_access = {}
    return request._disclosure_access


def role_departments(request, role: str | None = None) -> set[int]:
    """The departments where the user holds a role (any, or ``role``), once per request."""
    cache = _access_cache(request)
    if ("departments", role) not in cache:
        cache[("departments", role)] = department_ids(request.user, role)
    return cache[("departments", role)]


def has_roles(request) -> bool:
    return is_admin(request.user) or bool(role_departments(request))


def is_filer(request) -> bool:
    return is_admin(request.user) or bool(role_departments(request, FILER))


def may_view(request, obj) -> bool:
    return is_admin(request.user) or department_id_of(obj) in role_departments(request)


def may_edit(request, obj) -> bool:
    """permissions.can_edit for the row's disclosure; a standalone form: 填报人 of its department (or an admin)."""
    disclosure = disclosure_of(obj)
    if disclosure is None:
        return is_admin(request.user) or department_id_of(obj) in role_departments(request, FILER)
    cache = _access_cache(request)
    key = ("edit", disclosure.pk, disclosure.status)
    if key not in cache:
        cache[key] = can_edit(request.user, disclosure)
    return cache[key]


def editable_disclosures(request):
    queryset = Disclosure.objects.filter(status__in=EDITABLE)
    if is_admin(request.user):
        return queryset
    return queryset.filter(unit__department_id__in=role_departments(request, FILER))


def editable_parents(request, model):
    """Target forms / self-evaluations a user may add rows to: of an editable disclosure, or standalone ones."""
    standalone = Q(disclosure__isnull=True)
    if not is_admin(request.user):
        standalone &= Q(department_id__in=role_departments(request, FILER))
    return model.objects.filter(standalone | Q(disclosure__in=editable_disclosures(request)))


def choice_limits(request, db_field):
    """The choices a foreign key of disclosure data may take on an editable form (None: no limit)."""
    from performance.models import SelfEvaluation, TargetForm

    related = db_field.related_model
    if related is Disclosure:
        return editable_disclosures(request)
    if related in (TargetForm, SelfEvaluation):
        return editable_parents(request, related)
    if related is ProjectLine:
        return ProjectLine.objects.filter(disclosure__in=editable_disclosures(request))
    if is_admin(request.user):
        return None
    if related is Department:
        return Department.objects.filter(pk__in=role_departments(request, FILER))
    if related is BudgetUnit:
        return BudgetUnit.objects.filter(department_id__in=role_departments(request, FILER))
    return None


def is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


class ScopedAdminMixin:
    """Department-scoped pages: a staff user sees the rows of the departments where they hold a role.

    ``disclosure_path`` leads from the model to its disclosure ("" for Disclosure itself); ``department_path``
    to its own department, for rows that may have no disclosure (standalone target forms and self-evaluations).
    """

    disclosure_path = "disclosure"
    department_path: str | None = None

    def scope(self, ids) -> Q:
        prefix = f"{self.disclosure_path}__" if self.disclosure_path else ""
        q = Q(**{f"{prefix}unit__department_id__in": ids})
        if self.department_path:
            q |= Q(**{f"{self.disclosure_path}__isnull": True, f"{self.department_path}_id__in": ids})
        return q

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_admin(request.user):
            return queryset
        return queryset.filter(self.scope(role_departments(request)))

    def get_object(self, request, object_id, from_field=None):
        """Another department's object (or a missing one) is a 404, not the admin's redirect to its index."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("对象不存在或无权查看")
        return obj

    def get_search_results(self, request, queryset, search_term):
        """Choosing a row for a foreign key (autocomplete) offers only the rows one may add to."""
        if is_autocomplete(request):
            queryset = self.autocomplete_queryset(request, queryset)
        return super().get_search_results(request, queryset, search_term)

    def autocomplete_queryset(self, request, queryset):
        return queryset

    def has_module_permission(self, request):
        return has_roles(request)

    def has_view_permission(self, request, obj=None):
        return has_roles(request) if obj is None else may_view(request, obj)

    def has_add_permission(self, request):
        return is_filer(request)

    def has_change_permission(self, request, obj=None):
        return is_filer(request) if obj is None else may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_filer(request) if obj is None else may_edit(request, obj)


class ScopedInlineMixin:
    """An inline follows its parent: viewable with it, editable where the parent's data is."""

    def has_view_permission(self, request, obj=None):
        return has_roles(request) if obj is None else may_view(request, obj)

    def has_add_permission(self, request, obj=None):
        return is_filer(request) if obj is None else may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_filer(request) if obj is None else may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_filer(request) if obj is None else may_edit(request, obj)


class RevisionForm(forms.ModelForm):
    """Carries the disclosure's revision as the page loaded it; validating locks the row and checks it."""

    loaded_revision = forms.IntegerField(label="加载时的数据修订号", required=False, widget=forms.HiddenInput)
    admin_request = None  # set by DataAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked_disclosure = disclosure_of(self.instance) if self.instance.pk is not None else None
        if self.checked_disclosure is not None:
            self.fields[REVISION_FIELD].initial = self.checked_disclosure.revision

    def clean(self):
        cleaned = super().clean()
        disclosure = self.checked_disclosure
        if disclosure is None:
            return cleaned
        loaded = cleaned.get(REVISION_FIELD)
        if loaded is None:
            raise forms.ValidationError("页面缺少数据修订号，请刷新后再改，您的修改未保存", code="no_revision")
        locked = revision_lock(disclosure=disclosure, expected_revision=loaded)  # held until the save commits
        if self.admin_request is not None and not can_edit(self.admin_request.user, locked):
            raise forms.ValidationError(
                f"该公开当前状态为“{locked.get_status_display()}”，不能修改，您的修改未保存", code="not_editable"
            )
        return cleaned


class DataAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Disclosure data: scoped, revision-checked, audited; database refusals become messages."""

    form = RevisionForm

    # ---- the revision field

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.admin_request = request
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != REVISION_FIELD]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and disclosure_of(obj) is not None and self.has_change_permission(request, obj):
            name, options = fieldsets[0]
            fieldsets[0] = (name, {**options, "fields": [*options["fields"], REVISION_FIELD]})
        return fieldsets

    # ---- refusals as messages

    def _refusals_as_messages(self, request, view, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except RevisionRefused as exc:
            messages.error(request, "；".join(exc.messages))
        except DatabaseError as exc:
            message = protected_message(exc)
            if message is None:
                raise
            messages.error(request, f"{message}。您的修改未保存")
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusals_as_messages(request, super().changeform_view, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._refusals_as_messages(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._refusals_as_messages(request, super().changelist_view, extra_context)

    # ---- audit trail and revision

    def audit(self, request, obj, action, changes, *, old=None):
        disclosure = disclosure_of(obj) if obj is not None and obj.pk is not None else disclosure_of(old)
        record = obj if obj is not None and obj.pk is not None else old
        audit_record(user=request.user, instance=record, action=action, changes=changes, disclosure=disclosure)
        touched = request.__dict__.setdefault("_disclosures_touched", {})
        for candidate in {disclosure, disclosure_of(old)}:
            created_now = action == AuditEntry.Action.CREATE and candidate is obj
            deleted_now = action == AuditEntry.Action.DELETE and isinstance(old, Disclosure)
            if candidate is not None and not created_now and not deleted_now:
                touched[candidate.pk] = candidate

    def touch(self, request, form=None):
        """Increment the revision of every disclosure whose data changed (checked against the loaded one)."""
        checked = getattr(form, "checked_disclosure", None)
        for pk, disclosure in request.__dict__.pop("_disclosures_touched", {}).items():
            expected = form.cleaned_data.get(REVISION_FIELD) if checked is not None and checked.pk == pk else None
            disclosure_touch(disclosure=disclosure, expected_revision=expected)

    @staticmethod
    def lock(*rows) -> None:
        """Lock the disclosures the rows belong to before writing them (PostgreSQL: FOR UPDATE before the fact
        triggers' FOR SHARE, so two writers queue instead of deadlocking); refuses a published one."""
        for disclosure in {disclosure_of(row) for row in rows if row is not None}:
            if disclosure is not None and disclosure.pk is not None:
                revision_lock(disclosure=disclosure, expected_revision=None)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing to write, nothing to record
        if isinstance(obj, Section) and "body" in form.changed_data:
            obj.edited_by, obj.edited_at = request.user, timezone.now()
        old = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        self.lock(obj, old)
        super().save_model(request, obj, form, change)
        changes = model_changes(old, obj)
        if changes or not change:
            action = AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE
            self.audit(request, obj, action, changes, old=old)

    def save_formset(self, request, form, formset, change):
        if formset.model is Section:  # a text changed here is a staff edit, as on the 编辑情况说明 page
            for section_form in formset.forms:
                if "body" in section_form.changed_data:
                    section_form.instance.edited_by, section_form.instance.edited_at = request.user, timezone.now()
        deleted = [f.instance.pk for f in formset.deleted_forms if f.instance.pk is not None]
        changed = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None and f.has_changed()]
        old = formset.model._default_manager.in_bulk([*deleted, *changed])
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self.audit(request, obj, AuditEntry.Action.CREATE, model_changes(None, obj))
        for obj, _fields in formset.changed_objects:
            if changes := model_changes(old.get(obj.pk), obj):
                self.audit(request, obj, AuditEntry.Action.UPDATE, changes, old=old.get(obj.pk))
        for pk in deleted:
            if pk in old:
                self.audit(request, None, AuditEntry.Action.DELETE, model_changes(old[pk], None), old=old[pk])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.touch(request, form)

    def delete_model(self, request, obj):
        if not isinstance(obj, Disclosure):
            self.lock(obj)
        self.audit(request, None, AuditEntry.Action.DELETE, model_changes(obj, None), old=obj)
        super().delete_model(request, obj)
        self.touch(request)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            rows = list(queryset)
            if queryset.model is not Disclosure:
                self.lock(*rows)
            for old in rows:
                self.audit(request, None, AuditEntry.Action.DELETE, model_changes(old, None), old=old)
            super().delete_queryset(request, queryset)
            self.touch(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and (limit := choice_limits(request, db_field)) is not None:
            kwargs["queryset"] = limit
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CatalogueViewMixin:
    """Catalogues: viewable (for choosing in forms) by staff holding a role; changed with Django's permissions."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) or has_roles(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or has_roles(request)


def _shown(value):
    return "（空）" if value is None or value == "" else value


def _pair(value) -> tuple:
    """An entry's [old, new]; anything else written by other code is shown as the new value."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    return (None, value)


def changes_html(changes: dict):
    if not isinstance(changes, dict) or not changes:
        return "—" if not changes else str(changes)
    return format_html_join(
        "",
        "<div>{}：{} → {}</div>",
        ((name, *map(_shown, _pair(value))) for name, value in changes.items()),
    )


# ---------------------------------------------------------------- places and catalogues


@admin.register(Region)
class RegionAdmin(CatalogueViewMixin, admin.ModelAdmin):
    list_display = ["name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(CatalogueViewMixin, admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_admin(request.user) else queryset.filter(pk__in=role_departments(request))


@admin.register(BudgetUnit)
class BudgetUnitAdmin(CatalogueViewMixin, admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department__region", ("department", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "department__code", "department__name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_admin(request.user) else queryset.filter(department_id__in=role_departments(request))


@admin.register(FunctionClass)
class FunctionClassAdmin(CatalogueViewMixin, admin.ModelAdmin):
    list_display = ["code", "name", "since_year", "until_year", "budget_summary_no", "final_summary_no"]
    list_filter = ["since_year", "until_year"]
    search_fields = ["code", "name"]


@admin.register(EconomicClass)
class EconomicClassAdmin(CatalogueViewMixin, admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "government_class", "not_in_basic", "since_year", "until_year"]
    list_filter = ["scheme", "not_in_basic"]
    search_fields = ["code", "name"]
    list_select_related = ["government_class"]
    autocomplete_fields = ["government_class"]


# ---------------------------------------------------------------- disclosures and their facts


class FactInline(ScopedInlineMixin, admin.TabularInline):
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
        Disclosure.Kind.FINAL: list(FUNCTION_MEASURES),
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


class OneToOneFactInline(ScopedInlineMixin, admin.StackedInline):
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


class AuditEntryInline(ScopedInlineMixin, admin.TabularInline):
    """修改留痕 of the disclosure, newest first (read-only: the table is append-only in the database too)."""

    model = AuditEntry
    fk_name = "disclosure"
    fields = ["created_at", "user", "action", "model", "object_repr", "changes_display"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    classes = ["collapse"]
    extra = 0
    verbose_name_plural = "修改留痕（最新在前）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="变更内容（原 → 新）")
    def changes_display(self, obj):
        return changes_html(obj.changes)


@admin.register(Disclosure)
class DisclosureAdmin(DataAdmin):
    disclosure_path = ""
    list_display = ["unit", "fiscal_year", "kind", "version", "status", "department_name", "published_at"]
    list_filter = [
        "fiscal_year",
        "kind",
        "status",
        ("unit__department__region", admin.RelatedOnlyFieldListFilter),
        ("unit__department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "unit__code", "unit__name", "unit__department__code", "unit__department__name"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["source_document"]
    # the status, its dates and the correction link belong to the review workflow (disclosures.workflow)
    readonly_fields = [
        "status",
        "revision",
        "published_at",
        "supersedes",
        "submitted_by",
        "source_tables",
        "audit_link",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["unit", ("fiscal_year", "kind", "version", "status", "revision"), "title"]}),
        ("金额", {"fields": ["year_end_carryover"], "description": "金额以元录入；下方公开表按万元显示。"}),
        (
            "发布与来源",
            {
                "fields": [
                    ("published_at", "submitted_by"),
                    "supersedes",
                    "correction_note",
                    "source_document",
                    "source_tables",
                    "audit_link",
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
        AuditEntryInline,
    ]

    class Media:
        css = {"all": ["css/tables.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_unit()

    def autocomplete_queryset(self, request, queryset):
        return queryset.filter(pk__in=editable_disclosures(request))

    @admin.display(description="主管部门", ordering="unit__department__code")
    def department_name(self, obj):
        return obj.unit.department.name

    @admin.display(description="导入的原表")
    def source_tables(self, obj):
        url = reverse("admin:disclosures_sourcetable_changelist")
        return format_html('<a href="{}?disclosure={}">查看原表（与公开表对照）</a>', url, obj.pk)

    @admin.display(description="修改留痕")
    def audit_link(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:disclosures_auditentry_changelist")
        return format_html('<a href="{}?disclosure__id__exact={}">查看全部修改留痕</a>', url, obj.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The official tables projected from the stored facts, rendered after the fieldsets (see change_form.html)."""
        if obj is not None:
            context.update(projected_tables=build_tables(obj), unit_name=obj.unit.name)
        return super().render_change_form(request, context, add, change, form_url, obj)


class FactAdmin(DataAdmin):
    """A fact of one disclosure, listed with its disclosure."""

    list_select_related = ["disclosure__unit"]
    autocomplete_fields = ["disclosure"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("disclosure__unit")


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

    def autocomplete_queryset(self, request, queryset):
        return queryset.filter(disclosure__in=editable_disclosures(request))

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


class SourceTableInline(ReadOnlyMixin, ScopedInlineMixin, admin.TabularInline):
    model = SourceTable
    fields = ["order", "label", "title", "line"]
    show_change_link = True


@admin.register(SourceDocument)
class SourceDocumentAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
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

    def scope(self, ids) -> Q:
        """Documents imported into the departments' disclosures or forms."""
        from performance.models import TargetForm

        return Q(pk__in=Disclosure.objects.filter(unit__department_id__in=ids).values("source_document_id")) | Q(
            pk__in=TargetForm.objects.filter(department_id__in=ids).values("source_document_id")
        )

    def has_view_permission(self, request, obj=None):
        if obj is None or is_admin(request.user):
            return has_roles(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

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
class SourceTableAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
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


# ---------------------------------------------------------------- audit trail (read-only)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    """修改留痕: append-only (the database refuses updates and deletes); entries of no disclosure: admins only."""

    list_display = ["created_at", "disclosure", "user", "action", "model", "object_repr"]
    list_filter = ["action", "model", "created_at"]
    search_fields = ["object_repr", "object_id", "disclosure__unit__name"]
    list_select_related = ["disclosure__unit", "user"]
    fields = ["created_at", "disclosure", "user", "action", "model", "object_id", "object_repr", "changes_display"]
    readonly_fields = ["changes_display"]
    date_hierarchy = "created_at"

    @admin.display(description="变更内容（原 → 新）")
    def changes_display(self, obj):
        return changes_html(obj.changes)
