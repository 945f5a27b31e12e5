"""PostgreSQL: a covering index on the database search backend's entries.

A search joins its matching entry ids with the entries for their family (the family counts that
choose the facets) and article number (the tie-break of the page order). With the columns in
the index, those joins are index-only scans instead of visits to the wide entry rows (their
listing JSON), which is what a text matching half the catalog spends its time on.

The index is PostgreSQL only (``INCLUDE``) and therefore not part of the models' state: on
SQLite it would be a plain duplicate of the primary key (SQLite reads the columns by rowid).
"""

from django.db import migrations

INDEX = "search_entry_cover_idx"
COVERED = ("family_id", "lifecycle", "article_key")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    meta = apps.get_model("pim_search", "IndexEntry")._meta
    quote = schema_editor.quote_name
    covered = ", ".join(quote(meta.get_field(name).column) for name in COVERED)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(INDEX)} ON {quote(meta.db_table)} "
        f"({quote(meta.pk.column)}) INCLUDE ({covered})"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("pim_search", "0002_indexdownload"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
