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
    from khub_plugin.communities.models import Activity, CommunityProposal, Membership, ModerationAction
    from khub_plugin.forums.models import Post, Topic

    result["counts"] = [
        Page.objects.count(),
        get_user_model().objects.count(),
        Revision.objects.count(),
        Membership.objects.count(),
        Activity.objects.count(),
        CommunityProposal.objects.count(),
        Topic.objects.count(),
        Post.objects.count(),
        ModerationAction.objects.count(),
    ]
    print(json.dumps(result))
    """
)

COMMUNITIES_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.test import Client
    from khub_plugin.communities.models import CommunityPage, CommunityProposal, Membership

    result = {"communities": {}, "pages": {}}
    for community in CommunityPage.objects.live().order_by("path"):
        memberships = Membership.objects.filter(community=community)
        people = {m.user.username: [m.state, m.role] for m in memberships.select_related("user")}
        parent = community.parent_community
        result["communities"][community.title] = {
            "visibility": community.visibility,
            "stage": community.stage,
            "parent": parent.title if parent else None,
            "tags": len(community.tags.all()),
            "body": bool(community.body),
            "member_count_right": community.member_count == memberships.filter(state="active").count(),
            "facilitator": people.get("facilitator"),
            "member": people.get("member"),
            "newcomer": people.get("newcomer"),
            "facilitators": memberships.filter(state="active", role="facilitator").count(),
            "states": sorted({m.state for m in memberships}),
            # Everyone with any membership of a sub-community is an active member of its parent.
            "outside_parent": sorted(
                m.user.username for m in memberships.select_related("user")
                if parent
                and not Membership.objects.filter(community=parent, user=m.user, state="active").exists()
            ),
        }
    result["proposals"] = list(
        CommunityProposal.objects.values_list("name", "proposed_by__username", "status")
    )

    def visit(username, url):
        client = Client()
        client.login(username=username, password="khub-demo")
        response = client.get(url)
        return response.status_code, response.content.decode() if response.status_code == 200 else ""

    pages = result["pages"]
    status, body = visit("member", "/communities/")
    pages["member directory"] = [status, body.count("You are a member")]
    status, body = visit("newcomer", "/communities/")
    pages["newcomer directory"] = [status, "5 communities" in body, "Violence Against Women" in body]
    status, body = visit("newcomer", "/communities/scottish-members-services/")
    pages["newcomer restricted"] = [status, "You have asked to join" in body]
    pages["newcomer private"] = visit("newcomer", "/communities/violence-against-women/")[0]
    task_group = "/communities/digital-partnership-scotland/gdpr-baseline/"
    pages["newcomer private sub"] = visit("newcomer", task_group)[0]
    pages["member private sub"] = visit("member", task_group)[0]
    status, body = visit("facilitator", "/communities/scottish-members-services/manage/")
    pages["facilitator manage"] = [status, "Nia Newcomer" in body]
    status, body = visit("member", "/khub/whats-happening/")
    pages["member activity"] = [status, body.count('class="khub-activity__item"') > 0]
    status, body = visit("member", "/")
    pages["header links"] = ["/khub/my-communities/" in body, "/khub/whats-happening/" in body]
    print(json.dumps(result))
    """
)


FORUMS_SCRIPT = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.db.models import Max
    from django.test import Client
    from khub_plugin.communities.models import Activity, Membership, ModerationAction
    from khub_plugin.forums.models import Post, Topic

    result = {"topics": {}, "problems": []}
    for topic in Topic.objects.select_related("community", "author", "last_author", "answer__author"):
        replies = Post.objects.filter(topic=topic, is_opening=False)
        visible = Post.objects.filter(topic=topic, is_hidden=False, is_deleted=False)
        newest = visible.order_by("-created_at").first()
        result["topics"][topic.title] = {
            "community": topic.community.slug,
            "author": topic.author.username,
            "replies": topic.reply_count,
            "nested": replies.filter(depth__gt=0).count(),
            "quotes": replies.filter(body__contains="<blockquote>").count(),
            "hidden": replies.filter(is_hidden=True).count(),
            "edited": Post.objects.filter(topic=topic, edited_at__isnull=False).count(),
            "answer": topic.answer.author.username if topic.answer else None,
            "pinned": topic.is_pinned,
            "locked": topic.is_locked,
            "tags": len(topic.tags.all()),
            # Counters and dates agree with the posts, as if it had all happened over time.
            "counters_right": topic.reply_count == visible.filter(is_opening=False).count()
            and topic.last_activity_at == newest.created_at
            and topic.last_author_id == newest.author_id
            and topic.created_at == topic.opening_post.created_at,
        }
    for post in Post.objects.select_related("author", "community", "topic"):
        membership = Membership.objects.filter(community=post.community, user=post.author).first()
        if membership is None or membership.state != "active" or post.created_at < membership.joined_at:
            result["problems"].append(f"{post.author} in {post.community.slug}: {post.topic.title}")
        activity = Activity.objects.filter(verb="reply-posted", target_id=str(post.pk)).first()
        if activity and activity.created_at != post.created_at:
            result["problems"].append(f"activity of post {post.pk} is not dated with it")
    result["moderation"] = sorted(ModerationAction.objects.values_list("action", flat=True))
    newest = Post.objects.aggregate(newest=Max("created_at"))["newest"]
    result["newest_post_days"] = (django.utils.timezone.now() - newest).days

    def visit(username, url):
        client = Client()
        client.login(username=username, password="khub-demo")
        response = client.get(url)
        return response.status_code, response.content.decode() if response.status_code == 200 else ""

    pages = result["pages"] = {}
    status, body = visit("member", "/")
    pages["home panel"] = [status, "Latest in my communities" in body, "Draft 0.2 of the model" in body]
    status, body = visit("newcomer", "/")
    pages["newcomer home panel"] = [status, "No discussions in your communities yet." in body]
    status, body = visit("member", "/communities/social-media/forum/")
    pages["member forum"] = [status, body.count('class="khub-topic"')]
    tools = Topic.objects.get(title="Online tools we use and love")
    status, body = visit("member", tools.get_url())
    pages["member topic"] = [status, "<blockquote>" in body]
    risks = Topic.objects.get(title="Social Media Risks")
    status, body = visit("member", risks.get_url())
    hidden_note = "This post has been hidden by a facilitator."
    pages["member hidden reply"] = [status, hidden_note in body, "Denholm" in body]
    status, body = visit("facilitator", risks.get_url())
    pages["facilitator hidden reply"] = [status, "Hidden: only facilitators can see this post." in body]
    answered = Topic.objects.get(community__slug="gdpr-baseline", answer__isnull=False)
    pages["member answered"] = visit("member", answered.get_url())[0]
    pages["newcomer answered"] = visit("newcomer", answered.get_url())[0]
    print(json.dumps(result))
    """
)


SEARCH_SCRIPT = textwrap.dedent(
    """
    import json, re, django
    django.setup()
    from django.test import Client

    def client_for(username):
        client = Client()
        if username != "anonymous":
            assert client.login(username=username, password="khub-demo")
        return client

    def community_titles(body):
        section = body.split('<section class="khub-host-results"', 1)
        if len(section) == 1:
            return None
        return re.findall(r'<h3 class="khub-host-results__title"><a href="[^"]*">([^<]*)</a>', section[1])

    result = {"found": {}, "status": {}}
    for username in ["anonymous", "newcomer", "member"]:
        client = client_for(username)
        for query in ["social media", "violence"]:
            response = client.get("/search/", {"query": query})
            body = response.content.decode()
            result["found"][f"{username} {query}"] = [
                response.status_code, community_titles(body), "/khub/search/?q=" in body
            ]
        for query in ['"', 'social"', '"social media', "*", "(", ")", "-", "-social", "NEAR", "NEAR(a b)",
                      "social AND", "OR", "a:b", "^x", "social*", "\\\\", "'"]:
            response = client.get("/search/", {"query": query})
            if response.status_code != 200:
                result["status"][f"{username} {query}"] = response.status_code
    print(json.dumps(result))
    """
)


def _without_database_url():
    return {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}


def manage(project, *args, settings="anytown.settings.dev", env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        # The demo runs on its own SQLite file. The dev settings honour DATABASE_URL (for the seed and the
        # benchmark), and `tox -e postgres` sets it for the suite: never let the demo inherit it.
        env={**_without_database_url(), "DJANGO_SETTINGS_MODULE": settings, **(env or {})},
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


def test_demo_communities_show_every_membership_state(project, first_load):
    out = manage(project, "shell", "-c", COMMUNITIES_SCRIPT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    communities = result["communities"]
    assert list(communities) == [
        "CoP Facilitators' CoP",
        "Social Media and Online Collaboration",
        "Knowledge Management",
        "Scottish Members' Services Development Network",
        "Violence Against Women Network",
        "Digital Partnership for Scottish Local Government",
        "GDPR baseline task group",
    ]
    shape = {title: (c["visibility"], c["parent"]) for title, c in communities.items()}
    assert shape["Violence Against Women Network"] == ("private", None)
    assert shape["Scottish Members' Services Development Network"] == ("restricted", None)
    assert shape["GDPR baseline task group"] == (
        "private",
        "Digital Partnership for Scottish Local Government",
    )
    assert {c["stage"] for c in communities.values()} == {
        "planning",
        "start-up",
        "nurture",
        "sustain",
        "closedown",
    }
    for title, community in communities.items():
        assert community["tags"] and community["body"], title
        assert community["member_count_right"], title
        assert community["facilitator"] == ["active", "facilitator"], title
        assert community["member"] == ["active", "member"], title
        assert community["outside_parent"] == [], title
    assert [t for t, c in communities.items() if c["newcomer"]] == [
        "Scottish Members' Services Development Network"
    ]
    assert communities["Scottish Members' Services Development Network"]["newcomer"] == [
        "requested",
        "member",
    ]
    assert any(c["facilitators"] > 1 for c in communities.values())
    every_state = set().union(*(c["states"] for c in communities.values()))
    assert every_state == {"active", "invited", "requested", "declined", "left", "removed"}
    assert result["proposals"] == [["Climate Emergency Officers", "member", "pending"]]
    assert result["pages"] == {
        "member directory": [200, 7],
        "newcomer directory": [200, True, False],  # 5 of 7: the private ones are not listed
        "newcomer restricted": [200, True],
        "newcomer private": 404,
        "newcomer private sub": 404,
        "member private sub": 200,
        "facilitator manage": [200, True],
        "member activity": [200, True],
        "header links": [True, True],
    }


def test_demo_forums_have_threads_from_the_communities_history(project, first_load):
    out = manage(project, "shell", "-c", FORUMS_SCRIPT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    topics = result["topics"]
    # Every post is by an active member of its community, written after they joined, and its activity row
    # carries the post's date.
    assert result["problems"] == []
    assert all(topic["counters_right"] for topic in topics.values()), topics
    assert len(topics) >= 15
    assert {topic["community"] for topic in topics.values()} == {
        "cop-facilitators",
        "social-media",
        "knowledge-management",
        "scottish-members-services",
        "violence-against-women",
        "digital-partnership-scotland",
        "gdpr-baseline",
    }
    tools = topics["Online tools we use and love"]
    assert tools["community"] == "social-media"
    assert tools["replies"] >= 15 and tools["nested"] >= 5 and tools["quotes"] >= 1
    assert topics["Welcome — house rules"]["pinned"]
    assert topics["Welcome — house rules"]["author"] == "facilitator"
    assert topics["Where do we go now?"]["locked"]
    assert topics["Where do we go now?"]["community"] == "knowledge-management"
    risks = topics["Social Media Risks"]
    assert risks["hidden"] == 1 and risks["pinned"]
    barcamp = topics["BarCamp UKGov Web"]
    assert barcamp["edited"] == 1 and barcamp["tags"] >= 3
    gdpr = [topic for topic in topics.values() if topic["community"] == "gdpr-baseline" and topic["answer"]]
    assert [topic["answer"] for topic in gdpr] == ["shona.murray"]
    assert [t for t, topic in topics.items() if topic["locked"]] == ["Where do we go now?"]
    assert sum(topic["replies"] == 0 for topic in topics.values()) >= 1  # an unanswered question
    assert sorted(set(result["moderation"])) == ["hide-post", "lock", "pin"]
    assert result["newest_post_days"] >= 1  # all of it in the past: the posting limits never trip
    assert result["pages"] == {
        "home panel": [200, True, True],
        "newcomer home panel": [200, True],
        "member forum": [200, 6],
        "member topic": [200, True],
        "member hidden reply": [200, True, False],
        "facilitator hidden reply": [200, True],
        "member answered": 200,
        "newcomer answered": 404,
    }


def test_the_intranets_search_page_finds_what_each_person_may_see_in_communities(project, first_load):
    """The host's own search box (example_project/search) shows community results through the access
    policy, and no query answers 500 (quotes and other FTS5 syntax used to reach SQLite as typed)."""
    out = manage(project, "shell", "-c", SEARCH_SCRIPT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == {}
    found = result["found"]
    assert found["anonymous social media"] == [200, None, False]  # staff only: no community section
    assert found["anonymous violence"] == [200, None, False]
    status, titles, see_all = found["member social media"]
    assert status == 200 and see_all and "Social Media and Online Collaboration" in titles
    assert "Social Media and Online Collaboration" in found["newcomer social media"][1]
    # The private network: found by its member, not by the newcomer (who is not one).
    assert "Violence Against Women Network" in found["member violence"][1]
    assert "Violence Against Women Network" not in found["newcomer violence"][1]


CRAWL_SCRIPT = textwrap.dedent(
    """
    import collections, json, django
    django.setup()
    from html.parser import HTMLParser
    from urllib.parse import urljoin, urlsplit
    from django.test import Client

    STARTS = ["/", "/communities/", "/khub/whats-happening/", "/khub/my-communities/",
              "/khub/search/?q=social", "/khub/my/feeds/", "/khub/propose/"]
    SKIP = ("/admin", "/accounts/logout", "/static/", "/media/")

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links = []
        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href")
            if tag == "a" and href:
                self.links.append(href)

    def crawl(username):
        client = Client()
        if username != "anonymous":
            assert client.login(username=username, password="khub-demo")
        queue, seen = collections.deque((url, None) for url in STARTS), set(STARTS)
        variants, pages, problems = collections.Counter(), 0, []
        while queue and pages < 1500:
            url, linked_from = queue.popleft()
            response = client.get(url)
            pages += 1
            status = response.status_code
            # A start page may refuse a visitor; a link the site itself showed must never lead nowhere.
            if status >= 500 or (linked_from and status in (403, 404)):
                problems.append([status, url, linked_from])
            if status != 200 or "html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            if html.count("<h1") != 1 or "<title>" not in html:
                problems.append(["not one h1 and a title", url, linked_from])
            parser = Links()
            parser.feed(html)
            for href in parser.links:
                parts = urlsplit(urljoin(url, href))
                target = parts.path + ("?" + parts.query if parts.query else "")
                if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP) or target in seen:
                    continue
                if parts.query:  # sorts, filters and pages: a few of each, not every combination
                    variants[parts.path] += 1
                    if variants[parts.path] > 6:
                        continue
                seen.add(target)
                queue.append((target, url))
        return {"pages": pages, "left": len(queue), "problems": problems}

    people = ["anonymous", "newcomer", "member", "facilitator", "admin"]
    print(json.dumps({name: crawl(name) for name in people}))
    """
)


def test_every_page_the_demo_links_to_answers_for_every_demo_user(project, first_load):
    """Follow every link on every demo page, as each demo user: no server error, no link to a page that is
    not there or not for them, and every page with one heading and a title."""
    out = manage(project, "shell", "-c", CRAWL_SCRIPT)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert {name: crawl["problems"] for name, crawl in result.items()} == {name: [] for name in result}
    assert all(crawl["left"] == 0 for crawl in result.values()), "the crawl stopped before the end"
    # Signed-in people reach the forums, topics and feeds; anonymous visitors only the public pages.
    assert result["anonymous"]["pages"] < 50 < result["newcomer"]["pages"] < result["member"]["pages"]


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


def test_migrations_match_the_models_on_this_django(project):
    """`tox -e migrations` checks on one Django; every env of the Python x Django matrix checks on its own.

    A Django series that writes a field or an option differently (a new default, a changed deconstruct())
    would otherwise ship migrations that the host's `makemigrations` wants to redo.
    """
    out = manage(project, "makemigrations", "--check", "--dry-run")
    assert out.returncode == 0, out.stdout + out.stderr


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
