"""khub works with any user model: every page that names, sorts, searches, emails or finds people.

Run with ``KHUB_TEST_USER_MODEL=email`` (the ``customuser`` tox env) these tests use ``tests.customuser``'s
``EmailUser``: it signs in with an email address and has no username, no first or last name and no
``get_full_name()``, as many councils' models do. Run without it they use Django's ``User``. Everything below
must hold with both, so the expected names and orders come from :mod:`khub_plugin.common.names` (through
``factories.name_of``), never from a field name. The unit tests of that module come first.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from khub_plugin.common import names
from khub_plugin.communities.models import CommunityProposal, Membership
from tests import factories

pytestmark = pytest.mark.django_db

OVERRIDE = "tests.customuser.names.NameFieldNames"
MEMBERSHIPS = reverse("khub_memberships:index")
PROPOSALS = reverse("khub_proposals:index")


# -- the naming module ------------------------------------------------------------------------------------


def test_the_suite_runs_with_the_user_model_it_was_asked_for():
    User = get_user_model()
    people = names.PersonNames(User)
    if factories.CUSTOM_USER:
        assert User._meta.label == "khub_customuser.EmailUser"
        assert not hasattr(User, "get_full_name")
        assert [f for f in ("username", "first_name", "last_name") if people.has_field(f)] == []
    else:
        assert User._meta.label == "auth.User"


def test_lookups_come_from_the_models_real_fields():
    people = names.PersonNames(get_user_model())
    if factories.CUSTOM_USER:
        assert people.ordering() == ["email"]
        assert people.ordering("user__") == ["user__email"]
        assert people.search_fields("user__") == ["user__email"]
        assert people.email_field == "email"
    else:
        assert people.ordering("user__") == ["user__first_name", "user__last_name", "user__username"]
        assert people.search_fields() == ["first_name", "last_name", "username", "email"]


class _Person(SimpleNamespace):
    def get_username(self):
        return self.login


def test_display_name_uses_get_full_name_only_when_there_is_one_and_it_says_something():
    people = names.PersonNames(get_user_model())
    assert people.display_name(_Person(login="a@x.org")) == "a@x.org"  # no get_full_name at all
    assert people.display_name(_Person(login="sam", get_full_name=lambda: "  ")) == "sam"
    assert people.display_name(_Person(login="sam", get_full_name=lambda: "Sam Lee")) == "Sam Lee"
    assert people.display_name(None) == ""


def test_email_reads_the_models_email_field_and_tolerates_none():
    people = names.PersonNames(get_user_model())
    assert people.email(factories.user("sam")) == "sam@example.org"
    assert people.email(_Person(login="x", EMAIL_FIELD="work_email")) == ""  # no such attribute
    assert people.email(_Person(login="x", EMAIL_FIELD="work_email", work_email="w@x.org")) == "w@x.org"
    assert people.email(None) == ""


def test_search_matches_every_word_in_any_field():
    sam = factories.user("sam", first_name="Sam", last_name="Lee")
    factories.user("sammy", first_name="Sammy", last_name="Ray")
    User = get_user_model()
    assert {p.pk for p in User.objects.filter(names.search_q("SAM"))} == set(
        User.objects.values_list("pk", flat=True)
    )
    assert list(User.objects.filter(names.search_q("sam@example"))) == [sam]
    assert User.objects.filter(names.search_q("")).count() == 2  # no words: no condition


def test_find_user_by_sign_in_name_or_email_case_insensitive_and_only_when_unique():
    sam = factories.user("sam")
    assert names.find_user(sam.get_username().upper()) == sam
    assert names.find_user("  SAM@example.org ") == sam
    assert names.find_user("nobody@example.org") is None
    assert names.find_user("") is None


def test_the_setting_names_the_class_and_is_read_when_asked():
    default = names.person_names()
    assert type(default) is names.PersonNames
    assert names.person_names() is default  # one instance per setting value
    person = factories.user("sam", first_name="Sam", last_name="Lee")
    with override_settings(KHUB_PERSON_NAMES=OVERRIDE):
        overridden = names.person_names()
        assert type(overridden).__name__ == "NameFieldNames"
        assert names.person_names() is overridden
        if factories.CUSTOM_USER:
            assert names.display_name(person) == "Sam Lee"
            assert names.ordering("user__") == ["user__name", "user__email"]
        else:
            assert names.display_name(person) == "Sam Lee"  # Django's User has no "name": the defaults
            assert names.ordering() == names.PersonNames(get_user_model()).ordering()
    assert names.person_names() is default
    with (
        override_settings(KHUB_PERSON_NAMES="tests.customuser.names.NoSuchClass"),
        pytest.raises(ImportError),
    ):
        names.person_names()


def test_the_template_filters(rf):
    from django.template import Context, Template

    person = factories.user("sam", first_name="Sam", last_name="Lee")
    html = Template(
        "{% load khub_communities %}[{{ p|khub_name }}|{{ p|khub_email }}|{{ n|khub_name }}]"
    ).render(Context({"p": person, "n": None}))
    assert html == f"[{factories.name_of(person)}|sam@example.org|]"


# -- every page that names people ------------------------------------------------------------------------


@pytest.fixture
def world(directory):
    community = factories.community(directory, "Social Media", "restricted", slug="social-media")
    fac = factories.user("zoe", first_name="Zoe", last_name="Walker")
    sam = factories.user("sam", first_name="Sam", last_name="Lee")
    kim = factories.user("kim", first_name="Kim", last_name="Ray")
    factories.membership(community, fac, "active", "facilitator")
    factories.membership(community, sam)
    factories.membership(community, kim)
    topic = factories.topic(community, sam, title="Hashtags that work")
    from khub_plugin.communities.access import Access
    from khub_plugin.forums import services

    services.reply(Access(kim), topic, "<p>Hashtags for the winter campaign.</p>")
    return SimpleNamespace(community=community, fac=fac, sam=sam, kim=kim, topic=topic)


def signed_in(person):
    client = Client()
    client.force_login(person)
    return client


def order_in(html, *texts):
    """Where each text first appears in ``html`` (all must appear)."""
    return [html.index(text) for text in texts]


def test_members_page_lists_searches_and_sorts_people(world):
    client = signed_in(world.sam)
    url = world.community.url + "members/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    fac, kim, sam = (factories.name_of(p) for p in (world.fac, world.kim, world.sam))
    # Facilitators first (the people a newcomer looks for), then by name: Kim before Sam with either model
    # (names or addresses). Zoe sorts last by name or address, so only her role can put her first.
    rows = order_in(html, f"<td>{fac}</td>", f"<td>{kim}</td>", f"<td>{sam}</td>")
    assert rows == sorted(rows)

    html = client.get(url, {"q": "kim"}).content.decode()
    assert kim in html and sam not in html
    html = client.get(url, {"q": "sam@example.org"}).content.decode()
    assert sam in html and kim not in html
    html = client.get(url, {"q": "kim", "role": "facilitator"}).content.decode()
    assert kim not in html


@pytest.mark.skipif(not factories.CUSTOM_USER, reason="the override reads EmailUser's name field")
def test_members_page_with_the_override_shows_sorts_and_searches_the_name_field(world):
    client = signed_in(world.sam)
    url = world.community.url + "members/"
    # Renamed so the name order (Ann, Zed) is the opposite of the address order (sam@, kim@... zed).
    get_user_model().objects.filter(pk=world.sam.pk).update(name="Ann Archer")
    get_user_model().objects.filter(pk=world.kim.pk).update(name="Zed Zephyr")
    with override_settings(KHUB_PERSON_NAMES=OVERRIDE):
        html = client.get(url).content.decode()
        assert "sam@example.org" not in html
        assert "Zoe Walker" in html
        ann_at, zed_at = order_in(html, "Ann Archer", "Zed Zephyr")
        assert ann_at < zed_at
        html = client.get(url, {"q": "zed zeph"}).content.decode()
        assert "Zed Zephyr" in html and "Ann Archer" not in html


@pytest.fixture
def admin_client(db):
    return signed_in(factories.superuser("boss"))


def test_admin_memberships_listing_searches_and_sorts_people(world, admin_client):
    response = admin_client.get(MEMBERSHIPS, {"community": world.community.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "sam@example.org" in html and "kim@example.org" in html

    html = admin_client.get(MEMBERSHIPS, {"q": "kim"}).content.decode()
    assert "kim@example.org" in html and "sam@example.org" not in html
    html = admin_client.get(MEMBERSHIPS, {"q": "sam@example"}).content.decode()
    assert "sam@example.org" in html and "kim@example.org" not in html

    by_email = "user__" + names.person_names().email_field
    for ordering in ("person", "-person", by_email, "-" + by_email):
        response = admin_client.get(MEMBERSHIPS, {"ordering": ordering, "community": world.community.pk})
        assert response.status_code == 200, ordering
        html = response.content.decode()
        kim_first = html.index("kim@example.org") < html.index("sam@example.org")
        assert kim_first == (not ordering.startswith("-")), ordering
    results = admin_client.get(reverse("khub_memberships:index_results"), {"q": "kim", "ordering": "person"})
    assert results.status_code == 200


@pytest.fixture
def proposals(world):
    by_sam = CommunityProposal.objects.create(name="Podcasts", purpose="Audio.", proposed_by=world.sam)
    by_kim = CommunityProposal.objects.create(name="Drones", purpose="Aerial surveys.", proposed_by=world.kim)
    return by_sam, by_kim


def test_admin_proposals_listing_searches_and_sorts_by_proposer(world, proposals, admin_client):
    response = admin_client.get(PROPOSALS)
    assert response.status_code == 200
    html = admin_client.get(PROPOSALS, {"q": "kim"}).content.decode()
    assert "Drones" in html and "Podcasts" not in html
    html = admin_client.get(PROPOSALS, {"q": "podcast"}).content.decode()  # the proposal's own fields too
    assert "Podcasts" in html and "Drones" not in html
    for ordering, first, second in [("person", "Drones", "Podcasts"), ("-person", "Podcasts", "Drones")]:
        response = admin_client.get(PROPOSALS, {"ordering": ordering})
        assert response.status_code == 200
        html = response.content.decode()
        assert html.index(first) < html.index(second), ordering


def test_admin_proposal_decision_screen_shows_the_proposers_address(world, proposals, admin_client):
    response = admin_client.get(reverse("khub_proposals:approve", args=[proposals[0].pk]))
    assert response.status_code == 200
    assert "&lt;sam@example.org&gt;" in response.content.decode()
    inspect = admin_client.get(reverse("khub_proposals:inspect", args=[proposals[0].pk]))
    assert inspect.status_code == 200 and factories.name_of(world.sam) in inspect.content.decode()


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_forum_feeds_name_the_authors(world, kind):
    client = signed_in(world.fac)
    for url in [
        f"{world.community.url}forum/feed/{kind}/",
        f"{world.community.url}forum/{world.topic.pk}/feed/{kind}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert factories.name_of(world.sam) in body and factories.name_of(world.kim) in body, url


def test_site_search_names_the_authors(world):
    response = signed_in(world.fac).get("/khub/search/", {"q": "hashtags"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hashtags that work" in html
    assert factories.name_of(world.sam) in html


def test_topic_page_names_the_authors(world):
    response = signed_in(world.fac).get(f"{world.community.url}forum/{world.topic.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert factories.name_of(world.sam) in html and factories.name_of(world.kim) in html


def test_manage_page_names_who_asked_and_who_is_invited(world, django_capture_on_commit_callbacks):
    asker, guest = factories.user("asker"), factories.user("guest")
    factories.membership(world.community, asker, "requested")
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(world.fac).post(
            world.community.url + "manage/invite/", {"who": "GUEST@example.org"}
        )
    assert response.status_code == 302
    response = signed_in(world.fac).get(world.community.url + "manage/")
    assert response.status_code == 200
    html = response.content.decode()
    assert factories.name_of(asker) in html and factories.name_of(guest) in html


def test_invitations_by_email_or_sign_in_name_are_emailed_to_the_models_address(
    world, django_capture_on_commit_callbacks
):
    one, two = factories.user("one"), factories.user("two")
    client = signed_in(world.fac)
    url = world.community.url + "manage/invite/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"who": "ONE@example.org", "message": "Join us"})
        client.post(url, {"who": two.get_username()})
    states = dict(
        Membership.objects.filter(community=world.community, user__in=[one, two]).values_list("user", "state")
    )
    assert states == {one.pk: "invited", two.pk: "invited"}
    invited = [m for m in mail.outbox if "invited" in m.subject.lower()]
    assert sorted(m.to[0] for m in invited) == ["one@example.org", "two@example.org"]
    assert all(factories.name_of(world.fac) in m.body for m in invited)

    response = client.post(url, {"who": "nobody@example.org"}, follow=True)
    assert "No one on the intranet has that username or email address." in response.content.decode()


# -- the development seed ---------------------------------------------------------------------------------


def test_the_seed_refuses_a_user_model_it_cannot_fill():
    from django.apps.registry import Apps
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db import models

    from khub_plugin.communities import seeding

    class StaffUser(AbstractBaseUser):
        email = models.EmailField(unique=True)
        payroll_number = models.IntegerField()  # required, and nothing the seed knows how to fill
        USERNAME_FIELD = "email"

        class Meta:
            app_label = "khub_testapp"
            apps = Apps()  # a registry of its own: the site's models are untouched

    with pytest.raises(seeding.SeedError, match="payroll_number"):
        seeding.check_user_model(StaffUser)
    seeding.check_user_model(get_user_model())  # the suite's own model is fine


def test_seeded_people_sign_in_with_what_the_model_uses():
    from khub_plugin.communities import seeding

    expected = "seed-member@seed.example" if factories.CUSTOM_USER else "seed-member"
    assert seeding.login_name(seeding.MEMBER_USERNAME) == expected
