"""Who sees what: visibility x role x surface, as one explicit expectation table. Every cell is checked.

Targets: an open, a restricted and a private community (each a sub-community of an open "network", so the
sub-community list of a parent can be checked), and a private sub-community of a restricted parent.
Roles are relative to the target. For the private sub-community, everyone except the anonymous visitor, the
non-member and the site moderator is an active member of its restricted parent (as the invitation and join
rules require).

Cells: ``yes``/``-`` listed or not; HTTP status; ``login`` = sent to sign in; ``landing`` = sent back to the
community's landing page ("only members can see that"); a number = the directory's count when searching for
the target by name.
"""

import json

import pytest
from django.test import override_settings

from khub_plugin.communities import activity, privacy
from khub_plugin.communities.models import Activity
from tests import factories

SURFACES = ["directory", "landing", "members", "subs", "activity", "count", "host_search", "sitemap", "api"]

EXPECTED_TABLE = """
visibility   role         directory landing members subs activity count host_search sitemap api
open         anonymous    login     login   login   -    login    login -           -       -
open         nonmember    yes       200     200     yes  yes      1     -           -       -
open         requested    yes       200     200     yes  yes      1     -           -       -
open         invited      yes       200     200     yes  yes      1     -           -       -
open         member       yes       200     200     yes  yes      1     -           -       -
open         facilitator  yes       200     200     yes  yes      1     -           -       -
open         moderator    yes       200     200     yes  yes      1     -           -       -
open         removed      yes       200     200     yes  yes      1     -           -       -
restricted   anonymous    login     login   login   -    login    login -           -       -
restricted   nonmember    yes       200     landing yes  -        1     -           -       -
restricted   requested    yes       200     landing yes  -        1     -           -       -
restricted   invited      yes       200     landing yes  -        1     -           -       -
restricted   member       yes       200     200     yes  yes      1     -           -       -
restricted   facilitator  yes       200     200     yes  yes      1     -           -       -
restricted   moderator    yes       200     200     yes  yes      1     -           -       -
restricted   removed      yes       200     landing yes  -        1     -           -       -
private      anonymous    login     login   login   -    login    login -           -       -
private      nonmember    -         404     404     -    -        0     -           -       -
private      requested    -         404     404     -    -        0     -           -       -
private      invited      yes       200     landing yes  -        1     -           -       -
private      member       yes       200     200     yes  yes      1     -           -       -
private      facilitator  yes       200     200     yes  yes      1     -           -       -
private      moderator    yes       200     200     yes  yes      1     -           -       -
private      removed      -         404     404     -    -        0     -           -       -
private-sub  anonymous    login     login   login   -    login    login -           -       -
private-sub  nonmember    -         404     404     -    -        0     -           -       -
private-sub  requested    -         404     404     -    -        0     -           -       -
private-sub  invited      yes       200     landing yes  -        1     -           -       -
private-sub  member       yes       200     200     yes  yes      1     -           -       -
private-sub  facilitator  yes       200     200     yes  yes      1     -           -       -
private-sub  moderator    yes       200     200     yes  yes      1     -           -       -
private-sub  removed      -         404     404     -    -        0     -           -       -
"""

# With KHUB_ALLOW_ANONYMOUS = True, anonymous visitors see what a signed-in non-member sees, and only what
# they may see reaches the host's search page, sitemap and API.
ANONYMOUS_ALLOWED_TABLE = """
visibility   role         directory landing members subs activity count host_search sitemap api
open         anonymous    yes       200     200     yes  yes      1     yes         yes     yes
restricted   anonymous    yes       200     landing yes  -        1     -           yes     yes
private      anonymous    -         404     404     -    -        0     -           -       -
private-sub  anonymous    -         404     404     -    -        0     -           -       -
"""


EXPECTED = factories.parse_table(EXPECTED_TABLE)
ANONYMOUS_ALLOWED = factories.parse_table(ANONYMOUS_ALLOWED_TABLE)


@pytest.fixture
def world(directory):
    privacy.sync(directory)
    world = factories.role_world(directory)  # "Quokka open", ..., "Quokka sub" (see the module docstring)
    owner = factories.user("owner")
    for target in world["targets"].values():
        activity.record(owner, Activity.Verb.JOINED, target, summary=f"quokka-activity-{target.slug}")
    return world


def observe(client, world, visibility):
    """What this client actually gets on every surface for the target community."""
    target = world["targets"][visibility]
    parent = world["parents"].get(visibility, world["network"])
    title_link = f">{target.title}</a>"

    def status(url):
        return factories.response_outcome(client.get(url), target)

    def html(url):
        response = client.get(url)
        return None if response.status_code == 302 else response.content.decode()

    seen = {}
    directory_html = html(world["directory"].url)
    seen["directory"] = (
        "login" if directory_html is None else ("yes" if title_link in directory_html else "-")
    )
    seen["landing"] = status(target.url)
    seen["members"] = status(target.url + "members/")
    parent_html = html(parent.url)
    seen["subs"] = "yes" if parent_html and title_link in parent_html else "-"
    activity_html = html("/khub/whats-happening/")
    if activity_html is None:
        seen["activity"] = "login"
    else:
        seen["activity"] = "yes" if f"quokka-activity-{target.slug}" in activity_html else "-"
    count_html = html(world["directory"].url + "?q=" + target.title.replace(" ", "+"))
    if count_html is None:
        seen["count"] = "login"
    else:
        seen["count"] = (
            "1" if "1 community" in count_html else ("0" if "0 communities" in count_html else "?")
        )
    search_html = client.get("/search/?query=quokka").content.decode()
    seen["host_search"] = "yes" if target.title in search_html else "-"
    sitemap = client.get("/sitemap.xml").content.decode()
    seen["sitemap"] = "yes" if f"/{target.slug}/" in sitemap else "-"
    api = client.get("/api/v2/pages/?limit=20&type=khub_communities.CommunityPage")
    titles = {item["title"] for item in json.loads(api.content)["items"]} if api.status_code == 200 else set()
    seen["api"] = "yes" if target.title in titles else "-"
    return seen


@pytest.mark.parametrize("visibility, role", list(EXPECTED), ids=[f"{v}-{r}" for v, r in EXPECTED])
def test_access_matrix(client, world, visibility, role):
    person = factories.person_for(world, visibility, role)
    if person is not None:
        client.force_login(person)
    assert observe(client, world, visibility) == EXPECTED[(visibility, role)]


@pytest.mark.parametrize("visibility, role", list(ANONYMOUS_ALLOWED), ids=[v for v, _ in ANONYMOUS_ALLOWED])
def test_access_matrix_when_the_site_lets_anonymous_visitors_in(client, world, visibility, role):
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        # What an admin does after changing the setting (docs/reference/settings.md).
        privacy.sync_all()
        assert observe(client, world, visibility) == ANONYMOUS_ALLOWED[(visibility, role)]
