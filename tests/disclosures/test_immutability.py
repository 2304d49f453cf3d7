"""Published data is immutable below the view layer (disclosures/migrations/0007_published_immutable.py).

Every path — Model.save, QuerySet.update, bulk_update, bulk_create, delete, raw SQL, the admin, the importer — is
refused for a published version and its rows (facts, sections, source tables, snapshots, target forms and
self-evaluations with their rows), and allowed for a draft. The audit trail is append-only. Runs on SQLite and
PostgreSQL alike (DATABASE_URL=postgres://… for the latter).
"""

import importlib
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from disclosures import admin as disclosures_admin
from disclosures.audit import APPEND_ONLY_MESSAGE, LOCKED_MESSAGE, protected_message
from disclosures.importing import loader
from disclosures.importing.loader import ImportFailed
from disclosures.models import (
    AssetSummary,
    AuditEntry,
    Balance,
    BudgetUnit,
    Department,
    Disclosure,
    DisclosureSnapshot,
    EconomicClass,
    EconomicLine,
    FunctionLine,
    OperatingCost,
    Procurement,
    ProjectLine,
    Region,
    RevenueLine,
    Section,
    SourceDocument,
    SourceTable,
    ThreePublicLine,
    VehicleCount,
)
from performance.models import (
    Indicator,
    IndicatorResult,
    SelfEvaluation,
    SelfEvaluationFunds,
    TargetForm,
    TargetFunding,
)
from tests.disclosures.test_admin import form_data

GUARDS = importlib.import_module("disclosures.migrations.0007_published_immutable")
D = Decimal


# ---------------------------------------------------------------- data


def make_disclosure(code="801", *, year=2026, version=1, supersedes=None) -> Disclosure:
    region, _ = Region.objects.get_or_create(name="不变市", level=Region.Level.CITY)
    department, _ = Department.objects.get_or_create(region=region, code=code, defaults={"name": f"不变市{code}局"})
    unit, _ = BudgetUnit.objects.get_or_create(
        department=department, code=f"{code}001", defaults={"name": department.name}
    )
    return Disclosure.objects.create(
        unit=unit, fiscal_year=year, kind=Disclosure.Kind.BUDGET, version=version, supersedes=supersedes
    )


def fill(disclosure: Disclosure) -> dict:
    """One row of every model that belongs to a disclosure; {model: row}."""
    department = disclosure.unit.department
    document = SourceDocument.objects.create(file_name="a.txt", sha256="0" * 64, kind="budget", text="原文")
    form = TargetForm.objects.create(
        department=department, fiscal_year=disclosure.fiscal_year, disclosure=disclosure, project_name="专项"
    )
    evaluation = SelfEvaluation.objects.create(
        department=department, fiscal_year=disclosure.fiscal_year, disclosure=disclosure, project_name="专项"
    )
    rows = [
        FunctionLine(disclosure=disclosure, fund="general", basic=D("100.00"), reported_subtotal=True),
        EconomicLine(disclosure=disclosure, personnel=D("10.00"), reported_subtotal=True),
        Balance(disclosure=disclosure, item="opening", fund="general", amount=D("1.00")),
        RevenueLine(disclosure=disclosure, fund="gov_fund", code="103", name="基金收入", amount=D("2.00")),
        ThreePublicLine(disclosure=disclosure, stage="budget", fund="general", item="reception", amount=D("3.00")),
        OperatingCost(disclosure=disclosure, unit_name="本级", amount=D("4.00")),
        Procurement(disclosure=disclosure, goods=D("5.00")),
        AssetSummary(disclosure=disclosure, equipment_over_million=1),
        VehicleCount(disclosure=disclosure, category="other", count=2),
        ProjectLine(disclosure=disclosure, order=1, name="项目", general=D("6.00")),
        Section(disclosure=disclosure, part="overview", order=1, heading="一、职责", body="原文"),
        SourceTable(document=document, disclosure=disclosure, key="budget_01", order=1, title="表一", line=1),
        DisclosureSnapshot(disclosure=disclosure, revision=0, data={"tables": []}),
        TargetFunding(form=form, period="annual", total=D("7.00")),
        Indicator(form=form, period="annual", order=1, level1="output", level2="quantity", name="数量", value="1"),
        SelfEvaluationFunds(evaluation=evaluation, order=1, label="资金总额", executed=D("8.00")),
        IndicatorResult(evaluation=evaluation, order=1, level1="output", level2="quantity", name="数量"),
    ]
    for row in rows:
        row.save()
    return {type(row): row for row in [*rows, form, evaluation]}


def publish(disclosure: Disclosure) -> Disclosure:
    """As the workflow does: one UPDATE of the status."""
    Disclosure.objects.filter(pk=disclosure.pk).update(status=Disclosure.Status.PUBLISHED)
    disclosure.refresh_from_db()
    return disclosure


# field to change per model: (field, new value)
CHANGES = {
    FunctionLine: ("basic", D("999.00")),
    EconomicLine: ("personnel", D("999.00")),
    Balance: ("amount", D("999.00")),
    RevenueLine: ("amount", D("999.00")),
    ThreePublicLine: ("amount", D("999.00")),
    OperatingCost: ("amount", D("999.00")),
    Procurement: ("goods", D("999.00")),
    AssetSummary: ("equipment_over_million", 9),
    VehicleCount: ("count", 9),
    ProjectLine: ("general", D("999.00")),
    Section: ("body", "改过的正文"),
    SourceTable: ("title", "改过的标题"),
    DisclosureSnapshot: ("revision", 9),
    TargetForm: ("project_name", "改过的项目"),
    SelfEvaluation: ("project_name", "改过的项目"),
    TargetFunding: ("total", D("999.00")),
    Indicator: ("value", "≥9"),
    SelfEvaluationFunds: ("executed", D("999.00")),
    IndicatorResult: ("actual_value", "9"),
}
MODELS = list(CHANGES)


def new_row(model, rows: dict):
    """An unsaved second row of ``model`` for the same disclosure (or target form / self-evaluation)."""
    row = rows[model]
    copy = model.objects.get(pk=row.pk)
    copy.pk = None
    for name in ("order",):
        if hasattr(copy, name):
            setattr(copy, name, 2)
    if model is FunctionLine:
        copy.fund = "gov_fund"
    if model is EconomicLine:
        copy.economic_class = EconomicClass.objects.filter(scheme="department").first()
    if model is Balance:
        copy.item = "closing"
    if model is ThreePublicLine:
        copy.item = "abroad"
    if model is VehicleCount:
        copy.category = "special"
    if model is TargetFunding:
        copy.period = "period"
    if model in (Procurement, AssetSummary):  # one per disclosure: a second one goes to another disclosure
        return None
    return copy


@pytest.fixture
def published(db):
    disclosure = make_disclosure()
    rows = fill(disclosure)
    return publish(disclosure), rows


@pytest.fixture
def draft(db):
    disclosure = make_disclosure("802")
    return disclosure, fill(disclosure)


def refused(action, message=LOCKED_MESSAGE):
    with pytest.raises(IntegrityError) as failure, transaction.atomic():
        action()
    assert protected_message(failure.value) == message
    return failure.value


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def raw(cursor, template: str, model, params=(), column: str = ""):
    """Raw SQL on a model's table (names from the model, values as parameters)."""
    cursor.execute(template.format(table=table(model), column=connection.ops.quote_name(column)), params)


# ---------------------------------------------------------------- the triggers exist


def test_every_guard_trigger_is_installed(db):
    """A later migration that remakes a table on SQLite drops its triggers: this notices."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid")
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        present = set(cursor.fetchall())
    expected = {(t, name) for t, names in GUARDS.trigger_names(connection.vendor).items() for name in names}
    assert expected - present == set()
    guarded = {m._meta.db_table for m in [Disclosure, AuditEntry, *MODELS]}
    assert guarded == set(GUARDS.GUARDED_TABLES)


# ---------------------------------------------------------------- every row of a published version


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
class TestPublishedRows:
    def test_save_refused(self, published, model):
        _, rows = published
        row = model.objects.get(pk=rows[model].pk)
        name, value = CHANGES[model]
        before = getattr(row, name)
        setattr(row, name, value)
        refused(row.save)
        assert getattr(model.objects.get(pk=row.pk), name) == before

    def test_queryset_update_refused(self, published, model):
        _, rows = published
        name, value = CHANGES[model]
        refused(lambda: model.objects.filter(pk=rows[model].pk).update(**{name: value}))

    def test_bulk_update_refused(self, published, model):
        _, rows = published
        row = model.objects.get(pk=rows[model].pk)
        name, value = CHANGES[model]
        setattr(row, name, value)
        refused(lambda: model.objects.bulk_update([row], [name]))

    def test_delete_refused(self, published, model):
        _, rows = published
        refused(model.objects.get(pk=rows[model].pk).delete)
        refused(model.objects.filter(pk=rows[model].pk).delete)
        assert model.objects.filter(pk=rows[model].pk).exists()

    def test_insert_refused(self, published, model):
        disclosure, rows = published
        row = new_row(model, rows)
        if row is None:  # one-to-one facts: a second published disclosure's
            other = publish(make_disclosure("803"))
            row = model(disclosure=other)
        refused(row.save)
        refused(lambda: model.objects.bulk_create([row]))

    def test_raw_sql_refused(self, published, model):
        _, rows = published
        name, value = CHANGES[model]
        column = model._meta.get_field(name).column
        with connection.cursor() as cursor:
            update = "UPDATE {table} SET {column} = %s WHERE id = %s"
            refused(lambda: raw(cursor, update, model, [value, rows[model].pk], column))
            refused(lambda: raw(cursor, "DELETE FROM {table} WHERE id = %s", model, [rows[model].pk]))

    def test_moving_a_row_into_a_published_version_refused(self, published, model):
        disclosure, rows = published
        other = make_disclosure("804")
        row = fill(other)[model]
        link = {TargetFunding: "form", Indicator: "form", SelfEvaluationFunds: "evaluation"}
        link[IndicatorResult] = "evaluation"
        if model in link:
            name = link[model]
            refused(lambda: model.objects.filter(pk=row.pk).update(**{name: rows[model].__dict__[f"{name}_id"]}))
        else:
            refused(lambda: model.objects.filter(pk=row.pk).update(disclosure=disclosure))

    def test_the_same_on_a_draft_is_allowed(self, draft, model):
        _, rows = draft
        name, value = CHANGES[model]
        row = model.objects.get(pk=rows[model].pk)
        setattr(row, name, value)
        row.save()
        model.objects.filter(pk=row.pk).update(**{name: value})
        model.objects.bulk_update([row], [name])
        if (extra := new_row(model, rows)) is not None:
            extra.save()
            extra.delete()
        with connection.cursor() as cursor:
            column = model._meta.get_field(name).column
            raw(cursor, "UPDATE {table} SET {column} = %s WHERE id = %s", model, [value, row.pk], column)
        model.objects.filter(pk=row.pk).delete()
        assert not model.objects.filter(pk=row.pk).exists()


# ---------------------------------------------------------------- the disclosure row


class TestPublishedDisclosure:
    def test_no_field_changes(self, published):
        disclosure, _ = published
        disclosure.title = "改标题"
        refused(disclosure.save)
        refused(lambda: Disclosure.objects.filter(pk=disclosure.pk).update(revision=99))
        refused(lambda: Disclosure.objects.filter(pk=disclosure.pk).update(status=Disclosure.Status.DRAFT))
        with connection.cursor() as cursor:
            refused(lambda: raw(cursor, "UPDATE {table} SET title = 'x' WHERE id = %s", Disclosure, [disclosure.pk]))
        assert Disclosure.objects.get(pk=disclosure.pk).title == ""

    def test_not_deleted_by_any_path(self, published):
        disclosure, _ = published
        refused(disclosure.delete)
        refused(Disclosure.objects.filter(pk=disclosure.pk).delete)
        with connection.cursor() as cursor:
            refused(lambda: raw(cursor, "DELETE FROM {table} WHERE id = %s", Disclosure, [disclosure.pk]))
        assert Disclosure.objects.filter(pk=disclosure.pk).exists()

    def test_not_inserted_as_published(self, db):
        unit = make_disclosure().unit
        refused(
            lambda: Disclosure.objects.create(
                unit=unit, fiscal_year=2026, kind="final", status=Disclosure.Status.PUBLISHED
            )
        )

    def test_publishing_and_correcting_are_allowed(self, draft):
        disclosure, _ = draft
        publish(disclosure)
        correction = make_disclosure("802", version=2, supersedes=disclosure)
        fill(correction)
        assert Disclosure.objects.get(pk=disclosure.pk).status == Disclosure.Status.PUBLISHED
        assert correction.supersedes_id == disclosure.pk and correction.status == Disclosure.Status.DRAFT

    def test_a_draft_is_deleted_with_its_rows(self, draft):
        disclosure, rows = draft
        disclosure.delete()
        assert not any(model.objects.filter(pk=row.pk).exists() for model, row in rows.items())


# ---------------------------------------------------------------- audit trail


class TestAuditTrail:
    def entry(self, disclosure=None, user=None):
        return AuditEntry.objects.create(
            disclosure=disclosure, user=user, action="update", model="functionline", changes={"金额": ["1", "2"]}
        )

    def test_no_update_no_delete(self, draft):
        entry = self.entry(draft[0])
        entry.object_repr = "改过"
        refused(entry.save, APPEND_ONLY_MESSAGE)
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(changes={}), APPEND_ONLY_MESSAGE)
        refused(entry.delete, APPEND_ONLY_MESSAGE)
        refused(AuditEntry.objects.all().delete, APPEND_ONLY_MESSAGE)
        with connection.cursor() as cursor:
            refused(lambda: raw(cursor, "DELETE FROM {table}", AuditEntry), APPEND_ONLY_MESSAGE)
        assert AuditEntry.objects.get(pk=entry.pk).changes == {"金额": ["1", "2"]}

    def test_a_deleted_draft_or_user_only_detaches_its_entries(self, draft):
        disclosure, _ = draft
        user = get_user_model().objects.create_user("departed")
        entry = self.entry(disclosure, user)
        disclosure.delete()  # on_delete=SET_NULL
        user.delete()
        entry.refresh_from_db()
        assert (entry.disclosure_id, entry.user_id, entry.changes) == (None, None, {"金额": ["1", "2"]})

    def test_an_entry_of_a_published_version_stays_attached(self, published):
        entry = self.entry(published[0])
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(disclosure=None), APPEND_ONLY_MESSAGE)

    def test_detaching_cannot_smuggle_a_change(self, draft):
        entry = self.entry(draft[0])
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(disclosure=None, model="x"), APPEND_ONLY_MESSAGE)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_whole_database_flush_is_still_possible():
    """manage.py flush / transactional test teardown: TRUNCATE on PostgreSQL; DELETE flagged as a flush on SQLite."""
    disclosure = make_disclosure()
    fill(disclosure)
    publish(disclosure)
    AuditEntry.objects.create(disclosure=disclosure, action="create", model="disclosure")
    call_command("flush", interactive=False, verbosity=0)
    assert not Disclosure.objects.exists() and not AuditEntry.objects.exists()
    with pytest.raises(IntegrityError):  # and the guard is back on after the flush
        make_disclosure().audit.create(action="create", model="x").delete()


# ---------------------------------------------------------------- admin and importer map the refusal


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="x")


def admin_change(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


class TestAdmin:
    def test_published_versions_are_read_only_in_the_admin(self, client, superuser, published):
        disclosure, rows = published
        client.force_login(superuser)
        response = client.get(admin_change(Disclosure, disclosure.pk))
        assert response.status_code == 200 and not response.context["has_change_permission"]
        line = rows[FunctionLine]
        url = admin_change(FunctionLine, line.pk)
        post = {"disclosure": disclosure.pk, "fund": "general", "basic": "1.00", "reported_subtotal": "on"}
        assert client.post(url, post).status_code == 403
        assert FunctionLine.objects.get(pk=line.pk).basic == D("100.00")

    def test_the_database_refusal_is_a_message_not_a_500(self, client, superuser, published, monkeypatch):
        """Were the admin's own check wrong (or raced), the trigger still refuses, and the user reads why."""
        disclosure, _ = published
        monkeypatch.setattr(disclosures_admin, "can_edit", lambda user, d: True)
        monkeypatch.setattr(disclosures_admin, "revision_lock", lambda **kwargs: kwargs["disclosure"])
        client.force_login(superuser)
        url = admin_change(Disclosure, disclosure.pk)
        response = client.post(url, form_data(client.get(url), title="改过的标题"), follow=True)
        assert response.status_code == 200
        assert [str(m) for m in response.context["messages"]] == [f"{LOCKED_MESSAGE}。您的修改未保存"]
        assert Disclosure.objects.get(pk=disclosure.pk).title == ""

    def test_a_draft_is_changed_through_the_admin(self, client, superuser, draft):
        disclosure, rows = draft
        client.force_login(superuser)
        line = rows[FunctionLine]
        post = {
            "disclosure": disclosure.pk,
            "fund": "general",
            "basic": "1.00",
            "reported_subtotal": "on",
            "loaded_revision": disclosure.revision,
        }
        response = client.post(admin_change(FunctionLine, line.pk), post)
        assert response.status_code == 302
        assert FunctionLine.objects.get(pk=line.pk).basic == D("1.00")


def test_the_importer_reports_the_refusal_as_import_failed(import_seed, monkeypatch):
    """A bug that handed the importer a published version to overwrite is caught by the database."""
    published = Disclosure.objects.get(pk=import_seed("001", publish=True).disclosure_id)
    counts = FunctionLine.objects.count(), Section.objects.count(), AuditEntry.objects.count()
    monkeypatch.setattr(loader, "_replace_draft", lambda doc, unit, file_name: (published, True))
    with pytest.raises(ImportFailed) as failure:
        import_seed("001")
    assert LOCKED_MESSAGE in failure.value.message and "未写入任何数据" in failure.value.message
    assert (FunctionLine.objects.count(), Section.objects.count(), AuditEntry.objects.count()) == counts
    assert Disclosure.objects.get(pk=published.pk).status == Disclosure.Status.PUBLISHED
