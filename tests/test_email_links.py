"""Links in emails come from the site, never example.com; the sender is the site's own address.

khub_plugin.common.links.site_url() answers "what is this site's address?" where there is no request (emails
are rendered after the request, and later in tasks): KHUB_SITE_URL, else the default Wagtail Site's root URL,
else WAGTAILADMIN_BASE_URL, skipping placeholders. Checks khub.W006 and khub.W005 warn in production.
"""

import pytest
from django.core import mail
from wagtail.models import Page, Site

from khub_plugin import checks
from khub_plugin.common import links
from khub_plugin.communities.models import Membership
from tests import factories

WAGTAIL_START_DEFAULT = "http://example.com"  # what `wagtail start` writes as WAGTAILADMIN_BASE_URL


@pytest.fixture
def default_site(db):
    return Site.objects.get(is_default_site=True)


def set_site(site, hostname, port):
    site.hostname, site.port = hostname, port
    site.save()


# -- site_url


def test_the_setting_comes_first(settings, default_site):
    set_site(default_site, "intranet.anytown.gov.uk", 443)
    settings.KHUB_SITE_URL = "https://staff.anytown.gov.uk/"
    assert links.site_url() == "https://staff.anytown.gov.uk"


def test_then_the_default_sites_root_url(settings, default_site):
    settings.WAGTAILADMIN_BASE_URL = "https://admin.anytown.gov.uk"
    set_site(default_site, "intranet.anytown.gov.uk", 443)
    assert links.site_url() == "https://intranet.anytown.gov.uk"
    set_site(default_site, "intranet.anytown.gov.uk", 8080)
    assert links.site_url() == "http://intranet.anytown.gov.uk:8080"


def test_then_wagtailadmin_base_url_when_the_site_is_still_localhost(settings, default_site):
    assert default_site.hostname == "localhost"  # as Wagtail's migrations leave it
    settings.WAGTAILADMIN_BASE_URL = "https://intranet.anytown.gov.uk/"
    assert links.site_url() == "https://intranet.anytown.gov.uk"


def test_never_example_com(settings, default_site):
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    assert links.site_url() == "http://localhost"  # a fresh `wagtail start` site: its own machine at least
    set_site(default_site, "www.example.com", 80)
    assert links.site_url() == ""  # nothing better known: relative links, not someone else's domain
    del settings.WAGTAILADMIN_BASE_URL
    assert links.site_url() == ""


def test_a_developers_machine_gets_the_port_it_runs_on(settings, default_site):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"  # the example project's dev settings
    assert links.site_url() == "http://127.0.0.1:8000"


def test_without_any_site_the_setting_answers(settings, db):
    Site.objects.all().delete()
    settings.WAGTAILADMIN_BASE_URL = "https://intranet.anytown.gov.uk"
    assert links.site_url() == "https://intranet.anytown.gov.uk"


@pytest.mark.parametrize(
    "url, usable",
    [
        ("https://intranet.anytown.gov.uk", True),
        ("http://10.1.2.3:8000", True),
        ("http://example.com", False),
        ("https://www.example.org/", False),
        ("http://intranet.example", False),
        ("http://localhost", False),
        ("http://app.localhost:8000", False),
        ("http://127.0.0.1:8000", False),
        ("http://[::1]:8000", False),
        ("", False),
        ("not a url", False),
    ],
)
def test_what_counts_as_a_usable_address(url, usable):
    assert links.is_usable(url) is usable


def test_absolute_urls_are_kept_and_paths_are_joined():
    assert links.absolute_url("/communities/x/", "https://a.gov.uk") == "https://a.gov.uk/communities/x/"
    assert links.absolute_url("https://b.gov.uk/x/", "https://a.gov.uk") == "https://b.gov.uk/x/"


# -- emails


@pytest.fixture
def restricted(directory):
    community = factories.community(directory, "Members Services", "restricted", slug="members-services")
    factories.membership(community, factories.user("fac"), "active", "facilitator")
    return community


def ask_to_join(client, community, on_commit):
    client.force_login(factories.user("sam"))
    with on_commit(execute=True):
        assert client.post(community.url + "request/", {"message": "Hello"}).status_code == 302
    [message] = mail.outbox
    return message


def test_a_wagtail_start_site_emails_links_to_its_own_site_not_example_com(
    client, settings, default_site, restricted, django_capture_on_commit_callbacks
):
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    settings.DEFAULT_FROM_EMAIL = "Anytown intranet <intranet@anytown.gov.uk>"
    set_site(default_site, "intranet.anytown.gov.uk", 443)  # the admin named the site in Settings > Sites
    message = ask_to_join(client, restricted, django_capture_on_commit_callbacks)
    assert "https://intranet.anytown.gov.uk/communities/members-services/manage/" in message.body
    assert "example.com" not in message.body
    assert message.from_email == "Anytown intranet <intranet@anytown.gov.uk>"


def test_khub_site_url_sets_the_links(client, settings, restricted, django_capture_on_commit_callbacks):
    settings.KHUB_SITE_URL = "https://staff.anytown.gov.uk"
    message = ask_to_join(client, restricted, django_capture_on_commit_callbacks)
    assert "https://staff.anytown.gov.uk/communities/members-services/manage/" in message.body


def test_the_address_is_read_when_the_email_is_sent(
    client, settings, restricted, django_capture_on_commit_callbacks
):
    settings.KHUB_SITE_URL = "https://old.anytown.gov.uk"
    client.force_login(factories.user("sam"))
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(restricted.url + "request/", {"message": "Hello"})
    settings.KHUB_SITE_URL = "https://new.anytown.gov.uk"
    for callback in callbacks:
        callback()
    assert "https://new.anytown.gov.uk/communities/" in mail.outbox[0].body


def test_every_membership_email_links_absolutely(
    client, settings, restricted, django_capture_on_commit_callbacks
):
    settings.KHUB_SITE_URL = "https://intranet.anytown.gov.uk"
    ask_to_join(client, restricted, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(community=restricted, state="requested")
    client.force_login(Membership.objects.get(community=restricted, role="facilitator").user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(restricted.url + f"manage/requests/{membership.pk}/approve/")
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "https://intranet.anytown.gov.uk/communities/members-services/" in message.body, message.body


def test_with_several_sites_a_page_keeps_its_own_sites_address(
    client, settings, default_site, restricted, django_capture_on_commit_callbacks
):
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    set_site(default_site, "intranet.anytown.gov.uk", 443)
    Site.objects.create(hostname="extranet.anytown.gov.uk", port=443, root_page=Page.get_first_root_node())
    message = ask_to_join(client, restricted, django_capture_on_commit_callbacks)
    assert "\nhttps://intranet.anytown.gov.uk/communities/members-services/manage/\n" in message.body


# -- checks khub.W006 and khub.W005


def test_production_without_an_address_warns(settings, default_site):
    settings.DEBUG = False
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    [warning] = checks.check_email_links()
    assert warning.id == "khub.W006" and "KHUB_SITE_URL" in warning.hint


@pytest.mark.parametrize(
    "configure",
    [
        lambda settings, site: setattr(settings, "KHUB_SITE_URL", "https://intranet.anytown.gov.uk"),
        lambda settings, site: setattr(settings, "WAGTAILADMIN_BASE_URL", "https://intranet.anytown.gov.uk"),
        lambda settings, site: set_site(site, "intranet.anytown.gov.uk", 443),
    ],
)
def test_any_real_address_silences_the_warning(settings, default_site, configure):
    settings.DEBUG = False
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    configure(settings, default_site)
    assert checks.check_email_links() == []


def test_development_is_not_warned(settings, default_site):
    settings.DEBUG = True
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    assert checks.check_email_links() == []


def test_the_check_survives_having_no_database(settings):
    settings.DEBUG = False
    settings.WAGTAILADMIN_BASE_URL = WAGTAIL_START_DEFAULT
    assert [w.id for w in checks.check_email_links()] == ["khub.W006"]  # no db fixture: the query is refused


def test_djangos_placeholder_sender_warns_in_production(settings):
    settings.DEBUG = False
    settings.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    [warning] = checks.check_email_sender()
    assert warning.id == "khub.W005"
    settings.DEFAULT_FROM_EMAIL = "intranet@anytown.gov.uk"
    assert checks.check_email_sender() == []
    settings.DEBUG, settings.DEFAULT_FROM_EMAIL = True, "webmaster@localhost"
    assert checks.check_email_sender() == []
