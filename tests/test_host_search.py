"""The host intranet's own search page and navigation: ``community_results``, ``{% khub_search_results %}``
and ``{% khub_nav %}`` (khub_plugin/communities/templatetags/khub_host.py).

The access matrix is test_search.py's, seen through the include on the host's search page: the include must
find exactly what khub's own search page finds, for every role. The one difference: an anonymous visitor on a
staff-only site is not sent to sign in (the host's page is the host's), the include simply shows nothing.
"""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from khub_plugin.communities.search import community_results
from tests import factories, test_search
from tests.test_search import EXPECTED_TABLE, NO_LIMITS, TITLES, reply, start

pytestmark = pytest.mark.django_db

# test_search.py's table with "login" (sent to sign in) read as "-" (the include shows nothing).
EXPECTED = {
    key: {column: ("-" if cell == "login" else cell) for column, cell in row.items()}
    for key, row in factories.parse_table(EXPECTED_TABLE).items()
}
ANONYMOUS_ALLOWED = factories.parse_table(
    """
visibility      role         community topic reply
open            anonymous    yes       yes   yes
restricted      anonymous    yes       -     -
private         anonymous    -         -     -
restricted-sub  anonymous    -         -     -
"""
)


@pytest.fixture(autouse=True)
def _no_rate_limits():
    with NO_LIMITS:
        yield


# The search tests' world: a target community per visibility, with a topic and a reply in each.
world = test_search.world


def request_for(person, path="/search/"):
    request = RequestFactory().get(path)
    request.user = person or AnonymousUser()
    return request


def render(template, person, path="/search/", **context):
    request = request_for(person, path)
    return Template("{% load khub_host %}" + template).render(Context({"request": request, **context}))


def included(person, query, limit=50):
    """``[(kind label, title)]`` of the include's results, or None when it shows nothing at all."""
    html = render("{% khub_search_results query limit=limit %}", person, query=query, limit=limit)
    if "khub-host-results" not in html:
        return None
    items = re.findall(r'<li class="khub-host-results__item.*?</li>', html, flags=re.S)
    found = []
    for item in items:
        title = re.search(r'<h3 class="khub-host-results__title"><a href="[^"]*">([^<]*)</a>', item).group(1)
        label = re.search(r'<p class="khub-host-results__meta">([^<]*?)(?: in |<| ·|$)', item).group(1)
        found.append((label.strip(), title))
    return found


def observe(person, visibility):
    name = TITLES[visibility]
    communities, topics, replies = (
        included(person, "wombat"),
        included(person, "quokka"),
        included(person, "platypus"),
    )
    return {
        "community": "yes" if communities and f"Wombat {name}" in [t for _, t in communities] else "-",
        "topic": "yes" if topics and ("Topic", f"Quokka {name}") in topics else "-",
        "reply": "yes" if replies and ("Reply", f"Quokka {name}") in replies else "-",
    }


@pytest.mark.parametrize("visibility, role", list(EXPECTED), ids=[f"{v}-{r}" for v, r in EXPECTED])
def test_access_matrix(world, visibility, role):
    person = factories.person_for(world, visibility, role)
    assert observe(person, visibility) == EXPECTED[(visibility, role)]


@pytest.mark.parametrize("visibility, role", list(ANONYMOUS_ALLOWED), ids=[v for v, _ in ANONYMOUS_ALLOWED])
def test_access_matrix_when_the_site_lets_anonymous_visitors_in(world, visibility, role):
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        assert observe(None, visibility) == ANONYMOUS_ALLOWED[(visibility, role)]


def test_anonymous_visitors_of_a_staff_only_site_see_no_section_at_all(world):
    assert included(None, "wombat") is None
    results = community_results(request_for(None), "wombat")
    assert (results.admitted, list(results), results.total) == (False, [], 0)


def test_the_include_shows_the_best_few_and_links_to_all_of_them(world, directory):
    for i in range(6):
        factories.community(directory, f"Pond life {i}", "open", slug=f"pond-{i}")
    person = factories.moderator()
    html = render("{% khub_search_results query %}", person, query='"pond')
    assert len(re.findall(r'<li class="khub-host-results__item', html)) == 5
    assert '<a href="/khub/search/?q=%22pond">See all results in communities</a> (10 results)' in html
    assert '<h2 id="khub-host-results-heading"' in html
    assert 'aria-labelledby="khub-host-results-heading"' in html
    results = community_results(request_for(person), "platypus pond", limit=2)
    assert len(results) == 2 and results.total == 4 and not results.capped  # the 4 replies
    assert results.search_url == "/khub/search/?q=platypus+pond"
    assert [r.community_url for r in results] == [r.community.url for r in results]
    assert all("<mark>platypus</mark>" in r.excerpt_html for r in results)


def test_the_same_results_as_khubs_search_page_in_the_same_order(client, world):
    person = factories.person_for(world, "open", "member")
    client.force_login(person)
    from tests.test_search import page_html, results

    page = results(page_html(client, "quokka platypus"))
    assert [
        (r.kind_label, r.title) for r in community_results(request_for(person), "quokka platypus", 20)
    ] == page


def test_nothing_found_still_offers_khubs_search(world):
    html = render("{% khub_search_results query %}", factories.user("sam"), query="zebra")
    assert "Nothing found in the communities you can see." in html
    assert 'href="/khub/search/?q=zebra"' in html


@pytest.mark.parametrize(
    "query", ["", "   ", '"', "*", "(", "-", "NEAR", "AND OR", '"unbalanced', "a:b", "\x00"]
)
def test_empty_and_operator_queries_do_not_fail(world, query):
    person = factories.person_for(world, "open", "member")
    html = render("{% khub_search_results query %}", person, query=query)
    assert "Traceback" not in html
    assert isinstance(community_results(request_for(person), query).results, list)


def test_escaped(world, directory):
    person = factories.user("sam")
    factories.community(directory, "Wombat <script>alert(1)</script>", "open", slug="xss")
    html = render("{% khub_search_results query %}", person, query="<b>wombat</b>")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<b>wombat</b>" not in html


def _queries(person, query):
    request = request_for(person)
    with CaptureQueriesContext(connection) as captured:
        Template("{% load khub_host %}{% khub_search_results query %}").render(
            Context({"request": request, "query": query})
        )
    return len(captured)


def test_queries_do_not_grow_with_matches(directory):
    """The include for 3 and for 30 matching communities (each with a matching topic and reply) costs the
    same queries."""
    person = factories.user("sam")

    def add(start_at, stop):
        for i in range(start_at, stop):
            community = factories.community(directory, f"Bins group {i}", "open", slug=f"bins-{i}")
            factories.membership(community, person)
            topic = start(person, community, f"Bins round {i}", "<p>About the bins.</p>")
            reply(person, topic, "<p>The bins again.</p>")

    add(0, 3)
    small = _queries(person, "bins")
    add(3, 30)
    large = _queries(person, "bins")
    assert small == large
    assert community_results(request_for(person), "bins").total >= 60  # 30 communities, 30 topics


# -- navigation ----------------------------------------------------------------------------------------------


def test_nav_is_for_signed_in_people_only(db):
    assert render("{% khub_nav %}", None).strip() == ""
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        assert render("{% khub_nav %}", None).strip() == ""


def test_nav_links_to_khubs_pages_and_marks_the_current_one(db):
    html = render("{% khub_nav %}", factories.user("sam"), path="/khub/whats-happening/")
    assert '<nav class="khub-host-nav" aria-label="Communities">' in html
    links = re.findall(
        r'<li class="khub-host-nav__item"><a class="khub-host-nav__link" href="([^"]*)"([^>]*)>([^<]*)<', html
    )
    assert links == [
        ("/khub/my-communities/", "", "My communities"),
        ("/khub/whats-happening/", ' aria-current="page"', "What&#x27;s happening"),
        ("/khub/search/", "", "Search communities"),
        ("/khub/my/feeds/", "", "My feeds"),
    ]


def test_nav_template_can_be_overridden(tmp_path, db):
    from tests.settings import TEMPLATES

    (tmp_path / "khub_plugin" / "includes").mkdir(parents=True)
    (tmp_path / "khub_plugin" / "includes" / "nav.html").write_text(
        "{% for link in khub_nav_links %}[{{ link.name }}]{% endfor %}"
    )
    with override_settings(TEMPLATES=[{**TEMPLATES[0], "DIRS": [tmp_path, *TEMPLATES[0]["DIRS"]]}]):
        html = render("{% khub_nav %}", factories.user("sam"))
    assert html == "[khub:my_communities][khub:whats_happening][khub:search][khub:my_feeds]"
