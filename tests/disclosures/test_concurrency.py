"""Concurrent edits: optimistic locking on Disclosure.revision.

Every admin save of a disclosure or of one of its rows (inline or on the row's own page) is checked against the
revision the page was loaded with, under a row lock, and increments it; a stale edit is refused with a message and
changes nothing. ``audit.disclosure_touch`` does the same for other code. The two-connection test needs
PostgreSQL (DATABASE_URL=postgres://…): SQLite has no row locks, one writer at a time.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, transaction

from disclosures.audit import RevisionRefused, StaleRevision, disclosure_touch, revision_lock
from disclosures.models import Disclosure, FunctionLine, ProjectLine
from tests.disclosures.test_admin import admin_url, form_data
from tests.disclosures.test_immutability import fill, make_disclosure, publish

D = Decimal
STALE = "该公开已被他人修改（修订号{}→{}），请刷新后再改，您的修改未保存"


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", password="x")


@pytest.fixture
def draft(db):
    disclosure = make_disclosure()
    return disclosure, fill(disclosure)


def revision(disclosure) -> int:
    return Disclosure.objects.get(pk=disclosure.pk).revision


# ---------------------------------------------------------------- the service


class TestDisclosureTouch:
    def test_increments_when_the_loaded_revision_is_current(self, draft):
        disclosure, _ = draft
        assert disclosure_touch(disclosure=disclosure, expected_revision=0) == 1
        assert disclosure.revision == revision(disclosure) == 1
        assert disclosure_touch(disclosure=disclosure, expected_revision=None) == 2  # unchecked: a change from code

    def test_a_stale_revision_is_refused(self, draft):
        disclosure, _ = draft
        disclosure_touch(disclosure=Disclosure.objects.get(pk=disclosure.pk), expected_revision=0)
        with pytest.raises(StaleRevision) as failure:
            disclosure_touch(disclosure=disclosure, expected_revision=0)
        assert failure.value.messages == [STALE.format(0, 1)]
        assert (failure.value.loaded, failure.value.current) == (0, 1)
        assert revision(disclosure) == 1

    def test_a_published_version_is_refused_before_anything_is_written(self, draft):
        disclosure, _ = draft
        publish(disclosure)
        with pytest.raises(RevisionRefused, match="已公开的版本不可修改"):
            disclosure_touch(disclosure=disclosure, expected_revision=disclosure.revision)

    def test_locks_the_row(self, draft):
        if not connection.features.has_select_for_update:
            pytest.skip("SQLite has no row locks")
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            revision_lock(disclosure=draft[0], expected_revision=0)
        assert any("FOR UPDATE" in q["sql"] and "disclosures_disclosure" in q["sql"] for q in queries)


# ---------------------------------------------------------------- two admin users on the same page


class TestAdmin:
    def test_the_second_of_two_edits_from_the_same_loaded_page_is_refused(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(Disclosure, "change", disclosure.pk)
        page = client.get(url)  # both users load the page at revision 0
        first = form_data(page, title="甲的标题")
        second = form_data(page, title="乙的标题")
        assert client.post(url, first).status_code == 302
        response = client.post(url, second)
        assert response.status_code == 200  # the form again, with the reason
        assert STALE.format(0, 1) in response.content.decode()
        assert Disclosure.objects.get(pk=disclosure.pk).title == "甲的标题"
        assert revision(disclosure) == 1

    def test_an_inline_only_edit_is_checked_too(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(Disclosure, "change", disclosure.pk)
        page = client.get(url)
        first, second = form_data(page), form_data(page)
        first["lines-0-basic"], second["lines-0-basic"] = "111.00", "222.00"
        assert client.post(url, first).status_code == 302
        assert STALE.format(0, 1) in client.post(url, second).content.decode()
        assert FunctionLine.objects.get(pk=rows[FunctionLine].pk).basic == D("111.00")

    def test_a_row_page_loaded_before_a_disclosure_edit_is_refused(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        row_url = admin_url(ProjectLine, "change", rows[ProjectLine].pk)
        row_page = client.get(row_url)  # loaded at revision 0
        url = admin_url(Disclosure, "change", disclosure.pk)
        assert client.post(url, form_data(client.get(url), title="别人改了标题")).status_code == 302
        response = client.post(row_url, form_data(row_page, general="999.00"))
        assert STALE.format(0, 1) in response.content.decode()
        assert ProjectLine.objects.get(pk=rows[ProjectLine].pk).general == D("6.00")
        # reloaded, the same edit goes through and increments again
        assert client.post(row_url, form_data(client.get(row_url), general="999.00")).status_code == 302
        assert revision(disclosure) == 2

    def test_a_row_edit_makes_the_disclosure_page_stale(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(Disclosure, "change", disclosure.pk)
        page = client.get(url)
        row_url = admin_url(ProjectLine, "change", rows[ProjectLine].pk)
        assert client.post(row_url, form_data(client.get(row_url), general="1.00")).status_code == 302
        assert STALE.format(0, 1) in client.post(url, form_data(page, title="x")).content.decode()

    def test_a_page_without_the_revision_is_refused(self, client, root, draft):
        disclosure, rows = draft
        client.force_login(root)
        url = admin_url(Disclosure, "change", disclosure.pk)
        data = form_data(client.get(url), title="x")
        del data["loaded_revision"]
        assert "页面缺少数据修订号" in client.post(url, data).content.decode()
        assert revision(disclosure) == 0


# ---------------------------------------------------------------- two connections (PostgreSQL)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_connections_the_second_waits_for_the_lock_then_sees_the_new_revision():
    if not connection.features.has_select_for_update:
        pytest.skip("select_for_update is a no-op on SQLite; run with DATABASE_URL=postgres://…")
    disclosure = make_disclosure()
    locked, attempted, outcome = threading.Event(), threading.Event(), {}

    def second_editor():
        started = time.monotonic()
        try:
            locked.wait(10)
            attempted.set()
            started = time.monotonic()
            with transaction.atomic():
                disclosure_touch(disclosure=Disclosure.objects.get(pk=disclosure.pk), expected_revision=0)
            outcome["result"] = "saved"
        except StaleRevision as exc:
            outcome["result"], outcome["message"] = "stale", exc.messages[0]
        finally:
            outcome["waited"] = time.monotonic() - started
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=second_editor)
    thread.start()
    with transaction.atomic():  # the first editor holds the row while it saves
        disclosure_touch(disclosure=disclosure, expected_revision=0)
        locked.set()
        attempted.wait(10)
        time.sleep(0.5)
    thread.join(20)
    assert outcome["result"] == "stale" and outcome["message"] == STALE.format(0, 1)
    assert outcome["waited"] >= 0.4  # blocked on FOR UPDATE until the first transaction committed
    assert revision(disclosure) == 1
