"""Project search (/projects/?q=…) on PostgreSQL: pg_trgm and GIN trigram indexes for substring matches.

The portal matches with ``icontains``, which Django writes as ``UPPER(col::text) LIKE UPPER('%q%')``, so each
index is on that expression (upper(col) with gin_trgm_ops) and the planner can answer the LIKE from the index.
pg_trgm needs at least one trigram in the pattern: a query of three or more characters uses the index; a
one- or two-character query ('救援') has none and falls back to a scan.

PostgreSQL only. Model state is unchanged (the indexes are not in Meta.indexes, which would ask SQLite for them
too), so makemigrations sees nothing; on SQLite this migration does nothing and search is a plain scan.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (app label, model, field, index name)
TRIGRAM_INDEXES = [
    ("disclosures", "ProjectLine", "name", "portal_projectline_name_trgm"),
    ("performance", "TargetForm", "project_name", "portal_targetform_name_trgm"),
    ("performance", "TargetForm", "goal_annual", "portal_targetform_annual_trgm"),
    ("performance", "TargetForm", "goal_period", "portal_targetform_period_trgm"),
    ("performance", "Indicator", "name", "portal_indicator_name_trgm"),
]


def _statements(apps, schema_editor, template: str):
    quote = schema_editor.quote_name
    for app_label, model_name, field, name in TRIGRAM_INDEXES:
        model = apps.get_model(app_label, model_name)
        column = model._meta.get_field(field).column
        yield template.format(name=quote(name), table=quote(model._meta.db_table), column=quote(column))


def create_indexes(apps, schema_editor):
    # Raw SQL rather than GinIndex(OpClass(Upper(...))): Django renders OpClass inside an index expression
    # correctly only when django.contrib.postgres is installed, which this project does not need otherwise.
    if schema_editor.connection.vendor != "postgresql":
        return
    template = "CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}) gin_trgm_ops)"
    for sql in _statements(apps, schema_editor, template):
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in _statements(apps, schema_editor, "DROP INDEX IF EXISTS {name}"):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0007_published_immutable"),
        ("performance", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),  # CreateExtension is itself a no-op on other databases
        migrations.RunPython(create_indexes, drop_indexes),
    ]
