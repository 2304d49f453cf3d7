"""修改留痕与并发修改 — audit entries for data changes, the optimistic lock on a disclosure's revision, and the
Chinese messages for what the database refuses.

* ``audit_record`` / ``model_changes``: one AuditEntry per created, changed or deleted row, with old → new values
  by field verbose name (Decimal as strings, choices and related objects by their display names).
* ``disclosure_touch``: every change to a disclosure's data goes through it. It locks the disclosure row
  (SELECT … FOR UPDATE on PostgreSQL), refuses a stale edit — one made on a page loaded at an older revision —
  and increments the revision with ``UPDATE … WHERE revision = <the one checked>``, which is also right on SQLite
  (which ignores FOR UPDATE but lets one writer at a time).
* ``protected_message``: the Chinese message for an error raised by the immutability triggers
  (disclosures/migrations/0007_published_immutable.py), or None for any other database error.
* SQLite: the triggers' DELETE guards call ``yjsgk_flushing()``, registered here on every SQLite connection;
  it answers 1 only while Django flushes the whole database (manage.py flush, transactional test teardown).
  This module is imported by disclosures.admin, which the admin app autodiscovers in every process.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.db.models import F
from django.utils import timezone

from disclosures.models import AuditEntry, Disclosure

LOCKED_MARKER = "已公开的版本不可修改"
APPEND_ONLY_MARKER = "修改留痕只能追加"
LOCKED_MESSAGE = "已公开的版本不可修改：已公开的数据不能新增、修改或删除，如需修改请发起更正（生成新版本）"
APPEND_ONLY_MESSAGE = "修改留痕只能追加，不可修改或删除"
NOT_AUDITED = {"revision", "updated_at", "created_at"}


class RevisionRefused(ValidationError):
    """A change to a disclosure's data refused before writing: published, deleted, or edited meanwhile."""


class StaleRevision(RevisionRefused):
    """The page was loaded at ``loaded`` but the disclosure is now at ``current``: the edit is refused."""

    def __init__(self, loaded, current: int):
        self.loaded, self.current = loaded, current
        super().__init__(
            f"该公开已被他人修改（修订号{loaded}→{current}），请刷新后再改，您的修改未保存", code="stale_revision"
        )


# ---------------------------------------------------------------- database errors


def protected_message(exc: BaseException) -> str | None:
    """The Chinese message for an immutability-trigger error (looking through chained causes), else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        text = str(exc)
        if LOCKED_MARKER in text:
            return LOCKED_MESSAGE
        if APPEND_ONLY_MARKER in text:
            return APPEND_ONLY_MESSAGE
        exc = exc.__cause__ or exc.__context__
    return None


def _register_sqlite_functions(connection) -> None:
    """yjsgk_flushing() for the triggers, and a flag set while Django flushes this connection's database."""
    if connection.vendor != "sqlite" or connection.connection is None:
        return
    connection.connection.create_function(
        "yjsgk_flushing", 0, lambda: 1 if getattr(connection, "yjsgk_flushing", False) else 0
    )
    ops = connection.ops
    if getattr(ops, "yjsgk_flush_flagged", False):
        return
    flush = ops.execute_sql_flush

    def execute_sql_flush(sql_list):
        connection.yjsgk_flushing = True
        try:
            return flush(sql_list)
        finally:
            connection.yjsgk_flushing = False

    ops.execute_sql_flush = execute_sql_flush
    ops.yjsgk_flush_flagged = True


def _on_connection_created(sender, connection, **kwargs):
    _register_sqlite_functions(connection)


connection_created.connect(_on_connection_created, dispatch_uid="disclosures.audit.sqlite_functions")
for _connection in connections.all(initialized_only=True):  # opened before this module was imported
    _register_sqlite_functions(_connection)


# ---------------------------------------------------------------- whose data is it


def disclosure_of(obj) -> Disclosure | None:
    """The disclosure a row belongs to: itself, its ``disclosure``, or its target form's / self-evaluation's."""
    if obj is None:
        return None
    if isinstance(obj, Disclosure):
        return obj
    try:
        if hasattr(obj, "disclosure_id"):
            return obj.disclosure if obj.disclosure_id else None
        for parent in ("form", "evaluation"):
            if getattr(obj, f"{parent}_id", None):
                return disclosure_of(getattr(obj, parent))
    except ObjectDoesNotExist:
        return None
    return None


def department_id_of(obj) -> int | None:
    """The department a row belongs to: its disclosure's, or (standalone forms) its own or its form's."""
    disclosure = disclosure_of(obj)
    if disclosure is not None:
        return disclosure.unit.department_id
    if getattr(obj, "department_id", None):
        return obj.department_id
    for parent in ("form", "evaluation"):
        if getattr(obj, f"{parent}_id", None):
            return department_id_of(getattr(obj, parent))
    return None


# ---------------------------------------------------------------- audit entries


def display_value(obj, field):
    """A field's value as the admin shows it, JSON-safe: labels for choices, names for related rows."""
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return None
    if field.is_relation:
        try:
            return str(getattr(obj, field.name))
        except ObjectDoesNotExist:
            return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, int | float | str | list | dict):
        return value
    return str(value)


def audited_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in NOT_AUDITED and not getattr(f, "auto_now", False)
    ]


def model_changes(old, new, fields=None) -> dict:
    """{field verbose name: [old, new]} for the fields whose stored value differs.

    ``old`` None means created (fields left empty are omitted), ``new`` None means deleted.
    """
    model = type(new if new is not None else old)
    names = audited_fields(model) if fields is None else fields
    changes = {}
    for name in names:
        field = model._meta.get_field(name)
        before = getattr(old, field.attname) if old is not None else None
        after = getattr(new, field.attname) if new is not None else None
        if before == after or (old is None and after in (None, "")) or (new is None and before in (None, "")):
            continue
        changes[str(field.verbose_name)] = [
            display_value(old, field) if old is not None else None,
            display_value(new, field) if new is not None else None,
        ]
    return changes


def audit_record(*, user, instance, action: str, changes: dict, disclosure: Disclosure | None) -> AuditEntry:
    """One AuditEntry: who did ``action`` (AuditEntry.Action) to ``instance``, with old → new ``changes``."""
    return AuditEntry.objects.create(
        disclosure=disclosure if disclosure is None or disclosure.pk else None,
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        model=instance._meta.model_name,
        object_id="" if instance.pk is None else str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes,
    )


# ---------------------------------------------------------------- optimistic lock


def revision_lock(*, disclosure: Disclosure | int, expected_revision) -> Disclosure:
    """Lock the disclosure row and check the revision the caller loaded; the locked row is returned.

    ``expected_revision`` None skips the check (a change that was not made on a loaded page, e.g. an add).
    Raises StaleRevision, or RevisionRefused when the disclosure is published or gone (both ValidationErrors).
    """
    pk = disclosure.pk if isinstance(disclosure, Disclosure) else disclosure
    try:
        with transaction.atomic():  # the lock lasts until the caller's transaction ends
            locked = Disclosure.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)
    except Disclosure.DoesNotExist:
        raise RevisionRefused("该公开已被删除，请刷新后再改，您的修改未保存", code="gone") from None
    if locked.status == Disclosure.Status.PUBLISHED:
        raise RevisionRefused(LOCKED_MESSAGE, code="published")
    if expected_revision not in (None, "") and int(expected_revision) != locked.revision:
        raise StaleRevision(expected_revision, locked.revision)
    return locked


def disclosure_touch(*, disclosure: Disclosure, expected_revision) -> int:
    """Record a change to the disclosure's data: check the loaded revision under a row lock and increment it.

    Call it in the transaction that writes the change (it opens a savepoint of its own otherwise), before the
    writes when it can: a stale edit raises StaleRevision ('该公开已被他人修改（修订号X→Y）…') and the caller's
    transaction rolls back. Returns the new revision, also set on ``disclosure``.
    """
    with transaction.atomic():
        locked = revision_lock(disclosure=disclosure, expected_revision=expected_revision)
        updated = Disclosure.objects.filter(pk=locked.pk, revision=locked.revision).update(
            revision=F("revision") + 1, updated_at=timezone.now()
        )
        if updated != 1:  # changed between the read and the write (SQLite has no FOR UPDATE)
            current = Disclosure.objects.filter(pk=locked.pk).values_list("revision", flat=True).first()
            raise StaleRevision(locked.revision if expected_revision in (None, "") else expected_revision, current)
    disclosure.revision = locked.revision + 1
    return disclosure.revision
