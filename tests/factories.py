"""Small builders for tests: communities published the way editors publish them, and memberships."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from khub_plugin.common import names
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


def user(username, first_name=None, last_name="", email=None, password="pw", **fields):  # noqa: S107
    """A person called ``username`` with any user model (``KHUB_TEST_USER_MODEL``): on Django's ``User`` the
    sign-in name ``username`` and a first name ``Username``; on the email-login model the sign-in name
    ``username@example.org`` and the ``name`` field. Where tests compare names, use :func:`name_of`."""
    people = names.PersonNames(get_user_model())
    first_name = username.capitalize() if first_name is None else first_name
    values = people.new_user_fields(username, first_name, last_name, email or f"{username}@example.org")
    if people.has_field("name"):  # tests.customuser.EmailUser
        values["name"] = f"{first_name} {last_name}".strip()
    login = values.pop(people.username_field)
    return get_user_model().objects.create_user(login, password=password, **values, **fields)


def login_of(username):
    """What the person ``user(username)`` signs in with: ``username``, or ``username@example.org``."""
    people = names.PersonNames(get_user_model())
    return people.new_user_fields(username, "", "", f"{username}@example.org")[people.username_field]


def superuser(username="admin", **fields):
    return user(username, is_staff=True, is_superuser=True, **fields)


def name_of(person):
    """The name khub shows for ``person`` (their full name on Django's ``User``, the email address on the
    email-login model, whose class has no ``get_full_name``)."""
    return names.display_name(person)


#: Whether the suite runs with the email-login user model (``KHUB_TEST_USER_MODEL=email``).
CUSTOM_USER = bool(settings.KHUB_TEST_USER_MODEL)


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


# -- access tables: one target community per visibility, one person per role ---------------------------------

#: How each member role is held in the target: ``role -> (membership state, membership role)``.
MEMBERSHIP_STATES = {
    "requested": ("requested", "member"),
    "invited": ("invited", "member"),
    "member": ("active", "member"),
    "facilitator": ("active", "facilitator"),
    "removed": ("removed", "member"),
}


def _table_rows(table):
    lines = [line.split() for line in table.strip().splitlines()]
    return lines[0], lines[1:]


def parse_table(table):
    """An expectation table (a header line, then ``visibility role cell...`` rows) as
    ``{(visibility, role): {column: cell}}``, in the table's order; every row must fill every column."""
    header, rows = _table_rows(table)
    return {(row[0], row[1]): dict(zip(header[2:], row[2:], strict=True)) for row in rows}


def parse_role_table(table):
    """Like :func:`parse_table` for a table keyed by the role alone: ``{role: {column: cell}}``."""
    header, rows = _table_rows(table)
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


def response_outcome(response, community=None):
    """An access-table cell for a response that is not the page itself: ``login`` (sent to sign in),
    ``landing`` (sent to ``community``'s home page), ``302 <address>`` (sent anywhere else), or the status
    code."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "login"
        if community is not None and location == community.url:
            return "landing"
        return f"302 {location}"
    return str(response.status_code)


def role_world(
    directory,
    name="Quokka",
    slug="target",
    parent=("Quokka parent", "quokka-parent"),
    sub="private-sub",
    sub_visibility="private",
    slugs=None,
):
    """The target communities of an access table, published under ``directory``.

    An open "Network" with three sub-communities, ``"<name> open"``, ``"<name> restricted"`` and
    ``"<name> private"``, and a restricted parent (``parent``: its title and slug) with one sub-community,
    ``"<name> sub"`` of ``sub_visibility``, kept under the key ``sub``. Slugs are ``"<slug>-open"``...
    ``"<slug>-sub"``, except where ``slugs`` gives one for a key.

    Returns ``{"directory", "network", "parents": {sub: parent page}, "targets": {key: page}}``, the targets
    in the order above; modules add their own content (activity, topics) to it.
    """
    slugs = slugs or {}
    network = community(directory, "Network", "open")
    parent_title, parent_slug = parent
    parent_page = community(directory, parent_title, "restricted", slug=parent_slug)
    targets = {
        visibility: community(
            network, f"{name} {visibility}", visibility, slug=slugs.get(visibility, f"{slug}-{visibility}")
        )
        for visibility in ("open", "restricted", "private")
    }
    targets[sub] = community(parent_page, f"{name} sub", sub_visibility, slug=slugs.get(sub, f"{slug}-sub"))
    return {"directory": directory, "network": network, "parents": {sub: parent_page}, "targets": targets}


def person_with_role(role, target, parent=None, same_state_in_parent=False):
    """A new user playing ``role`` towards the ``target`` community (None for ``anonymous``).

    Roles: ``anonymous``; ``nonmember`` (signed in, no membership); ``moderator`` (the site moderator
    permission, no membership); ``requested``, ``invited``, ``member``, ``facilitator``, ``removed`` (their
    membership in the target, see :data:`MEMBERSHIP_STATES`); ``orphan`` (an active member of the target but
    not of its parent) and ``parentmember`` (an active member of ``parent`` only).

    When the target is a sub-community (``parent`` given), the membership roles are also members of the
    parent, as joining requires: active ones, or in the same state as in the target with
    ``same_state_in_parent``.
    """
    if role == "anonymous":
        return None
    if role == "moderator":
        return moderator()
    someone = user(role)
    if role == "nonmember":
        return someone
    if role == "parentmember":
        membership(parent, someone, "active")
        return someone
    if role == "orphan":
        membership(target, someone, "active")
        return someone
    state, member_role = MEMBERSHIP_STATES[role]
    if parent is not None:
        membership(parent, someone, state if same_state_in_parent else "active")
    membership(target, someone, state, member_role)
    return someone


def person_for(world, visibility, role, same_state_in_parent=False):
    """The user playing ``role`` towards ``world["targets"][visibility]`` of a :func:`role_world`
    (None for anonymous); see :func:`person_with_role`."""
    return person_with_role(
        role, world["targets"][visibility], world["parents"].get(visibility), same_state_in_parent
    )
