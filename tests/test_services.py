"""The suite really runs on PostgreSQL and Redis in the postgres tox env (and skips them elsewhere).

With KHUB_REQUIRE_SERVICES=1 (set by tox -e postgres) a missing service fails these tests instead of skipping
them, so a CI run can never pass "on PostgreSQL" while quietly using SQLite.
"""

import os
import uuid

import pytest
from django.core.cache import caches
from django.db import connection


def need(variable):
    if os.environ.get(variable):
        return
    if os.environ.get("KHUB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{variable} is not set, but this env requires the real service")
    pytest.skip(f"{variable} is not set: run `tox -e postgres` for this test")


@pytest.mark.services
def test_the_database_is_postgresql(db):
    need("DATABASE_URL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


@pytest.mark.services
def test_the_cache_is_redis():
    need("REDIS_URL")
    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    key = f"khub-test-{uuid.uuid4()}"
    cache.set(key, {"ok": True}, 10)
    assert cache.get(key) == {"ok": True}
    cache.delete(key)


@pytest.mark.services
def test_full_text_search_runs_on_postgresql(home_page):
    need("DATABASE_URL")
    from wagtail.models import Page

    page = home_page.add_child(instance=Page(title="Peer support for planning officers", slug="peer-support"))
    assert list(Page.objects.live().search("planning officers")) == [page]
