"""审核流转 — submitting, returning, approving, publishing and correcting a disclosure; decisions and comments.

草稿/退回修改 --提交审核(填报人)--> 已提交 --退回修改(审核人)--> 退回修改
已提交 --审核通过(审核人, 非提交人)--> 审核通过 --公开(审核人/管理员)--> 已公开
已公开 --发起更正(审核人/管理员)--> a new version (第N+1版, 草稿) that supersedes it; the old one stays public.

Every service locks the disclosure row (select_for_update: a no-op on SQLite, real on PostgreSQL), refuses what
the role or the state does not allow with a Chinese ValidationError, and leaves a ReviewEvent and an AuditEntry.

A finding decision is valid for the data revision it was made on: the revision is recorded in the decision's
AuditEntry (FindingDecision has no revision column), so a change to the data asks the reviewer to decide again.
"""

import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from disclosures.models import (
    AssetSummary,
    AuditEntry,
    Balance,
    DepartmentRole,
    Disclosure,
    EconomicLine,
    FindingDecision,
    FunctionLine,
    OperatingCost,
    Procurement,
    ProjectLine,
    RevenueLine,
    ReviewComment,
    ReviewEvent,
    Section,
    ThreePublicLine,
    VehicleCount,
)
from disclosures.permissions import department_ids, is_admin
from disclosures.search_index import refresh_search_index
from performance.models import (
    Indicator,
    IndicatorResult,
    SelfEvaluation,
    SelfEvaluationFunds,
    TargetForm,
    TargetFunding,
)

Status = Disclosure.Status
Role = DepartmentRole.Role

LOCATION_FIELDS = ("table", "row_code", "column", "form_id", "indicator", "section")
REVISION_KEY = "数据修订号"
DECISION_MODEL = "findingdecision"


# ---------------------------------------------------------------- findings


def run_findings(disclosure: Disclosure) -> list:
    """The checks of disclosures/checks.py (imported late: that module imports the table projections)."""
    from disclosures.checks import run_checks

    return run_checks(disclosure)


def location_part(finding, name: str) -> str:
    location = getattr(finding, "location", None)
    if location is None:
        return ""
    value = location.get(name) if isinstance(location, dict) else getattr(location, name, None)
    return "" if value is None else str(value)


def location_key(finding) -> str:
    """Where a finding is, stable across re-runs: rule + table + row + column + form + indicator (+ section).

    Decisions are stored under this key, so re-running the checks on unchanged data finds them again. The same
    text as checks.Finding.location_key (the narrative section tells apart findings that have no table).
    """
    values = [location_part(finding, name) for name in LOCATION_FIELDS]
    values[3] = "" if values[3] in ("", "0", "None") else values[3]  # form_id: None and blank alike
    key = "|".join([finding.rule, *values])
    if len(key) > 255:  # FindingDecision.location_key; a long indicator name keeps a stable digest instead
        key = f"{key[:200]}#{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    return key


_location_key = location_key  # finding_decide's keyword argument shadows the name


def location_label(finding) -> str:
    """Where to look, in words: 表一 行 2010101 列 基本支出 / 绩效目标表“…” 指标“…” / 情况说明的标题 “…”."""
    part = lambda name: location_part(finding, name)  # noqa: E731
    bits = []
    if part("table_label") or part("table"):
        bits.append(part("table_label") or part("table"))
        bits += [f"行 {part('row_code')}"] if part("row_code") else []
        bits += [f"列 {part('column')}"] if part("column") else []
    elif part("section"):
        bits.append(part("section"))
        bits += [f"“{part('row_code')}”"] if part("row_code") else []
    if part("form_name"):
        bits.append(f"绩效目标表“{part('form_name')}”")
    if part("indicator"):
        bits.append(f"指标“{part('indicator')}”")
    if part("column") and not (part("table_label") or part("table") or part("section")):
        bits.append(part("column"))
    if part("source_line"):
        bits.append(f"原文第{part('source_line')}行")
    return " ".join(bits) or "全文"


def describe(finding) -> str:
    """One line of a refusal: the rule code and the finding's message (which names the place and the numbers)."""
    return f"[{finding.rule}] {finding.message}"


def current_decisions(disclosure: Disclosure) -> dict[tuple[str, str], FindingDecision]:
    """The latest decision per (rule, location key) made on the disclosure's current data revision."""
    revisions = decision_revisions(disclosure)
    decisions = {}
    for decision in FindingDecision.objects.filter(disclosure=disclosure).select_related("user"):
        if revisions.get(decision.pk) == disclosure.revision:
            decisions[(decision.rule, decision.location_key)] = decision  # ordered by time: the latest wins
    return decisions


def decision_revisions(disclosure: Disclosure) -> dict[int, int]:
    """FindingDecision pk → the data revision it was made on (from its audit entry)."""
    entries = AuditEntry.objects.filter(disclosure=disclosure, model=DECISION_MODEL).values_list("object_id", "changes")
    out = {}
    for object_id, changes in entries:
        try:
            out[int(object_id)] = int(changes[REVISION_KEY][1])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return out


def undecided(findings: Iterable, decisions: dict, severity: str, accepted: Iterable[str]) -> list:
    accepted = set(accepted)
    return [
        f
        for f in findings
        if f.severity == severity
        and ((d := decisions.get((f.rule, location_key(f)))) is None or d.decision not in accepted)
    ]


def blocking_errors(disclosure: Disclosure, findings: list | None = None, decisions: dict | None = None) -> list:
    """Errors stop a submission unless a reviewer dismissed them as false positives on this revision."""
    findings = run_findings(disclosure) if findings is None else findings
    decisions = current_decisions(disclosure) if decisions is None else decisions
    return undecided(findings, decisions, "error", [FindingDecision.Decision.DISMISSED])


def open_warnings(disclosure: Disclosure, findings: list | None = None, decisions: dict | None = None) -> list:
    """Warnings that nobody acknowledged or dismissed on this revision stop an approval."""
    findings = run_findings(disclosure) if findings is None else findings
    decisions = current_decisions(disclosure) if decisions is None else decisions
    return undecided(
        findings, decisions, "warning", [FindingDecision.Decision.ACKNOWLEDGED, FindingDecision.Decision.DISMISSED]
    )


def _refuse_with(heading: str, findings: list, limit: int = 20):
    lines = [heading, *(describe(f) for f in findings[:limit])]
    if len(findings) > limit:
        lines.append(f"……另有{len(findings) - limit}项")
    raise ValidationError(lines, code="findings")


# ---------------------------------------------------------------- roles and records


def has_role(user, disclosure: Disclosure, role: str) -> bool:
    return bool(user and user.is_active) and disclosure.unit.department_id in department_ids(user, role)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ValidationError(message, code="forbidden")


def _require_status(disclosure: Disclosure, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if disclosure.status not in allowed:
        labels = "、".join(Status(s).label for s in allowed)
        raise ValidationError(
            f"当前状态为“{disclosure.get_status_display()}”，不能{action}（只有“{labels}”状态可以）",
            code="invalid_transition",
        )


def _lock(disclosure: Disclosure) -> Disclosure:
    return Disclosure.objects.select_for_update(of=("self",)).select_related("unit").get(pk=disclosure.pk)


def _audit(disclosure: Disclosure, user, *, action: str, model: str, object_id, object_repr: str, changes: dict):
    return AuditEntry.objects.create(
        disclosure=disclosure,
        user=user,
        action=action,
        model=model,
        object_id=str(object_id),
        object_repr=object_repr[:255],
        changes=changes,
    )


def _transition(disclosure: Disclosure, user, *, action: str, to_status: str, comment: str = "", **fields):
    """Move to ``to_status``, saving ``fields`` with it; record the event and the audit entry."""
    from_status = disclosure.status
    disclosure.status = to_status
    for name, value in fields.items():
        setattr(disclosure, name, value)
    disclosure.save(update_fields=["status", "updated_at", *fields])
    ReviewEvent.objects.create(
        disclosure=disclosure,
        actor=user,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        revision=disclosure.revision,
    )
    _audit(
        disclosure,
        user,
        action=AuditEntry.Action.TRANSITION,
        model="disclosure",
        object_id=disclosure.pk,
        object_repr=str(disclosure),
        changes={"状态": [Status(from_status).label, Status(to_status).label]},
    )
    return disclosure


# ---------------------------------------------------------------- transitions


def disclosure_submit(*, disclosure: Disclosure, user) -> Disclosure:
    """填报人 submits a draft (or a returned version) for review; refused while errors remain."""
    with transaction.atomic():
        disclosure = _lock(disclosure)
        _require(has_role(user, disclosure, Role.FILER), "只有本部门的填报人可以提交审核")
        _require_status(disclosure, [Status.DRAFT, Status.RETURNED], "提交审核")
        errors = blocking_errors(disclosure)
        if errors:
            _refuse_with(f"还有{len(errors)}项错误，改正后才能提交审核：", errors)
        disclosure = _transition(
            disclosure, user, action=ReviewEvent.Action.SUBMIT, to_status=Status.SUBMITTED, submitted_by=user
        )
        from disclosures.diff import snapshot_take  # the next review round compares with what was submitted

        snapshot_take(disclosure)
        return disclosure


def disclosure_return(*, disclosure: Disclosure, user, comment: str) -> Disclosure:
    """审核人 returns a submitted version to the filer, saying why."""
    comment = (comment or "").strip()
    with transaction.atomic():
        disclosure = _lock(disclosure)
        _require(has_role(user, disclosure, Role.REVIEWER), "只有本部门的审核人可以退回修改")
        _require_status(disclosure, [Status.SUBMITTED], "退回修改")
        if not comment:
            raise ValidationError("退回修改须填写退回意见", code="comment_required")
        return _transition(
            disclosure, user, action=ReviewEvent.Action.RETURN, to_status=Status.RETURNED, comment=comment
        )


def disclosure_approve(*, disclosure: Disclosure, user) -> Disclosure:
    """审核人 approves a submitted version: not the one who submitted it, and only with every warning decided."""
    with transaction.atomic():
        disclosure = _lock(disclosure)
        _require(has_role(user, disclosure, Role.REVIEWER), "只有本部门的审核人可以审核通过")
        _require_status(disclosure, [Status.SUBMITTED], "审核通过")
        if disclosure.submitted_by_id is not None and disclosure.submitted_by_id == user.pk:
            raise ValidationError("提交人不能审核通过自己提交的版本（职责分离），请由其他审核人审核", code="same_user")
        findings = run_findings(disclosure)
        decisions = current_decisions(disclosure)
        errors = blocking_errors(disclosure, findings, decisions)
        if errors:
            _refuse_with(f"还有{len(errors)}项错误，不能审核通过：", errors)
        warnings = open_warnings(disclosure, findings, decisions)
        if warnings:
            _refuse_with(f"还有{len(warnings)}项警告未确认或驳回，不能审核通过：", warnings)
        return _transition(disclosure, user, action=ReviewEvent.Action.APPROVE, to_status=Status.APPROVED)


def disclosure_publish(*, disclosure: Disclosure, user) -> Disclosure:
    """审核人 (or an admin) publishes an approved version; an older version it corrects stays public."""
    with transaction.atomic():
        disclosure = _lock(disclosure)
        _require(has_role(user, disclosure, Role.REVIEWER) or is_admin(user), "只有本部门的审核人或管理员可以公开")
        _require_status(disclosure, [Status.APPROVED], "公开")
        published = _transition(
            disclosure, user, action=ReviewEvent.Action.PUBLISH, to_status=Status.PUBLISHED, published_at=timezone.now()
        )
        refresh_search_index(published)  # a published version never changes: its search documents neither
        return published


def disclosure_correct(*, disclosure: Disclosure, user, note: str) -> Disclosure:
    """Start a correction of a published version: a new draft version with a copy of all its data.

    The published version is not touched: it stays public until (and after) the correction is published,
    and then shows that a newer version supersedes it.
    """
    note = (note or "").strip()
    with transaction.atomic():
        old = _lock(disclosure)
        _require(has_role(user, old, Role.REVIEWER) or is_admin(user), "只有本部门的审核人或管理员可以发起更正")
        _require_status(old, [Status.PUBLISHED], "发起更正")
        if not note:
            raise ValidationError("发起更正须填写更正说明", code="note_required")
        existing = Disclosure.objects.filter(supersedes=old).first()
        if existing is not None:
            raise ValidationError(
                f"第{old.version}版已发起更正（第{existing.version}版，{existing.get_status_display()}），"
                "请在该版本上修改",
                code="already_corrected",
            )
        new = _copy_disclosure(old, note=note)
        ReviewEvent.objects.create(
            disclosure=new,
            actor=user,
            action=ReviewEvent.Action.CORRECT,
            from_status=Status.PUBLISHED,
            to_status=Status.DRAFT,
            comment=f"更正第{old.version}版：{note}",
            revision=new.revision,
        )
        ReviewEvent.objects.create(
            disclosure=old,
            actor=user,
            action=ReviewEvent.Action.CORRECT,
            from_status=Status.PUBLISHED,
            to_status=Status.PUBLISHED,
            comment=f"发起更正，更正版为第{new.version}版：{note}",
            revision=old.revision,
        )
        _audit(
            new,
            user,
            action=AuditEntry.Action.TRANSITION,
            model="disclosure",
            object_id=new.pk,
            object_repr=str(new),
            changes={"状态": [Status.PUBLISHED.label, Status.DRAFT.label], "更正的版本": [None, f"第{old.version}版"]},
        )
        _audit(
            old,
            user,
            action=AuditEntry.Action.TRANSITION,
            model="disclosure",
            object_id=old.pk,
            object_repr=str(old),
            changes={"状态": [Status.PUBLISHED.label, Status.PUBLISHED.label], "更正版": [None, f"第{new.version}版"]},
        )
        return new


# ---------------------------------------------------------------- decisions and comments


def finding_decide(
    *, disclosure: Disclosure, user, rule: str, location_key: str, decision: str, reason: str
) -> FindingDecision:
    """审核人 acknowledges a warning or dismisses a finding as a false positive, for the current data revision."""
    reason = (reason or "").strip()
    key = location_key
    with transaction.atomic():
        disclosure = _lock(disclosure)
        _require(has_role(user, disclosure, Role.REVIEWER), "只有本部门的审核人可以确认或驳回检查结果")
        _require_status(disclosure, [Status.DRAFT, Status.SUBMITTED, Status.RETURNED], "确认或驳回检查结果")
        if decision not in FindingDecision.Decision.values:
            raise ValidationError("请选择“已确认”或“误报（不予采纳）”", code="decision_invalid")
        if not reason:
            raise ValidationError("确认或驳回检查结果须填写理由", code="reason_required")
        finding = next((f for f in run_findings(disclosure) if f.rule == rule and _location_key(f) == key), None)
        if finding is None:
            raise ValidationError("该检查结果已不存在（数据可能已修改），请刷新页面后再判定", code="finding_gone")
        if finding.severity == "error" and decision == FindingDecision.Decision.ACKNOWLEDGED:
            raise ValidationError("错误不能仅作确认：请改正数据，或说明理由作为误报驳回", code="error_acknowledged")
        made = FindingDecision.objects.create(
            disclosure=disclosure, rule=rule, location_key=key, decision=decision, reason=reason, user=user
        )
        _audit(
            disclosure,
            user,
            action=AuditEntry.Action.CREATE,
            model=DECISION_MODEL,
            object_id=made.pk,
            object_repr=f"{rule} {made.get_decision_display()}",
            changes={
                "判定": [None, made.get_decision_display()],
                "位置": [None, key],
                "理由": [None, reason],
                REVISION_KEY: [None, disclosure.revision],
            },
        )
        return made


def comment_add(
    *, disclosure: Disclosure, user, body: str, table: str = "", row_code: str = "", form=None, indicator: str = ""
) -> ReviewComment:
    """审核人 or 填报人 comments on the disclosure, a table, a row or a performance indicator."""
    body = (body or "").strip()
    with transaction.atomic():
        disclosure = _lock(disclosure)
        _require(
            has_role(user, disclosure, Role.REVIEWER) or has_role(user, disclosure, Role.FILER),
            "只有本部门的审核人或填报人可以发表意见",
        )
        if not body:
            raise ValidationError("意见不能为空", code="body_required")
        if form is not None and form.disclosure_id != disclosure.pk:
            raise ValidationError("该绩效目标表不属于本公开", code="form_invalid")
        comment = ReviewComment.objects.create(
            disclosure=disclosure,
            author=user,
            table=(table or "").strip()[:24],
            row_code=(row_code or "").strip()[:64],
            form=form,
            indicator=(indicator or "").strip()[:255],
            body=body,
            revision=disclosure.revision,
        )
        _audit(
            disclosure,
            user,
            action=AuditEntry.Action.CREATE,
            model="reviewcomment",
            object_id=comment.pk,
            object_repr=body[:60],
            changes={"意见": [None, body]},
        )
        return comment


# ---------------------------------------------------------------- correction copy

DISCLOSURE_FRESH = {"id", "version", "status", "supersedes", "correction_note", "revision", "submitted_by"}
DISCLOSURE_FRESH |= {"published_at", "created_at", "updated_at"}
FACT_MODELS = (
    FunctionLine,
    EconomicLine,
    Balance,
    RevenueLine,
    ThreePublicLine,
    OperatingCost,
    Procurement,
    AssetSummary,
    VehicleCount,
    Section,
)


def _values(obj, **changes) -> dict:
    """The concrete field values of ``obj`` (by attname) without its primary key, with ``changes`` applied."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}
    values.update(changes)
    return values


def _copy_disclosure(old: Disclosure, *, note: str) -> Disclosure:
    latest = (
        Disclosure.objects.filter(unit_id=old.unit_id, fiscal_year=old.fiscal_year, kind=old.kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    values = {
        f.attname: getattr(old, f.attname) for f in Disclosure._meta.concrete_fields if f.name not in DISCLOSURE_FRESH
    }
    new = Disclosure.objects.create(
        **values, version=latest + 1, status=Status.DRAFT, supersedes=old, correction_note=note
    )
    for model in FACT_MODELS:
        model.objects.bulk_create(
            model(**_values(row, disclosure_id=new.pk)) for row in model.objects.filter(disclosure=old).order_by("pk")
        )
    projects = {}
    for row in ProjectLine.objects.filter(disclosure=old).order_by("pk"):
        projects[row.pk] = ProjectLine.objects.create(**_values(row, disclosure_id=new.pk)).pk
    _copy_forms(old, new, projects)
    _copy_evaluations(old, new)
    return new


def _copy_forms(old: Disclosure, new: Disclosure, projects: dict[int, int]) -> None:
    forms = TargetForm.objects.filter(disclosure=old).prefetch_related("funding", "indicators").order_by("pk")
    for form in forms:
        copy = TargetForm.objects.create(
            **_values(form, disclosure_id=new.pk, project_id=projects.get(form.project_id))
        )
        TargetFunding.objects.bulk_create(TargetFunding(**_values(f, form_id=copy.pk)) for f in form.funding.all())
        Indicator.objects.bulk_create(Indicator(**_values(i, form_id=copy.pk)) for i in form.indicators.all())


def _copy_evaluations(old: Disclosure, new: Disclosure) -> None:
    evaluations = SelfEvaluation.objects.filter(disclosure=old).prefetch_related("funds", "results").order_by("pk")
    for evaluation in evaluations:
        copy = SelfEvaluation.objects.create(**_values(evaluation, disclosure_id=new.pk))
        SelfEvaluationFunds.objects.bulk_create(
            SelfEvaluationFunds(**_values(f, evaluation_id=copy.pk)) for f in evaluation.funds.all()
        )
        IndicatorResult.objects.bulk_create(
            IndicatorResult(**_values(r, evaluation_id=copy.pk)) for r in evaluation.results.all()
        )
