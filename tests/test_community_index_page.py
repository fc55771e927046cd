"""The "All communities" page renders inside the host's own base template, for signed-in staff only."""

import pytest
from django.test import override_settings


def test_signed_in_staff_see_the_directory_inside_the_host_template(client, directory, user):
    client.force_login(user)
    response = client.get(directory.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="host-header"' in html  # extends the intranet's own base.html
    assert "<title>All communities - Test intranet</title>" in html
    assert "/static/khub_plugin/css/khub.css" in html
    assert "Find your peers." in html
    assert "No communities have been set up here yet." in html


def test_anonymous_visitors_are_sent_to_sign_in(client, directory):
    response = client.get(directory.url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={directory.url}"


@override_settings(KHUB_ALLOW_ANONYMOUS=True)
def test_sites_can_open_the_directory_to_anonymous_visitors(client, directory):
    assert client.get(directory.url).status_code == 200


def test_only_one_directory_per_parent(directory, home_page):
    from khub_plugin.communities.models import CommunityIndexPage

    assert not CommunityIndexPage.can_create_at(home_page)


@pytest.mark.parametrize("count", [1, 20])
def test_directory_queries_do_not_grow_with_sibling_pages(
    client, directory, user, home_page, count, django_assert_max_num_queries
):
    from wagtail.models import Page

    for i in range(count):
        home_page.add_child(instance=Page(title=f"Other {i}", slug=f"other-{i}"))
    client.force_login(user)
    with django_assert_max_num_queries(12):
        assert client.get(directory.url).status_code == 200
