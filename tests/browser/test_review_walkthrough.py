"""A real browser walks the review workflow end to end against the live server (Playwright + system Chromium).

filer submits → reviewer returns with a comment → filer reads it and resubmits → another reviewer acknowledges the
warning and approves → that reviewer publishes → an anonymous browser reads the document; a second department's
reviewer never sees the draft (404).

Screenshots go to $REVIEW_SCREENSHOT_DIR when set (to look at them), else to pytest's temporary directory.
Playwright's browsers are never downloaded: the system Chromium is launched by path.
"""

import os
from pathlib import Path

import pytest

from disclosures import workflow
from disclosures.models import DepartmentRole, Disclosure
from performance.models import TargetForm
from tests.browser.conftest import BROWSER_TEST
from tests.factories import make_clean_budget, make_department

PASSWORD = "x-strong-pass-1"

pytestmark = BROWSER_TEST


@pytest.fixture
def shots(tmp_path):
    directory = Path(os.environ.get("REVIEW_SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def scene(django_user_model):
    """A clean budget of 测试市应急管理局 with one warning (a target form without 负责人), and its staff."""
    disclosure = make_clean_budget()
    TargetForm.objects.filter(disclosure=disclosure, order=1).update(responsible="")
    department = disclosure.unit.department
    other = make_department(code="902", name="另一市应急管理局", region="另一市")

    def user(name, dept, role):
        made = django_user_model.objects.create_user(name, password=PASSWORD, is_staff=True)
        DepartmentRole.objects.create(user=made, department=dept, role=role)
        return made

    return {
        "disclosure": disclosure,
        "filer": user("zhang.filer", department, DepartmentRole.Role.FILER),
        "reviewer": user("li.reviewer", department, DepartmentRole.Role.REVIEWER),
        "reviewer2": user("wang.reviewer", department, DepartmentRole.Role.REVIEWER),
        "outsider": user("zhao.other", other, DepartmentRole.Role.REVIEWER),
    }


class Session:
    """One user's browser context: logs in through the admin login form, then works on the review page."""

    def __init__(self, browser, base: str, shots: Path, width: int = 1440):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.base = base
        self.shots = shots

    def login(self, username: str, then: str):
        self.page.goto(f"{self.base}/admin/login/?next={then}")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        return self

    def goto(self, path: str):
        return self.page.goto(f"{self.base}{path}")

    def click(self, name: str):
        self.page.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state("load")

    def message(self) -> str:
        return self.page.locator(".messages").inner_text()

    def shot(self, name: str, full_page: bool = False):
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page)

    def close(self):
        self.context.close()


def test_review_walkthrough(live_server, browser, shots, scene):
    disclosure = scene["disclosure"]
    review = f"/review/disclosures/{disclosure.pk}/"
    public = f"/disclosures/{disclosure.pk}/"
    base = live_server.url

    # Before anything: the public and another department do not see the draft.
    anonymous = Session(browser, base, shots)
    assert anonymous.goto(public).status == 404
    outsider = Session(browser, base, shots).login("zhao.other", "/review/")
    assert outsider.goto(review).status == 404
    assert outsider.goto(f"{review}pdf/").status == 404
    assert outsider.goto(public).status == 404
    outsider.shot("01-outsider-404")
    outsider.close()

    # 填报人 submits.
    filer = Session(browser, base, shots).login("zhang.filer", review)
    page = filer.page
    assert page.locator(".review-banner").inner_text().count("草稿") >= 1
    warning = page.locator(".finding-warning")
    assert warning.count() == 1 and "Q10-header" in warning.inner_text()
    assert page.locator(".finding-warning a.fix-link").count() == 1  # the filer may edit: a link to the place
    filer.shot("02-filer-draft")
    filer.click("提交审核")
    assert "已提交审核" in filer.message()

    # 审核人 returns it with a comment.
    reviewer = Session(browser, base, shots).login("li.reviewer", review)
    page = reviewer.page
    assert page.locator(".finding-warning a.fix-link").count() == 0  # the reviewer does not edit
    page.fill("#return-comment", "请补填绩效目标表的负责人，并核对表十二。")
    reviewer.click("退回修改")
    assert "已退回修改" in reviewer.message()
    reviewer.shot("03-reviewer-returned")

    # 填报人 reads the comment and resubmits.
    filer.goto(review)
    assert "请补填绩效目标表的负责人" in filer.page.locator(".return-notice").inner_text()
    filer.shot("04-filer-sees-comment")
    filer.click("提交审核")
    assert "已提交审核" in filer.message()
    filer.close()

    # Another reviewer: approval is refused while the warning is open, then acknowledged and approved.
    second = Session(browser, base, shots).login("wang.reviewer", review)
    page = second.page
    second.click("审核通过")
    assert "警告未确认或驳回" in second.message() and "Q10-header" in second.message()
    while page.locator(".finding-warning:not(.decided) details.decide").count():
        finding = page.locator(".finding-warning:not(.decided)").first
        finding.locator("details.decide summary").click()
        finding.locator("textarea[name=reason]").fill("负责人随附件另行报送，不影响公开")
        finding.get_by_role("button", name="保存判定").click()
        page.wait_for_load_state("load")
        assert "已记录判定" in second.message()
    assert "已确认：负责人随附件另行报送" in page.locator(".finding-warning").inner_text()
    page.locator("#findings").screenshot(path=str(shots / "05-warning-acknowledged.png"))
    second.click("审核通过")
    assert "已审核通过" in second.message()
    second.click("公开")
    assert "已公开" in second.message()
    history = page.locator("#history").inner_text()
    for action in ("提交审核", "退回修改", "审核通过", "公开"):
        assert action in history
    second.close()

    # The public now reads it.
    response = anonymous.goto(public)
    assert response.status == 200
    assert "测试市应急管理局" in anonymous.page.locator(".cover").inner_text()
    assert "仅供内部审核" not in anonymous.page.content()
    anonymous.shot("06-public-published")
    anonymous.close()

    # A correction: started in the browser, then taken through review; the old version stays public.
    corrector = Session(browser, base, shots).login("li.reviewer", review)
    corrector.page.fill("#correct-note", "表十二“安全生产监管专项经费”项目名称更正。")
    corrector.click("发起更正")
    assert "已发起更正：第2版为草稿" in corrector.message()
    corrector.shot("07-correction-draft")
    corrector.close()
    correction = Disclosure.objects.get(supersedes=disclosure)
    workflow.disclosure_submit(disclosure=correction, user=scene["filer"])
    warning = next(f for f in workflow.run_findings(correction) if f.rule == "Q10-header")
    workflow.finding_decide(
        disclosure=correction,
        user=scene["reviewer2"],
        rule="Q10-header",
        location_key=workflow.location_key(warning),
        decision="acknowledged",
        reason="同第1版",
    )
    workflow.disclosure_approve(disclosure=correction, user=scene["reviewer2"])
    workflow.disclosure_publish(disclosure=correction, user=scene["reviewer2"])
    reader = Session(browser, base, shots)
    assert reader.goto(public).status == 200
    notice = reader.page.locator(".superseded-notice")
    assert "已被更正" in notice.inner_text() and "项目名称更正" in notice.inner_text()
    reader.shot("08-public-superseded")
    notice.get_by_role("link").click()
    reader.page.wait_for_load_state("load")
    assert reader.page.url.endswith(f"/disclosures/{correction.pk}/")
    assert "更正说明：表十二" in reader.page.locator(".correction-notice").inner_text()
    reader.shot("09-public-correction")
    reader.close()

    # On a narrow screen the findings panel is above the document.
    narrow = Session(browser, base, shots, width=420).login("li.reviewer", review)
    panel = narrow.page.locator(".review-panel").bounding_box()
    document = narrow.page.locator(".review-document").bounding_box()
    assert panel["y"] < document["y"]
    narrow.shot("10-narrow-reviewer")
    narrow.close()

    # And on a wide one it is beside it.
    wide = Session(browser, base, shots).login("li.reviewer", review)
    panel = wide.page.locator(".review-panel").bounding_box()
    document = wide.page.locator(".review-document").bounding_box()
    assert panel["x"] > document["x"] and abs(panel["y"] - document["y"]) < 5
    wide.close()

    disclosure.refresh_from_db()
    assert disclosure.status == Disclosure.Status.PUBLISHED
    assert (disclosure.submitted_by, disclosure.published_at is not None) == (scene["filer"], True)
