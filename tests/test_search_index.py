"""The search index table has the index Wagtail's PostgreSQL search query needs (migration
``khub_communities.0003``): without it every forum search read every index entry."""

import pytest
from django.db import connection
from wagtail.search.backends import get_search_backend

from khub_plugin.forums.models import Post
from tests import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: run tox -e postgres"
)


def test_the_title_body_index_exists(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'khub_search_title_body_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "(title || body)" in definition


def test_a_forum_search_uses_it(directory):
    community = factories.community(directory, "Indexed", "open", tools=["forum"])
    author = factories.user("author")
    factories.membership(community, author, "active")
    factories.topic(community, author, "Waste collection", body="<p>Bins and rounds.</p>", replies=3)
    results = get_search_backend().search("rounds", Post.objects.filter(community=community), operator="and")
    sql, params = results.get_queryset().query.sql_with_params()
    # Wagtail's query matches the expression the index is built on (a new Wagtail may change it: then this
    # fails, and the migration needs another look)...
    assert '("wagtailsearch_indexentry"."title" || "wagtailsearch_indexentry"."body") @@' in sql
    assert len(list(results)) == 1
    # ...and PostgreSQL can answer that expression from the index.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: show what the planner can use
        cursor.execute(
            "EXPLAIN SELECT id FROM wagtailsearch_indexentry WHERE (title || body) @@ to_tsquery('rounds')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "khub_search_title_body_gin" in plan, plan
