"""编辑情况说明 (disclosures/narrative_views.py): who may open it, what saving stores and records, what is refused.

The disclosures are the real seed imports (tests/conftest.py): 003 (晋城 2023 决算, 19 items, a draft), 001 (晋城
2026 预算) and 002 (大同 2023 预算, two items worded differently from the generated headings).
"""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disclosures import workflow
from disclosures.audit import LOCKED_MESSAGE
from disclosures.documents import build_document
from disclosures.models import AuditEntry, DepartmentRole, Disclosure, Section
from disclosures.narrative import FILL, generate_narrative
from disclosures.narrative_views import edit_rows
from tests.disclosures.test_admin import form_data
from tests.factories import make_department, make_staff

Status = Disclosure.Status
NARRATIVE = Section.Part.NARRATIVE
FILER, REVIEWER = DepartmentRole.Role.FILER, DepartmentRole.Role.REVIEWER
# Measured: 19 queries on 001 (16 items, 33 target forms), before and after edits: session and user, roles (3), the
# disclosure, its narrative sections with their editors (1), the previous-year lookup and the facts generate_narrative
# reads (~12, one per fact table). A stored previous year adds its facts (~10); nothing grows with items or edits.
QUERY_BUDGET = 30


def page_text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def url(disclosure) -> str:
    return reverse("disclosures:narrative_edit", args=[disclosure.pk])


def fresh(disclosure) -> Disclosure:
    return Disclosure.objects.get(pk=disclosure.pk)


def narrative(disclosure, start: str) -> Section:
    return Section.objects.get(disclosure=disclosure, part=NARRATIVE, heading__startswith=start)


def post(client, disclosure, *, section=None, key="", body="", action="save", revision=None):
    return client.post(
        url(disclosure),
        {
            "revision": fresh(disclosure).revision if revision is None else revision,
            "section": section.pk if section is not None else "",
            "key": key,
            "body": body,
            "action": action,
        },
    )


def changed_income(section: Section) -> str:
    """The 收入决算 text with its first amount changed to 9,999.99 (and browser line ends)."""
    return re.sub(r"[\d,]+\.\d{2}(?=万元)", "9,999.99", section.body, count=1).replace("\n", "\r\n")


def snapshot(disclosure) -> tuple:
    """What a refused request must leave alone."""
    rows = Section.objects.filter(disclosure=disclosure).order_by("order")
    return (
        fresh(disclosure).revision,
        [(s.pk, s.order, s.heading, s.body, s.edited_by_id) for s in rows],
        AuditEntry.objects.filter(model="section").count(),
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_findings(monkeypatch):
    """The review page without the checks (not under test here)."""
    monkeypatch.setattr(workflow, "run_findings", lambda disclosure: [])


@pytest.fixture
def draft(import_seed):
    return Disclosure.objects.get(pk=import_seed("003").disclosure_id)


@pytest.fixture
def users(draft):
    department = draft.unit.department
    other = make_department(code="309", name="门源县应急管理局", region="门源县")

    def make(name, *roles, dept=department, **extra):
        return make_staff(name, *roles, department=dept, **extra)

    return {
        "filer": make("filer", FILER),
        "filer2": make("filer2", FILER),
        "reviewer": make("reviewer", REVIEWER),
        "outsider": make("outsider", FILER, REVIEWER, dept=other),
        "not_staff": make("not_staff", FILER, is_staff=False),
    }


def login(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def set_status(disclosure, status) -> Disclosure:
    Disclosure.objects.filter(pk=disclosure.pk).update(status=status)
    return fresh(disclosure)


# ---------------------------------------------------------------- access


class TestAccess:
    @pytest.mark.parametrize("who", [None, "outsider", "not_staff"])
    def test_anonymous_other_departments_and_non_staff_get_404(self, client, draft, users, who):
        if who:
            client.force_login(users[who])
        before = snapshot(draft)
        income = narrative(draft, "二、")
        assert client.get(url(draft)).status_code == 404
        assert post(client, draft, section=income, body="改").status_code == 404
        assert snapshot(draft) == before

    def test_a_reviewer_without_the_filer_role_gets_403(self, draft, users):
        client = login(users["reviewer"])
        before = snapshot(draft)
        response = client.get(url(draft))
        assert response.status_code == 403
        assert "只有本部门的填报人可以修改情况说明" in page_text(response)
        assert post(client, draft, section=narrative(draft, "二、"), body="改").status_code == 403
        assert snapshot(draft) == before

    def test_the_review_page_links_here_for_those_who_can_edit(self, draft, users, no_findings):
        link = f'href="{url(draft)}"'
        review = reverse("disclosures:review", args=[draft.pk])
        assert link in login(users["filer"]).get(review).content.decode()
        assert link not in login(users["reviewer"]).get(review).content.decode()
        set_status(draft, Status.SUBMITTED)
        assert link not in login(users["filer"]).get(review).content.decode()

    def test_saving_needs_the_csrf_token(self, draft, users):
        client = login(users["filer"], enforce_csrf_checks=True)
        income = narrative(draft, "二、")
        assert post(client, draft, section=income, body="改").status_code == 403
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url(draft)).content.decode())
        response = client.post(
            url(draft), {"csrfmiddlewaretoken": token.group(1), "revision": 0, "section": income.pk, "body": "改"}
        )
        assert response.status_code == 302
        assert narrative(draft, "二、").body == "改"


# ---------------------------------------------------------------- the page


class TestPage:
    def test_generated_and_current_text_side_by_side_with_the_differing_numbers(self, draft, users):
        response = login(users["filer"]).get(url(draft))
        assert response.status_code == 200
        html, text = response.content.decode(), page_text(response)
        assert html.count('name="body"') == 19 and html.count('name="revision" value="0"') == 19
        # 一: the seed states last year's change, which the data cannot give (no 2022 disclosure)
        assert "一、收入支出决算总体情况说明 原文导入 2个数字不一致" in text
        assert '<mark class="differs">543.16</mark>' in html
        assert "与数据生成文本不一致的数字： 543.16、18.44" in text
        assert "按数据生成" in text and "当前文本（原文导入）" in text
        assert "<script" not in html and " style=" not in html

    def test_a_submitted_version_is_read_only(self, draft, users):
        draft = set_status(draft, Status.SUBMITTED)
        response = login(users["filer"]).get(url(draft))
        assert response.status_code == 200
        assert "当前状态为“已提交”，不能修改情况说明（只有“草稿”、“退回修改”状态可以）" in page_text(response)
        assert 'name="body"' not in response.content.decode()

    def test_page_queries_are_bounded(self, import_seed, users, django_assert_max_num_queries):
        budget = Disclosure.objects.get(pk=import_seed("001").disclosure_id)
        client = login(users["filer"])
        with CaptureQueriesContext(connection) as before, django_assert_max_num_queries(QUERY_BUDGET):
            assert client.get(url(budget)).status_code == 200
        for start in ("一、", "二、", "三、"):
            section = narrative(budget, start)
            assert post(client, budget, section=section, body=section.body + "补充。").status_code == 302
        client.get(url(budget))  # the messages
        with CaptureQueriesContext(connection) as after:
            assert client.get(url(budget)).status_code == 200
        assert len(after) == len(before), (len(before), len(after))


# ---------------------------------------------------------------- saving


class TestSave:
    def test_an_edit_is_stored_and_the_review_version_shows_it_as_edited(self, draft, users, no_findings):
        client = login(users["filer"])
        income = narrative(draft, "二、")
        start = timezone.now()
        response = post(client, draft, section=income, body=changed_income(income))
        assert response.status_code == 302
        assert response["Location"] == f"{url(draft)}#item-final-income"
        income.refresh_from_db()
        assert income.body.startswith("2023年度收入合计9,999.99万元，其中：\n财政拨款收入")
        assert "\r" not in income.body
        assert income.edited_by == users["filer"] and income.edited_at >= start
        assert fresh(draft).revision == 1

        page = client.get(url(draft))
        assert "已保存“二、收入决算情况说明”" in page_text(page)
        assert "中有数字与按数据生成的文本不一致：9,999.99（审核版将标出）" in page_text(page)  # as the text writes it
        assert '<mark class="differs">9,999.99</mark>' in page.content.decode()
        assert '<mark class="expected">3,220.75</mark>' in page.content.decode()  # what the data gives
        assert "当前文本（filer 修改于" in page_text(page)

        block = next(b for b in build_document(draft, review=True).narrative if b.heading.startswith("二、"))
        assert block.source == "edited" and block.differing == [Decimal("9999.99")]
        review = page_text(login(users["reviewer"]).get(reverse("disclosures:review", args=[draft.pk])))
        assert "二、收入决算情况说明 来源：人工修改； 以下数字与数据生成的说明不一致：9,999.99" in review

    def test_an_audit_entry_records_who_changed_what(self, draft, users):
        income = narrative(draft, "二、")
        old = income.body
        post(login(users["filer"]), draft, section=income, body="新的说明")
        entry = AuditEntry.objects.get(model="section")
        assert (entry.disclosure, entry.user, entry.action) == (draft, users["filer"], AuditEntry.Action.UPDATE)
        assert entry.object_id == str(income.pk) and entry.object_repr == "二、收入决算情况说明"
        assert entry.changes["正文"] == [old, "新的说明"]
        assert entry.changes["修改人"] == [None, "filer"]

    def test_adopting_the_generated_text(self, draft, users):
        overall = narrative(draft, "一、")
        generated = next(i for i in generate_narrative(draft) if i.key == "final.overall")
        response = post(login(users["filer"]), draft, section=overall, body="", action="adopt")
        assert response.status_code == 302
        overall.refresh_from_db()
        assert overall.body == "\n".join(generated.paragraphs)
        assert overall.edited_by == users["filer"]
        block = next(b for b in build_document(draft).narrative if b.heading.startswith("一、"))
        assert block.source == "edited" and block.differing == []
        assert AuditEntry.objects.get(model="section").action == AuditEntry.Action.UPDATE
        assert fresh(draft).revision == 1

    def test_unchanged_text_is_not_saved(self, draft, users):
        income = narrative(draft, "二、")
        client = login(users["filer"])
        before = snapshot(draft)
        assert post(client, draft, section=income, body=income.body.replace("\n", "\r\n")).status_code == 302
        assert snapshot(draft) == before
        assert "正文没有改动，未保存" in page_text(client.get(url(draft)))

    def test_blank_text_is_refused(self, draft, users):
        before = snapshot(draft)
        response = post(login(users["filer"]), draft, section=narrative(draft, "二、"), body="  \r\n ")
        assert response.status_code == 200
        assert "正文不能为空" in page_text(response)
        assert 'aria-invalid="true"' in response.content.decode()
        assert snapshot(draft) == before

    def test_a_stale_page_is_refused_and_the_text_kept(self, draft, users):
        income, overall = narrative(draft, "二、"), narrative(draft, "一、")
        assert post(login(users["filer2"]), draft, section=overall, body="同事的修改", revision=0).status_code == 302
        before = snapshot(draft)
        mine = "我的修改：收入合计<3,220.75>万元"
        response = post(login(users["filer"]), draft, section=income, body=mine, revision=0)
        assert response.status_code == 409
        text = page_text(response)
        assert "该公开已被他人修改（修订号0→1），请刷新后再改，您的修改未保存" in text
        html = response.content.decode()
        textarea = re.search(r'<textarea id="body-item-final-income"[^>]*>([^<]*)</textarea>', html)
        assert unescape(textarea.group(1)) == mine
        assert 'name="revision" value="1"' in html  # the page is now at the current revision
        assert "同事的修改" in text  # and shows the colleague's text
        assert snapshot(draft) == before

    def test_a_published_version_is_refused(self, draft, users):
        draft = set_status(draft, Status.PUBLISHED)
        client = login(users["filer"])
        page = client.get(url(draft))
        assert LOCKED_MESSAGE in page_text(page) and 'name="body"' not in page.content.decode()
        before = snapshot(draft)
        response = post(client, draft, section=narrative(draft, "二、"), body="改了")
        assert response.status_code == 409
        assert LOCKED_MESSAGE in page_text(response)
        assert re.search(r"<textarea [^>]*readonly>改了</textarea>", response.content.decode())
        assert snapshot(draft) == before

    def test_a_submitted_version_is_refused(self, draft, users):
        draft = set_status(draft, Status.SUBMITTED)
        before = snapshot(draft)
        response = post(login(users["filer"]), draft, section=narrative(draft, "二、"), body="改了")
        assert response.status_code == 409
        assert "当前状态为“已提交”，不能修改情况说明" in page_text(response)
        assert snapshot(draft) == before

    def test_placeholders_left_in_the_text_are_a_warning(self, draft, users):
        client = login(users["filer"])
        body = f"2023年度收入合计3,220.75万元，主要原因是：{FILL}。"
        assert post(client, draft, section=narrative(draft, "二、"), body=body).status_code == 302
        text = page_text(client.get(url(draft)))
        assert "已保存“二、收入决算情况说明”" in text
        assert "仍有1处未填写的内容：（请填写），提交审核前请填写" in text
        assert "二、收入决算情况说明 人工修改 1处未填写" in text


# ---------------------------------------------------------------- items without a section


class TestNewSection:
    def test_a_generated_narrative_keeps_its_other_items_and_gets_sections_at_their_place(self, draft, users):
        Section.objects.filter(disclosure=draft, part=NARRATIVE).delete()
        items = generate_narrative(draft)
        client = login(users["filer"])
        assert {r.source for r in edit_rows(draft)} == {"generated"}

        assert post(client, draft, key="final.expenditure", body="三的说明").status_code == 302
        assert post(client, draft, key="final.overall", body="一的说明").status_code == 302
        third, first = narrative(draft, "三、"), narrative(draft, "一、")
        assert (third.level, third.heading, third.edited_by) == (1, "三、支出决算情况说明", users["filer"])
        assert first.order < third.order

        sections = list(Section.objects.filter(disclosure=draft).order_by("order"))
        orders = [s.order for s in sections]
        assert len(set(orders)) == len(orders)  # section_unique_order
        parts = [s.part for s in sections]
        assert parts == sorted(parts, key=["overview", "narrative", "glossary"].index)  # 概况, 情况说明, 名词解释

        blocks = build_document(draft).narrative
        assert [b.heading for b in blocks] == [i.heading for i in items]
        assert [b.source for b in blocks[:4]] == ["edited", "generated", "edited", "generated"]
        entries = AuditEntry.objects.filter(model="section", action=AuditEntry.Action.CREATE).order_by("id")
        assert [e.object_repr for e in entries] == ["三、支出决算情况说明", "一、收入支出决算总体情况说明"]
        assert "其后文字部分的顺序" in entries[1].changes and entries[1].changes["正文"] == [None, "一的说明"]
        assert fresh(draft).revision == 2

    def test_an_item_the_imported_document_lacks_is_added_after_its_predecessor(self, import_seed, users):
        datong = Disclosure.objects.get(pk=import_seed("002").disclosure_id)
        DepartmentRole.objects.create(user=users["filer"], department=datong.unit.department, role=FILER)
        rows = {r.anchor: r for r in edit_rows(datong)}
        assert rows["item-budget-general-scale"].source == "absent"
        response = login(users["filer"]).get(url(datong))
        assert "（一）一般公共预算当年支出规模变化情况 文档中无此项" in page_text(response)
        before = [b.heading for b in build_document(datong).narrative]
        assert "（一）一般公共预算当年支出规模变化情况" not in before

        generated = "\n".join(rows["item-budget-general-scale"].item.paragraphs)
        assert post(login(users["filer"]), datong, key="budget.general.scale", body=generated).status_code == 302
        after = [b.heading for b in build_document(datong).narrative]
        at = before.index("（二）一般公共预算当年拨款结构情况") + 1
        assert after == [*before[:at], "（一）一般公共预算当年支出规模变化情况", *before[at:]]
        orders = list(Section.objects.filter(disclosure=datong).values_list("order", flat=True))
        assert len(set(orders)) == len(orders)


# ---------------------------------------------------------------- links from the review findings and the admin


def test_a_narrative_finding_links_to_its_section_on_this_page(draft, users):
    from disclosures.checks import run_checks

    # A placeholder left in the glossary: a text section that is not 情况说明 is still edited in the admin.
    glossary = Section.objects.filter(disclosure=draft, part=Section.Part.GLOSSARY).first()
    Section.objects.filter(pk=glossary.pk).update(body=glossary.body + FILL)
    part = dict(Section.objects.filter(disclosure=draft).values_list("heading", "part"))
    findings = [f for f in run_checks(draft) if f.location.section]
    narrative_findings = [f for f in findings if part.get(f.location.section) == NARRATIVE]
    assert narrative_findings, "seed 003's narrative differs from its data in places"
    html = login(users["filer"]).get(url(draft)).content.decode()
    for finding in narrative_findings:
        assert finding.fix_url.startswith(url(draft) + "#section-"), finding
        assert f'id="{finding.fix_url.split("#")[1]}"' in html, finding.fix_url
    (glossary_finding,) = [f for f in findings if f.location.section == glossary.heading]
    assert glossary_finding.fix_url == reverse("admin:disclosures_section_change", args=[glossary.pk])


def test_a_text_changed_in_the_admin_counts_as_a_staff_edit(draft, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="x-strong-pass-1")
    section = narrative(draft, "一、")
    client = login(admin_user)
    change = reverse("admin:disclosures_section_change", args=[section.pk])
    data = form_data(client.get(change), body=section.body + "\n补充说明。")
    response = client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    section.refresh_from_db()
    assert section.edited_by == admin_user and section.edited_at is not None
    assert [b.source for b in build_document(draft).narrative if b.heading.startswith("一、")] == ["edited"]
