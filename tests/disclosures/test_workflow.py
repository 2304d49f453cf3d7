"""审核流转 services: who may move a disclosure from which state to which, and what each move leaves behind.

Most tests pin the checks to "no findings" (``clean``) so that they test the state machine alone; the tests of
``TestFindingsGate`` run the real checks of disclosures/checks.py on imported seeds.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from disclosures import workflow
from disclosures.exports import disclosure_json, export_json
from disclosures.models import (
    AuditEntry,
    Department,
    DepartmentRole,
    Disclosure,
    FindingDecision,
    FunctionLine,
    OperatingCost,
    ProjectLine,
    Region,
    ReviewComment,
    ReviewEvent,
    Section,
)
from performance.models import Indicator, IndicatorResult, SelfEvaluation, TargetForm

Status = Disclosure.Status
FILER, REVIEWER = DepartmentRole.Role.FILER, DepartmentRole.Role.REVIEWER
PASSWORD = "x-strong-pass-1"


def make_user(django_user_model, username, department=None, *roles, **extra):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True, **extra)
    for role in roles:
        DepartmentRole.objects.create(user=user, department=department, role=role)
    return user


@pytest.fixture
def draft(import_seed):
    """003: 晋城市应急管理局 2023 决算 (23 self-evaluations), a draft."""
    return Disclosure.objects.get(pk=import_seed("003").disclosure_id)


@pytest.fixture
def department(draft):
    return draft.unit.department


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def other_department(department):
    region = Region.objects.create(name="海北藏族自治州门源县", level=Region.Level.COUNTY)
    return Department.objects.create(region=region, code="309", name="门源县应急管理局")


@pytest.fixture
def users(django_user_model, department, other_department):
    """filer, a second filer, two reviewers, a filer-and-reviewer, another department's staff, an admin."""
    make = lambda name, *roles, dept=department, **extra: make_user(django_user_model, name, dept, *roles, **extra)  # noqa: E731
    return {
        "filer": make("filer", FILER),
        "filer2": make("filer2", FILER),
        "reviewer": make("reviewer", REVIEWER),
        "reviewer2": make("reviewer2", REVIEWER),
        "both": make("both", FILER, REVIEWER),
        "outsider": make("outsider", FILER, REVIEWER, dept=other_department),
        "admin": make("admin", is_superuser=True),
    }


@pytest.fixture
def clean(monkeypatch):
    """The checks find nothing: the state machine alone is under test."""
    monkeypatch.setattr(workflow, "run_findings", lambda disclosure: [])


def refresh(disclosure):
    return Disclosure.objects.get(pk=disclosure.pk)


def submitted(draft, user):
    return workflow.disclosure_submit(disclosure=draft, user=user)


def approved(draft, users):
    submitted(draft, users["filer"])
    return workflow.disclosure_approve(disclosure=draft, user=users["reviewer"])


def published(draft, users):
    approved(draft, users)
    return workflow.disclosure_publish(disclosure=draft, user=users["reviewer"])


def set_status(disclosure, status):
    Disclosure.objects.filter(pk=disclosure.pk).update(status=status)
    return refresh(disclosure)


def refused(call, fragment: str):
    with pytest.raises(ValidationError) as exc:
        call()
    text = "\n".join(exc.value.messages)
    assert fragment in text, text
    return text


@pytest.mark.usefixtures("clean")
class TestSubmit:
    def test_filer_submits_a_draft(self, draft, users):
        result = submitted(draft, users["filer"])
        assert (result.status, result.submitted_by) == (Status.SUBMITTED, users["filer"])
        event = ReviewEvent.objects.filter(disclosure=draft).last()
        assert (event.action, event.actor, event.from_status, event.to_status) == (
            ReviewEvent.Action.SUBMIT,
            users["filer"],
            Status.DRAFT,
            Status.SUBMITTED,
        )
        entry = AuditEntry.objects.filter(disclosure=draft, action=AuditEntry.Action.TRANSITION).get()
        assert (entry.user, entry.changes) == (users["filer"], {"状态": ["草稿", "已提交"]})

    def test_filer_resubmits_a_returned_version(self, draft, users):
        submitted(draft, users["filer"])
        workflow.disclosure_return(disclosure=draft, user=users["reviewer"], comment="表三合计不对")
        result = workflow.disclosure_submit(disclosure=draft, user=users["filer2"])
        assert (result.status, result.submitted_by) == (Status.SUBMITTED, users["filer2"])

    @pytest.mark.parametrize("who", ["reviewer", "outsider", "admin"])
    def test_only_a_filer_of_the_department_submits(self, draft, users, who):
        refused(lambda: submitted(draft, users[who]), "只有本部门的填报人可以提交审核")
        assert refresh(draft).status == Status.DRAFT
        assert not ReviewEvent.objects.filter(disclosure=draft, action=ReviewEvent.Action.SUBMIT).exists()

    @pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.PUBLISHED])
    def test_only_drafts_and_returned_versions_are_submitted(self, draft, users, status):
        text = refused(lambda: submitted(set_status(draft, status), users["filer"]), "不能提交审核")
        assert Status(status).label in text

    def test_an_inactive_filer_cannot_submit(self, draft, users):
        users["filer"].is_active = False
        users["filer"].save()
        refused(lambda: submitted(draft, users["filer"]), "只有本部门的填报人")


@pytest.mark.usefixtures("clean")
class TestReturn:
    def test_reviewer_returns_with_a_comment(self, draft, users):
        submitted(draft, users["filer"])
        result = workflow.disclosure_return(disclosure=draft, user=users["reviewer"], comment="  表三合计不对 ")
        assert result.status == Status.RETURNED
        event = ReviewEvent.objects.filter(disclosure=draft).last()
        assert (event.action, event.comment, event.actor) == (
            ReviewEvent.Action.RETURN,
            "表三合计不对",
            users["reviewer"],
        )
        assert AuditEntry.objects.filter(disclosure=draft, changes={"状态": ["已提交", "退回修改"]}).exists()

    @pytest.mark.parametrize("comment", ["", "   ", None])
    def test_a_comment_is_required(self, draft, users, comment):
        submitted(draft, users["filer"])
        refused(
            lambda: workflow.disclosure_return(disclosure=draft, user=users["reviewer"], comment=comment), "退回意见"
        )
        assert refresh(draft).status == Status.SUBMITTED

    @pytest.mark.parametrize("who", ["filer", "outsider", "admin"])
    def test_only_a_reviewer_of_the_department_returns(self, draft, users, who):
        submitted(draft, users["filer2"])
        refused(
            lambda: workflow.disclosure_return(disclosure=draft, user=users[who], comment="x"),
            "只有本部门的审核人可以退回修改",
        )

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED, Status.PUBLISHED])
    def test_only_submitted_versions_are_returned(self, draft, users, status):
        refused(
            lambda: workflow.disclosure_return(
                disclosure=set_status(draft, status), user=users["reviewer"], comment="x"
            ),
            "不能退回修改",
        )


@pytest.mark.usefixtures("clean")
class TestApprove:
    def test_another_reviewer_approves(self, draft, users):
        result = approved(draft, users)
        assert result.status == Status.APPROVED
        assert ReviewEvent.objects.filter(disclosure=draft).last().action == ReviewEvent.Action.APPROVE
        assert AuditEntry.objects.filter(disclosure=draft, changes={"状态": ["已提交", "审核通过"]}).exists()

    def test_the_submitter_cannot_approve_what_they_submitted(self, draft, users):
        submitted(draft, users["both"])
        refused(lambda: workflow.disclosure_approve(disclosure=draft, user=users["both"]), "职责分离")
        assert refresh(draft).status == Status.SUBMITTED
        assert workflow.disclosure_approve(disclosure=draft, user=users["reviewer"]).status == Status.APPROVED

    def test_a_reviewer_who_also_files_approves_what_someone_else_submitted(self, draft, users):
        submitted(draft, users["filer"])
        assert workflow.disclosure_approve(disclosure=draft, user=users["both"]).status == Status.APPROVED

    @pytest.mark.parametrize("who", ["filer", "outsider", "admin"])
    def test_only_a_reviewer_of_the_department_approves(self, draft, users, who):
        submitted(draft, users["filer2"])
        refused(
            lambda: workflow.disclosure_approve(disclosure=draft, user=users[who]), "只有本部门的审核人可以审核通过"
        )

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED, Status.PUBLISHED])
    def test_only_submitted_versions_are_approved(self, draft, users, status):
        refused(
            lambda: workflow.disclosure_approve(disclosure=set_status(draft, status), user=users["reviewer"]),
            "不能审核通过",
        )


@pytest.mark.usefixtures("clean")
class TestPublish:
    @pytest.mark.parametrize("who", ["reviewer", "reviewer2", "admin"])
    def test_reviewer_or_admin_publishes_an_approved_version(self, draft, users, who):
        approved(draft, users)
        result = workflow.disclosure_publish(disclosure=draft, user=users[who])
        assert result.status == Status.PUBLISHED and result.published_at is not None
        event = ReviewEvent.objects.filter(disclosure=draft).last()
        assert (event.action, event.actor) == (ReviewEvent.Action.PUBLISH, users[who])
        assert AuditEntry.objects.filter(disclosure=draft, changes={"状态": ["审核通过", "已公开"]}).exists()

    @pytest.mark.parametrize("who", ["filer", "outsider"])
    def test_filers_and_other_departments_cannot_publish(self, draft, users, who):
        approved(draft, users)
        refused(lambda: workflow.disclosure_publish(disclosure=draft, user=users[who]), "审核人或管理员可以公开")
        assert refresh(draft).published_at is None

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED])
    def test_only_approved_versions_are_published(self, draft, users, status):
        refused(
            lambda: workflow.disclosure_publish(disclosure=set_status(draft, status), user=users["admin"]), "不能公开"
        )

    def test_the_whole_way_leaves_one_event_and_one_audit_entry_per_step(self, draft, users):
        submitted(draft, users["filer"])
        workflow.disclosure_return(disclosure=draft, user=users["reviewer"], comment="请补充说明")
        submitted(draft, users["filer"])
        workflow.disclosure_approve(disclosure=draft, user=users["reviewer"])
        workflow.disclosure_publish(disclosure=draft, user=users["reviewer2"])
        actions = list(ReviewEvent.objects.filter(disclosure=draft).values_list("action", flat=True))
        assert actions == ["import", "submit", "return", "submit", "approve", "publish"]
        transitions = AuditEntry.objects.filter(disclosure=draft, action=AuditEntry.Action.TRANSITION)
        assert [e.changes["状态"] for e in transitions.order_by("created_at", "id")] == [
            ["草稿", "已提交"],
            ["已提交", "退回修改"],
            ["退回修改", "已提交"],
            ["已提交", "审核通过"],
            ["审核通过", "已公开"],
        ]


@pytest.mark.usefixtures("clean")
class TestCorrect:
    def test_correction_is_a_new_draft_version_with_the_same_tables(self, draft, users):
        old = published(draft, users)
        published_at = old.published_at
        new = workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="公开03表第5行金额更正")
        old = refresh(old)
        assert (new.version, new.status, new.supersedes_id, new.correction_note) == (
            2,
            Status.DRAFT,
            old.pk,
            "公开03表第5行金额更正",
        )
        assert (new.unit_id, new.fiscal_year, new.kind, new.title) == (
            old.unit_id,
            old.fiscal_year,
            old.kind,
            old.title,
        )
        assert (old.status, old.published_at) == (Status.PUBLISHED, published_at)
        assert new.published_at is None and new.submitted_by is None
        old_json, new_json = disclosure_json(old), disclosure_json(new)
        assert new_json["tables"] == old_json["tables"]
        assert new_json["sections"] == old_json["sections"]
        assert new_json["self_evaluations"] == [
            {**e, "id": n["id"]}
            for e, n in zip(old_json["self_evaluations"], new_json["self_evaluations"], strict=True)
        ]
        assert len(new_json["self_evaluations"]) == 23

    def test_every_fact_row_is_copied_and_the_old_rows_stay(self, draft, users):
        old = published(draft, users)
        counts = {model: model.objects.filter(disclosure=old).count() for model in [*workflow.FACT_MODELS, ProjectLine]}
        evaluation_results = IndicatorResult.objects.filter(evaluation__disclosure=old).count()
        new = workflow.disclosure_correct(disclosure=old, user=users["admin"], note="更正")
        for model, count in counts.items():
            assert model.objects.filter(disclosure=new).count() == count, model
            assert model.objects.filter(disclosure=old).count() == count, model
        assert counts[FunctionLine] > 0 and counts[Section] > 0
        assert SelfEvaluation.objects.filter(disclosure=new).count() == 23
        assert IndicatorResult.objects.filter(evaluation__disclosure=new).count() == evaluation_results > 0

    def test_a_budget_correction_copies_target_forms_linked_to_the_copied_projects(self, import_seed, users):
        budget = Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)
        new = workflow.disclosure_correct(disclosure=budget, user=users["reviewer"], note="项目名称更正")
        old_forms = TargetForm.objects.filter(disclosure=budget)
        new_forms = TargetForm.objects.filter(disclosure=new).select_related("project")
        assert new_forms.count() == old_forms.count() == 33
        linked = [f for f in new_forms if f.project_id]
        assert linked and all(f.project.disclosure_id == new.pk for f in linked)
        assert old_forms.filter(project__isnull=False).count() == len(linked)
        assert (
            Indicator.objects.filter(form__disclosure=new).count()
            == Indicator.objects.filter(form__disclosure=budget).count()
        )
        old_json, new_json = disclosure_json(budget), disclosure_json(new)
        assert new_json["tables"] == old_json["tables"]
        strip = lambda forms: [{k: v for k, v in f.items() if k != "id"} for f in forms]  # noqa: E731
        assert strip(new_json["forms"]) == strip(old_json["forms"])

    def test_the_old_version_stays_published_and_is_superseded_once_the_correction_is(self, draft, users):
        old = published(draft, users)
        new = workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="更正")
        submitted(new, users["filer"])
        workflow.disclosure_approve(disclosure=new, user=users["reviewer"])
        new = workflow.disclosure_publish(disclosure=new, user=users["reviewer"])
        old = refresh(old)
        assert old.status == new.status == Status.PUBLISHED
        assert old.superseded_by == new
        assert list(Disclosure.objects.published().filter(unit=old.unit, kind=old.kind).order_by("version")) == [
            old,
            new,
        ]

    def test_events_and_audit_on_both_versions(self, draft, users):
        old = published(draft, users)
        new = workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="更正说明")
        event = ReviewEvent.objects.get(disclosure=new)
        assert (event.action, event.from_status, event.to_status) == (
            ReviewEvent.Action.CORRECT,
            Status.PUBLISHED,
            Status.DRAFT,
        )
        assert "更正说明" in event.comment
        assert ReviewEvent.objects.filter(disclosure=old, action=ReviewEvent.Action.CORRECT).exists()
        assert AuditEntry.objects.get(disclosure=new).changes["状态"] == ["已公开", "草稿"]

    def test_one_correction_at_a_time(self, draft, users):
        old = published(draft, users)
        workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="第一次")
        refused(
            lambda: workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="第二次"), "已发起更正"
        )
        assert Disclosure.objects.filter(unit=old.unit, kind=old.kind).count() == 2

    def test_a_correction_of_a_correction_is_version_three(self, draft, users):
        old = published(draft, users)
        second = workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="一")
        submitted(second, users["filer"])
        workflow.disclosure_approve(disclosure=second, user=users["reviewer"])
        workflow.disclosure_publish(disclosure=second, user=users["reviewer"])
        third = workflow.disclosure_correct(disclosure=second, user=users["reviewer"], note="二")
        assert (third.version, third.supersedes_id) == (3, second.pk)

    @pytest.mark.parametrize("note", ["", "  "])
    def test_a_note_is_required(self, draft, users, note):
        old = published(draft, users)
        refused(lambda: workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note=note), "更正说明")
        assert not Disclosure.objects.filter(supersedes=old).exists()

    @pytest.mark.parametrize("who", ["filer", "outsider"])
    def test_only_reviewers_and_admins_correct(self, draft, users, who):
        old = published(draft, users)
        refused(
            lambda: workflow.disclosure_correct(disclosure=old, user=users[who], note="x"), "审核人或管理员可以发起更正"
        )

    @pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED])
    def test_only_published_versions_are_corrected(self, draft, users, status):
        refused(
            lambda: workflow.disclosure_correct(disclosure=set_status(draft, status), user=users["admin"], note="x"),
            "不能发起更正",
        )

    def test_export_lists_both_versions(self, draft, users):
        old = published(draft, users)
        new = workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="更正")
        exported = [(d["id"], d["version"], d["status"]) for d in export_json(include_standalone=False)["disclosures"]]
        assert (old.pk, 1, "published") in exported and (new.pk, 2, "draft") in exported


@pytest.mark.usefixtures("clean")
class TestCommentAdd:
    @pytest.mark.parametrize("who", ["filer", "reviewer"])
    def test_filer_and_reviewer_comment_on_a_table_row(self, draft, users, who):
        comment = workflow.comment_add(
            disclosure=draft, user=users[who], body="请核对", table="final_01", row_code="201"
        )
        assert (comment.author, comment.table, comment.row_code, comment.revision) == (
            users[who],
            "final_01",
            "201",
            draft.revision,
        )
        assert AuditEntry.objects.filter(disclosure=draft, model="reviewcomment").count() == 1

    def test_comment_on_a_performance_indicator(self, import_seed, users):
        budget = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
        form = TargetForm.objects.filter(disclosure=budget).first()
        comment = workflow.comment_add(
            disclosure=budget, user=users["reviewer"], body="指标值过低", form=form, indicator="培训人次"
        )
        assert (comment.form, comment.indicator) == (form, "培训人次")

    def test_a_form_of_another_disclosure_is_refused(self, draft, import_seed, users):
        budget = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
        form = TargetForm.objects.filter(disclosure=budget).first()
        refused(
            lambda: workflow.comment_add(disclosure=draft, user=users["reviewer"], body="x", form=form), "不属于本公开"
        )

    def test_empty_comments_and_outsiders_are_refused(self, draft, users):
        refused(lambda: workflow.comment_add(disclosure=draft, user=users["reviewer"], body="  "), "意见不能为空")
        refused(lambda: workflow.comment_add(disclosure=draft, user=users["outsider"], body="x"), "审核人或填报人")
        refused(lambda: workflow.comment_add(disclosure=draft, user=users["admin"], body="x"), "审核人或填报人")
        assert not ReviewComment.objects.exists()


class TestLocking:
    @pytest.mark.usefixtures("clean")
    def test_every_service_locks_the_disclosure_row(self, draft, users):
        if not connection.features.has_select_for_update:
            pytest.skip("select_for_update is a no-op on SQLite; run with DATABASE_URL=postgres://…")
        with CaptureQueriesContext(connection) as queries:
            submitted(draft, users["filer"])
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        assert locks and '"disclosures_disclosure"' in locks[0]


# ---------------------------------------------------------------- with the real checks


class FakeLocation:
    def __init__(self, **values):
        for name in ("table", "table_label", "row_code", "column", "form_name", "indicator", "section"):
            setattr(self, name, values.get(name, ""))
        self.form_id = values.get("form_id")
        self.source_line = values.get("source_line")


class FakeFinding:
    def __init__(self, rule, severity="warning", **location):
        self.rule, self.severity, self.message = rule, severity, "说明"
        self.location = FakeLocation(**location)


class TestLocationKey:
    def test_the_same_place_gives_the_same_key(self):
        a = FakeFinding("R1", table="final_01", row_code="201", column="3")
        b = FakeFinding("R1", table="final_01", row_code="201", column="3", table_label="公开01表", source_line=12)
        assert workflow.location_key(a) == workflow.location_key(b)

    @pytest.mark.parametrize(
        "change",
        [
            {"rule": "R2"},
            {"table": "final_02"},
            {"row_code": "202"},
            {"column": "4"},
            {"form_id": 7},
            {"indicator": "x"},
            {"section": "五、"},
        ],
    )
    def test_each_part_of_the_place_counts(self, change):
        base = {"rule": "R1", "table": "final_01", "row_code": "201", "column": "3"}
        changed = {**base, **change}
        assert workflow.location_key(FakeFinding(**base)) != workflow.location_key(FakeFinding(**changed))

    def test_the_key_is_the_checks_own_location_key(self):
        from disclosures.checks import Finding, Location

        finding = Finding("F04-hierarchy", "error", "x", Location(table="final_03", row_code="201", column="合计"))
        assert workflow.location_key(finding) == finding.location_key == "F04-hierarchy|final_03|201|合计|||"

    @pytest.mark.parametrize(
        ("location", "label"),
        [
            (
                {"table": "final_03", "table_label": "公开03表", "row_code": "201", "column": "基本支出"},
                "公开03表 行 201 列 基本支出",
            ),
            (
                {"section": "（四）预算绩效情况说明", "row_code": "自评个数", "column": "个"},
                "（四）预算绩效情况说明 “自评个数”",
            ),
            (
                {"form_id": 3, "form_name": "培训", "indicator": "培训人次", "column": "年度指标值"},
                "绩效目标表“培训” 指标“培训人次” 年度指标值",
            ),
            ({}, "全文"),
        ],
    )
    def test_the_place_in_words(self, location, label):
        assert workflow.location_label(FakeFinding("R1", **location)) == label

    def test_long_keys_fit_the_column_and_stay_distinct(self):
        a, b = FakeFinding("R1", indicator="长" * 300), FakeFinding("R1", indicator="长" * 299 + "短")
        assert len(workflow.location_key(a)) <= 255
        assert workflow.location_key(a) != workflow.location_key(b)
        assert workflow.location_key(a) == workflow.location_key(FakeFinding("R1", indicator="长" * 300))


# ---------------------------------------------------------------- the gates, with the real checks


@pytest.fixture
def clean_budget(db):
    """tests/factories.py: a budget whose figures all agree — the checks find nothing."""
    from tests.factories import make_clean_budget

    return make_clean_budget()


@pytest.fixture
def staff(django_user_model, clean_budget):
    department = clean_budget.unit.department
    return {
        "filer": make_user(django_user_model, "filer", department, FILER),
        "reviewer": make_user(django_user_model, "reviewer", department, REVIEWER),
    }


def break_operating_cost(disclosure):
    """表十一机关运行经费 no longer equals 表六公用经费: an error (B12-operating-cost)."""
    OperatingCost.objects.filter(disclosure=disclosure).update(amount=F("amount") + Decimal("100000"))


def leave_out_responsible(disclosure):
    """A target form without 负责人: a warning (Q10-header)."""
    TargetForm.objects.filter(disclosure=disclosure, order=1).update(responsible="")


def only(findings, rule):
    return next(f for f in findings if f.rule == rule)


def decide(disclosure, user, finding, decision, reason="理由"):
    return workflow.finding_decide(
        disclosure=disclosure,
        user=user,
        rule=finding.rule,
        location_key=workflow.location_key(finding),
        decision=decision,
        reason=reason,
    )


class TestFindingsGate:
    def test_the_clean_factory_has_no_findings(self, clean_budget):
        assert workflow.run_findings(clean_budget) == []

    def test_submission_is_refused_while_an_error_remains_and_names_it(self, clean_budget, staff):
        break_operating_cost(clean_budget)
        text = refused(lambda: submitted(clean_budget, staff["filer"]), "项错误，改正后才能提交审核")
        assert "[B12-operating-cost] 表十一机关运行经费130.00万元，表六公用经费120.00万元" in text
        assert refresh(clean_budget).status == Status.DRAFT
        assert not ReviewEvent.objects.filter(disclosure=clean_budget).exists()

    def test_an_imported_seed_with_a_corrupted_fact_cannot_be_submitted(self, draft, users):
        OperatingCost.objects.filter(disclosure=draft).update(amount=F("amount") + Decimal("1000000"))
        text = refused(lambda: submitted(draft, users["filer"]), "改正后才能提交审核")
        assert "[F14-operating-cost] 公开10表" in text

    def test_submission_goes_through_once_the_error_is_fixed(self, clean_budget, staff):
        break_operating_cost(clean_budget)
        refused(lambda: submitted(clean_budget, staff["filer"]), "错误")
        OperatingCost.objects.filter(disclosure=clean_budget).update(amount=F("amount") - Decimal("100000"))
        assert submitted(clean_budget, staff["filer"]).status == Status.SUBMITTED

    def test_a_submission_takes_a_snapshot_for_the_next_round(self, clean_budget, staff):
        from disclosures.models import DisclosureSnapshot

        submitted(clean_budget, staff["filer"])
        snapshot = DisclosureSnapshot.objects.get(disclosure=clean_budget)
        assert snapshot.data["tables"] == disclosure_json(clean_budget)["tables"]

    def test_an_error_dismissed_as_a_false_positive_no_longer_blocks(self, clean_budget, staff):
        break_operating_cost(clean_budget)
        for finding in [f for f in workflow.run_findings(clean_budget) if f.severity == "error"]:
            decide(clean_budget, staff["reviewer"], finding, FindingDecision.Decision.DISMISSED, "原表如此，已核实")
        assert submitted(clean_budget, staff["filer"]).status == Status.SUBMITTED

    def test_approval_is_refused_while_a_warning_is_open(self, clean_budget, staff):
        leave_out_responsible(clean_budget)
        submitted(clean_budget, staff["filer"])
        text = refused(
            lambda: workflow.disclosure_approve(disclosure=clean_budget, user=staff["reviewer"]), "项警告未确认或驳回"
        )
        assert "[Q10-header]" in text and "未填写负责人" in text

    @pytest.mark.parametrize("decision", [FindingDecision.Decision.ACKNOWLEDGED, FindingDecision.Decision.DISMISSED])
    def test_an_acknowledged_or_dismissed_warning_lets_it_through(self, clean_budget, staff, decision):
        leave_out_responsible(clean_budget)
        submitted(clean_budget, staff["filer"])
        made = decide(
            clean_budget, staff["reviewer"], only(workflow.run_findings(clean_budget), "Q10-header"), decision
        )
        assert (made.user, made.decision, made.reason) == (staff["reviewer"], decision, "理由")
        entry = AuditEntry.objects.get(disclosure=clean_budget, model="findingdecision")
        assert entry.changes["数据修订号"] == [None, 0] and entry.object_id == str(made.pk)
        approved_ = workflow.disclosure_approve(disclosure=clean_budget, user=staff["reviewer"])
        assert approved_.status == Status.APPROVED

    def test_a_decision_holds_for_its_revision_only(self, clean_budget, staff):
        leave_out_responsible(clean_budget)
        warning = only(workflow.run_findings(clean_budget), "Q10-header")
        decide(clean_budget, staff["reviewer"], warning, FindingDecision.Decision.ACKNOWLEDGED)
        assert workflow.current_decisions(refresh(clean_budget))
        Disclosure.objects.filter(pk=clean_budget.pk).update(revision=F("revision") + 1)  # the filer edits the data
        assert workflow.current_decisions(refresh(clean_budget)) == {}
        submitted(clean_budget, staff["filer"])
        refused(lambda: workflow.disclosure_approve(disclosure=clean_budget, user=staff["reviewer"]), "Q10-header")

    def test_decisions_survive_a_rerun_of_the_checks(self, clean_budget, staff):
        leave_out_responsible(clean_budget)
        decide(clean_budget, staff["reviewer"], only(workflow.run_findings(clean_budget), "Q10-header"), "acknowledged")
        rerun = only(workflow.run_findings(clean_budget), "Q10-header")
        assert ("Q10-header", workflow.location_key(rerun)) in workflow.current_decisions(clean_budget)
        assert workflow.open_warnings(clean_budget) == []


class TestFindingDecide:
    def test_a_reason_is_required(self, clean_budget, staff):
        leave_out_responsible(clean_budget)
        warning = only(workflow.run_findings(clean_budget), "Q10-header")
        refused(lambda: decide(clean_budget, staff["reviewer"], warning, "acknowledged", reason=" "), "须填写理由")
        assert not FindingDecision.objects.exists()

    def test_only_reviewers_decide(self, clean_budget, staff):
        leave_out_responsible(clean_budget)
        warning = only(workflow.run_findings(clean_budget), "Q10-header")
        refused(lambda: decide(clean_budget, staff["filer"], warning, "acknowledged"), "只有本部门的审核人")

    def test_an_error_can_be_dismissed_but_not_just_acknowledged(self, clean_budget, staff):
        break_operating_cost(clean_budget)
        error = only(workflow.run_findings(clean_budget), "B12-operating-cost")
        refused(lambda: decide(clean_budget, staff["reviewer"], error, "acknowledged"), "错误不能仅作确认")
        assert decide(clean_budget, staff["reviewer"], error, "dismissed").decision == "dismissed"

    def test_a_finding_that_is_gone_or_a_bad_decision_is_refused(self, clean_budget, staff):
        ghost = FakeFinding("Q10-header", table="budget_99")
        refused(lambda: decide(clean_budget, staff["reviewer"], ghost, "acknowledged"), "该检查结果已不存在")
        leave_out_responsible(clean_budget)
        warning = only(workflow.run_findings(clean_budget), "Q10-header")
        refused(lambda: decide(clean_budget, staff["reviewer"], warning, "maybe"), "请选择")

    @pytest.mark.parametrize("status", [Status.APPROVED, Status.PUBLISHED])
    def test_no_decisions_after_approval(self, clean_budget, staff, status):
        leave_out_responsible(clean_budget)
        warning = only(workflow.run_findings(clean_budget), "Q10-header")
        refused(
            lambda: decide(set_status(clean_budget, status), staff["reviewer"], warning, "acknowledged"),
            "不能确认或驳回检查结果",
        )
