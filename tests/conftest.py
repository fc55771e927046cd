import pytest
from wagtail.models import Page, Site

from khub_plugin.communities.models import CommunityIndexPage
from tests import factories


@pytest.fixture
def home_page(db):
    """The site's root page, as on any Wagtail site."""
    site = Site.objects.filter(is_default_site=True).first() or _rebuild_site_tree()
    return site.root_page


def _rebuild_site_tree():
    """The Locale, root, home page and Site Wagtail's migrations made, again: a transactional test (one that
    really commits, e.g. for a Celery worker or for row locks) flushes them for every test after it."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root"))
    home = root.add_child(instance=Page(title="Home", slug="home"))
    return Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)


@pytest.fixture
def directory(home_page):
    """An "All communities" page under the home page."""
    page = CommunityIndexPage(title="All communities", slug="communities", intro="<p>Find your peers.</p>")
    home_page.add_child(instance=page)
    return page


@pytest.fixture
def user(db):
    return factories.user("staff", first_name="Sam", last_name="Staff")


@pytest.fixture
def root_page(db):
    return Page.get_first_root_node()
