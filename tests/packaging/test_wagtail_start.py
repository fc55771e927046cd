"""Behave like a new council developer: install the built wheel into a brand-new `wagtail start` site.

Builds the wheel, checks what it ships, installs it into a fresh virtual environment, creates a site with
`wagtail start mysite`, applies literally the code blocks of docs/installation.md marked
`<!-- packaging-test: ... -->`, then runs `migrate` and `check` and uses the plugin as a member would.

It does so for two sites. "default" is the site as `wagtail start` writes it. "custom" is the kind of intranet
councils really have: before following the guide, the test gives it an email-login user model with no username
or names, and a base template whose blocks have other names; it installs the `modeladmin` and `redis` extras,
and also applies the guide's blocks marked `<!-- packaging-test[custom]: ... -->` (the block mapping setting
and the wagtail-modeladmin screens).

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
    r"<!-- packaging-test(?:\[(?P<variant>\w+)\])?: (?P<action>[\w-]+) (?P<args>.+?) -->\n"
    r"```\w*\n(?P<code>.*?)```",
    re.S,
)


def run(*args, cwd=None, env=None, timeout=900):
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def installation_steps(variant):
    """The (action, arguments, code) triples docs/installation.md marks for this site, in order: the unmarked
    ones for every site, and those marked ``[variant]`` for that site only."""
    steps = [
        (m["action"], m["args"], m["code"])
        for m in MARKED_BLOCK.finditer(INSTALLATION.read_text())
        if m["variant"] in (None, variant)
    ]
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
        # The first line that starts with the anchor (not an earlier line that merely contains it).
        found = re.search(rf"^([ \t]*){re.escape(anchor)}", text, re.M)
        assert found, f"no line of {path} starts with {anchor!r}"
        block = textwrap.indent(textwrap.dedent(code), found.group(1))
        target.write_text(text[: found.start()] + block + text[found.start() :])
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
    import re
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from wagtail.models import Site
    from khub_plugin.communities.models import CommunityIndexPage

    home = Site.objects.get(is_default_site=True).root_page
    directory = CommunityIndexPage(title="Communities", slug="communities", intro="<p>Find your peers.</p>")
    home.add_child(instance=directory)
    directory.save_revision().publish()

    anonymous = Client().get("/communities/")
    print("ANONYMOUS", anonymous.status_code, anonymous["Location"])
    print("LOGIN", Client().get(anonymous["Location"]).status_code)

    # Whatever the user model: create people by its own sign-in field, as the site's sign-in would.
    User = get_user_model()
    def person(login, **extra):
        return User.objects.create_user(**{User.USERNAME_FIELD: login}, password="pw-for-tests", **extra)
    email_login = User.USERNAME_FIELD == "email"
    officer = "officer@anytown.gov.uk" if email_login else "officer"
    user = person(officer)
    client = Client()
    client.force_login(user)
    page = client.get("/communities/")
    html = page.content.decode()
    print("PAGE", page.status_code)
    print("HOST_TEMPLATE", "css/mysite.css" in html)
    print("KHUB_CSS", "khub_plugin/css/khub.css" in html)
    print("TITLE", bool(re.search(r"<title>\\s*Communities", html)))
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
    print("AUTHOR", officer in topic)
    print("FORUM", title in client.get("/communities/social/forum/").content.decode())
    print("MEMBERS", officer in client.get("/communities/social/members/", {"q": "officer"}).content.decode())
    found = client.get("/khub/search/", {"q": "tools"})
    print("SEARCH", found.status_code, title in found.content.decode())
    print("FEEDS", client.get("/khub/my/feeds/").status_code)
    feed = client.get("/communities/social/forum/feed/rss/")
    print("RSS", feed.status_code)

    # News: a source the community follows, with an item as the worker would have fetched it (nothing here
    # reaches the internet).
    from khub_plugin.news.models import FeedItem, FeedSource
    source = FeedSource.objects.create(community=community, name="Sector news", url="https://news.example/rss",
                                       added_by=user)
    FeedItem.objects.create(source=source, community=community, guid="item-1", guid_hash="1" * 64,
                            link="https://news.example/1", title="Councils share their toolkits",
                            published_at=timezone.now())
    news = client.get("/communities/social/news/")
    print("NEWS", news.status_code, "Councils share their toolkits" in news.content.decode())

    # The intranet's own search box and header, with khub's template tags from the guide's step 11.
    host_search = client.get("/search/", {"query": "tools"}).content.decode()
    print("HOST_SEARCH", "In communities" in host_search and title in host_search)
    front = client.get("/").content.decode()
    print("NAV", 'aria-label="Communities"' in front and "/khub/my-communities/" in front)

    # Wagtail admin: the memberships listing, through wagtail-modeladmin where the site installed it.
    from django.apps import apps
    admin = User.objects.create_superuser(**{User.USERNAME_FIELD: "admin@anytown.gov.uk" if email_login
                                             else "admin"}, password="pw-for-tests")
    staff = Client()
    staff.force_login(admin)
    listing = ("/admin/khub_communities/membership/" if apps.is_installed("khub_plugin.contrib.modeladmin")
               else "/admin/communities/memberships/")
    memberships = staff.get(listing, {"q": "officer"})
    print("ADMIN_MEMBERSHIPS", memberships.status_code, officer in memberships.content.decode())
    """
)

#: What a council's own intranet often has that `wagtail start` does not: staff sign in with their email
#: address, the model has one `name` field (no username, first_name, last_name or get_full_name()).
EMAIL_USER_APP = {
    "accounts/__init__.py": "",
    "accounts/apps.py": textwrap.dedent(
        """
        from django.apps import AppConfig


        class AccountsConfig(AppConfig):
            default_auto_field = "django.db.models.BigAutoField"
            name = "accounts"
        """
    ),
    "accounts/models.py": textwrap.dedent(
        """
        from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
        from django.contrib.auth.models import PermissionsMixin
        from django.db import models


        class StaffManager(BaseUserManager):
            def create_user(self, email, password=None, **fields):
                user = self.model(email=self.normalize_email(email), **fields)
                user.set_password(password)
                user.save(using=self._db)
                return user

            def create_superuser(self, email, password=None, **fields):
                fields.update(is_staff=True, is_superuser=True)
                return self.create_user(email, password, **fields)


        class EmailUser(AbstractBaseUser, PermissionsMixin):
            email = models.EmailField(unique=True)
            name = models.CharField(max_length=150, blank=True)
            is_staff = models.BooleanField(default=False)
            is_active = models.BooleanField(default=True)

            USERNAME_FIELD = "email"
            EMAIL_FIELD = "email"
            objects = StaffManager()
        """
    ),
}

#: The custom site's own block names (the guide's KHUB_BASE_TEMPLATE_BLOCKS example maps khub's onto these).
HOST_BLOCK_NAMES = {
    "title": "page_title",
    "content": "main",
    "extra_css": "extra_head",
    "extra_js": "scripts",
}


def make_it_a_council_intranet(site, python, env):
    """Before the guide: the custom site's user model (with its migration) and its own block names."""
    for path, text in EMAIL_USER_APP.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    settings = site / "mysite" / "settings" / "base.py"
    settings.write_text(
        settings.read_text()
        + '\n\nINSTALLED_APPS = ["accounts", *INSTALLED_APPS]\nAUTH_USER_MODEL = "accounts.EmailUser"\n'
    )
    run(python, "manage.py", "makemigrations", "accounts", cwd=site, env=env)
    for template in site.rglob("*.html"):
        text = template.read_text()
        for khub_name, host_name in HOST_BLOCK_NAMES.items():
            # Both ends: wagtail start's templates close some blocks by name ({% endblock extra_css %}).
            text = re.sub(rf"{{% (block|endblock) {khub_name} %}}", rf"{{% \1 {host_name} %}}", text)
        template.write_text(text)
    assert "{% block main %}" in (site / "mysite" / "templates" / "base.html").read_text()


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


@pytest.mark.parametrize("variant", ["default", "custom"])
def test_a_fresh_wagtail_start_site_works_after_following_the_installation_guide(wheel, tmp_path, variant):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    extras = "[modeladmin,redis]" if variant == "custom" else ""
    run(python, "-m", "pip", "install", "--quiet", f"{wheel}{extras}")

    run(venv / "bin" / "wagtail", "start", "mysite", cwd=tmp_path)
    site = tmp_path / "mysite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"
    if variant == "custom":
        make_it_a_council_intranet(site, python, env)
    for step in installation_steps(variant):
        apply_step(site, *step)

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
    assert lines["KHUB_CSS"] == "True"  # in the host's extra_css, or the block the custom site maps it to
    assert lines["TITLE"] == "True"
    assert lines["INTRO"] == "True"
    assert lines["JOIN"] == "302"
    assert re.fullmatch(r"302 /communities/social/forum/\d+/", lines["NEW_TOPIC"]), lines["NEW_TOPIC"]
    assert lines["TOPIC"] == "True"  # the editor's <b> is stored as <strong>
    assert lines["AUTHOR"] == "True"  # named by the user model's own sign-in field when it has no names
    assert lines["FORUM"] == "True"
    assert lines["MEMBERS"] == "True"
    assert lines["SEARCH"] == "200 True"
    assert lines["FEEDS"] == "200"
    assert lines["RSS"] == "200"
    assert lines["NEWS"] == "200 True"
    assert lines["HOST_SEARCH"] == "True"
    assert lines["NAV"] == "True"
    assert lines["ADMIN_MEMBERSHIPS"] == "200 True"
