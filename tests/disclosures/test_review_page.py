"""The review page and its POST actions: department scope, what each role sees and may do, PRG with messages.

Most tests pin the findings to a fixed list (``findings``) so the page's grouping and forms are tested alone;
``TestQueryBudget`` runs the real checks on the largest seed.
"""

import re
from html import unescape

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from disclosures import workflow
from disclosures.checks import Finding, Location
from disclosures.models import (
    AuditEntry,
    Department,
    DepartmentRole,
    Disclosure,
    FindingDecision,
    ReviewComment,
    ReviewEvent,
)
from performance.models import SelfEvaluation, TargetForm
from tests.factories import make_department, make_staff

Status = Disclosure.Status
FILER, REVIEWER = DepartmentRole.Role.FILER, DepartmentRole.Role.REVIEWER
PASSWORD = "x-strong-pass-1"
GET_URLS = ["review", "review_pdf"]
ACTIONS = ["submit", "return", "approve", "publish", "correct", "decide", "comment"]
# Review page budget. Measured: 59 queries on 001 (13 tables, 33 target forms, 135 findings) and the same 59 on
# 003 (公开01–10, 23 self-evaluations): the count does not grow with rows, forms or findings. It is made of the
# document (~25: facts, catalogue, sections, forms, evaluations, previous year for the narrative), the checks
# (~21: they fetch their own context), roles (4), events, comments, decisions and their revisions, audit,
# version links, session and user. The budget leaves a little room.
QUERY_BUDGET = 70


def page_text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def url(name: str, disclosure) -> str:
    return reverse(f"disclosures:{name}", args=[disclosure.pk])


def action_url(action: str, disclosure) -> str:
    return url(f"review_{action}", disclosure)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def draft(import_seed):
    """003: 晋城市应急管理局 2023 决算, a draft."""
    return Disclosure.objects.get(pk=import_seed("003").disclosure_id)


@pytest.fixture
def users(draft):
    department = draft.unit.department
    other = make_department(code="309", name="门源县应急管理局", region="门源县")

    def make(name, *roles, dept=department, **extra):
        return make_staff(name, *roles, department=dept, password=PASSWORD, **extra)

    return {
        "filer": make("filer", FILER),
        "reviewer": make("reviewer", REVIEWER),
        "reviewer2": make("reviewer2", REVIEWER),
        "both": make("both", FILER, REVIEWER),
        "outsider": make("outsider", FILER, REVIEWER, dept=other),
        "not_staff": make("not_staff", FILER, REVIEWER, is_staff=False),
        "admin": make("admin", is_superuser=True),
    }


def login(client, user) -> Client:
    client.force_login(user)
    return client


FIXED = [
    Finding(
        "F04-hierarchy",
        "error",
        "公开03表“201 一般公共服务支出”类行印为10.00万元，其下级合计为12.00万元",
        Location(table="final_03", table_label="公开03表", row_code="201", column="基本支出"),
        expected="12.00",
        actual="10.00",
        fix_url="/admin/disclosures/functionline/1/change/",
    ),
    Finding(
        "F10-economic-subtotal",
        "warning",
        "公开06表“人员经费合计”尾差0.01万元",
        Location(table="final_06", table_label="公开06表", row_code="合计", column="人员经费"),
        expected="5.00",
        actual="5.01",
        fix_url="/admin/disclosures/economicline/2/change/",
    ),
    Finding("F16-narrative", "info", "情况说明未提到车辆数", Location(section="五、国有资产占有使用情况")),
]


@pytest.fixture
def findings(monkeypatch):
    """Fixed findings: one error, one warning, one info (the list can be changed by a test)."""
    current = list(FIXED)
    monkeypatch.setattr(workflow, "run_findings", lambda disclosure: list(current))
    return current


@pytest.fixture
def no_findings(findings):
    findings.clear()
    return findings


def set_status(disclosure, status, **fields):
    Disclosure.objects.filter(pk=disclosure.pk).update(status=status, **fields)
    return Disclosure.objects.get(pk=disclosure.pk)


# ---------------------------------------------------------------- scope


class TestScope:
    def every_review_url(self, client, disclosure) -> list[tuple[str, int]]:
        codes = [(name, client.get(url(name, disclosure)).status_code) for name in GET_URLS]
        codes += [(f"POST {a}", client.post(action_url(a, disclosure), {"comment": "x"}).status_code) for a in ACTIONS]
        codes += [(f"GET {a}", client.get(action_url(a, disclosure)).status_code) for a in ACTIONS]
        return codes

    def test_anonymous_gets_404_on_every_review_url(self, client, draft, no_findings):
        assert {code for _, code in self.every_review_url(client, draft)} == {404}
        assert client.get(reverse("disclosures:review_dashboard")).status_code == 404

    @pytest.mark.parametrize("who", ["outsider", "not_staff"])
    def test_other_departments_and_non_staff_get_404_and_change_nothing(self, client, draft, users, who, no_findings):
        draft = set_status(draft, Status.SUBMITTED, submitted_by=users["filer"])
        login(client, users[who])
        assert {code for _, code in self.every_review_url(client, draft)} == {404}
        assert Disclosure.objects.get(pk=draft.pk).status == Status.SUBMITTED
        assert not ReviewComment.objects.exists() and not FindingDecision.objects.exists()
        assert not ReviewEvent.objects.exclude(action=ReviewEvent.Action.IMPORT).exists()

    def test_other_departments_see_published_versions_only_on_the_public_page(self, client, draft, users, no_findings):
        published = set_status(draft, Status.APPROVED)
        workflow.disclosure_publish(disclosure=published, user=users["reviewer"])
        login(client, users["outsider"])
        assert client.get(url("detail", draft)).status_code == 200
        assert client.get(url("review", draft)).status_code == 404

    def test_actions_answer_405_to_get_from_the_department(self, client, draft, users, no_findings):
        login(client, users["reviewer"])
        assert {client.get(action_url(a, draft)).status_code for a in ACTIONS} == {405}

    def test_actions_need_the_csrf_token(self, draft, users, no_findings):
        client = login(Client(enforce_csrf_checks=True), users["filer"])
        assert client.post(action_url("submit", draft)).status_code == 403
        assert Disclosure.objects.get(pk=draft.pk).status == Status.DRAFT
        page = client.get(url("review", draft)).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        assert client.post(action_url("submit", draft), {"csrfmiddlewaretoken": token}).status_code == 302
        assert Disclosure.objects.get(pk=draft.pk).status == Status.SUBMITTED


def disclosure_urls():
    """Every URL pattern of the site that takes a disclosure (or a form of one) by ``pk``, with its route."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                namespace = f"{p.namespace}:" if p.namespace else ""
                yield from (
                    (f"{namespace}{name}", route) for name, route in walk(p.url_patterns, prefix + str(p.pattern))
                )
            elif isinstance(p, URLPattern) and p.name and "pk" in p.pattern.regex.groupindex:
                yield p.name, prefix + str(p.pattern)

    for name, route in walk(get_resolver().url_patterns):
        if name.startswith("admin:"):
            continue
        if "disclosures/" in route or "forms/" in route:
            yield name, route


class TestUnpublishedIsNotFound:
    def test_every_disclosure_url_of_an_unpublished_version_is_404(self, client, import_seed, users):
        budget = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
        form = TargetForm.objects.filter(disclosure=budget).first()
        extra = {"fmt": "csv", "key": "budget_01"}
        checked = []
        for name, route in disclosure_urls():
            pk = form.pk if "forms/" in route else budget.pk
            kwargs = {"pk": pk}
            for group in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route):
                key = next(g for g in group if g)
                if key != "pk":
                    kwargs[key] = extra[key]
            checked.append((name, reverse(name, kwargs=kwargs)))
        assert len(checked) >= 4, checked
        outsider = login(Client(), users["outsider"])
        for status in (Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.APPROVED):
            set_status(budget, status)
            for name, address in checked:
                assert client.get(address).status_code == 404, (status, name, address, "anonymous")
                assert outsider.get(address).status_code == 404, (status, name, address, "other department")


# ---------------------------------------------------------------- the page


class TestReviewPage:
    def test_the_document_and_the_findings_panel(self, client, draft, users, findings):
        response = login(client, users["reviewer"]).get(url("review", draft))
        assert response.status_code == 200
        html = response.content.decode()
        assert html.index('class="review-panel"') < html.index('class="review-document"')
        text = page_text(response)
        assert "仅供内部审核" in text and "公开01表" in text  # the watermarked review version
        assert "错误 1" in text and "警告 1" in text and "提示 1" in text
        assert text.index("错误（1）") < text.index("警告（1）") < text.index("提示（1）")
        assert "F04-hierarchy" in text and "公开03表 行 201 列 基本支出" in text
        assert "应为 12.00" in text and "实为 10.00" in text
        assert "五、国有资产占有使用情况" in text

    def test_fix_links_only_for_those_who_can_edit(self, client, draft, users, findings):
        assert (
            "/admin/disclosures/functionline/1/change/"
            in login(client, users["filer"]).get(url("review", draft)).content.decode()
        )
        assert "去修改" not in page_text(login(client, users["reviewer"]).get(url("review", draft)))
        submitted = set_status(draft, Status.SUBMITTED)
        assert "去修改" not in page_text(login(client, users["filer"]).get(url("review", submitted)))

    def test_decision_forms_only_for_reviewers(self, client, draft, users, findings):
        reviewer_html = login(client, users["reviewer"]).get(url("review", draft)).content.decode()
        assert reviewer_html.count(f'action="{action_url("decide", draft)}"') == 3
        assert 'value="acknowledged"' in reviewer_html  # for the warning and the info, not the error
        assert reviewer_html.count('value="acknowledged"') == 2
        filer_html = login(client, users["filer"]).get(url("review", draft)).content.decode()
        assert action_url("decide", draft) not in filer_html

    @pytest.mark.parametrize(
        ("who", "status", "shown", "hidden"),
        [
            ("filer", Status.DRAFT, ["提交审核"], ["退回修改", "审核通过", "公开", "发起更正"]),
            ("filer", Status.RETURNED, ["提交审核"], ["审核通过"]),
            ("reviewer", Status.DRAFT, [], ["提交审核", "退回修改", "审核通过"]),
            ("reviewer", Status.SUBMITTED, ["退回修改", "审核通过"], ["提交审核", "发起更正"]),
            ("filer", Status.SUBMITTED, [], ["退回修改", "审核通过", "提交审核"]),
            ("reviewer", Status.APPROVED, ["公开"], ["审核通过", "发起更正"]),
            ("admin", Status.APPROVED, ["公开"], ["审核通过", "提交审核"]),
            ("reviewer", Status.PUBLISHED, ["发起更正"], ["公开", "提交审核"]),
            ("filer", Status.PUBLISHED, [], ["发起更正", "提交审核"]),
        ],
    )
    def test_action_buttons_by_role_and_state(self, client, draft, users, no_findings, who, status, shown, hidden):
        disclosure = set_status(draft, status)
        html = login(client, users[who]).get(url("review", disclosure)).content.decode()
        buttons = re.findall(
            r'<button type="submit" class="button[^"]*" name="action" value="\w+">([^<]+)</button>', html
        )
        assert set(shown) <= set(buttons), buttons
        assert not set(hidden) & set(buttons), buttons

    def test_the_submitter_sees_why_they_cannot_approve(self, client, draft, users, no_findings):
        disclosure = set_status(draft, Status.SUBMITTED, submitted_by=users["both"])
        html = login(client, users["both"]).get(url("review", disclosure)).content.decode()
        assert "职责分离" in html
        assert 'value="approve"' not in html and 'value="return"' in html

    def test_history_comments_and_audit_are_listed(self, client, draft, users, no_findings):
        workflow.disclosure_submit(disclosure=draft, user=users["filer"])
        workflow.disclosure_return(disclosure=draft, user=users["reviewer"], comment="请核对公开03表")
        workflow.comment_add(
            disclosure=draft, user=users["reviewer"], body="这一行不对", table="final_03", row_code="201"
        )
        text = page_text(login(client, users["filer"]).get(url("review", draft)))
        assert "退回意见" in text and "请核对公开03表" in text
        assert "提交审核 · filer" in text and "退回修改 · reviewer" in text
        assert "已提交 → 退回修改" in text
        assert re.search(r"reviewer · [\d-]+ [\d:]+ · 修订0 · 公开03表 [^·]+ · 行 201 这一行不对", text), text
        assert "状态流转" in text and "状态：已提交 → 退回修改" in text

    def test_no_inline_script_or_style(self, client, draft, users, findings):
        response = login(client, users["reviewer"]).get(url("review", draft))
        html = response.content.decode()
        assert "<script" not in html and " style=" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "css/review.css" in html


class TestQueryBudget:
    def test_review_page_queries_are_bounded(self, client, import_seed, users, django_assert_max_num_queries):
        budget = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
        assert budget.unit.department_id == Department.objects.get(roles__user=users["reviewer"]).pk  # 001 and 003
        login(client, users["reviewer"])
        for finding in workflow.run_findings(budget)[:5]:
            workflow.finding_decide(
                disclosure=budget,
                user=users["reviewer"],
                rule=finding.rule,
                location_key=workflow.location_key(finding),
                decision=FindingDecision.Decision.DISMISSED,
                reason="测试",
            )
        workflow.comment_add(disclosure=budget, user=users["reviewer"], body="意见", table="budget_01")
        with django_assert_max_num_queries(QUERY_BUDGET):
            response = client.get(url("review", budget))
        assert response.status_code == 200

    def test_dashboard_queries_grow_with_the_disclosures_not_with_their_rows(
        self, client, draft, users, django_assert_max_num_queries
    ):
        login(client, users["reviewer"])
        with django_assert_max_num_queries(40):  # ~21 per disclosure for the checks, plus session, user, roles
            assert client.get(reverse("disclosures:review_dashboard")).status_code == 200


# ---------------------------------------------------------------- actions over HTTP


class TestActions:
    def follow(self, client, action, disclosure, data=None):
        response = client.post(action_url(action, disclosure), data or {})
        assert response.status_code == 302
        return response, client.get(response["Location"])

    def test_the_whole_round_over_http_with_messages(self, client, draft, users, no_findings):
        review = url("review", draft)
        response, page = self.follow(login(client, users["filer"]), "submit", draft)
        assert response["Location"] == review and "已提交审核" in page_text(page)
        _, page = self.follow(login(client, users["reviewer"]), "return", draft, {"comment": "表三要改"})
        assert "已退回修改" in page_text(page)
        page = login(client, users["filer"]).get(review)
        assert "表三要改" in page_text(page)
        self.follow(client, "submit", draft)
        _, page = self.follow(login(client, users["reviewer"]), "approve", draft)
        assert "已审核通过" in page_text(page)
        _, page = self.follow(client, "publish", draft)
        assert "已公开" in page_text(page)
        assert Client().get(url("detail", draft)).status_code == 200

    def test_a_refused_action_redirects_back_with_the_reason(self, client, draft, users, no_findings):
        draft = set_status(draft, Status.SUBMITTED, submitted_by=users["filer"])
        _, page = self.follow(login(client, users["reviewer"]), "return", draft, {"comment": " "})
        text = page_text(page)
        assert "退回修改须填写退回意见" in text and 'class="message message-error"' in page.content.decode()
        assert Disclosure.objects.get(pk=draft.pk).status == Status.SUBMITTED

    def test_a_refusal_by_the_database_is_a_message_not_a_500(self, client, draft, users, no_findings, monkeypatch):
        def refused_by_trigger(**kwargs):
            raise IntegrityError("已公开的版本不可修改：更正请发起新版本")

        monkeypatch.setattr(workflow, "disclosure_publish", refused_by_trigger)
        draft = set_status(draft, Status.APPROVED)
        _, page = self.follow(login(client, users["reviewer"]), "publish", draft)
        assert "已公开的版本不可修改" in page_text(page)

    def test_the_filer_cannot_approve_over_http(self, client, draft, users, no_findings):
        draft = set_status(draft, Status.SUBMITTED, submitted_by=users["both"])
        _, page = self.follow(login(client, users["filer"]), "approve", draft)
        assert "只有本部门的审核人可以审核通过" in page_text(page)

    def test_submission_refused_while_errors_lists_them(self, client, draft, users, findings):
        _, page = self.follow(login(client, users["filer"]), "submit", draft)
        text = page_text(page)
        assert "还有1项错误" in text and "F04-hierarchy" in text
        assert Disclosure.objects.get(pk=draft.pk).status == Status.DRAFT

    def test_decide_and_approve(self, client, draft, users, findings):
        findings.pop(0)  # no error
        draft = set_status(draft, Status.SUBMITTED, submitted_by=users["filer"])
        login(client, users["reviewer"])
        _, page = self.follow(client, "approve", draft)
        assert "1项警告未确认或驳回" in page_text(page) and "F10-economic-subtotal" in page_text(page)
        warning = findings[0]
        _, page = self.follow(
            client,
            "decide",
            draft,
            {
                "rule": warning.rule,
                "location_key": workflow.location_key(warning),
                "decision": "acknowledged",
                "reason": "尾差，原表如此",
            },
        )
        text = page_text(page)
        assert "已记录判定" in text and "已确认：尾差，原表如此（reviewer" in text
        _, page = self.follow(client, "approve", draft)
        assert "已审核通过" in page_text(page)

    def test_decide_needs_a_reason(self, client, draft, users, findings):
        warning = findings[1]
        login(client, users["reviewer"])
        data = {"rule": warning.rule, "location_key": workflow.location_key(warning), "decision": "dismissed"}
        _, page = self.follow(client, "decide", draft, data)
        assert "须填写理由" in page_text(page) and not FindingDecision.objects.exists()

    def test_comment_on_an_indicator(self, client, import_seed, users, no_findings):
        budget = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
        form = TargetForm.objects.filter(disclosure=budget).order_by("order").first()
        login(client, users["filer"])
        data = {"body": "满意度指标值过低", "form": str(form.pk), "indicator": "群众满意度", "table": ""}
        _, page = self.follow(client, "comment", budget, data)
        comment = ReviewComment.objects.get()
        assert (comment.form, comment.indicator, comment.author) == (form, "群众满意度", users["filer"])
        assert f"绩效目标表“{form.project_name}” · 指标“群众满意度”" in page_text(page)
        _, page = self.follow(client, "comment", budget, {"body": "x", "form": "999999"})
        assert "不属于本公开" in page_text(page)

    def test_comment_from_a_finding_on_a_self_evaluation(self, client, draft, users, findings):
        evaluation = SelfEvaluation.objects.filter(disclosure=draft).order_by("order").first()
        findings[:] = [
            Finding(
                "S02-grade",
                "warning",
                "等级为空",
                Location(column="等级", form_id=evaluation.pk, form_name=evaluation.project_name, source_line=640),
            )
        ]
        html = login(client, users["reviewer"]).get(url("review", draft)).content.decode()
        form = html[html.index('<details class="comment-here">') :]
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[: form.index("</form>")]))
        assert fields["form"] == ""  # a self-evaluation is not a target form: named in the row instead
        _, page = self.follow(client, "comment", draft, {**fields, "body": "请补等级"})
        comment = ReviewComment.objects.get()
        assert (comment.form, comment.row_code, comment.body) == (None, evaluation.project_name[:64], "请补等级")

    def test_correct_redirects_to_the_new_version(self, client, draft, users, no_findings):
        draft = set_status(draft, Status.APPROVED)
        workflow.disclosure_publish(disclosure=draft, user=users["reviewer"])
        login(client, users["reviewer"])
        response, page = self.follow(client, "correct", draft, {"note": "公开05表一处金额更正"})
        new = Disclosure.objects.get(supersedes=draft)
        assert response["Location"] == url("review", new)
        text = page_text(page)
        assert "已发起更正：第2版为草稿" in text and "公开05表一处金额更正" in text
        assert AuditEntry.objects.filter(disclosure=new, action=AuditEntry.Action.TRANSITION).exists()


# ---------------------------------------------------------------- dashboard


class TestDashboard:
    def test_lists_the_departments_disclosures_with_finding_counts(self, client, draft, users, findings):
        response = login(client, users["filer"]).get(reverse("disclosures:review_dashboard"))
        text = page_text(response)
        assert "晋城市应急管理局" in text and "草稿" in text and "第1版" in text
        assert re.search(r"草稿 1 1 1 填报人（可修改）", text), text

    def test_other_departments_see_an_empty_list(self, client, draft, users, no_findings):
        text = page_text(login(client, users["outsider"]).get(reverse("disclosures:review_dashboard")))
        assert "晋城市应急管理局" not in text and "暂无您可以审核或填报的公开" in text


# ---------------------------------------------------------------- public versions


class TestPublicVersions:
    def test_superseded_and_correction_link_each_other(self, client, draft, users, no_findings):
        old = set_status(draft, Status.APPROVED)
        workflow.disclosure_publish(disclosure=old, user=users["reviewer"])
        new = workflow.disclosure_correct(disclosure=old, user=users["reviewer"], note="公开05表金额更正")
        old_text = page_text(client.get(url("detail", old)))
        assert "已被更正" not in old_text  # the correction is not public yet
        assert client.get(url("detail", new)).status_code == 404
        workflow.disclosure_submit(disclosure=new, user=users["filer"])
        workflow.disclosure_approve(disclosure=new, user=users["reviewer"])
        workflow.disclosure_publish(disclosure=new, user=users["reviewer2"])

        old_page, new_page = client.get(url("detail", old)), client.get(url("detail", new))
        assert old_page.status_code == new_page.status_code == 200
        old_text, new_text = page_text(old_page), page_text(new_page)
        assert "本版本（第1版）已被更正" in old_text and "公开05表金额更正" in old_text
        assert f'href="{url("detail", new)}"' in old_page.content.decode()
        assert "更正版（第2版）" in new_text and "更正说明：公开05表金额更正" in new_text
        assert f'href="{url("detail", old)}"' in new_page.content.decode()
