"""Published data is immutable, below the view layer: database triggers on PostgreSQL and SQLite.

What the triggers refuse (whatever the path: admin, import, ORM save, QuerySet.update/bulk_update/delete, raw SQL):

* disclosures_disclosure: INSERT of a row already 'published'; any UPDATE or DELETE of a 'published' row.
  Reaching 'published' is an UPDATE from any other status (the workflow's transition; the loader's demo
  publish=True); after that nothing changes on the row. A correction is a new row (supersedes → old).
* every row that belongs to a disclosure (FACT_TABLES: disclosure_id directly; CHILD_TABLES: through their
  target form / self-evaluation): INSERT, UPDATE or DELETE when the disclosure (before or after the change) is
  published.
* disclosures_auditentry is append-only: no DELETE, and no UPDATE except the one Django's on_delete=SET_NULL
  needs — detaching an entry from a deleted user, or from a deleted *unpublished* disclosure (a replaced draft),
  with every other column unchanged.

Errors read '已公开的版本不可修改…' / '修改留痕只能追加…' (disclosures.audit maps them to Chinese messages);
PostgreSQL raises them as SQLSTATE 23000 and SQLite as RAISE(ABORT), so both surface as django.db.IntegrityError.

Flushing a whole database (manage.py flush; pytest-django's transactional tests after each test) stays possible:
PostgreSQL flushes with TRUNCATE, which fires no row trigger. SQLite flushes with DELETE FROM <table>, which
does; its DELETE triggers therefore refuse only ``WHEN yjsgk_flushing() = 0``, a connection function that
disclosures.audit registers on every SQLite connection and that answers 1 only while Django's
``connection.ops.execute_sql_flush`` runs. A connection without it (the sqlite3 shell) cannot DELETE from
these tables at all ('no such function') — it fails closed.

PostgreSQL: a fact trigger reads the disclosure row FOR SHARE, so a write racing a publication waits for it and
then sees 'published' (the workflow locks the row FOR UPDATE before publishing).

SQLite caveat: a later migration that makes Django *remake* one of these tables on SQLite (most AlterField /
AddField with a default / RemoveField) drops that table's triggers; re-run ``sqlite_create(table)`` from this
module afterwards. tests/disclosures/test_immutability.py checks every trigger is present.
"""

from django.db import migrations

LOCKED = "已公开的版本不可修改"
APPEND_ONLY = "修改留痕只能追加"

# table → its disclosure column
FACT_TABLES = [
    "disclosures_functionline",
    "disclosures_economicline",
    "disclosures_balance",
    "disclosures_revenueline",
    "disclosures_threepublicline",
    "disclosures_operatingcost",
    "disclosures_procurement",
    "disclosures_assetsummary",
    "disclosures_vehiclecount",
    "disclosures_projectline",
    "disclosures_section",
    "disclosures_sourcetable",
    "disclosures_disclosuresnapshot",
    "performance_targetform",
    "performance_selfevaluation",
]
# table → (its parent column, the parent table, which has a disclosure_id)
CHILD_TABLES = {
    "performance_targetfunding": ("form_id", "performance_targetform"),
    "performance_indicator": ("form_id", "performance_targetform"),
    "performance_selfevaluationfunds": ("evaluation_id", "performance_selfevaluation"),
    "performance_indicatorresult": ("evaluation_id", "performance_selfevaluation"),
}
AUDIT_TABLE = "disclosures_auditentry"
AUDIT_COLUMNS = ["id", "action", "model", "object_id", "object_repr", "changes", "created_at"]
GUARDED_TABLES = ["disclosures_disclosure", *FACT_TABLES, *CHILD_TABLES, AUDIT_TABLE]


# ---------------------------------------------------------------- PostgreSQL

PG_FUNCTIONS = [
    f"""
CREATE OR REPLACE FUNCTION yjsgk_published(p_disclosure bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_status varchar;
BEGIN
    IF p_disclosure IS NULL THEN
        RETURN false;
    END IF;
    SELECT status INTO v_status FROM disclosures_disclosure WHERE id = p_disclosure FOR SHARE;
    RETURN coalesce(v_status = 'published', false);
END
$$;
""",
    f"""
CREATE OR REPLACE FUNCTION yjsgk_row_published(p_row jsonb, p_column text, p_parent text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_key bigint := (p_row ->> p_column)::bigint;
    v_disclosure bigint;
BEGIN
    IF v_key IS NULL THEN
        RETURN false;
    END IF;
    IF p_parent IS NULL THEN
        RETURN yjsgk_published(v_key);
    END IF;
    EXECUTE format('SELECT disclosure_id FROM %I WHERE id = $1', p_parent) INTO v_disclosure USING v_key;
    RETURN yjsgk_published(v_disclosure);
END
$$;
""",
    f"""
CREATE OR REPLACE FUNCTION yjsgk_guard_published_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0]: the row's disclosure (or parent) column; TG_ARGV[1]: the parent table, if any
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF yjsgk_row_published(to_jsonb(OLD), TG_ARGV[0], TG_ARGV[1]) THEN
            RAISE EXCEPTION '{LOCKED}（%不能修改或删除）', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation', HINT = '如需修改已公开的内容请发起更正（新版本）';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF yjsgk_row_published(to_jsonb(NEW), TG_ARGV[0], TG_ARGV[1]) THEN
            RAISE EXCEPTION '{LOCKED}（%不能新增或改入）', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation', HINT = '如需修改已公开的内容请发起更正（新版本）';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;
""",
    f"""
CREATE OR REPLACE FUNCTION yjsgk_guard_disclosure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'published' THEN
            RAISE EXCEPTION '{LOCKED}：不能直接新增已公开的版本，须经审核流程公开'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION '{LOCKED}：更正请发起新版本'
            USING ERRCODE = 'integrity_constraint_violation', HINT = '已公开的版本任何字段都不能修改，也不能删除';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
""",
    f"""
CREATE OR REPLACE FUNCTION yjsgk_guard_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{APPEND_ONLY}，不可删除' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- on_delete=SET_NULL of a deleted user or unpublished disclosure: the link goes, nothing else changes
    IF (to_jsonb(NEW) - 'disclosure_id' - 'user_id') = (to_jsonb(OLD) - 'disclosure_id' - 'user_id')
        AND (NEW.user_id IS NOT DISTINCT FROM OLD.user_id OR NEW.user_id IS NULL)
        AND (NEW.disclosure_id IS NOT DISTINCT FROM OLD.disclosure_id
             OR (NEW.disclosure_id IS NULL AND NOT yjsgk_published(OLD.disclosure_id))) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{APPEND_ONLY}，不可修改' USING ERRCODE = 'integrity_constraint_violation';
END
$$;
""",
]

PG_DROP_FUNCTIONS = [
    "DROP FUNCTION IF EXISTS yjsgk_guard_audit()",
    "DROP FUNCTION IF EXISTS yjsgk_guard_disclosure()",
    "DROP FUNCTION IF EXISTS yjsgk_guard_published_rows()",
    "DROP FUNCTION IF EXISTS yjsgk_row_published(jsonb, text, text)",
    "DROP FUNCTION IF EXISTS yjsgk_published(bigint)",
]


def pg_trigger_name(table: str) -> str:
    return f"yjsgk_guard_{table}"


def pg_create(table: str) -> str:
    name = pg_trigger_name(table)
    if table == "disclosures_disclosure":
        call = "yjsgk_guard_disclosure()"
    elif table == AUDIT_TABLE:
        return f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION yjsgk_guard_audit()"
    elif table in CHILD_TABLES:
        column, parent = CHILD_TABLES[table]
        call = f"yjsgk_guard_published_rows('{column}', '{parent}')"
    else:
        call = "yjsgk_guard_published_rows('disclosure_id')"
    return f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {call}"


def pg_drop(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {pg_trigger_name(table)} ON {table}"


# ---------------------------------------------------------------- SQLite

SQLITE_NOT_FLUSHING = "yjsgk_flushing() = 0"


def sqlite_published(expression: str) -> str:
    """SQL true when the disclosure whose id ``expression`` gives is published."""
    return f"(SELECT status FROM disclosures_disclosure WHERE id = {expression}) = 'published'"


def sqlite_trigger(name: str, event: str, table: str, when: str, message: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN {when} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


def sqlite_triggers(table: str) -> dict[str, str]:
    """trigger name → CREATE TRIGGER statement, for one guarded table."""
    prefix = f"yjsgk_guard_{table}"
    if table == "disclosures_disclosure":
        return {
            f"{prefix}_insert": sqlite_trigger(
                f"{prefix}_insert", "INSERT", table, "NEW.status = 'published'",
                f"{LOCKED}：不能直接新增已公开的版本，须经审核流程公开",
            ),
            f"{prefix}_update": sqlite_trigger(
                f"{prefix}_update", "UPDATE", table, "OLD.status = 'published'", f"{LOCKED}：更正请发起新版本"
            ),
            f"{prefix}_delete": sqlite_trigger(
                f"{prefix}_delete", "DELETE", table, f"{SQLITE_NOT_FLUSHING} AND OLD.status = 'published'",
                f"{LOCKED}：更正请发起新版本",
            ),
        }
    if table == AUDIT_TABLE:
        unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in AUDIT_COLUMNS)
        detach_only = (
            f"{unchanged} AND (NEW.user_id IS OLD.user_id OR NEW.user_id IS NULL) "
            f"AND (NEW.disclosure_id IS OLD.disclosure_id "
            f"OR (NEW.disclosure_id IS NULL AND NOT coalesce({sqlite_published('OLD.disclosure_id')}, 0)))"
        )
        return {
            f"{prefix}_update": sqlite_trigger(
                f"{prefix}_update", "UPDATE", table, f"NOT ({detach_only})", f"{APPEND_ONLY}，不可修改"
            ),
            f"{prefix}_delete": sqlite_trigger(
                f"{prefix}_delete", "DELETE", table, SQLITE_NOT_FLUSHING, f"{APPEND_ONLY}，不可删除"
            ),
        }
    if table in CHILD_TABLES:
        column, parent = CHILD_TABLES[table]

        def published(row):
            return sqlite_published(f"(SELECT disclosure_id FROM {parent} WHERE id = {row}.{column})")

    else:

        def published(row):
            return sqlite_published(f"{row}.disclosure_id")

    return {
        f"{prefix}_insert": sqlite_trigger(
            f"{prefix}_insert", "INSERT", table, published("NEW"), f"{LOCKED}（{table}不能新增）"
        ),
        f"{prefix}_update": sqlite_trigger(
            f"{prefix}_update", "UPDATE", table, f"{published('OLD')} OR {published('NEW')}",
            f"{LOCKED}（{table}不能修改）",
        ),
        f"{prefix}_delete": sqlite_trigger(
            f"{prefix}_delete", "DELETE", table, f"{SQLITE_NOT_FLUSHING} AND {published('OLD')}",
            f"{LOCKED}（{table}不能删除）",
        ),
    }


def sqlite_create(table: str) -> list[str]:
    return list(sqlite_triggers(table).values())


def sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers(table)]


def trigger_names(vendor: str) -> dict[str, list[str]]:
    """table → the names of its guard triggers, for checking they exist."""
    if vendor == "postgresql":
        return {table: [pg_trigger_name(table)] for table in GUARDED_TABLES}
    return {table: list(sqlite_triggers(table)) for table in GUARDED_TABLES}


class VendorRunSQL(migrations.RunSQL):
    """RunSQL for one database vendor only; a no-op elsewhere."""

    def __init__(self, vendor, sql, reverse_sql):
        self.vendor = vendor
        super().__init__(sql, reverse_sql, elidable=False)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        kwargs.pop("elidable", None)
        return name, args, {"vendor": self.vendor, **kwargs}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0006_disclosure_snapshot"),
        ("performance", "0001_initial"),
    ]

    operations = [
        VendorRunSQL(
            "postgresql",
            sql=[*PG_FUNCTIONS, *(pg_create(table) for table in GUARDED_TABLES)],
            reverse_sql=[*(pg_drop(table) for table in GUARDED_TABLES), *PG_DROP_FUNCTIONS],
        ),
        VendorRunSQL(
            "sqlite",
            sql=[statement for table in GUARDED_TABLES for statement in sqlite_create(table)],
            reverse_sql=[statement for table in GUARDED_TABLES for statement in sqlite_drop(table)],
        ),
    ]
