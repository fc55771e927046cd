import pytest
from wagtail.models import Page, Site

from khub_plugin.communities.models import CommunityIndexPage
from tests import factories


@pytest.fixture
def home_page(db):
    """The site's root page, as on any Wagtail site."""
    return Site.objects.get(is_default_site=True).root_page


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
