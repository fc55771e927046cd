"""Every membership flow: who may perform it, who may not, and what it leaves behind."""

import pytest
from django.core import mail

from khub_plugin.communities.models import Activity, CommunityPage, CommunityProposal, Membership
from tests import factories


@pytest.fixture
def communities(directory):
    open_c = factories.community(directory, "Social Media", "open", slug="social-media")
    restricted = factories.community(directory, "Members Services", "restricted", slug="members-services")
    private = factories.community(directory, "VAW Network", "private", slug="vaw")
    sub = factories.community(restricted, "GDPR task group", "private", slug="gdpr")
    other = factories.community(directory, "Other Network", "restricted", slug="other")
    fac = factories.user("fac")
    for community in (open_c, restricted, private, sub, other):
        factories.membership(community, fac, "active", "facilitator")
    return {
        "open": open_c,
        "restricted": restricted,
        "private": private,
        "sub": sub,
        "other": other,
        "fac": fac,
    }


#: What ``factories.user("sam")`` signs in with (the invite form takes it), with either user model.
SAM = factories.login_of("sam")


def state_of(community, person):
    row = Membership.objects.filter(community=community, user=person).first()
    return row and (row.state, row.role)


def count(community):
    return CommunityPage.objects.get(pk=community.pk).member_count


def post(client, person, url, data=None, on_commit=None):
    if person is not None:
        client.force_login(person)
    if on_commit is None:
        return client.post(url, data or {})
    with on_commit(execute=True):
        return client.post(url, data or {})


# -- join ------------------------------------------------------------------------------------------------


def test_anyone_signed_in_joins_an_open_community(client, communities):
    person = factories.user("sam")
    before = count(communities["open"])
    response = post(client, person, communities["open"].url + "join/")
    assert response.status_code == 302 and response["Location"] == communities["open"].url
    assert state_of(communities["open"], person) == ("active", "member")
    assert count(communities["open"]) == before + 1
    assert Activity.objects.filter(community=communities["open"], actor=person, verb="joined").exists()


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_changes(client, communities):
    response = client.post(communities["open"].url + "join/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Membership.objects.filter(community=communities["open"]).exclude(role="facilitator").exists()


def test_join_is_a_post(client, communities):
    client.force_login(factories.user("sam"))
    assert client.get(communities["open"].url + "join/").status_code == 405


def test_joining_needs_a_csrf_token(communities):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    person = factories.user("sam")
    client.force_login(person)
    assert client.post(communities["open"].url + "join/").status_code == 403
    assert state_of(communities["open"], person) is None


def test_a_restricted_community_cannot_be_joined_in_one_click(client, communities):
    person = factories.user("sam")
    assert post(client, person, communities["restricted"].url + "join/").status_code == 403
    assert state_of(communities["restricted"], person) is None


def test_a_private_community_does_not_admit_it_exists(client, communities):
    person = factories.user("sam")
    assert post(client, person, communities["private"].url + "join/").status_code == 404
    assert post(client, person, communities["private"].url + "request/").status_code == 404
    assert state_of(communities["private"], person) is None


def test_a_removed_member_cannot_rejoin_by_themselves(client, communities):
    person = factories.user("sam")
    factories.membership(communities["open"], person, "removed")
    response = post(client, person, communities["open"].url + "join/")
    assert response.status_code == 302
    assert state_of(communities["open"], person) == ("removed", "member")
    assert "removed you" in client.get(communities["open"].url).content.decode()


# -- request, approve, decline -----------------------------------------------------------------------------


def test_request_approve_flow_tells_everyone(client, communities, django_capture_on_commit_callbacks):
    person = factories.user("sam")
    restricted = communities["restricted"]
    post(
        client,
        person,
        restricted.url + "request/",
        {"message": "I run member services in Fife."},
        django_capture_on_commit_callbacks,
    )
    assert state_of(restricted, person) == ("requested", "member")
    assert [m.to for m in mail.outbox] == [["fac@example.org"]]
    assert "I run member services in Fife." in mail.outbox[0].body
    assert count(restricted) == 1  # a request is not a member

    membership = Membership.objects.get(community=restricted, user=person)
    mail.outbox.clear()
    response = post(
        client,
        communities["fac"],
        restricted.url + f"manage/requests/{membership.pk}/approve/",
        on_commit=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert state_of(restricted, person) == ("active", "member")
    assert count(restricted) == 2
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]
    assert "approved" in mail.outbox[0].body


def test_decline_carries_the_reason_by_email(client, communities, django_capture_on_commit_callbacks):
    person = factories.user("sam")
    membership = factories.membership(communities["restricted"], person, "requested")
    url = communities["restricted"].url + f"manage/requests/{membership.pk}/decline/"
    post(
        client,
        communities["fac"],
        url,
        {"reason": "This network is for elected members' officers."},
        django_capture_on_commit_callbacks,
    )
    assert state_of(communities["restricted"], person) == ("declined", "member")
    assert "This network is for elected members' officers." in mail.outbox[-1].body


@pytest.mark.parametrize("actor", ["requester", "member", "nonmember", "facilitator_elsewhere"])
def test_only_this_communitys_facilitators_decide_its_requests(client, communities, actor):
    restricted = communities["restricted"]
    requester = factories.user("sam")
    membership = factories.membership(restricted, requester, "requested")
    people = {
        "requester": requester,
        "member": factories.membership(restricted, factories.user("mo"), "active").user,
        "nonmember": factories.user("nia"),
        "facilitator_elsewhere": factories.membership(
            communities["open"], factories.user("fay"), "active", "facilitator"
        ).user,
    }
    response = post(client, people[actor], restricted.url + f"manage/requests/{membership.pk}/approve/")
    assert response.status_code == 403
    assert state_of(restricted, requester) == ("requested", "member")


def test_a_facilitator_cannot_decide_another_communitys_request_by_changing_the_id(client, communities):
    # fac facilitates both; a facilitator of "restricted" only tries to approve a request to "other".
    only_here = factories.membership(
        communities["restricted"], factories.user("fay"), "active", "facilitator"
    ).user
    requester = factories.user("sam")
    elsewhere = factories.membership(communities["other"], requester, "requested")
    for url in (
        communities["restricted"].url + f"manage/requests/{elsewhere.pk}/approve/",
        communities["other"].url + f"manage/requests/{elsewhere.pk}/approve/",
    ):
        assert post(client, only_here, url).status_code == 403
    assert state_of(communities["other"], requester) == ("requested", "member")


def test_unknown_decisions_are_not_found(client, communities):
    membership = factories.membership(communities["restricted"], factories.user("sam"), "requested")
    url = communities["restricted"].url + f"manage/requests/{membership.pk}/delete/"
    assert post(client, communities["fac"], url).status_code == 404


def test_requester_can_withdraw(client, communities):
    person = factories.user("sam")
    factories.membership(communities["restricted"], person, "requested")
    post(client, person, communities["restricted"].url + "request/withdraw/")
    assert state_of(communities["restricted"], person) == ("left", "member")


# -- invitations ---------------------------------------------------------------------------------------------


def test_facilitator_invites_by_username_or_email(client, communities, django_capture_on_commit_callbacks):
    private = communities["private"]
    sam, nia = factories.user("sam"), factories.user("nia")
    post(
        client,
        communities["fac"],
        private.url + "manage/invite/",
        {"who": sam.get_username(), "message": "Join us"},
        django_capture_on_commit_callbacks,
    )
    post(
        client,
        communities["fac"],
        private.url + "manage/invite/",
        {"who": "NIA@example.org"},
        django_capture_on_commit_callbacks,
    )
    assert state_of(private, sam) == ("invited", "member")
    assert state_of(private, nia) == ("invited", "member")
    assert sorted(m.to[0] for m in mail.outbox) == ["nia@example.org", "sam@example.org"]

    # The invited person can now see the landing page, accept, and is then a member.
    client.force_login(sam)
    assert "Accept invitation" in client.get(private.url).content.decode()
    client.post(private.url + "invitation/accept/")
    assert state_of(private, sam) == ("active", "member")
    assert client.get(private.url + "members/").status_code == 200

    client.force_login(nia)
    client.post(private.url + "invitation/decline/")
    assert state_of(private, nia) == ("declined", "member")
    assert client.get(private.url).status_code == 404


def test_invite_refuses_unknown_people_and_open_communities(client, communities):
    post(client, communities["fac"], communities["private"].url + "manage/invite/", {"who": "nobody"})
    assert not Membership.objects.filter(community=communities["private"], state="invited").exists()
    factories.user("sam")
    post(client, communities["fac"], communities["open"].url + "manage/invite/", {"who": SAM})
    assert not Membership.objects.filter(community=communities["open"], state="invited").exists()


def test_only_facilitators_invite(client, communities):
    member = factories.membership(communities["private"], factories.user("mo"), "active").user
    factories.user("sam")
    assert (
        post(client, member, communities["private"].url + "manage/invite/", {"who": SAM}).status_code == 403
    )
    outsider = factories.user("nia")
    assert (
        post(client, outsider, communities["private"].url + "manage/invite/", {"who": SAM}).status_code == 404
    )


def test_a_sub_community_invitee_must_belong_to_the_parent(client, communities):
    sub, parent = communities["sub"], communities["restricted"]
    outsider = factories.user("sam")
    post(client, communities["fac"], sub.url + "manage/invite/", {"who": SAM})
    assert state_of(sub, outsider) is None
    factories.membership(parent, outsider, "active")
    post(client, communities["fac"], sub.url + "manage/invite/", {"who": SAM})
    assert state_of(sub, outsider) == ("invited", "member")


def test_accepting_needs_an_invitation(client, communities):
    person = factories.user("sam")
    assert post(client, person, communities["private"].url + "invitation/accept/").status_code == 404
    assert post(client, person, communities["restricted"].url + "invitation/accept/").status_code == 403
    assert state_of(communities["private"], person) is None


# -- leaving, removal, roles -------------------------------------------------------------------------------


def test_member_leaves(client, communities):
    person = factories.user("sam")
    factories.membership(communities["open"], person, "active")
    before = count(communities["open"])
    post(client, person, communities["open"].url + "leave/")
    assert state_of(communities["open"], person) == ("left", "member")
    assert count(communities["open"]) == before - 1


def test_the_last_facilitator_cannot_leave_without_handing_over(client, communities):
    post(client, communities["fac"], communities["open"].url + "leave/")
    assert state_of(communities["open"], communities["fac"]) == ("active", "facilitator")
    second = factories.membership(communities["open"], factories.user("fay"), "active")
    post(client, communities["fac"], communities["open"].url + f"manage/members/{second.pk}/promote/")
    post(client, communities["fac"], communities["open"].url + "leave/")
    assert state_of(communities["open"], communities["fac"]) == ("left", "member")


def test_removal_is_immediate_everywhere(client, communities):
    private = communities["private"]
    person = factories.user("sam")
    membership = factories.membership(private, person, "active")
    client.force_login(person)
    assert client.get(private.url + "members/").status_code == 200
    post(client, communities["fac"], private.url + f"manage/members/{membership.pk}/remove/")
    assert state_of(private, person) == ("removed", "member")
    client.force_login(person)
    assert client.get(private.url).status_code == 404
    assert client.get(private.url + "members/").status_code == 404
    assert "VAW Network" not in client.get(communities["private"].get_parent().url).content.decode()


def test_removal_from_a_parent_removes_access_to_its_sub_communities(client, communities):
    person = factories.user("sam")
    parent_membership = factories.membership(communities["restricted"], person, "active")
    factories.membership(communities["sub"], person, "active")
    client.force_login(person)
    assert client.get(communities["sub"].url + "members/").status_code == 200
    post(
        client,
        communities["fac"],
        communities["restricted"].url + f"manage/members/{parent_membership.pk}/remove/",
    )
    client.force_login(person)
    assert client.get(communities["sub"].url).status_code == 404


@pytest.mark.parametrize("action", ["remove", "promote", "demote"])
def test_only_facilitators_and_moderators_manage_members(client, communities, action):
    target = factories.membership(communities["open"], factories.user("sam"), "active")
    member = factories.membership(communities["open"], factories.user("mo"), "active").user
    url = communities["open"].url + f"manage/members/{target.pk}/{action}/"
    assert post(client, member, url).status_code == 403
    assert state_of(communities["open"], target.user) == ("active", "member")
    post(client, factories.moderator(), url)
    expected = {
        "remove": ("removed", "member"),
        "promote": ("active", "facilitator"),
        "demote": ("active", "member"),
    }
    assert state_of(communities["open"], target.user) == expected[action]


def test_facilitator_cannot_remove_themselves_or_the_last_facilitator(client, communities):
    own = Membership.objects.get(community=communities["open"], user=communities["fac"])
    post(client, communities["fac"], communities["open"].url + f"manage/members/{own.pk}/remove/")
    post(client, factories.moderator(), communities["open"].url + f"manage/members/{own.pk}/demote/")
    assert state_of(communities["open"], communities["fac"]) == ("active", "facilitator")


# -- stage, tools, proposals ------------------------------------------------------------------------------


def test_facilitator_changes_the_lifecycle_stage(client, communities):
    open_c = communities["open"]
    post(client, communities["fac"], open_c.url + "manage/stage/", {"stage": "sustain"})
    open_c.refresh_from_db()
    assert open_c.stage == "sustain"
    assert open_c.revisions.count() == 2  # kept in the page history for editors
    assert Activity.objects.filter(community=open_c, verb="stage-changed").exists()
    member = factories.membership(open_c, factories.user("mo"), "active").user
    assert post(client, member, open_c.url + "manage/stage/", {"stage": "closedown"}).status_code == 403
    assert CommunityPage.objects.get(pk=open_c.pk).stage == "sustain"


def test_manage_page_is_for_facilitators(client, communities):
    client.force_login(communities["fac"])
    assert client.get(communities["restricted"].url + "manage/").status_code == 200
    member = factories.membership(communities["restricted"], factories.user("mo"), "active").user
    client.force_login(member)
    response = client.get(communities["restricted"].url + "manage/")
    assert response.status_code == 302 and response["Location"] == communities["restricted"].url


def test_anyone_signed_in_can_propose_a_community(client, communities):
    person = factories.user("sam")
    factories.membership(communities["restricted"], person, "active")
    client.force_login(person)
    page = client.get("/khub/propose/").content.decode()
    assert "Members Services" in page and "VAW Network" not in page  # only communities they belong to
    response = client.post(
        "/khub/propose/", {"name": "Climate officers", "purpose": "Net zero.", "visibility": "open"}
    )
    assert response.status_code == 302
    proposal = CommunityProposal.objects.get()
    assert (proposal.name, proposal.proposed_by, proposal.status) == ("Climate officers", person, "pending")
    assert "Climate officers" in client.get("/khub/my-communities/").content.decode()


def test_a_proposed_sub_community_cannot_be_more_open_than_its_parent(client, communities):
    person = factories.user("sam")
    factories.membership(communities["restricted"], person, "active")
    client.force_login(person)
    response = client.post(
        "/khub/propose/",
        {"name": "Open group", "purpose": "x", "visibility": "open", "parent": communities["restricted"].pk},
    )
    assert response.status_code == 200
    assert "cannot be more open" in response.content.decode()
    # A community the proposer does not belong to is not a valid choice.
    response = client.post(
        "/khub/propose/",
        {"name": "Sneaky", "purpose": "x", "visibility": "private", "parent": communities["private"].pk},
    )
    assert response.status_code == 200 and not CommunityProposal.objects.exists()


def test_anonymous_cannot_propose(client):
    response = client.get("/khub/propose/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
