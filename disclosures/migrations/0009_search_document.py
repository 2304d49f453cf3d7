"""Project search: SearchDocument (disclosures/search_index.py), one row per searchable line or form of a published
disclosure with the character bigrams of its texts, and on PostgreSQL a GIN index on those bigrams so that a
two-character query such as 救援 (no trigram for pg_trgm, 0008) is answered from an index.

The table is derived data: no data migration. Until ``manage.py rebuild_search_index`` has run, the search scans
the disclosures that have no documents, as before. It is not guarded by the immutability triggers of 0007: the
documents of a published disclosure are written after it is published, and rebuilt at will.
"""

import django.db.models.deletion
from django.db import migrations, models

import disclosures.models

GIN_INDEX = "portal_searchdocument_bigrams"


def create_index(apps, schema_editor):
    # Not in Meta.indexes: a GIN index exists on PostgreSQL only (as in 0008). fastupdate off: documents are
    # written once per publication and read by every search, which would otherwise also scan GIN's pending list
    # (and the planner, counting it, would pass the index by) until a vacuum merges it.
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("disclosures", "SearchDocument")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON {table} USING gin (bigrams) WITH (fastupdate = off)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("disclosures", "0008_portal_trigram_indexes"),
        ("performance", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(blank=True, verbose_name="检索文本")),
                ("bigrams", disclosures.models.BigramsField(default=list, verbose_name="二元组")),
                (
                    "disclosure",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="disclosures.disclosure",
                        verbose_name="公开",
                    ),
                ),
                (
                    "form",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="performance.targetform",
                        verbose_name="绩效目标表",
                    ),
                ),
                (
                    "line",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="disclosures.projectline",
                        verbose_name="项目支出",
                    ),
                ),
            ],
            options={
                "verbose_name": "检索文本",
                "verbose_name_plural": "检索文本",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("line__isnull", True), ("form__isnull", True), _connector="OR"),
                        name="search_document_line_or_form",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("form__isnull", True), ("line__isnull", True)),
                        fields=("disclosure",),
                        name="search_document_one_mark",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
