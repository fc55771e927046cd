"""Taking khub-plugin out of a site (issue 9): the host's migrations keep running, and `khub_uninstall`
reports what depends on the package, then removes its pages and tables.

The end-to-end part runs on a copy of the example intranet in its own process, like test_example_project.
"""

import json
import shutil

import pytest
from wagtail.fields import StreamField

from khub_plugin.communities.uninstall import PACKAGE_NAME
from khub_plugin.forums.blocks import LatestDiscussionsBlock
from khub_plugin.news.blocks import NewsPanelBlock
from tests.test_example_project import EXAMPLE, manage


def test_panels_leave_no_trace_of_khub_in_the_hosts_migrations():
    """A host's migration records the StreamField that offers khub's panels; it must not name khub's models,
    or it stops running (LookupError) once the package is uninstalled."""
    field = StreamField([("news", NewsPanelBlock()), ("discussions", LatestDiscussionsBlock())])
    _, path, args, kwargs = field.deconstruct()
    recorded = repr((path, args, kwargs))
    assert "khub" not in recorded
    assert "wagtail.blocks.PageChooserBlock" in recorded
    # The editor's chooser still offers only communities.
    chooser = NewsPanelBlock().child_blocks["community"]
    assert [model._meta.label for model in chooser.target_models] == ["khub_communities.CommunityPage"]


def test_the_example_intranets_own_migrations_never_name_khub():
    for path in (EXAMPLE / "home" / "migrations").glob("*.py"):
        assert not PACKAGE_NAME.search(path.read_text()), path


@pytest.mark.parametrize(
    ("line", "names_khub"),
    [
        ("from khub_plugin.news.blocks import NewsPanelBlock", True),
        ("'page_type': ['khub_communities.CommunityPage'],", True),
        ('("khub_forums.Topic", models.CASCADE)', True),
        ("KHUB_BASE_TEMPLATE = 'base.html'", False),
        ("khub_settings.BASE_TEMPLATE", False),
    ],
)
def test_what_counts_as_naming_the_package(line, names_khub):
    assert bool(PACKAGE_NAME.search(line)) is names_khub


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    copy = tmp_path_factory.mktemp("uninstall") / "example_project"
    shutil.copytree(
        EXAMPLE, copy, ignore=shutil.ignore_patterns("db.sqlite3", "media", "static", "__pycache__")
    )
    (copy / "anytown" / "static").mkdir(exist_ok=True)
    for step in (["migrate", "--noinput"], ["load_demo"]):
        done = manage(copy, *step)
        assert done.returncode == 0, done.stderr
    return copy


UNINSTALL_SCRIPT = """
import builtins, io, json
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from wagtail.models import Page


def state():
    tables = [t for t in connection.introspection.table_names() if t.startswith("khub_")]
    khub_pages = Page.objects.filter(content_type__app_label__startswith="khub_").count()
    return {"tables": len(tables), "khub_pages": khub_pages, "pages": Page.objects.count()}


def run(*args):
    out = io.StringIO()
    try:
        call_command("khub_uninstall", *args, stdout=out)
    except CommandError as error:
        return "refused: " + str(error)
    return out.getvalue()


result = {"before": state()}
result["report"] = run()
# Asked to confirm: "no", and no answer at all (end of input), change nothing.
answers = iter(["no"])
def answer(prompt):
    try:
        return next(answers)
    except StopIteration:
        raise EOFError from None
builtins.input = answer
result["declined"] = [run("--delete-pages"), run("--delete-pages", "--unmigrate")]
# Unapplying with pages still in the tree would leave pages whose type no longer exists.
result["refused"] = run("--unmigrate", "--noinput")
result["unchanged"] = state()
# The developer's first step (docs/upgrading.md): the intranet's own pages stop using khub's panels.
from home.models import HomePage
HomePage.objects.update(panels=[])
result["done"] = run("--delete-pages", "--unmigrate", "--noinput")
result["after"] = state()
result["home"] = Client().get("/").status_code
print("RESULT", json.dumps(result))
"""


def test_khub_uninstall_reports_asks_then_removes_pages_and_tables(demo):
    out = manage(demo, "shell", "-c", UNINSTALL_SCRIPT)
    assert out.returncode == 0, out.stderr
    (line,) = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    before = result["before"]
    assert before["tables"] > 10 and before["khub_pages"] == 8

    report = result["report"]
    assert "khub pages in the page tree: 8" in report
    assert "Communities (id" in report and "and everything below it" in report
    assert "home.HomePage.panels: news, discussions" in report
    assert "home/models.py: line 8, 9" in report
    assert "home/migrations" not in report  # the panels no longer write khub's names there
    assert "manage.py khub_uninstall --delete-pages" in report

    assert result["declined"] == ["refused: Nothing was changed."] * 2
    assert result["refused"].startswith("refused: 8 khub page(s) are still in the page tree")
    assert result["unchanged"] == before

    assert "Deleted 8 page(s)." in result["done"]
    assert "Unapplied the migrations of khub_news, khub_forums, khub_communities." in result["done"]
    after = result["after"]
    assert after["tables"] == 0 and after["khub_pages"] == 0
    assert after["pages"] == before["pages"] - 8  # the intranet's own pages stay
    assert result["home"] == 200
