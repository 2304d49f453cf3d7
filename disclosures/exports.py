"""JSON export of disclosures and performance forms — the documented, stable shape behind downloads.

Shape (version 1)::

    {"format": "yjsgk-export", "version": 1,
     "disclosures": [{"id", "fiscal_year", "kind": "budget"|"final", "version", "status", "title",
                      "unit_code", "unit_name", "department_code", "department", "region",
                      "tables": [{"key", "label", "title", "unit", "columns": [{"key", "header": [...], "number"}],
                                  "rows": [{"kind", "code", "cells": [...]}], "empty", "empty_note", "notes"}],
                      "sections": [{"part", "level", "heading", "body"}],
                      "forms": [<form>], "self_evaluations": [<self-evaluation>]}],
     "forms": [<standalone form>], "self_evaluations": [<standalone self-evaluation>]}

Table cells are as printed: amounts are strings in the table's unit (万元, two decimals, no thousands
separator), blank cells are null, counts are integers, "——" stays "——". Form funds are strings in 元;
self-evaluation funds are strings in 万元 as those forms print them.
"""

from decimal import Decimal

from django.db.models import Prefetch

from disclosures.amounts import YUAN_PER_WAN, wan
from disclosures.models import Disclosure
from disclosures.tablespecs import DisclosureData, Table, build_tables
from performance.models import Indicator, IndicatorResult, SelfEvaluation, TargetForm

FORMAT_VERSION = 1


def cell_json(value):
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return str(wan(value))
    return str(value)


def table_json(table: Table) -> dict:
    return {
        "key": table.key,
        "label": table.label,
        "title": table.title,
        "unit": table.unit,
        "columns": [{"key": c.key, "header": list(c.path), "number": c.number} for c in table.columns],
        "rows": [{"kind": r.kind, "code": r.code, "cells": [cell_json(v) for v in r.cells]} for r in table.rows],
        "empty": table.is_empty,
        "empty_note": table.empty_note if table.is_empty else "",
        "notes": table.notes,
    }


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _wan_exact(value: Decimal | None) -> str | None:
    if value is None:
        return None
    exact = (value / YUAN_PER_WAN).normalize()
    return f"{exact:.2f}" if exact.as_tuple().exponent >= -2 else str(exact)


def form_json(form: TargetForm) -> dict:
    return {
        "id": form.pk,
        "fiscal_year": form.fiscal_year,
        "variant": form.variant,
        "title": form.title,
        "year_label": form.year_label,
        "code": form.code,
        "project_name": form.project_name,
        "department_code": form.department.code,
        "department": form.department.name,
        "department_label": form.department_label,
        "implementing_unit": form.implementing_unit,
        "attribute": form.attribute,
        "period_label": form.period_label,
        "project_line": form.project.name if form.project_id else None,
        "overview": form.overview,
        "basis": form.basis,
        "necessity": form.necessity,
        "safeguards": form.safeguards,
        "plan": form.plan,
        "goal_period": form.goal_period,
        "goal_annual": form.goal_annual,
        "responsible": form.responsible,
        "handler": form.handler,
        "phone": form.phone,
        "filled_at": form.filled_at_raw,
        "funds_unit": "元",
        "funds": {
            f.period: {
                k: _yuan(getattr(f, k)) for k in ("total", "central", "provincial", "local", "self_raised", "other")
            }
            for f in form.funding.all()
        },
        "indicators": [
            {
                "period": i.period,
                "level1": i.get_level1_display(),
                "level2": i.get_level2_display(),
                "level1_label": i.level1_label,
                "level2_label": i.level2_label,
                "name": i.name,
                "value": i.value,
                "parsed": {
                    "operator": i.value_operator,
                    "number": None if i.value_number is None else str(i.value_number.normalize()),
                    "unit": i.value_unit,
                    "kind": i.value_kind,
                    "flags": i.value_flags,
                },
            }
            for i in form.indicators.all()
        ],
    }


def self_evaluation_json(evaluation: SelfEvaluation) -> dict:
    return {
        "id": evaluation.pk,
        "fiscal_year": evaluation.fiscal_year,
        "title": evaluation.title,
        "project_name": evaluation.project_name,
        "department_label": evaluation.department_label,
        "unit_label": evaluation.unit_label,
        "funds_unit": "万元",
        "funds": [
            {
                "label": f.label,
                "initial_declared": _wan_exact(f.initial_declared),
                "initial_budgeted": _wan_exact(f.initial_budgeted),
                "full_year_budget": _wan_exact(f.full_year_budget),
                "executed": _wan_exact(f.executed),
                "balance": _wan_exact(f.balance),
                "execution_rate": None if f.execution_rate is None else str(f.execution_rate),
                "weight": None if f.weight is None else str(f.weight),
                "score": None if f.score is None else str(f.score),
                "deviation": f.deviation,
            }
            for f in evaluation.funds.all()
        ],
        "annual_goal": evaluation.annual_goal,
        "actual_result": evaluation.actual_result,
        "results": [
            {
                "level1": r.get_level1_display(),
                "level2": r.get_level2_display(),
                "level1_label": r.level1_label,
                "level2_label": r.level2_label,
                "name": r.name,
                "initial_value": r.initial_value,
                "adjusted_value": r.adjusted_value,
                "actual_value": r.actual_value,
                "weight": None if r.weight is None else str(r.weight),
                "score": None if r.score is None else str(r.score),
                "deviation": r.deviation,
            }
            for r in evaluation.results.all()
        ],
        "total_score": None if evaluation.total_score is None else str(evaluation.total_score),
        "grade": evaluation.grade,
        "analysis": evaluation.analysis,
    }


def _forms():
    return TargetForm.objects.select_related("department", "project").prefetch_related(
        "funding", Prefetch("indicators", queryset=Indicator.objects.order_by("-period", "order"))
    )


def _evaluations():
    return SelfEvaluation.objects.prefetch_related(
        "funds", Prefetch("results", queryset=IndicatorResult.objects.order_by("order"))
    )


def disclosure_json(disclosure: Disclosure) -> dict:
    unit = disclosure.unit
    return {
        "id": disclosure.pk,
        "fiscal_year": disclosure.fiscal_year,
        "kind": disclosure.kind,
        "version": disclosure.version,
        "status": disclosure.status,
        "title": disclosure.title,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "department_code": unit.department.code,
        "department": unit.department.name,
        "region": unit.department.region.name,
        "tables": [table_json(t) for t in build_tables(disclosure, DisclosureData(disclosure))],
        "sections": [
            {"part": s.part, "level": s.level, "heading": s.heading, "body": s.body} for s in disclosure.sections.all()
        ],
        "forms": [form_json(f) for f in _forms().filter(disclosure=disclosure).order_by("order")],
        "self_evaluations": [
            self_evaluation_json(e) for e in _evaluations().filter(disclosure=disclosure).order_by("order")
        ],
    }


def export_json(*, disclosures=None, include_standalone: bool = True) -> dict:
    """Every given disclosure (default: all), and the standalone forms when asked."""
    if disclosures is None:
        disclosures = Disclosure.objects.with_unit().order_by("fiscal_year", "unit__code", "kind", "version")
    out = {
        "format": "yjsgk-export",
        "version": FORMAT_VERSION,
        "disclosures": [disclosure_json(d) for d in disclosures],
        "forms": [],
        "self_evaluations": [],
    }
    if include_standalone:
        out["forms"] = [
            form_json(f)
            for f in _forms().filter(disclosure__isnull=True).order_by("fiscal_year", "department__code", "order")
        ]
        out["self_evaluations"] = [
            self_evaluation_json(e)
            for e in _evaluations().filter(disclosure__isnull=True).order_by("fiscal_year", "order")
        ]
    return out
