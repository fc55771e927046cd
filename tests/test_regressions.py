"""Rules found broken in review, each held by a test."""

from django.test import override_settings

from khub_plugin.communities import services
from khub_plugin.communities.access import Access
from khub_plugin.communities.models import CommunityPage, Membership
from khub_plugin.communities.signals import membership_changed
from tests import factories


def test_republishing_a_revision_keeps_the_live_member_count(directory):
    community = factories.community(directory, "Social", "open")
    for i in range(3):
        services.join(Access(factories.user(f"u{i}")), community)
    community.refresh_from_db()
    assert community.member_count == 3
    community.revisions.order_by("created_at").first().publish()  # taken before anyone joined
    assert CommunityPage.objects.get(pk=community.pk).member_count == 3


def test_a_removed_member_of_an_open_community_can_be_let_back_in(client, directory):
    community = factories.community(directory, "Social", "open")
    fac, person = factories.user("fac"), factories.user("sam")
    factories.membership(community, fac, "active", "facilitator")
    factories.membership(community, person, "removed")
    client.force_login(fac)
    client.post(community.url + "manage/invite/", {"who": person.get_username()})
    assert Membership.objects.get(community=community, user=person).state == "invited"
    client.force_login(person)
    client.post(community.url + "invitation/accept/")
    assert Membership.objects.get(community=community, user=person).state == "active"


def test_cancelling_an_invitation_does_not_bar_the_person(client, directory):
    community = factories.community(directory, "Network", "restricted")
    fac, person = factories.user("fac"), factories.user("sam")
    factories.membership(community, fac, "active", "facilitator")
    invitation = factories.membership(community, person, "invited")
    client.force_login(fac)
    client.post(community.url + f"manage/members/{invitation.pk}/cancel/")
    assert Membership.objects.get(pk=invitation.pk).state == "declined"
    client.force_login(person)
    client.post(community.url + "request/")
    assert Membership.objects.get(pk=invitation.pk).state == "requested"


def test_a_sub_community_of_an_unpublished_parent_is_hidden(client, directory):
    parent = factories.community(directory, "Parent", "open")
    child = factories.community(parent, "Child", "open")
    parent.unpublish()
    person = factories.user("sam")
    assert not Access(person).can_see(child)
    client.force_login(person)
    assert client.get(child.url).status_code == 404
    assert "Child" not in client.get(directory.url).content.decode()


def test_every_membership_change_is_signalled_and_a_failing_receiver_breaks_nothing(
    directory, django_capture_on_commit_callbacks
):
    community = factories.community(directory, "Social", "open")
    seen = []

    def record(sender, membership, previous_state, actor, **kwargs):
        seen.append((membership.user.get_username(), previous_state, membership.state, membership.role))

    def broken(**kwargs):
        raise RuntimeError("a host's receiver failed")

    membership_changed.connect(broken, dispatch_uid="broken")
    membership_changed.connect(record, dispatch_uid="record")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.add_facilitator(community, factories.user("fac"))
            services.join(Access(factories.user("sam")), community)
    finally:
        membership_changed.disconnect(dispatch_uid="broken")
        membership_changed.disconnect(dispatch_uid="record")
    fac, sam = (factories.login_of(name) for name in ("fac", "sam"))
    assert seen == [(fac, None, "active", "facilitator"), (sam, None, "active", "member")]


def test_feature_routes_can_be_linked_by_name(directory):
    community = factories.community(directory, "Social", "open")
    assert community.url_for("notes:index") == community.url + "notes/"
    assert community.url_for("notes:detail", number=4) == community.url + "notes/4/"
    assert community.url_for("members") == community.url + "members/"


def test_the_directory_is_in_the_sitemap_only_when_anonymous_visitors_may_see_it(client, directory):
    directory.save_revision().publish()
    assert "/communities/" not in client.get("/sitemap.xml").content.decode()
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        from khub_plugin.communities import privacy

        privacy.sync_all()
        assert "/communities/" in client.get("/sitemap.xml").content.decode()


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7*7 }}{% debug %}",
]


def test_hostile_text_from_members_is_always_escaped(client, directory, django_capture_on_commit_callbacks):
    from khub_plugin.communities import proposals
    from khub_plugin.communities.models import CommunityProposal

    restricted = factories.community(directory, "Network", "restricted")
    fac = factories.user("fac")
    factories.membership(restricted, fac, "active", "facilitator")
    for i, payload in enumerate(HOSTILE):
        person = factories.user(f"p{i}", first_name=payload)
        client.force_login(person)
        client.post(restricted.url + "request/", {"message": payload})
        client.post("/khub/propose/", {"name": payload[:120], "purpose": payload, "visibility": "open"})
        with django_capture_on_commit_callbacks(execute=True):
            proposals.approve(CommunityProposal.objects.get(name=payload[:120]), factories.moderator(f"m{i}"))
    client.force_login(fac)
    pages = [
        client.get(directory.url).content.decode(),
        client.get(directory.url + "?q=" + HOSTILE[0]).content.decode(),
        client.get(restricted.url + "manage/").content.decode(),
        client.get("/khub/whats-happening/").content.decode(),
        *(client.get(c.url).content.decode() for c in CommunityPage.objects.exclude(pk=restricted.pk)),
    ]
    for html in pages:
        for marker in ("<script>alert", "<img src=x", "<svg onload", 'href="javascript:'):
            assert marker not in html
    # Template syntax in member text is shown as typed, never evaluated.
    assert "{{ 7*7 }}{% debug %}" in pages[0] or "{{ 7*7 }}{% debug %}" in "".join(pages)


def test_the_page_editor_offers_the_tools_as_checkboxes(client, directory):
    admin = factories.superuser("boss")
    client.force_login(admin)
    html = client.get(f"/admin/pages/add/khub_communities/communitypage/{directory.pk}/").content.decode()
    assert 'type="checkbox" name="tools" value="notes"' in html
    assert "checked" in html.split('value="notes"')[1].split(">")[0]  # the defaults are ticked for a new page


def test_a_parent_cannot_become_less_open_than_its_sub_communities(directory):
    from django.core.exceptions import ValidationError

    parent = factories.community(directory, "Parent", "open")
    factories.community(parent, "Child", "open")
    parent.visibility = "restricted"
    try:
        parent.full_clean()
    except ValidationError as error:
        assert "Child" in " ".join(error.message_dict["visibility"])
    else:
        raise AssertionError("a parent less open than its sub-community was accepted")


def test_host_restrictions_on_the_intranet_still_apply_to_community_pages(client, directory, home_page):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    community = factories.community(directory, "Social", "open")
    restriction = PageViewRestriction.objects.create(page=home_page, restriction_type="groups")
    restriction.groups.add(Group.objects.create(name="Staff"))
    client.force_login(factories.user("contractor"))  # signed in, but not in the intranet's staff group
    assert client.get(community.url).status_code != 200
    assert client.get(directory.url).status_code != 200


def test_unpublishing_a_community_hides_its_sub_communities_from_wagtails_public_views(client, directory):
    from wagtail.models import Page

    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        from khub_plugin.communities import privacy

        privacy.sync_all()
        parent = factories.community(directory, "Parent", "open")
        child = factories.community(parent, "Child", "open")
        assert Page.objects.public().filter(pk=child.pk).exists()
        parent.unpublish()
        assert not Page.objects.public().filter(pk=child.pk).exists()
