"""khub_plugin.contrib.modeladmin: khub's models through wagtail-modeladmin, for sites that opt in.

The app needs ``wagtail_modeladmin`` and itself in INSTALLED_APPS, which the default test settings leave out
(they test khub's own ViewSet menus). So under the default settings one test runs this module again in a child
pytest with ``tests.settings_modeladmin``; under those settings the cases below run.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import factories

INSTALLED = apps.is_installed("khub_plugin.contrib.modeladmin")
needs_app = pytest.mark.skipif(
    not INSTALLED, reason="run in a child pytest with tests.settings_modeladmin (the first test)"
)
ROOT = Path(__file__).resolve().parent.parent

MEMBERSHIPS = "/admin/khub_communities/membership/"
PROPOSALS = "/admin/khub_communities/communityproposal/"
SOURCES = "/admin/khub_news/feedsource/"


@pytest.mark.skipif(INSTALLED, reason="this is the child run")
def test_the_contrib_app_cases_pass_with_the_app_installed():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings_modeladmin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:randomly",
            "--ds=tests.settings_modeladmin",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = result.stdout.strip().splitlines()[-1:] or [result.stderr[-2000:]]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary[0] and "skipped" in summary[0], summary  # the cases ran, this test skipped


# -- fixtures ------------------------------------------------------------------------------------------------


def _permission(app_label, codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(django_user_model, db):
    return factories.superuser("admin")


@pytest.fixture
def viewer(django_user_model, db):
    """May open the admin and list memberships, with no khub role: sees only what the policy allows."""
    group = Group.objects.create(name="Viewers")
    group.permissions.add(
        _permission("wagtailadmin", "access_admin"),
        _permission("khub_communities", "view_membership"),
        _permission("khub_communities", "view_communityproposal"),
    )
    user = factories.user("viewer")
    user.groups.add(group)
    return user


@pytest.fixture
def communities(directory):
    from tests.test_admin import add_community

    return add_community(directory, "Open Data"), add_community(
        directory, "Secret Circle", visibility="private"
    )


@pytest.fixture
def people(django_user_model, communities):
    from khub_plugin.communities.models import Membership

    open_data, secret = communities
    alice = factories.user("alice")
    bob = factories.user("bob")
    Membership.objects.create(community=open_data, user=alice, state="active")
    Membership.objects.create(community=secret, user=bob, state="active", role="facilitator")
    Membership.objects.create(community=open_data, user=bob, state="requested")
    return alice, bob


@pytest.fixture
def proposal(django_user_model, db):
    from khub_plugin.communities.models import CommunityProposal

    proposer = factories.user("pat")
    return CommunityProposal.objects.create(
        name="Social Media People", purpose="Share.", proposed_by=proposer
    )


# -- menus ---------------------------------------------------------------------------------------------------


def _menu_names(user):
    from wagtail.admin.menu import admin_menu

    request = RequestFactory().get("/admin/")
    request.user = user
    return [item.name for item in admin_menu.menu_items_for_request(request)]


@needs_app
def test_there_is_one_communities_menu_and_it_is_the_modeladmin_one(admin):
    names = _menu_names(admin)
    assert names.count("khub-modeladmin") == 1
    assert "khub-communities" not in names and "khub-news-sources" not in names
    html = _client(admin).get(reverse("wagtailadmin_home")).content.decode()
    assert MEMBERSHIPS in html and PROPOSALS in html and SOURCES in html
    # khub's ViewSet screens keep their URLs for the links that use them.
    assert reverse("khub_memberships:index") not in html
    assert _client(admin).get(reverse("khub_memberships:index")).status_code == 200


@needs_app
def test_the_group_screen_offers_the_same_permissions_as_without_the_app(admin):
    from wagtail import hooks

    registered = set()
    for fn in hooks.get_hooks("register_permissions"):
        registered.update(f"{p.content_type.app_label}.{p.codename}" for p in fn())
    assert "khub_communities.moderate_communities" in registered
    assert "khub_communities.add_membership" not in registered
    assert "khub_communities.delete_communityproposal" not in registered
    group = Group.objects.create(name="Community moderators")
    assert _client(admin).get(reverse("wagtailusers_groups:edit", args=[group.pk])).status_code == 200


# -- memberships ---------------------------------------------------------------------------------------------


@needs_app
def test_the_membership_listing_lists_searches_and_filters(admin, people, communities):
    client = _client(admin)
    html = client.get(MEMBERSHIPS).content.decode()
    assert "alice" in html and "bob" in html and "Secret Circle" in html

    html = client.get(MEMBERSHIPS, {"q": "alice"}).content.decode()
    assert "alice" in html and "bob" not in html
    html = client.get(MEMBERSHIPS, {"q": "bob@example"}).content.decode()
    assert "bob" in html and "alice" not in html

    html = client.get(MEMBERSHIPS, {"state": "requested"}).content.decode()
    assert "bob" in html and "alice" not in html
    html = client.get(MEMBERSHIPS, {"community": communities[1].pk}).content.decode()
    assert "bob" in html and "alice" not in html


@needs_app
def test_memberships_are_read_only(admin, people):
    from khub_plugin.communities.models import Membership

    client = _client(admin)
    membership = Membership.objects.first()
    assert client.get(f"{MEMBERSHIPS}inspect/{membership.pk}/").status_code == 200
    for url in (
        f"{MEMBERSHIPS}create/",
        f"{MEMBERSHIPS}edit/{membership.pk}/",
        f"{MEMBERSHIPS}delete/{membership.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"), url
    assert client.post(f"{MEMBERSHIPS}delete/{membership.pk}/").status_code == 302
    assert Membership.objects.filter(pk=membership.pk).exists()


@needs_app
def test_a_non_moderator_lists_only_memberships_of_communities_they_may_see(viewer, people, communities):
    from khub_plugin.communities.models import Membership

    open_data, secret = communities
    client = _client(viewer)
    html = client.get(MEMBERSHIPS).content.decode()
    assert "alice" in html and "Secret Circle" not in html
    # The community filter does not offer it, and asking for it shows nothing.
    assert f'value="{secret.pk}"' not in html and "Open Data" in html
    assert "bob" not in client.get(MEMBERSHIPS, {"community": secret.pk, "state": "active"}).content.decode()
    hidden = Membership.objects.get(community=secret)
    assert client.get(f"{MEMBERSHIPS}inspect/{hidden.pk}/").status_code == 404

    Membership.objects.create(community=secret, user=viewer, state="active")
    assert "Secret Circle" in client.get(MEMBERSHIPS).content.decode()


@needs_app
def test_the_person_search_follows_the_user_model():
    from khub_plugin.common import names
    from khub_plugin.contrib.modeladmin.options import person_search_fields

    assert person_search_fields("user") == tuple(names.search_fields("user__"))
    assert "user__email" in person_search_fields("user")


# -- proposals -----------------------------------------------------------------------------------------------


@needs_app
def test_proposals_list_pending_first_with_approve_and_decline(admin, proposal, django_user_model):
    from khub_plugin.communities.models import CommunityProposal

    old = CommunityProposal.objects.create(
        name="Decided Long Ago", purpose="x", proposed_by=proposal.proposed_by, status="declined"
    )
    client = _client(admin)
    html = client.get(PROPOSALS).content.decode()
    assert html.index("Social Media People") < html.index("Decided Long Ago")
    assert reverse("khub_proposals:approve", args=[proposal.pk]) in html
    assert reverse("khub_proposals:decline", args=[proposal.pk]) in html
    assert reverse("khub_proposals:approve", args=[old.pk]) not in html  # decided: no buttons

    html = client.get(PROPOSALS, {"status": "declined"}).content.decode()
    assert "Decided Long Ago" in html and "Social Media People" not in html
    html = client.get(PROPOSALS, {"q": "pat"}).content.decode()
    assert "Social Media People" in html and "Decided Long Ago" in html
    html = client.get(PROPOSALS, {"q": "Social"}).content.decode()
    assert "Decided Long Ago" not in html


@needs_app
def test_approve_and_decline_go_through_khubs_post_only_screens(admin, proposal, directory):
    from khub_plugin.communities.models import CommunityProposal

    approve = reverse("khub_proposals:approve", args=[proposal.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert strict.get(approve).status_code == 200  # a confirmation only
    assert strict.post(approve).status_code == 403  # no CSRF token
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.PENDING

    assert _client(admin).post(approve).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.APPROVED and proposal.community.live

    other = CommunityProposal.objects.create(name="Another", purpose="x", proposed_by=proposal.proposed_by)
    decline = reverse("khub_proposals:decline", args=[other.pk])
    assert _client(admin).post(decline, {"reason": "Join Social Media People instead."}).status_code == 302
    other.refresh_from_db()
    assert other.status == CommunityProposal.Status.DECLINED


@needs_app
def test_those_who_may_not_decide_see_no_buttons_and_are_refused(viewer, proposal):
    client = _client(viewer)
    html = client.get(PROPOSALS).content.decode()
    assert "Social Media People" in html
    assert reverse("khub_proposals:approve", args=[proposal.pk]) not in html
    assert client.post(reverse("khub_proposals:approve", args=[proposal.pk])).status_code == 403


@needs_app
def test_a_proposal_inside_a_hidden_community_is_not_listed_to_a_non_moderator(viewer, proposal, communities):
    secret = communities[1]
    proposal.parent = secret
    proposal.save(update_fields=["parent"])
    html = _client(viewer).get(PROPOSALS).content.decode()
    assert "Social Media People" not in html and "Secret Circle" not in html
    assert _client(viewer).get(f"{PROPOSALS}inspect/{proposal.pk}/").status_code == 404


# -- news sources --------------------------------------------------------------------------------------------


@needs_app
def test_site_wide_news_sources_are_managed_with_the_fetchers_rules(admin, communities, monkeypatch):
    from khub_plugin.common import fetch
    from khub_plugin.news.models import FeedSource
    from tests.fetcher_support import PUBLIC_IP, StubResolver

    # The form resolves and checks the address, as the fetcher will: never the real DNS in tests.
    monkeypatch.setattr(fetch, "system_resolver", StubResolver({"news.example": [PUBLIC_IP]}))

    FeedSource.objects.create(
        community=communities[1], name="Private community source", url="https://a.example/"
    )
    client = _client(admin)
    assert "Private community source" not in client.get(SOURCES).content.decode()

    refused = client.post(f"{SOURCES}create/", {"name": "Passwords", "url": "file:///etc/passwd"})
    assert refused.status_code == 200 and not FeedSource.objects.filter(name="Passwords").exists()
    response = client.post(f"{SOURCES}create/", {"name": "Sector", "url": "https://news.example/rss"})
    assert response.status_code == 302
    source = FeedSource.objects.get(name="Sector")
    assert source.community is None and source.next_fetch_at is not None  # scheduled straight away
    html = client.get(SOURCES, {"q": "sector"}).content.decode()
    assert "Sector" in html and "Private community source" not in html
    private = FeedSource.objects.get(name="Private community source")
    assert client.get(f"{SOURCES}edit/{private.pk}/").status_code == 404


# -- extension and checks ------------------------------------------------------------------------------------


@needs_app
def test_a_tool_adds_its_model_with_a_small_declaration(monkeypatch):
    from khub_plugin.contrib.modeladmin import options

    monkeypatch.setattr(options, "_registry", list(options._registry))

    @options.register
    class TopicAdmin(options.KhubModelAdmin):
        model = "khub_forums.Topic"
        requires_app = "khub_plugin.forums"
        community_field = "community"
        read_only = True

    @options.register
    class MissingAdmin(options.KhubModelAdmin):
        model = "not_installed.Thing"
        requires_app = "not_installed"

    group = options.KhubModelAdminGroup()
    models = [instance.model._meta.label for instance in group.modeladmin_instances]
    assert models[-1] == "khub_forums.Topic" and "not_installed.Thing" not in models


@needs_app
def test_the_app_checks_that_wagtail_modeladmin_is_installed(settings):
    from khub_plugin.contrib.modeladmin.options import check_installed_apps

    assert check_installed_apps() == []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(apps, "is_installed", lambda name: name != "wagtail_modeladmin")
        assert [error.id for error in check_installed_apps()] == ["khub_modeladmin.E001"]
