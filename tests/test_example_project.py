"""The demo intranet works as `make demo` promises: migrate, idempotent demo data, pages, sign-ins, deploy.

The example project runs in its own processes (it has its own settings), on a copy in a temporary folder so
the developer's own demo database is never touched.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"

CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from wagtail.models import Page, Revision

    result = {"status": {}, "signed_in": {}}
    anonymous = Client()
    for url in ["/", "/admin/login/", "/accounts/login/", "/news/", "/communities/", "/search/?query=budget"]:
        result["status"][url] = anonymous.get(url).status_code
    for username in ["admin", "facilitator", "member", "newcomer"]:
        client = Client(enforce_csrf_checks=False)
        credentials = {"username": username, "password": "khub-demo", "next": "/"}
        response = client.post("/accounts/login/", credentials)
        home = client.get("/")
        result["signed_in"][username] = [response.status_code, response.get("Location"),
                                         "Signed in as" in home.content.decode(),
                                         client.get("/communities/").status_code]
    wrong = Client().post("/accounts/login/", {"username": "member", "password": "wrong"})
    result["wrong_password"] = [wrong.status_code, "There is a problem" in wrong.content.decode()]
    result["admin_dashboard"] = Client().get("/admin/").status_code
    admin = Client()
    admin.login(username="admin", password="khub-demo")
    result["admin_dashboard_signed_in"] = admin.get("/admin/").status_code
    result["counts"] = [Page.objects.count(), get_user_model().objects.count(), Revision.objects.count()]
    print(json.dumps(result))
    """
)


def manage(project, *args, settings="anytown.settings.dev", env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def counts(project):
    out = manage(project, "shell", "-c", CLIENT_SCRIPT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    copy = tmp_path_factory.mktemp("demo") / "example_project"
    shutil.copytree(
        EXAMPLE, copy, ignore=shutil.ignore_patterns("db.sqlite3", "media", "static", "__pycache__")
    )
    # The copy must still find the project's own static folder name.
    (copy / "anytown" / "static").mkdir(exist_ok=True)
    migrated = manage(copy, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    return copy


@pytest.fixture(scope="module")
def first_load(project):
    loaded = manage(project, "load_demo")
    assert loaded.returncode == 0, loaded.stderr
    return loaded.stdout


def test_demo_data_prints_the_sign_ins(first_load):
    assert "http://127.0.0.1:8000/" in first_load
    for username in ["admin", "facilitator", "member", "newcomer"]:
        assert f"  {username} " in first_load
    assert "khub-demo" in first_load


def test_pages_answer_and_every_demo_user_can_sign_in(project, first_load):
    result = counts(project)
    assert result["status"] == {
        "/": 200,
        "/admin/login/": 200,
        "/accounts/login/": 200,
        "/news/": 200,
        "/communities/": 302,  # staff only: anonymous visitors are sent to sign in
        "/search/?query=budget": 200,
    }
    for username in ["admin", "facilitator", "member", "newcomer"]:
        assert result["signed_in"][username] == [302, "/", True, 200], username
    assert result["wrong_password"] == [200, True]
    assert result["admin_dashboard"] == 302
    assert result["admin_dashboard_signed_in"] == 200


def test_loading_the_demo_twice_creates_nothing_twice(project, first_load):
    before = counts(project)["counts"]
    again = manage(project, "load_demo")
    assert again.returncode == 0, again.stderr
    assert "Created" not in again.stdout
    assert counts(project)["counts"] == before


PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "intranet.anytown.gov.uk",
    "DATABASE_URL": "postgres://khub:secret@db.internal:5432/intranet",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
}


def test_production_settings_pass_the_deploy_check(project):
    out = manage(
        project,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        settings="anytown.settings.production",
        env=PRODUCTION_ENV,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_settings_refuse_to_start_without_their_secrets(project):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    out = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=project,
        env={**clean, "DJANGO_SETTINGS_MODULE": "anytown.settings.production"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode != 0
    assert "Set the SECRET_KEY environment variable for production." in out.stderr
