import os

import pytest
from wagtail.models import Page, Site

from khub_plugin.communities.models import CommunityIndexPage


def pytest_collection_modifyitems(config, items):
    """In the postgres tox env a test that needs a service must not pass by being skipped."""
    if os.environ.get("KHUB_REQUIRE_SERVICES") != "1":
        return
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.require_services)


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
def user(django_user_model):
    return django_user_model.objects.create_user("staff", password="pw", first_name="Sam", last_name="Staff")


@pytest.fixture
def root_page(db):
    return Page.get_first_root_node()
