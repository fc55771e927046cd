"""Small builders for tests: communities published the way editors publish them, and memberships."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from khub_plugin.communities.models import CommunityPage, Membership


def community(parent, title, visibility="open", slug=None, **fields):
    """Create and publish a community under ``parent`` (publishing also syncs Wagtail's privacy rows)."""
    tools = fields.pop("tools", None)
    page = CommunityPage(
        title=title,
        slug=slug or title.lower().replace(" ", "-"),
        purpose=f"Purpose of {title}.",
        visibility=visibility,
        **fields,
    )
    page._khub_new_parent = parent.specific
    page.tools = page.default_tools() if tools is None else tools
    parent.add_child(instance=page)
    page.save_revision().publish()
    return CommunityPage.objects.get(pk=page.pk)


def user(username, **fields):
    fields.setdefault("first_name", username.capitalize())
    fields.setdefault("email", f"{username}@example.org")
    return get_user_model().objects.create_user(username, password="pw", **fields)


def moderator(username="moderator"):
    person = user(username)
    person.user_permissions.add(Permission.objects.get(codename="moderate_communities"))
    return get_user_model().objects.get(pk=person.pk)


def membership(community, person, state="active", role="member"):
    """A membership row as the flows would leave it (member count kept right)."""
    row = Membership.objects.create(community=community, user=person, state=state, role=role)
    if state == "active":
        CommunityPage.objects.filter(pk=community.pk).update(
            member_count=Membership.objects.filter(community=community, state="active").count()
        )
    return row


def topic(community, author, title="A topic", body="<p>Opening message.</p>", replies=0, tags=()):
    """A forum topic started through the service (as ``author``), with ``replies`` replies by the author."""
    from khub_plugin.communities.access import Access
    from khub_plugin.forums import services

    policy = Access(author)
    started = services.start_topic(policy, community, title, body, tags)
    for i in range(replies):
        services.reply(policy, started, f"<p>Reply {i}.</p>")
    started.refresh_from_db()
    return started
