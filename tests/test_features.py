"""The feature registry: tools answer under a community only when switched on, and only to its viewers."""

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from khub_plugin.communities.features import CommunityFeature, FeatureRegistry, registry
from khub_plugin.communities.models import CommunityPage
from tests import factories


def test_the_test_feature_is_registered():
    assert "notes" in registry
    assert [f.name for f in registry] == registry.names()


def test_reserved_and_duplicate_names_are_refused():
    local = FeatureRegistry()
    with pytest.raises(ImproperlyConfigured):
        local.register(CommunityFeature(name="members", label="Members"))
    local.register(CommunityFeature(name="forum", label="Forum"))
    with pytest.raises(ImproperlyConfigured):
        local.register(CommunityFeature(name="forum", label="Another forum"))


def test_new_communities_offer_the_default_tools(directory):
    # In the registry's order.
    assert factories.community(directory, "Social", "open").tools == ["forum", "notes", "news"]


def test_feature_routes_answer_only_when_switched_on(client, directory):
    on = factories.community(directory, "With notes", "open", slug="with-notes")
    off = factories.community(directory, "Without notes", "open", slug="without-notes", tools=[])
    assert off.tools == []
    client.force_login(factories.user("sam"))
    assert client.get(on.url + "notes/").content == b"notes of With notes"
    assert client.get(on.url + "notes/7/").content == b"note 7 of With notes"
    assert client.get(off.url + "notes/").status_code == 404
    assert client.get(on.url + "no-such-tool/").status_code == 404


def test_feature_routes_follow_the_access_policy(client, directory):
    restricted = factories.community(directory, "Closed", "restricted", slug="closed")
    private = factories.community(directory, "Hidden", "private", slug="hidden")
    client.force_login(factories.user("sam"))
    assert client.get(restricted.url + "notes/").status_code == 404
    assert client.get(private.url + "notes/").status_code == 404
    member = factories.user("mo")
    factories.membership(restricted, member, "active")
    client.force_login(member)
    assert client.get(restricted.url + "notes/").status_code == 200
    client.logout()
    assert client.get(restricted.url + "notes/").status_code == 302


def test_a_sub_community_offers_only_its_parents_tools(directory):
    parent = factories.community(directory, "Parent", "open", tools=[])
    child = CommunityPage(title="Child", slug="child", purpose="x", visibility="open", tools=["notes"])
    with pytest.raises(ValidationError) as error:
        parent.add_child(instance=child)
    assert "tools" in error.value.message_dict


def test_a_sub_community_is_never_more_open_than_its_parent(directory):
    parent = factories.community(directory, "Parent", "restricted")
    child = CommunityPage(title="Child", slug="child", purpose="x", visibility="open")
    with pytest.raises(ValidationError) as error:
        parent.add_child(instance=child)
    assert "visibility" in error.value.message_dict


def test_a_community_slug_cannot_shadow_a_route(directory):
    page = CommunityPage(title="Members", slug="members", purpose="x")
    with pytest.raises(ValidationError) as error:
        directory.add_child(instance=page)  # Wagtail validates pages on save
    assert "slug" in error.value.message_dict


def test_switching_a_tool_off_in_a_parent_switches_it_off_below(client, directory):
    parent = factories.community(directory, "Parent", "open")
    child = factories.community(parent, "Child", "open")
    assert child.tools == ["forum", "notes", "news"]
    fac = factories.user("fac")
    factories.membership(parent, fac, "active", "facilitator")
    client.force_login(fac)
    client.post(parent.url + "manage/tools/", {})
    assert CommunityPage.objects.get(pk=parent.pk).tools == []
    assert CommunityPage.objects.get(pk=child.pk).tools == []
