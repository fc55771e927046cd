"""Wagtail admin: the Communities menu (memberships, proposals), deciding proposals, and community privacy in
the page explorer and chooser."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail import hooks
from wagtail.models import GroupPagePermission

from khub_plugin.communities.models import CommunityPage, CommunityProposal, Membership
from tests import factories

MEMBERSHIPS = reverse("khub_memberships:index")
PROPOSALS = reverse("khub_proposals:index")


def approve_url(proposal):
    return reverse("khub_proposals:approve", args=[proposal.pk])


def decline_url(proposal):
    return reverse("khub_proposals:decline", args=[proposal.pk])


def chooser_html(client, parent):
    response = client.get(reverse("wagtailadmin_choose_page_child", args=[parent.pk]))
    assert response.status_code == 200
    return response.json()["html"]


def add_community(parent, title, visibility="open", live=True):
    community = CommunityPage(
        title=title, slug=title.lower().replace(" ", "-"), purpose=f"{title} purpose", visibility=visibility
    )
    parent.add_child(instance=community)
    if not live:
        community.live = False
        community.save(update_fields=["live"])
    return community


def permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def admin(db):
    return factories.superuser("admin", email="admin@example.com")


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def make_editor(django_user_model, username, *perms, page=None, page_perms=()):
    """A Wagtail editor: may open the admin, plus the given model permissions and page permissions."""
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(permission("wagtailadmin", "access_admin"), *perms)
    for codename in page_perms:
        GroupPagePermission.objects.create(
            group=group, page=page, permission=permission("wagtailcore", codename)
        )
    user = factories.user(username, email=f"{username}@example.com")
    user.groups.add(group)
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(django_user_model, home_page):
    """An editor who may edit every page but has no khub permission."""
    return make_editor(django_user_model, "editor", page=home_page, page_perms=["add_page", "change_page"])


@pytest.fixture
def open_community(directory):
    return add_community(directory, "Open Data")


@pytest.fixture
def private_community(directory):
    return add_community(directory, "Secret Circle", visibility="private")


@pytest.fixture
def proposer(django_user_model):
    return factories.user("pat", first_name="Pat", last_name="Proposer", email="pat@example.com")


@pytest.fixture
def proposal(proposer):
    return CommunityProposal.objects.create(
        name="Social Media People", purpose="Share what works on social media.", proposed_by=proposer
    )


def person_label(user):
    """How the admin listings show a person: "Full Name (sign-in name)", or the sign-in name alone."""
    name, login = factories.name_of(user), user.get_username()
    return f"{name} ({login})" if name != login else login


def join(community, user, state="active", role="member"):
    return Membership.objects.create(community=community, user=user, state=state, role=role)


# -- menu and permissions -----------------------------------------------------------------------------------


def test_the_communities_menu_group_is_in_the_admin_sidebar(admin_client):
    response = admin_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Communities" in html
    assert MEMBERSHIPS in html
    assert PROPOSALS in html


def test_the_viewsets_register_their_permissions_for_the_group_screen(db):
    registered = set()
    for fn in hooks.get_hooks("register_permissions"):
        registered.update(f"{p.content_type.app_label}.{p.codename}" for p in fn())
    assert {
        "khub_communities.view_membership",
        "khub_communities.moderate_communities",
        "khub_communities.view_communityproposal",
        "khub_communities.change_communityproposal",
    } <= registered
    # Memberships and proposals are never added or deleted in the admin, so those permissions are not offered.
    assert "khub_communities.add_membership" not in registered
    assert "khub_communities.delete_communityproposal" not in registered


def test_the_group_edit_screen_offers_the_site_moderator_permission(admin_client):
    group = Group.objects.create(name="Community moderators")
    response = admin_client.get(reverse("wagtailusers_groups:edit", args=[group.pk]))
    assert response.status_code == 200
    assert str(permission("khub_communities", "moderate_communities").pk) in response.content.decode()


# -- memberships --------------------------------------------------------------------------------------------


def test_the_membership_listing_shows_and_filters_memberships(
    admin_client, open_community, private_community, django_user_model
):
    sam = factories.user("sam", first_name="Sam", last_name="Lee", email="sam@example.com")
    kim = factories.user("kim", first_name="Kim", last_name="Ray", email="kim@example.com")
    join(open_community, sam, role="facilitator")
    join(private_community, kim, state="invited")

    response = admin_client.get(MEMBERSHIPS)
    assert response.status_code == 200
    html = response.content.decode()
    assert person_label(sam) in html and person_label(kim) in html
    if not factories.CUSTOM_USER:
        assert "Sam Lee (sam)" in html and "Kim Ray (kim)" in html
    assert "Facilitator" in html and "Invited" in html

    for query, shown, hidden in [
        ({"state": "invited"}, kim, sam),
        ({"role": "facilitator"}, sam, kim),
        ({"community": open_community.pk}, sam, kim),
        ({"q": "kim@example"}, kim, sam),
        ({"q": "Lee" if not factories.CUSTOM_USER else "sam@"}, sam, kim),
    ]:
        response = admin_client.get(MEMBERSHIPS, query)
        assert response.status_code == 200, query
        html = response.content.decode()
        assert shown.email in html and hidden.email not in html, query

    results = admin_client.get(reverse("khub_memberships:index_results"), {"state": "active"})
    assert results.status_code == 200


def test_memberships_cannot_be_added_or_edited_in_the_admin(admin_client, open_community, admin):
    membership = join(open_community, admin)
    inspect = admin_client.get(reverse("khub_memberships:inspect", args=[membership.pk]))
    assert inspect.status_code == 200
    assert "Open Data" in inspect.content.decode()
    assert admin_client.get(MEMBERSHIPS + "new/").status_code == 404
    assert admin_client.get(MEMBERSHIPS + f"edit/{membership.pk}/").status_code == 404
    assert admin_client.get(MEMBERSHIPS + f"delete/{membership.pk}/").status_code == 404


def test_a_community_page_links_to_its_members_in_the_admin(admin_client, directory, open_community):
    members = f"{MEMBERSHIPS}?community={open_community.pk}"
    response = admin_client.get(reverse("wagtailadmin_explore", args=[directory.pk]))
    assert response.status_code == 200
    assert members in response.content.decode()  # in the row's "more" menu
    response = admin_client.get(reverse("wagtailadmin_explore", args=[open_community.pk]))
    assert members in response.content.decode()  # in the community's own header menu
    assert admin_client.get(members).status_code == 200


def membership_listing_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MEMBERSHIPS)
    assert response.status_code == 200
    return len(queries), response


def test_the_membership_listing_costs_the_same_queries_at_5_and_50_rows(
    admin_client, directory, django_user_model
):
    communities = [add_community(directory, f"Community {n}") for n in range(5)]

    def add_members(start, stop):
        for n in range(start, stop):
            user = factories.user(f"user{n}", first_name=f"U{n}", email=f"user{n}@example.com")
            join(communities[n % 5], user, state=["active", "invited", "requested"][n % 3])

    add_members(0, 5)
    membership_listing_queries(admin_client)  # warm the content type and permission caches
    at_5, response = membership_listing_queries(admin_client)
    add_members(5, 50)
    at_50, response = membership_listing_queries(admin_client)
    assert "user49@example.com" in response.content.decode()
    assert "user0@example.com" in response.content.decode()
    print(f"membership listing queries: {at_5} at 5 rows, {at_50} at 50 rows")
    assert at_5 == at_50


def test_a_non_moderator_with_view_permission_lists_only_memberships_they_may_see(
    django_user_model, open_community, private_community, proposer
):
    viewer = make_editor(django_user_model, "viewer", permission("khub_communities", "view_membership"))
    join(open_community, proposer)
    join(private_community, proposer)
    client = client_for(viewer)

    response = client.get(MEMBERSHIPS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Open Data" in html
    assert "Secret Circle" not in html  # neither as a row nor as a choice in the community filter
    hidden = Membership.objects.get(community=private_community)
    assert client.get(reverse("khub_memberships:inspect", args=[hidden.pk])).status_code == 404

    moderator = make_editor(
        django_user_model,
        "moderator",
        permission("khub_communities", "view_membership"),
        permission("khub_communities", "moderate_communities"),
    )
    assert "Secret Circle" in client_for(moderator).get(MEMBERSHIPS).content.decode()


def test_an_editor_without_membership_permission_cannot_open_the_listing(editor, open_community, proposer):
    join(open_community, proposer)
    # Wagtail's own listings answer a missing permission with a redirect to the dashboard and a message.
    response = client_for(editor).get(MEMBERSHIPS, follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "do not have permission" in response.content.decode()
    assert "pat@example.com" not in response.content.decode()


# -- proposals: listing -------------------------------------------------------------------------------------


def test_the_proposal_listing_shows_pending_first_and_filters_by_status(admin_client, proposer, admin):
    decided = CommunityProposal.objects.create(
        name="Approved Already", purpose="p", proposed_by=proposer, status="approved"
    )
    pending = CommunityProposal.objects.create(name="Waiting Here", purpose="p", proposed_by=proposer)
    CommunityProposal.objects.filter(pk=pending.pk).update(created_at=decided.created_at.replace(year=2000))

    response = admin_client.get(PROPOSALS)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Waiting Here") < html.index("Approved Already")  # pending first, even though older
    assert person_label(proposer) in html
    assert approve_url(pending) in html and approve_url(decided) not in html

    html = admin_client.get(PROPOSALS, {"status": "pending"}).content.decode()
    assert "Waiting Here" in html and "Approved Already" not in html
    html = admin_client.get(PROPOSALS, {"status": "approved"}).content.decode()
    assert "Waiting Here" not in html and "Approved Already" in html

    inspect = admin_client.get(reverse("khub_proposals:inspect", args=[pending.pk]))
    assert inspect.status_code == 200
    assert approve_url(pending) in inspect.content.decode()


def test_the_dashboard_counts_pending_proposals_for_those_who_decide(admin_client, proposal, editor):
    assert "1 proposal for a new community is waiting" in admin_client.get("/admin/").content.decode()
    assert "waiting for a decision" not in client_for(editor).get("/admin/").content.decode()


# -- proposals: deciding ------------------------------------------------------------------------------------


def test_approving_creates_a_live_community_with_the_proposer_as_facilitator(
    admin_client, directory, proposal, proposer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(approve_url(proposal))
    assert response.status_code == 302
    assert response.url == PROPOSALS

    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.APPROVED
    community = CommunityPage.objects.get(pk=proposal.community_id)
    assert community.live
    assert community.title == "Social Media People"
    assert community.get_parent().pk == directory.pk
    membership = Membership.objects.get(community=community, user=proposer)
    assert (membership.state, membership.role) == ("active", "facilitator")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    assert "Social Media People" in mail.outbox[0].subject
    assert any("is now a live community" in str(m) for m in get_messages(response.wsgi_request))


def test_get_on_approve_only_asks_for_confirmation(admin_client, directory, proposal):
    response = admin_client.get(approve_url(proposal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Social Media People" in html and 'method="post"' in html and "csrfmiddlewaretoken" in html
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.PENDING
    assert not CommunityPage.objects.filter(title="Social Media People").exists()
    assert mail.outbox == []


def test_approving_needs_the_csrf_token(admin, directory, proposal):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(approve_url(proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.PENDING


def test_declining_stores_and_emails_the_reason(
    admin_client, admin, proposal, django_capture_on_commit_callbacks
):
    assert admin_client.get(decline_url(proposal)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            decline_url(proposal), {"reason": "  The Comms community covers this.  "}
        )
    assert response.status_code == 302

    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.DECLINED
    assert proposal.decision_reason == "The Comms community covers this."
    assert proposal.decided_by == admin
    assert proposal.community is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    assert "The Comms community covers this." in mail.outbox[0].body


def test_declining_without_a_reason_shows_the_form_again(
    admin_client, proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(decline_url(proposal), {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.PENDING
    assert mail.outbox == []


def test_a_decided_proposal_cannot_be_decided_again(
    admin_client, directory, proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(approve_url(proposal))
    for url, data in [(approve_url(proposal), {}), (decline_url(proposal), {"reason": "No"})]:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(url, data, follow=True)
        assert response.status_code == 200
        assert "has already been decided" in response.content.decode()
        assert admin_client.get(url).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.APPROVED
    assert CommunityPage.objects.filter(title="Social Media People").count() == 1
    assert len(mail.outbox) == 1


def test_an_editor_who_may_not_decide_gets_403(editor, directory, proposal):
    client = client_for(editor)
    assert client.get(approve_url(proposal)).status_code == 403
    assert client.post(approve_url(proposal)).status_code == 403
    assert client.post(decline_url(proposal), {"reason": "no"}).status_code == 403
    assert client.get(PROPOSALS).status_code == 302  # Wagtail's listing: back to the dashboard
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.PENDING


def test_an_editor_given_the_change_proposal_permission_may_decide(
    django_user_model, directory, proposal, django_capture_on_commit_callbacks
):
    decider = make_editor(
        django_user_model, "decider", permission("khub_communities", "change_communityproposal")
    )
    client = client_for(decider)
    assert client.get(PROPOSALS).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url(proposal))
    print(
        "DBG", response.status_code, response.url, [str(m)[:100] for m in get_messages(response.wsgi_request)]
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == CommunityProposal.Status.APPROVED


# -- privacy in the page chooser and the explorer -----------------------------------------------------------


def test_the_page_chooser_hides_private_communities_from_non_members(
    editor, admin_client, directory, open_community, private_community
):
    html = chooser_html(client_for(editor), directory)
    assert "Open Data" in html
    assert "Secret Circle" not in html

    html = chooser_html(admin_client, directory)
    assert "Open Data" in html and "Secret Circle" in html

    join(private_community, editor)
    assert "Secret Circle" in chooser_html(client_for(editor), directory)


def test_the_explorer_hides_private_communities_from_non_members(
    editor, admin_client, directory, open_community, private_community
):
    url = reverse("wagtailadmin_explore", args=[directory.pk])
    html = client_for(editor).get(url).content.decode()
    assert "Open Data" in html and "Secret Circle" not in html
    html = client_for(editor).get(url, {"q": "Secret"}).content.decode()
    assert "Secret Circle" not in html
    html = admin_client.get(url).content.decode()
    assert "Open Data" in html and "Secret Circle" in html

    # The sidebar's explorer menu reads the admin API with for_explorer.
    api = client_for(editor).get("/admin/api/main/pages/", {"child_of": directory.pk, "for_explorer": 1})
    assert api.status_code == 200
    titles = {item["title"] for item in api.json()["items"]}
    assert "Open Data" in titles and "Secret Circle" not in titles


def test_draft_communities_are_shown_only_to_those_who_may_edit_them(
    editor, django_user_model, directory, open_community
):
    add_community(directory, "Draft Circle", visibility="private", live=False)
    assert "Draft Circle" in chooser_html(client_for(editor), directory)

    reader = make_editor(django_user_model, "reader")  # may open the admin, no page permissions
    html = chooser_html(client_for(reader), directory)
    assert "Open Data" in html and "Draft Circle" not in html


def test_hiding_communities_costs_the_same_queries_however_many_there_are(editor, directory):
    client = client_for(editor)

    def count():
        with CaptureQueriesContext(connection) as queries:
            chooser_html(client, directory)
        return len(queries)

    # Only communities the editor may not see are added, so the rows shown stay the same: any difference
    # would be the cost of hiding them.
    outsider = add_community(directory, "Outsider", visibility="private")
    add_community(directory, "Private 0", visibility="private")
    count()
    few = count()
    for n in range(1, 8):
        add_community(directory, f"Private {n}", visibility="private")
        add_community(outsider, f"Sub {n}", visibility="private")
    many = count()
    html = chooser_html(client, directory)
    assert "Private" not in html and "Outsider" not in html
    print(f"page chooser queries: {few} with 2 hidden communities, {many} with 16")
    assert few == many
