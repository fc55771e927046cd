"""Behave like a new council developer: install the built wheel into a brand-new `wagtail start` site.

Builds the wheel, checks what it ships, installs it into a fresh virtual environment, creates a site with
`wagtail start mysite`, applies literally the code blocks of docs/installation.md marked
`<!-- packaging-test: ... -->`, then runs `migrate` and `check` and renders a page of the plugin.

Slow (it installs Wagtail from the package index), so it runs in `tox -e packaging`, not in `make test`.
"""

import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
INSTALLATION = ROOT / "docs" / "installation.md"
MARKED_BLOCK = re.compile(
    r"<!-- packaging-test: (?P<action>[\w-]+) (?P<args>.+?) -->\n```\w*\n(?P<code>.*?)```", re.S
)


def run(*args, cwd=None, env=None, timeout=900):
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def installation_steps():
    """The (action, arguments, code) triples docs/installation.md marks for this test, in order."""
    steps = [(m["action"], m["args"], m["code"]) for m in MARKED_BLOCK.finditer(INSTALLATION.read_text())]
    assert steps, "docs/installation.md marks no steps for the packaging test"
    return steps


def apply_step(site, action, args, code):
    if action == "insert-before":
        path, anchor = (part.strip() for part in args.split("::", 1))
        target = site / path
        text = target.read_text()
        assert anchor in text, (
            f"{anchor!r} not found in {path}: installation.md no longer matches wagtail start"
        )
        indent = re.search(rf"^([ \t]*){re.escape(anchor)}", text, re.M).group(1)
        block = textwrap.indent(textwrap.dedent(code), indent)
        target.write_text(text.replace(indent + anchor, block + indent + anchor, 1))
    elif action in ("append", "create"):
        target = site / args.strip()
        if action == "create":
            assert not target.exists(), f"{args} already exists in a wagtail start site"
            target.write_text(code)
        else:
            target.write_text(target.read_text() + "\n\n" + code)
    else:
        pytest.fail(f"Unknown packaging-test action {action!r} in docs/installation.md")


RENDER_SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from wagtail.models import Site
    from khub_plugin.communities.models import CommunityIndexPage

    home = Site.objects.get(is_default_site=True).root_page
    directory = CommunityIndexPage(title="Communities", slug="communities", intro="<p>Find your peers.</p>")
    home.add_child(instance=directory)
    directory.save_revision().publish()

    anonymous = Client().get("/communities/")
    print("ANONYMOUS", anonymous.status_code, anonymous["Location"])
    print("LOGIN", Client().get(anonymous["Location"]).status_code)

    user = get_user_model().objects.create_user("officer", password="pw-for-tests")
    client = Client()
    client.force_login(user)
    page = client.get("/communities/")
    html = page.content.decode()
    print("PAGE", page.status_code)
    print("HOST_TEMPLATE", "css/mysite.css" in html)
    print("KHUB_CSS", "khub_plugin/css/khub.css" in html)
    print("INTRO", "Find your peers." in html)

    # The forum, the way a member meets it: a community published from the admin's defaults, join, start a
    # topic through the form, read it, find it with the site search, and list the private feeds.
    from khub_plugin.communities.models import CommunityPage
    community = CommunityPage(title="Social Media", slug="social", purpose="Sharing what works.",
                              visibility="open")
    community._khub_new_parent = directory
    community.tools = community.default_tools()
    directory.add_child(instance=community)
    community.save_revision().publish()
    print("JOIN", client.post("/communities/social/join/").status_code)
    title = "Online tools we use and love"
    new = client.post("/communities/social/forum/new/",
                      {"title": title, "body": "Which <b>tools</b>?", "tags": "tools"})
    print("NEW_TOPIC", new.status_code, new["Location"])
    topic = client.get(new["Location"]).content.decode()
    print("TOPIC", title in topic and "<strong>tools</strong>" in topic)
    print("FORUM", title in client.get("/communities/social/forum/").content.decode())
    found = client.get("/khub/search/", {"q": "tools"})
    print("SEARCH", found.status_code, title in found.content.decode())
    print("FEEDS", client.get("/khub/my/feeds/").status_code)
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--wheel", "--outdir", out, ROOT, cwd=ROOT)
    (path,) = out.glob("khub_plugin-*.whl")
    return path


def test_the_wheel_ships_templates_static_files_and_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "khub_plugin/common/templates/khub_plugin/base.html" in names
    assert "khub_plugin/common/static/khub_plugin/css/khub.css" in names
    assert "khub_plugin/communities/migrations/0001_initial.py" in names
    assert any(n.startswith("khub_plugin/communities/templates/khub_plugin/communities/") for n in names)
    for app in ["forums", "wiki", "library", "events", "polls", "news", "blogs", "people", "alerts"]:
        assert f"khub_plugin/{app}/migrations/__init__.py" in names
    assert not any(n.startswith(("tests/", "example_project/")) for n in names)
    # The licence the package claims travels with it.
    (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert "BSD 3-Clause License" in zipfile.ZipFile(wheel).read(licence).decode()
    print(f"wheel size: {wheel.stat().st_size} bytes")


def test_a_fresh_wagtail_start_site_works_after_following_the_installation_guide(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel)

    run(venv / "bin" / "wagtail", "start", "mysite", cwd=tmp_path)
    site = tmp_path / "mysite"
    for step in installation_steps():
        apply_step(site, *step)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"
    run(python, "manage.py", "migrate", "--noinput", cwd=site, env=env)
    checked = run(python, "manage.py", "check", "--fail-level", "WARNING", cwd=site, env=env)
    assert "no issues" in checked
    run(python, "manage.py", "makemigrations", "--check", "--dry-run", cwd=site, env=env)

    lines = dict(
        line.split(" ", 1)
        for line in run(python, "manage.py", "shell", "-c", RENDER_SCRIPT, cwd=site, env=env).splitlines()
        if " " in line
    )
    assert lines["ANONYMOUS"] == "302 /_util/login/?next=/communities/"
    assert lines["LOGIN"] == "200"
    assert lines["PAGE"] == "200"
    assert lines["HOST_TEMPLATE"] == "True"  # rendered inside the new site's own base.html
    assert lines["KHUB_CSS"] == "True"
    assert lines["INTRO"] == "True"
    assert lines["JOIN"] == "302"
    assert re.fullmatch(r"302 /communities/social/forum/\d+/", lines["NEW_TOPIC"]), lines["NEW_TOPIC"]
    assert lines["TOPIC"] == "True"  # the editor's <b> is stored as <strong>
    assert lines["FORUM"] == "True"
    assert lines["SEARCH"] == "200 True"
    assert lines["FEEDS"] == "200"
