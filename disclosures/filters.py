"""筛选 — the GET filters of the portal's list and search pages (their URLs are shareable as they are)."""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from disclosures.amounts import YUAN_PER_WAN
from disclosures.models import Department, Disclosure, Region
from disclosures.portal_queries import in_region, published_years, search_years
from performance.models import TargetForm


def cache_options(form: forms.Form) -> None:
    """Evaluate each select's choices once: templates/portal/_select.html loops over ``option_list``, since a loop
    over a ModelChoiceIterator asks the database for its length (a COUNT) before fetching the rows."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.Select):
            field.option_list = [choice for choice in field.choices]  # list() would ask len() (a COUNT) first


KIND_CHOICES = [(Disclosure.Kind.BUDGET, "预算"), (Disclosure.Kind.FINAL, "决算")]


def departments_with_publications(*, forms: bool = False):
    """Departments with a published disclosure; with ``forms``, also those with public target forms only
    (standalone ones, or those of a published disclosure), as the project search lists both."""
    public = Exists(Disclosure.objects.published().filter(unit__department=OuterRef("pk")))
    if forms:
        shown = Q(disclosure__isnull=True) | Q(disclosure__status=Disclosure.Status.PUBLISHED)
        public |= Exists(TargetForm.objects.filter(shown, department=OuterRef("pk")))
    return Department.objects.filter(public).order_by("region__name", "code")


def regions_with_publications():
    """Places with published disclosures, their own or their sub-regions' (a city is listed for its counties)."""
    published = Disclosure.objects.published().filter(in_region(OuterRef("pk")))
    return Region.objects.filter(Exists(published)).order_by("level", "name")


class DisclosureFilter(django_filters.FilterSet):
    """/disclosures/?fiscal_year=2026&region=3&kind=budget&amount_min=100 — amounts in 万元 as printed."""

    fiscal_year = django_filters.ChoiceFilter(label="年度", empty_label="全部年度")
    region = django_filters.ModelChoiceFilter(
        label="地区", queryset=regions_with_publications(), empty_label="全部地区", method="filter_region"
    )
    department = django_filters.ModelChoiceFilter(
        label="部门", field_name="unit__department", queryset=departments_with_publications(), empty_label="全部部门"
    )
    kind = django_filters.ChoiceFilter(label="类型", choices=KIND_CHOICES, empty_label="预算和决算")
    amount_min = django_filters.NumberFilter(label="支出总计不低于（万元）", method="filter_amount", min_value=0)
    amount_max = django_filters.NumberFilter(label="支出总计不高于（万元）", method="filter_amount", min_value=0)
    current = django_filters.BooleanFilter(
        label="只看最新版本（不列已被更正的旧版本）", method="filter_current", widget=forms.CheckboxInput
    )

    class Meta:
        model = Disclosure
        fields = ["fiscal_year", "region", "department", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Evaluated once per request (a callable would run its query for rendering and again for validation).
        self.filters["fiscal_year"].extra["choices"] = [(str(y), f"{y}年") for y in published_years()]
        self.form.label_suffix = ""
        cache_options(self.form)

    def filter_region(self, queryset, name, value):
        return queryset.filter(in_region(value)) if value else queryset

    def filter_amount(self, queryset, name, value: Decimal | None):
        if value is None:
            return queryset
        lookup = "total__gte" if name == "amount_min" else "total__lte"
        return queryset.filter(**{lookup: value * YUAN_PER_WAN})

    def filter_current(self, queryset, name, value):
        return queryset.filter(superseded=False) if value else queryset


class ProjectSearchForm(forms.Form):
    """/projects/?q=救援&fiscal_year=2026&department=2&amount_min=10 — 金额 in 万元."""

    q = forms.CharField(label="关键词", max_length=50, required=False, strip=True)
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    department = forms.ModelChoiceField(
        label="部门",
        queryset=departments_with_publications(forms=True),
        required=False,
        empty_label="全部部门",
    )
    amount_min = forms.DecimalField(label="金额不低于（万元）", min_value=0, required=False, decimal_places=4)
    amount_max = forms.DecimalField(label="金额不高于（万元）", min_value=0, required=False, decimal_places=4)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [("", "全部年度"), *((y, f"{y}年") for y in search_years())]
        cache_options(self)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs.update({"placeholder": "如：救援、森林防火", "autocomplete": "off"})

    def search_kwargs(self) -> dict:
        """project_search() arguments in 元."""
        data = self.cleaned_data
        to_yuan = {k: data[k] * YUAN_PER_WAN if data.get(k) is not None else None for k in ("amount_min", "amount_max")}
        return {"q": data["q"], "fiscal_year": data["fiscal_year"], "department": data["department"], **to_yuan}

    @property
    def has_criteria(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            data.get(k) not in (None, "") for k in ("q", "fiscal_year", "department", "amount_min", "amount_max")
        )
