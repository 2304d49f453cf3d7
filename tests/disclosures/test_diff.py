"""Version diff: the projected tables cell by cell, sections paragraph by paragraph, forms by funds and indicator
values — between two versions, or between the data now and the snapshot taken at the last submission."""

import copy
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from disclosures import workflow
from disclosures.diff import disclosure_diff, paragraph_changes, snapshot_take
from disclosures.models import (
    Department,
    DepartmentRole,
    Disclosure,
    DisclosureSnapshot,
    ProjectLine,
    Section,
)
from performance.models import Indicator, TargetFunding
from tests.disclosures.test_admin import admin_url, form_data
from tests.disclosures.test_immutability import make_disclosure

D = Decimal


@pytest.fixture
def budget(import_seed):
    return Disclosure.objects.get(pk=import_seed("001").disclosure_id)


def project(budget) -> ProjectLine:
    return ProjectLine.objects.get(disclosure=budget, carryover=False, name="晋城市航空应急救援服务费")


# ---------------------------------------------------------------- against the last submission


class TestSinceSubmission:
    def test_unchanged_data_has_no_difference(self, budget):
        data = snapshot_take(budget)
        assert DisclosureSnapshot.objects.get(disclosure=budget).data == data
        assert data["tables"] and data["sections"] and data["forms"]
        diff = disclosure_diff(DisclosureSnapshot.objects.get(disclosure=budget), budget)
        assert diff.is_empty and diff.summary == "无差异"

    def test_one_changed_amount_is_exactly_its_cells(self, budget):
        snapshot_take(budget)
        ProjectLine.objects.filter(pk=project(budget).pk).update(general=D("4100000.00"))  # 400.00 → 410.00 万元
        diff = disclosure_diff(DisclosureSnapshot.objects.get(disclosure=budget), budget)
        cells = {(c.table, c.row_label, c.column_label, c.old, c.new) for c in diff.cells}
        assert cells == {
            ("budget_12", "晋城市航空应急救援服务费", "合计", "400.00", "410.00"),
            ("budget_12", "晋城市航空应急救援服务费", "2026年财政拨款 / 一般公共预算", "400.00", "410.00"),
            ("budget_12", "晋城市应急管理局", "合计", "2186.09", "2196.09"),
            ("budget_12", "晋城市应急管理局", "2026年财政拨款 / 一般公共预算", "2186.09", "2196.09"),
        }
        assert not (diff.rows_added or diff.rows_removed or diff.sections or diff.forms_changed)
        assert [t.label for t in diff.tables] == ["表十二"]

    def test_an_added_project_row(self, budget):
        snapshot_take(budget)
        last = ProjectLine.objects.filter(disclosure=budget, carryover=False).order_by("-order").first()
        ProjectLine.objects.create(disclosure=budget, order=last.order + 1, name="新增演练项目", general=D("50000.00"))
        diff = disclosure_diff(DisclosureSnapshot.objects.get(disclosure=budget), budget)
        (added,) = diff.rows_added
        assert (added.table, added.row_label) == ("budget_12", "新增演练项目")
        assert ("合计", "5.00") in added.cells
        assert {(c.row_label, c.old, c.new) for c in diff.cells} == {("晋城市应急管理局", "2186.09", "2191.09")}
        assert diff.rows_removed == [] and diff.sections == []

    def test_an_edited_paragraph(self, budget):
        section = Section.objects.filter(disclosure=budget, heading="十、绩效管理情况").get()
        paragraphs = section.body.splitlines()
        snapshot_take(budget)
        edited = [*paragraphs]
        edited[1] = edited[1] + "（已更新）"
        Section.objects.filter(pk=section.pk).update(body="\n".join(edited))
        diff = disclosure_diff(DisclosureSnapshot.objects.get(disclosure=budget), budget)
        (change,) = diff.sections
        assert (change.kind, change.heading, change.part_label) == ("changed", "十、绩效管理情况", "情况说明")
        assert [(p.op, p.old, p.new) for p in change.paragraphs] == [
            ("changed", paragraphs[1].strip(), edited[1].strip())
        ]
        assert diff.tables == [] and diff.forms_changed == []

    def test_form_funds_and_indicator_values(self, budget):
        snapshot_take(budget)
        indicator = Indicator.objects.filter(form__disclosure=budget).order_by("form__order", "pk").first()
        Indicator.objects.filter(pk=indicator.pk).update(value="≥99次")
        funding = TargetFunding.objects.filter(form=indicator.form, period="annual").get()
        TargetFunding.objects.filter(pk=funding.pk).update(total=funding.total + 1)
        diff = disclosure_diff(DisclosureSnapshot.objects.get(disclosure=budget), budget)
        (form,) = diff.forms_changed
        assert form.name == indicator.form.project_name
        details = {(d.what, d.old, d.new) for d in form.details}
        assert details == {
            (f"指标“{indicator.name}”（{indicator.get_period_display()}）指标值", indicator.value, "≥99次"),
            ("年度资金 资金总额", str(funding.total), str(funding.total + 1)),
        }
        assert diff.tables == [] and diff.sections == []

    def test_the_latest_snapshot_counts(self, budget):
        snapshot_take(budget)
        ProjectLine.objects.filter(pk=project(budget).pk).update(general=D("4100000.00"))
        snapshot_take(budget)  # resubmitted after the change
        latest = DisclosureSnapshot.objects.filter(disclosure=budget).first()
        assert disclosure_diff(latest, budget).is_empty


# ---------------------------------------------------------------- pure function


class TestPureDiff:
    def test_snapshot_dicts(self, budget):
        old = snapshot_take(budget)
        new = copy.deepcopy(old)
        table = next(t for t in new["tables"] if t["key"] == "budget_10")
        table["rows"][1]["cells"][1] = "0.60"
        new["sections"][0]["body"] += "\n新的一段"
        diff = disclosure_diff(old, new)
        assert [(c.table, c.row, c.old, c.new) for c in diff.cells] == [("budget_10", "公务接待费", "0.50", "0.60")]
        assert [(p.op, p.new) for p in diff.sections[0].paragraphs] == [("added", "新的一段")]

    def test_paragraph_changes(self):
        assert [(c.op, c.old, c.new) for c in paragraph_changes("甲\n乙\n丙", "甲\n乙二\n丙\n丁")] == [
            ("changed", "乙", "乙二"),
            ("added", None, "丁"),
        ]
        assert [(c.op, c.old) for c in paragraph_changes("甲\n乙", "乙")] == [("removed", "甲")]


# ---------------------------------------------------------------- two versions and the page


@pytest.fixture
def users(db, budget):
    User = get_user_model()
    department = budget.unit.department
    reviewer = User.objects.create_user("reviewer", password="x", is_staff=True)
    DepartmentRole.objects.create(user=reviewer, department=department, role=DepartmentRole.Role.REVIEWER)
    filer = User.objects.create_user("filer", password="x", is_staff=True)
    DepartmentRole.objects.create(user=filer, department=department, role=DepartmentRole.Role.FILER)
    outsider = User.objects.create_user("outsider", password="x", is_staff=True)
    elsewhere = Department.objects.create(region=department.region, code="999", name="别的局")
    DepartmentRole.objects.create(user=outsider, department=elsewhere, role=DepartmentRole.Role.REVIEWER)
    return {"reviewer": reviewer, "filer": filer, "outsider": outsider}


def diff_url(disclosure, **params):
    url = reverse("disclosures:review_diff", args=[disclosure.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


class TestPage:
    def test_correction_against_the_published_version(self, client, budget, users):
        Disclosure.objects.filter(pk=budget.pk).update(status=Disclosure.Status.PUBLISHED)
        budget.refresh_from_db()
        correction = workflow.disclosure_correct(disclosure=budget, user=users["reviewer"], note="更正项目金额")
        ProjectLine.objects.filter(disclosure=correction, name=project(budget).name).update(general=D("4100000.00"))
        client.force_login(users["reviewer"])
        response = client.get(diff_url(correction, against=budget.pk))
        assert response.status_code == 200
        html = response.content.decode()
        assert "4个单元格变化" in html and "<del>400.00</del>" in html and "<ins>410.00</ins>" in html
        # without a snapshot, the default is the version it corrects
        assert client.get(diff_url(correction)).context["diff"].summary == "4个单元格变化"

    def test_defaults_to_the_last_submission(self, client, budget, users):
        snapshot_take(budget)
        ProjectLine.objects.filter(pk=project(budget).pk).update(general=D("4100000.00"))
        client.force_login(users["filer"])
        response = client.get(diff_url(budget))
        assert response.status_code == 200 and response.context["against_is_snapshot"]
        assert response.context["diff"].summary == "4个单元格变化"
        assert "提交时的数据比较" in response.content.decode()

    def test_nothing_to_compare(self, client, budget, users):
        client.force_login(users["reviewer"])
        response = client.get(diff_url(budget))
        assert response.status_code == 200 and response.context["diff"] is None
        assert "没有可比较的数据" in response.content.decode()

    def test_department_scoped(self, client, budget, users):
        elsewhere = make_disclosure("801")  # another department's
        client.force_login(users["outsider"])
        assert client.get(diff_url(budget)).status_code == 404
        client.force_login(users["reviewer"])
        assert client.get(diff_url(elsewhere)).status_code == 404
        assert client.get(diff_url(budget, against=elsewhere.pk)).status_code == 404
        assert client.get(diff_url(budget, against="x")).status_code == 404
        assert client.get(diff_url(budget, snapshot=12345)).status_code == 404
        client.logout()
        assert client.get(diff_url(budget)).status_code == 404


def test_a_snapshot_then_an_admin_edit_shows_in_the_diff(client, budget):
    """The review round trip: submitted (snapshot), returned, edited in the admin, diffed before re-review."""
    root = get_user_model().objects.create_superuser("root", password="x")
    snapshot_take(budget)
    client.force_login(root)
    url = admin_url(ProjectLine, "change", project(budget).pk)
    assert client.post(url, form_data(client.get(url), general="4100000.00")).status_code == 302
    diff = disclosure_diff(DisclosureSnapshot.objects.get(disclosure=budget), budget)
    assert len(diff.cells) == 4 and diff.old_label.startswith("第1版 提交时（修订号0")
