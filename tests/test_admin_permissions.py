"""Wagtail admin refuses a community the editor may not see on every URL that touches it, not only hides it.

The editor here has every page permission on the whole tree, so any refusal comes from khub's access policy
(``khub_plugin.communities.admin_access``), never from a missing Wagtail permission.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page, PageLogEntry

from khub_plugin.communities import admin_access
from khub_plugin.communities.models import CommunityPage, Membership
from tests import factories
from tests.test_admin import add_community, permission

SECRET = "Secret Circle"
PAGE_PERMS = ("add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page")
HOME = reverse("wagtailadmin_home")


def make_user(django_user_model, username, home_page, *perms, superuser=False):
    if superuser:
        return factories.superuser(username)
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(permission("wagtailadmin", "access_admin"), *perms)
    for codename in PAGE_PERMS:
        GroupPagePermission.objects.create(
            group=group, page=home_page, permission=permission("wagtailcore", codename)
        )
    user = factories.user(username)
    user.groups.add(group)
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(django_user_model, home_page):
    """Every page permission on the tree, no khub role."""
    return make_user(django_user_model, "editor", home_page)


@pytest.fixture
def moderator(django_user_model, home_page):
    return make_user(
        django_user_model, "moderator", home_page, permission("khub_communities", "moderate_communities")
    )


@pytest.fixture
def superuser(django_user_model, home_page):
    return make_user(django_user_model, "root", home_page, superuser=True)


@pytest.fixture
def open_community(directory):
    return add_community(directory, "Open Data")


@pytest.fixture
def secret(directory, superuser):
    community = add_community(directory, SECRET, visibility="private")
    community.save_revision(user=superuser)
    return community


@pytest.fixture
def scheduled(secret, superuser):
    """A revision of the secret community scheduled to go live tomorrow."""
    return secret.save_revision(user=superuser, approved_go_live_at=timezone.now() + timedelta(days=1))


@pytest.fixture
def alias(secret):
    return secret.create_alias(update_slug="secret-alias")


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=["khub_communities", "communitypage", parent.pk])


def form_data(**extra):
    return {"title": "Renamed", "slug": "renamed", "purpose": "p", "visibility": "open", "stage": "planning",
            "body-count": "0", "tags": "", **extra}  # fmt: skip


def bulk_url(action, *pages, **params):
    query = "&".join([*(f"id={page.pk}" for page in pages), *(f"{k}={v}" for k, v in params.items())])
    return reverse("wagtail_bulk_action", args=["wagtailcore", "page", action]) + "?" + query


def urls(secret, open_community, directory, scheduled, alias):
    """(label, method, url, data): every admin URL that touches the secret community."""
    pk = secret.pk
    revision = secret.latest_revision_id
    pages = "wagtailadmin_pages"
    new = ["khub_communities", "communitypage", pk]  # a community page added under the secret one
    return [
        ("edit", "get", reverse(f"{pages}:edit", args=[pk]), None),
        ("edit (save)", "post", reverse(f"{pages}:edit", args=[pk]), form_data()),
        ("delete", "get", reverse(f"{pages}:delete", args=[pk]), None),
        ("delete (confirm)", "post", reverse(f"{pages}:delete", args=[pk]), {}),
        ("unpublish", "get", reverse(f"{pages}:unpublish", args=[pk]), None),
        ("unpublish (confirm)", "post", reverse(f"{pages}:unpublish", args=[pk]), {}),
        ("move", "get", reverse(f"{pages}:move", args=[pk]), None),
        ("move (confirm)", "get", reverse(f"{pages}:move_confirm", args=[pk, directory.pk]), None),
        ("move (do)", "post", reverse(f"{pages}:move_confirm", args=[pk, directory.pk]), {}),
        ("move here", "get", reverse(f"{pages}:move_confirm", args=[open_community.pk, pk]), None),
        ("move here (do)", "post", reverse(f"{pages}:move_confirm", args=[open_community.pk, pk]), {}),
        ("copy", "get", reverse(f"{pages}:copy", args=[pk]), None),
        (
            "copy here",
            "post",
            reverse(f"{pages}:copy", args=[open_community.pk]),
            {"new_title": "Copy", "new_slug": "copy", "new_parent_page": pk},
        ),
        ("add child", "get", reverse(f"{pages}:add_subpage", args=[pk]), None),
        ("add child (form)", "get", add_url(secret), None),
        (
            "add a community here",
            "post",
            reverse(f"{pages}:choose_parent", args=["khub_communities", "communitypage"]),
            {"parent_page": pk},
        ),
        ("add child (save)", "post", add_url(secret), form_data(slug="new-child")),
        ("preview on add", "post", reverse(f"{pages}:preview_on_add", args=new), form_data()),
        ("preview on add (show)", "get", reverse(f"{pages}:preview_on_add", args=new), None),
        ("preview on edit", "post", reverse(f"{pages}:preview_on_edit", args=[pk]), form_data()),
        ("preview on edit (show)", "get", reverse(f"{pages}:preview_on_edit", args=[pk]), None),
        ("view draft", "get", reverse(f"{pages}:view_draft", args=[pk]), None),
        # Wagtail redirects the revisions index to the history, which refuses.
        ("revisions index", "get", reverse(f"{pages}:revisions_index", args=[pk]), "follow"),
        ("revision view", "get", reverse(f"{pages}:revisions_view", args=[pk, revision]), None),
        (
            "revision compare",
            "get",
            reverse(f"{pages}:revisions_compare", args=[pk, "earliest", "latest"]),
            None,
        ),
        ("revision revert", "get", reverse(f"{pages}:revisions_revert", args=[pk, revision]), None),
        (
            "revision unschedule",
            "get",
            reverse(f"{pages}:revisions_unschedule", args=[pk, scheduled.pk]),
            None,
        ),
        (
            "revision unschedule (do)",
            "post",
            reverse(f"{pages}:revisions_unschedule", args=[pk, scheduled.pk]),
            {},
        ),
        ("history", "get", reverse(f"{pages}:history", args=[pk]), None),
        ("history results", "get", reverse(f"{pages}:history_results", args=[pk]), None),
        ("workflow history", "get", reverse(f"{pages}:workflow_history", args=[pk]), None),
        ("lock", "post", reverse(f"{pages}:lock", args=[pk]), {}),
        ("unlock", "post", reverse(f"{pages}:unlock", args=[pk]), {}),
        ("convert alias", "get", reverse(f"{pages}:convert_alias", args=[alias.pk]), None),
        ("convert alias (do)", "post", reverse(f"{pages}:convert_alias", args=[alias.pk]), {}),
        ("usage", "get", reverse(f"{pages}:usage", args=[pk]), None),
        ("privacy", "get", reverse(f"{pages}:set_privacy", args=[pk]), None),
        ("explore", "get", reverse("wagtailadmin_explore", args=[pk]), None),
        ("reorder", "post", reverse(f"{pages}:set_page_position", args=[pk]) + "?position=0", {}),
        ("bulk delete", "get", bulk_url("delete", open_community, secret), None),
        ("bulk delete (do)", "post", bulk_url("delete", secret), {}),
        ("bulk move", "get", bulk_url("move", secret), None),
        ("bulk publish", "get", bulk_url("publish", secret), None),
        ("bulk publish (do)", "post", bulk_url("publish", secret), {}),
        ("bulk unpublish", "get", bulk_url("unpublish", secret), None),
        ("bulk unpublish (do)", "post", bulk_url("unpublish", secret), {}),
        ("bulk, all children", "get", bulk_url("unpublish", childOf=pk).replace("?", "?id=all&"), None),
    ]


def request(client, method, url, data):
    if data == "follow":
        response = client.get(url, follow=True)
        return response.redirect_chain and client.get(response.redirect_chain[0][0]) or response
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


def assert_refused(response, label):
    body = response.content.decode(errors="replace") if response.content else ""
    assert SECRET not in body, f"{label}: the title leaked"
    if response.status_code == 302:
        assert response["Location"] == HOME, f"{label}: redirected to {response['Location']}"
    else:
        assert response.status_code in (403, 404), f"{label}: answered {response.status_code}"


@pytest.fixture
def all_urls(secret, open_community, directory, scheduled, alias):
    return urls(secret, open_community, directory, scheduled, alias)


def test_every_admin_url_refuses_a_private_community_to_an_editor_who_is_not_a_member(
    editor, secret, directory, all_urls
):
    client = client_for(editor)
    for label, method, url, data in all_urls:
        assert_refused(request(client, method, url, data), label)

    # Nothing happened to it.
    secret = CommunityPage.objects.get(pk=secret.pk)
    assert secret.live and secret.title == SECRET and secret.get_parent().pk == directory.pk
    assert not secret.locked and secret.get_children_count() == 0
    assert not CommunityPage.objects.filter(slug__in=["copy", "new-child", "renamed"]).exists()
    assert not PageLogEntry.objects.filter(user=editor).exists()


def test_a_refusal_looks_like_any_wagtail_permission_denial(editor, secret):
    response = client_for(editor).get(reverse("wagtailadmin_pages:edit", args=[secret.pk]), follow=True)
    assert response.redirect_chain == [(HOME, 302)]
    messages = [str(message) for message in response.context["messages"]]
    assert [message.strip() for message in messages] == [
        "Sorry, you do not have permission to access this area."
    ]
    assert SECRET not in response.content.decode()


def test_the_admin_page_api_treats_a_hidden_community_as_missing(editor, secret, directory, open_community):
    client = client_for(editor)
    api = "/admin/api/main/pages/"
    assert client.get(f"{api}{secret.pk}/").status_code == 404
    assert client.get(f"{api}{open_community.pk}/").status_code == 200
    for params in ({"child_of": directory.pk}, {"descendant_of": directory.pk}, {"search": "Secret"}, {}):
        response = client.get(api, params)
        assert SECRET not in response.content.decode(), params
    assert client.get(api, {"child_of": secret.pk}).status_code == 400
    response = client.post(f"{api}{secret.pk}/action/unpublish/", {}, content_type="application/json")
    assert response.status_code in (403, 404)
    assert CommunityPage.objects.get(pk=secret.pk).live


def test_wagtails_listings_and_reports_leave_it_out(editor, secret, directory):
    client = client_for(editor)
    for url in (
        reverse("wagtailadmin_pages:type_use", args=["khub_communities", "communitypage"]),
        reverse("wagtailadmin_pages:search") + "?q=Secret",
        reverse("wagtailadmin_explore", args=[directory.pk]) + "?search_all=1&q=Secret",
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:workflow"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_the_permission_tester_says_no_to_everything(editor, secret, open_community):
    tester = secret.permissions_for_user(editor)
    assert isinstance(tester, admin_access.RefusedPagePermissionTester)
    questions = [name for name in dir(tester) if name.startswith("can_")]
    assert "can_edit" in questions and "can_move_to" in questions
    for name in questions:
        method = getattr(tester, name)
        args = [open_community] if name in ("can_move_to", "can_copy_to") else []
        assert method(*args) is False, name
    # Asked about the destination of a move or copy, and on a plain Page of the same community.
    assert not open_community.permissions_for_user(editor).can_move_to(secret)
    assert not open_community.permissions_for_user(editor).can_copy_to(secret)
    assert not Page.objects.get(pk=secret.pk).permissions_for_user(editor).can_edit()
    assert open_community.permissions_for_user(editor).can_edit()


def assert_allowed(client, label, url, method="get", data=None):
    response = request(client, method, url, data)
    assert response.status_code in (200, 302), f"{label}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"] != HOME, f"{label}: refused"


def allowed_urls(secret, open_community, directory, scheduled, alias):
    """The GET screens (no change made), which a person allowed to see the community can open. (Not unpublish:
    Wagtail itself refuses it while a revision is scheduled.)"""
    refused_only_by_khub = {
        "edit", "delete", "move", "move (confirm)", "move here", "copy", "add child",
        "add child (form)", "preview on edit (show)", "view draft", "revisions index", "revision view",
        "revision compare", "revision revert", "revision unschedule", "history", "history results",
        "workflow history", "convert alias", "usage", "privacy", "explore", "bulk delete", "bulk move",
        "bulk publish", "bulk unpublish",
    }  # fmt: skip
    return [
        (label, url)
        for label, method, url, data in urls(secret, open_community, directory, scheduled, alias)
        if label in refused_only_by_khub
    ]


@pytest.mark.parametrize("role", ["member", "facilitator", "invited", "moderator", "superuser"])
def test_those_who_may_see_the_community_are_allowed(
    role, editor, moderator, superuser, secret, open_community, directory, scheduled, alias
):
    if role == "moderator":
        user = moderator
    elif role == "superuser":
        user = superuser
    else:
        user = editor
        state = "invited" if role == "invited" else "active"
        for community in (secret, alias):  # an alias is a community of its own
            Membership.objects.create(
                community=community,
                user=editor,
                state=state,
                role="facilitator" if role == "facilitator" else "member",
            )
    client = client_for(user)
    for label, url in allowed_urls(secret, open_community, directory, scheduled, alias):
        assert_allowed(client, label, url)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[secret.pk]))
    assert SECRET in response.content.decode()
    assert client.get(f"/admin/api/main/pages/{secret.pk}/").status_code == 200
    # And a change goes through: lock, then unlock.
    assert_allowed(client, "lock", reverse("wagtailadmin_pages:lock", args=[secret.pk]), "post")
    assert CommunityPage.objects.get(pk=secret.pk).locked


@pytest.mark.parametrize("state", ["requested", "declined", "left", "removed"])
def test_a_person_who_is_not_an_active_member_is_refused(editor, secret, state):
    Membership.objects.create(community=secret, user=editor, state=state)
    assert_refused(client_for(editor).get(reverse("wagtailadmin_pages:edit", args=[secret.pk])), state)


def test_restricted_communities_stay_editable_as_they_are_listed_to_everyone(editor, directory):
    restricted = add_community(directory, "Inner Ring", visibility="restricted")
    response = client_for(editor).get(reverse("wagtailadmin_pages:edit", args=[restricted.pk]))
    assert response.status_code == 200


def test_a_sub_community_of_a_community_the_editor_may_not_read_is_refused(editor, directory):
    parent = add_community(directory, "Inner Ring", visibility="restricted")
    child = add_community(parent, "Ring Task Group", visibility="restricted")
    client = client_for(editor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[parent.pk])).status_code == 200
    assert_refused(client.get(reverse("wagtailadmin_pages:edit", args=[child.pk])), "sub-community")
    Membership.objects.create(community=parent, user=editor, state="active")
    assert client.get(reverse("wagtailadmin_pages:edit", args=[child.pk])).status_code == 200


def test_select_all_in_a_listing_leaves_hidden_communities_out_quietly(
    editor, secret, directory, open_community
):
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "unpublish"])
    response = client_for(editor).get(url, {"id": "all", "childOf": directory.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Open Data" in html and SECRET not in html


def test_draft_communities_follow_wagtail_page_permissions(editor, django_user_model, home_page, directory):
    draft = add_community(directory, "Draft Circle", visibility="private", live=False)
    assert client_for(editor).get(reverse("wagtailadmin_pages:edit", args=[draft.pk])).status_code == 200


def test_exploring_a_community_still_lists_its_sub_communities(editor, directory):
    # Wagtail routes this listing through khub's PageViewSet for community pages.
    parent = add_community(directory, "Open Data")
    add_community(parent, "Open Sub Group")
    add_community(parent, "Hidden Sub Group", visibility="private")
    html = client_for(editor).get(reverse("wagtailadmin_explore", args=[parent.pk])).content.decode()
    assert "Open Sub Group" in html and "Hidden Sub Group" not in html
