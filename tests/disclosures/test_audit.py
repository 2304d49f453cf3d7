"""Audit trail of admin edits: every created, changed or deleted row of a disclosure leaves an AuditEntry with
old → new values by field name (amounts as exact strings, choices by label), linked to the disclosure and shown on
its admin page; nothing is recorded for a save that changes nothing."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from disclosures.audit import audit_record, model_changes
from disclosures.models import AuditEntry, Disclosure, FunctionLine, OperatingCost, ProjectLine, Section
from performance.models import Indicator, TargetForm
from tests.disclosures.test_admin import admin_url, form_data
from tests.disclosures.test_immutability import fill, make_disclosure

D = Decimal
Action = AuditEntry.Action


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", password="x")


@pytest.fixture
def draft(db):
    disclosure = make_disclosure()
    return disclosure, fill(disclosure)


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


# ---------------------------------------------------------------- the helpers


class TestModelChanges:
    def test_changed_fields_only_decimal_strings_and_labels(self, draft):
        disclosure, rows = draft
        old = ProjectLine.objects.get(pk=rows[ProjectLine].pk)
        new = ProjectLine.objects.get(pk=old.pk)
        new.general, new.category, new.name = D("60000.50"), ProjectLine.Category.SPECIFIC, "项目"
        assert model_changes(old, new) == {"一般公共预算": ["6.00", "60000.50"], "项目类别": [None, "特定目标类"]}

    def test_created_and_deleted_show_the_filled_fields(self, draft):
        line = draft[1][OperatingCost]
        created = model_changes(None, line)
        assert created["金额"] == [None, "4.00"] and created["单位名称"] == [None, "本级"]
        assert "单位类型" not in created  # left blank
        assert model_changes(line, None)["金额"] == ["4.00", None]

    def test_related_rows_by_name_and_booleans_in_words(self, draft):
        disclosure, rows = draft
        old = FunctionLine.objects.get(pk=rows[FunctionLine].pk)
        new = FunctionLine.objects.get(pk=old.pk)
        new.carryover = True
        other = make_disclosure("809")
        new.disclosure = other
        changes = model_changes(old, new)
        assert changes["上年结转"] == ["否", "是"]
        assert changes["公开"] == [str(disclosure), str(other)]

    def test_audit_record(self, draft, root):
        disclosure, rows = draft
        entry = audit_record(
            user=root, instance=rows[Section], action=Action.UPDATE, changes={"正文": ["a", "b"]}, disclosure=disclosure
        )
        entry.refresh_from_db()
        assert (entry.user, entry.disclosure, entry.model, entry.object_id) == (
            root,
            disclosure,
            "section",
            str(rows[Section].pk),
        )
        assert entry.object_repr == "一、职责" and entry.changes == {"正文": ["a", "b"]}


# ---------------------------------------------------------------- admin edits


class TestAdminEdits:
    def test_disclosure_page_records_its_fields_and_every_inline_change(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(Disclosure, "change", disclosure.pk)
        data = form_data(client.get(url), title="新标题")
        prefix = {"function": "lines", "section": "sections", "cost": "operating_costs"}
        data[f"{prefix['function']}-0-basic"] = "2000.00"
        data[f"{prefix['section']}-0-DELETE"] = "on"
        data.update(
            {
                f"{prefix['cost']}-TOTAL_FORMS": "2",
                f"{prefix['cost']}-1-order": "2",
                f"{prefix['cost']}-1-unit_name": "下属单位",
                f"{prefix['cost']}-1-fund": "general",
                f"{prefix['cost']}-1-amount": "12.34",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        recorded = {(e.action, e.model): e for e in entries(disclosure=disclosure)}
        assert recorded[(Action.UPDATE, "disclosure")].changes == {"标题": [None, "新标题"]}
        assert recorded[(Action.UPDATE, "functionline")].changes == {"基本支出": ["100.00", "2000.00"]}
        assert recorded[(Action.DELETE, "section")].changes["正文"] == ["原文", None]
        assert recorded[(Action.DELETE, "section")].object_id == str(rows[Section].pk)
        created = recorded[(Action.CREATE, "operatingcost")]
        assert created.changes["金额"] == [None, "12.34"] and created.changes["单位名称"] == [None, "下属单位"]
        assert {e.user for e in recorded.values()} == {root}
        assert len(recorded) == 4
        assert Disclosure.objects.get(pk=disclosure.pk).revision == disclosure.revision + 1

    def test_a_row_page_records_its_change(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(ProjectLine, "change", rows[ProjectLine].pk)
        response = client.post(url, form_data(client.get(url), general="700.00", category="operating"))
        assert response.status_code == 302
        (entry,) = entries(disclosure=disclosure)
        assert entry.model == "projectline" and entry.changes == {
            "一般公共预算": ["6.00", "700.00"],
            "项目类别": [None, "其他运转类"],
        }

    def test_a_save_that_changes_nothing_records_nothing(self, client, root, draft):
        disclosure, _ = draft
        client.force_login(root)
        url = admin_url(Disclosure, "change", disclosure.pk)
        assert client.post(url, form_data(client.get(url))).status_code == 302
        assert entries(disclosure=disclosure) == []
        assert Disclosure.objects.get(pk=disclosure.pk).revision == disclosure.revision

    def test_deleting_a_row(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        line = rows[OperatingCost]
        response = client.post(admin_url(OperatingCost, "delete", line.pk), {"post": "yes"})
        assert response.status_code == 302 and not OperatingCost.objects.filter(pk=line.pk).exists()
        (entry,) = entries(disclosure=disclosure)
        assert entry.action == Action.DELETE and entry.changes["金额"] == ["4.00", None]
        assert Disclosure.objects.get(pk=disclosure.pk).revision == disclosure.revision + 1

    def test_form_indicator_inline_is_recorded_against_the_disclosure(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        form = rows[TargetForm]
        url = admin_url(TargetForm, "change", form.pk)
        data = form_data(client.get(url))
        data["indicators-0-value"] = "≥5次"
        assert client.post(url, data).status_code == 302
        (entry,) = entries(disclosure=disclosure)
        assert entry.model == "indicator" and entry.changes["指标值"] == ["1", "≥5次"]
        assert entry.changes["数值"] == [None, "5"]  # re-parsed on save, recorded with it
        assert Indicator.objects.get(pk=rows[Indicator].pk).value == "≥5次"

    def test_standalone_form_changes_are_recorded_without_a_disclosure(self, client, root, draft):
        disclosure, rows = draft
        form = TargetForm.objects.create(
            department=disclosure.unit.department, fiscal_year=2026, project_name="独立表", goal_annual="旧目标"
        )
        client.force_login(root)
        url = admin_url(TargetForm, "change", form.pk)
        assert client.post(url, form_data(client.get(url), goal_annual="新目标")).status_code == 302
        (entry,) = entries(model="targetform")
        assert entry.disclosure is None and entry.changes == {"年度总体目标": ["旧目标", "新目标"]}

    def test_the_trail_is_shown_on_the_disclosure_page(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(ProjectLine, "change", rows[ProjectLine].pk)
        client.post(url, form_data(client.get(url), general="700.00"))
        html = client.get(admin_url(Disclosure, "change", disclosure.pk)).content.decode()
        assert "修改留痕（最新在前）" in html and "一般公共预算：6.00 → 700.00" in html
        assert f"auditentry/?disclosure__id__exact={disclosure.pk}" in html
        listing = client.get(admin_url(AuditEntry, "changelist"), {"disclosure__id__exact": disclosure.pk})
        assert listing.status_code == 200 and listing.context["cl"].result_count == 1
