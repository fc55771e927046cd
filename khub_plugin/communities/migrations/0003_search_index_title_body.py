"""A GIN index on ``title || body`` of Wagtail's search index table, on PostgreSQL.

Wagtail's database search backend (django-modelsearch) matches ``(title || body) @@ query``. The GIN indexes
Wagtail creates cover ``title`` and ``body`` one at a time, which that expression cannot use (modelsearch's own
comment promises an index on the expression; its migrations do not create it for Wagtail's table). So every
search read every index entry of the model: searching 500,000 forum posts for a common word took over 90 s.
With this index it takes under a second (docs/benchmarks.md).

Written by hand: the index is on another app's table, on PostgreSQL only (SQLite uses FTS5 tables). Creating
it locks writes to the search index while it builds: about 3 s for half a million entries.
"""

from django.db import migrations

INDEX = "khub_search_title_body_gin"
TABLE = "wagtailsearch_indexentry"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin ((title || body))")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("khub_communities", "0002_activity_link_feedtoken_moderationaction"),
        ("wagtailsearch", "0006_customise_indexentry"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
