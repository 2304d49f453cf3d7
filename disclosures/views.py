from collections import Counter
from dataclasses import dataclass, field
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from disclosures import workflow
from disclosures.documents import build_document
from disclosures.models import AuditEntry, DepartmentRole, Disclosure, FindingDecision, ReviewComment, ReviewEvent
from disclosures.pdf import pdf_filename, published_pdf, render_disclosure_pdf
from disclosures.permissions import can_edit, department_ids, is_admin, reviewable_disclosures
from performance.models import TargetForm

Status = Disclosure.Status
SEVERITIES = {"error": "错误", "warning": "警告", "info": "提示"}
AUDIT_LIMIT = 200


def _published(pk: int) -> Disclosure:
    return get_object_or_404(Disclosure.objects.with_unit().published(), pk=pk)


def _reviewable(request, pk: int) -> Disclosure:
    """The review version is for staff of the department only; to anyone else it does not exist."""
    return get_object_or_404(reviewable_disclosures(request.user, Disclosure.objects.with_unit()), pk=pk)


def _viewer(request) -> str:
    user = request.user
    return f"{user.get_full_name() or user.get_username()}"


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": content_disposition_header(False, filename)},
    )


def _versions(disclosure: Disclosure, *, published_only: bool) -> tuple[Disclosure | None, Disclosure | None]:
    """(the version this one corrects, the version that corrects this one)."""
    newer = Disclosure.objects.filter(supersedes=disclosure)
    older = Disclosure.objects.filter(pk=disclosure.supersedes_id) if disclosure.supersedes_id else None
    if published_only:
        newer = newer.published()
        older = older.published() if older is not None else None
    return (older.first() if older is not None else None), newer.first()


# ---------------------------------------------------------------- public


@require_GET
def disclosure_detail(request, pk: int):
    disclosure = _published(pk)
    doc = build_document(disclosure)
    older, newer = _versions(disclosure, published_only=True)
    return render(
        request, "disclosures/disclosure_detail.html", {"doc": doc, "older_version": older, "newer_version": newer}
    )


@require_GET
def disclosure_pdf(request, pk: int):
    disclosure = _published(pk)
    return _pdf_response(published_pdf(disclosure), pdf_filename(disclosure))


# ---------------------------------------------------------------- review: pages


@dataclass
class FindingRow:
    finding: object
    key: str
    label: str
    anchor: str
    decision: FindingDecision | None = None
    target: dict = field(default_factory=dict)  # the hidden fields of "comment on this place"

    @property
    def severity(self) -> str:
        return self.finding.severity

    @property
    def can_acknowledge(self) -> bool:
        return self.finding.severity != "error"

    def comment_target(self, budget: bool) -> dict:
        """The comment form's hidden fields: a target form by id (budgets); a self-evaluation by name (finals)."""
        part = lambda name: workflow.location_part(self.finding, name)  # noqa: E731
        form_id = part("form_id") if budget else ""
        row_code = part("row_code") or ("" if budget else part("form_name"))
        return {"table": part("table"), "row_code": row_code[:64], "form": form_id, "indicator": part("indicator")}


@dataclass
class FindingGroup:
    label: str
    rows: list[FindingRow] = field(default_factory=list)


@dataclass
class SeverityGroup:
    severity: str
    label: str
    groups: list[FindingGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def _group_label(finding) -> str:
    part = lambda name: workflow.location_part(finding, name)  # noqa: E731
    if part("table_label") or part("table"):
        return part("table_label") or part("table")
    if part("form_name"):
        return f"绩效目标表“{part('form_name')}”"
    return part("section") or "其他"


def group_findings(findings: list, decisions: dict, *, budget: bool = True) -> list[SeverityGroup]:
    """By severity (错误, 警告, 提示), then by table (or form, or section) in the order the checks report them."""
    out = []
    for severity, label in SEVERITIES.items():
        groups: dict[str, FindingGroup] = {}
        for i, finding in enumerate(findings):
            if finding.severity != severity:
                continue
            key = workflow.location_key(finding)
            row = FindingRow(
                finding, key, workflow.location_label(finding), f"finding-{i + 1}", decisions.get((finding.rule, key))
            )
            row.target = row.comment_target(budget)  # needs the finding: set after construction
            name = _group_label(finding)
            groups.setdefault(name, FindingGroup(name)).rows.append(row)
        if groups:
            out.append(SeverityGroup(severity, label, list(groups.values())))
    return out


def _roles(user, disclosure: Disclosure) -> dict:
    department = disclosure.unit.department_id
    return {
        "filer": department in department_ids(user, DepartmentRole.Role.FILER),
        "reviewer": department in department_ids(user, DepartmentRole.Role.REVIEWER),
        "admin": is_admin(user),
    }


def _actions(user, disclosure: Disclosure, roles: dict, newer: Disclosure | None) -> dict:
    status = disclosure.status
    reviewer, filer, admin = roles["reviewer"], roles["filer"], roles["admin"]
    submitted_by_me = disclosure.submitted_by_id is not None and disclosure.submitted_by_id == user.pk
    return {
        "submit": filer and status in (Status.DRAFT, Status.RETURNED),
        "return": reviewer and status == Status.SUBMITTED,
        "approve": reviewer and status == Status.SUBMITTED and not submitted_by_me,
        "approve_blocked": reviewer and status == Status.SUBMITTED and submitted_by_me,
        "publish": (reviewer or admin) and status == Status.APPROVED,
        "correct": (reviewer or admin) and status == Status.PUBLISHED and newer is None,
        "decide": reviewer and status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED),
        "comment": reviewer or filer,
    }


def _audit_rows(disclosure: Disclosure) -> list[AuditEntry]:
    entries = list(
        AuditEntry.objects.filter(disclosure=disclosure)
        .select_related("user")
        .order_by("-created_at", "-id")[:AUDIT_LIMIT]
    )
    for entry in entries:
        changes = entry.changes if isinstance(entry.changes, dict) else {"": entry.changes}
        entry.change_list = [
            (name, *value) if isinstance(value, list | tuple) and len(value) == 2 else (name, None, value)
            for name, value in changes.items()
        ]
    return entries


def _diff_url(disclosure: Disclosure) -> str:
    """The version comparison page (disclosures/diff_views.py), when the site has it."""
    try:
        return reverse("disclosures:review_diff", args=[disclosure.pk])
    except NoReverseMatch:
        return ""


@require_GET
def review_detail(request, pk: int):
    disclosure = _reviewable(request, pk)
    user = request.user
    doc = build_document(disclosure, review=True, viewer=_viewer(request))
    disclosure = doc.disclosure
    findings = workflow.run_findings(disclosure)
    decisions = workflow.current_decisions(disclosure)
    revisions = workflow.decision_revisions(disclosure)
    decision_log = list(FindingDecision.objects.filter(disclosure=disclosure).select_related("user"))
    for decision in decision_log:
        decision.revision = revisions.get(decision.pk)
        decision.current = decision.revision == disclosure.revision
    older, newer = _versions(disclosure, published_only=False)
    roles = _roles(user, disclosure)
    actions = _actions(user, disclosure, roles, newer)
    events = list(ReviewEvent.objects.filter(disclosure=disclosure).select_related("actor"))
    last_return = next((e for e in reversed(events) if e.action == ReviewEvent.Action.RETURN), None)
    tables = {t.key: f"{t.label} {t.title}" for t in doc.tables}
    comments = list(ReviewComment.objects.filter(disclosure=disclosure).select_related("author", "form"))
    for comment in comments:
        comment.table_label = tables.get(comment.table, comment.table)
    counts = Counter(f.severity for f in findings)
    context = {
        "doc": doc,
        "disclosure": disclosure,
        "finding_groups": group_findings(findings, decisions, budget=disclosure.kind == Disclosure.Kind.BUDGET),
        "counts": {severity: counts.get(severity, 0) for severity in SEVERITIES},
        "open_warnings": len(workflow.open_warnings(disclosure, findings, decisions)),
        "blocking_errors": len(workflow.blocking_errors(disclosure, findings, decisions)),
        "decision_log": decision_log,
        "comments": comments,
        "events": events,
        "last_return": last_return if disclosure.status == Status.RETURNED else None,
        "audit": _audit_rows(disclosure),
        "audit_limit": AUDIT_LIMIT,
        "roles": roles,
        "actions": actions,
        "can_edit": can_edit(user, disclosure),
        "older_version": older,
        "newer_version": newer,
        "table_choices": list(tables.items()),
        "form_choices": list(
            TargetForm.objects.filter(disclosure=disclosure).order_by("order").values_list("pk", "project_name")
        ),
        "diff_url": _diff_url(disclosure),
    }
    return render(request, "review/review_detail.html", context)


@require_GET
def review_pdf(request, pk: int):
    disclosure = _reviewable(request, pk)
    pdf = render_disclosure_pdf(disclosure, review=True, viewer=_viewer(request))
    return _pdf_response(pdf, pdf_filename(disclosure, review=True))


@require_GET
def review_dashboard(request):
    """工作台 — the disclosures a staff user may review or edit, with their state and what the checks found."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        raise Http404
    disclosures = list(
        reviewable_disclosures(user, Disclosure.objects.with_unit()).order_by(
            "-fiscal_year", "unit__code", "kind", "-version"
        )
    )
    filer_of = department_ids(user, DepartmentRole.Role.FILER)
    reviewer_of = department_ids(user, DepartmentRole.Role.REVIEWER)
    rows = []
    for disclosure in disclosures:
        counts = Counter(f.severity for f in workflow.run_findings(disclosure))
        department = disclosure.unit.department_id
        rows.append(
            {
                "disclosure": disclosure,
                "counts": [counts.get(severity, 0) for severity in SEVERITIES],
                "roles": "、".join(
                    label for label, ids in (("填报人", filer_of), ("审核人", reviewer_of)) if department in ids
                )
                or ("管理员" if is_admin(user) else ""),
                "editable": can_edit(user, disclosure),
            }
        )
    return render(request, "review/dashboard.html", {"rows": rows, "severities": SEVERITIES.values()})


# ---------------------------------------------------------------- review: actions (POST → redirect)


def review_action(view):
    """POST-only, department-scoped (404 before anything else), Chinese message, redirect back to the page."""

    @wraps(view)
    def wrapper(request, pk: int):
        disclosure = _reviewable(request, pk)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        back = reverse("disclosures:review", args=[disclosure.pk])
        try:
            message, target = view(request, disclosure)
        except ValidationError as exc:
            messages.error(request, "\n".join(exc.messages))
            return redirect(back)
        except DatabaseError as exc:  # the immutability triggers refuse what a race let through
            from disclosures.audit import protected_message

            text = protected_message(exc)
            if text is None:
                raise
            messages.error(request, text)
            return redirect(back)
        messages.success(request, message)
        return redirect(target or back)

    return wrapper


@review_action
def review_submit(request, disclosure):
    workflow.disclosure_submit(disclosure=disclosure, user=request.user)
    return "已提交审核", None


@review_action
def review_return(request, disclosure):
    workflow.disclosure_return(disclosure=disclosure, user=request.user, comment=request.POST.get("comment", ""))
    return "已退回修改", None


@review_action
def review_approve(request, disclosure):
    workflow.disclosure_approve(disclosure=disclosure, user=request.user)
    return "已审核通过", None


@review_action
def review_publish(request, disclosure):
    workflow.disclosure_publish(disclosure=disclosure, user=request.user)
    return "已公开", None


@review_action
def review_correct(request, disclosure):
    new = workflow.disclosure_correct(disclosure=disclosure, user=request.user, note=request.POST.get("note", ""))
    return (
        f"已发起更正：第{new.version}版为草稿，修改后提交审核；第{disclosure.version}版仍保持公开",
        reverse("disclosures:review", args=[new.pk]),
    )


@review_action
def review_decide(request, disclosure):
    decision = workflow.finding_decide(
        disclosure=disclosure,
        user=request.user,
        rule=request.POST.get("rule", ""),
        location_key=request.POST.get("location_key", ""),
        decision=request.POST.get("decision", ""),
        reason=request.POST.get("reason", ""),
    )
    return f"已记录判定：{decision.rule} {decision.get_decision_display()}", None


@review_action
def review_comment(request, disclosure):
    form = None
    form_id = request.POST.get("form", "").strip()
    if form_id:
        form = TargetForm.objects.filter(pk=form_id if form_id.isdigit() else 0, disclosure=disclosure).first()
        if form is None:
            raise ValidationError("该绩效目标表不属于本公开")
    workflow.comment_add(
        disclosure=disclosure,
        user=request.user,
        body=request.POST.get("body", ""),
        table=request.POST.get("table", ""),
        row_code=request.POST.get("row_code", ""),
        form=form,
        indicator=request.POST.get("indicator", ""),
    )
    return "已添加意见", None
