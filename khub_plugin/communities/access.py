"""The access policy: the one place that answers "may this person see or do this?" (DESIGN.md section 4).

Pages, lists, counts, search, feeds, panels, emails and admin screens all ask an :class:`Access`; nothing else
decides. An ``Access`` loads the person's memberships and the shape of the community tree once (two small
queries) and answers every later question from memory, so a page costs the same however many communities it
shows.

The rules:

* Nobody who is not signed in sees anything, unless the site sets ``KHUB_ALLOW_ANONYMOUS = True``; then
  anonymous visitors see what a signed-in non-member sees, but can never take part.
* *open*: listed; anyone admitted sees the landing page and the content; joining is one click.
* *restricted*: listed; anyone admitted sees the landing page (name, purpose, facilitators); content is for
  active members.
* *private*: invisible (404) to everyone but active members and people with an invitation; content is for
  active members.
* A sub-community is seen only by those who can see its parent's content.
* Site moderators (permission ``khub_communities.moderate_communities``) and superusers see and moderate all.
* Any state but *active* (requested, invited, declined, left, removed) gives no access to content.
"""

from django.contrib.auth.views import redirect_to_login

from khub_plugin.conf import khub_settings

ACTIVE = "active"
INVITED = "invited"
FACILITATOR = "facilitator"
OPEN, RESTRICTED, PRIVATE = "open", "restricted", "private"


def sign_in_required(request):
    """Return a redirect to the sign-in page if this visitor must sign in first, else ``None``."""
    if request.user.is_authenticated or khub_settings.ALLOW_ANONYMOUS:
        return None
    return redirect_to_login(request.get_full_path())


def for_request(request):
    """The :class:`Access` of the request's user, built once per request.

    A feed opened with a personal feed key (``khub_plugin.communities.tokens``) keeps the policy of the key's
    owner that ``CommunityPage.serve`` put on the request (``via_token``), whoever ``request.user`` is.
    """
    policy = getattr(request, "_khub_access", None)
    if policy is None or (policy.user != request.user and not policy.via_token):
        policy = request._khub_access = Access(request.user)
    return policy


class Access:
    """What one person may see and do. Build one per request (:func:`for_request`) or per digest batch."""

    def __init__(self, user, via_token=False):
        self.user = user
        #: Built for a feed request authenticated by the user's feed key, not by a session.
        self.via_token = via_token
        self.is_authenticated = bool(user is not None and user.is_authenticated)
        self.is_superuser = bool(self.is_authenticated and user.is_superuser and user.is_active)
        self._memberships = None
        self._tree = None
        self._moderator = None

    # -- what is loaded once --------------------------------------------------------------------------------

    @property
    def memberships(self):
        """``{community_id: (state, role)}`` for this person, in live communities."""
        if self._memberships is None:
            self._load()
        return self._memberships

    @property
    def tree(self):
        """``{community_id: (visibility, parent_community_id)}`` for every live community.

        A community under an unpublished community is left out too: nobody sees it until its parent is live.
        """
        if self._tree is None:
            self._load()
        return self._tree

    def _load(self):
        """The community tree and this person's memberships in it, in one query."""
        from django.db.models import FilteredRelation, Q

        from khub_plugin.communities.models import CommunityPage

        rows = CommunityPage.objects.order_by("path")
        if self.is_authenticated:
            # At most one membership per person and community (a unique constraint): one row per community.
            rows = rows.annotate(
                mine=FilteredRelation("memberships", condition=Q(memberships__user=self.user))
            ).values_list("id", "path", "visibility", "live", "mine__state", "mine__role")
        else:
            rows = rows.values_list("id", "path", "visibility", "live")
        by_path = {row[1]: (row[0], row[3]) for row in rows}
        step = CommunityPage.steplen
        tree, memberships = {}, {}
        for community_id, path, visibility, live, *membership in rows:  # parents come before their children
            parent_id, parent_live = by_path.get(path[:-step], (None, True))
            if live and parent_live and (parent_id is None or parent_id in tree):
                tree[community_id] = (visibility, parent_id)
            if membership and membership[0]:
                memberships[community_id] = tuple(membership)
        self._tree, self._memberships = tree, memberships

    @property
    def is_moderator(self):
        """A superuser, or a site moderator (Wagtail user with the khub moderation permission)."""
        if self._moderator is None:
            self._moderator = self.is_superuser or (
                self.is_authenticated and self.user.is_active and _has_moderate_permission(self.user)
            )
        return self._moderator

    def as_anonymous(self):
        """The policy of a signed-out visitor, sharing this one's loaded community tree (no query)."""
        anonymous = Access(None)
        anonymous._tree, anonymous._memberships = self.tree, {}
        return anonymous

    # -- questions about one community ------------------------------------------------------------------

    def state(self, community):
        """This person's membership state in the community, or ``None``."""
        return self.memberships.get(_id(community), (None, None))[0]

    def is_member(self, community):
        return self.state(community) == ACTIVE

    def is_facilitator(self, community):
        return self.memberships.get(_id(community)) == (ACTIVE, FACILITATOR)

    @property
    def admitted(self):
        """Whether this visitor may see anything at all."""
        return self.is_authenticated or khub_settings.ALLOW_ANONYMOUS

    def _visibility_if_parent_viewable(self, community_id):
        """The community's visibility if it is live, the visitor is admitted and its parent's content is
        viewable; otherwise ``None`` (nothing about it may be shown)."""
        node = self.tree.get(community_id)
        if node is None or not self.admitted:
            return None
        visibility, parent_id = node
        if parent_id is not None and not self.can_view(parent_id):
            return None
        return visibility

    def can_see(self, community):
        """May this person know the community exists: list it, open its landing page, count it?"""
        community_id = _id(community)
        visibility = self._visibility_if_parent_viewable(community_id)
        if visibility is None:
            return False
        # Cheapest answers first: the moderator check may cost a permissions query.
        if visibility != PRIVATE or self.state(community_id) in (ACTIVE, INVITED):
            return True
        return self.is_moderator

    def can_view(self, community):
        """May this person see the community's content (tools, members, activity)?"""
        community_id = _id(community)
        visibility = self._visibility_if_parent_viewable(community_id)
        if visibility is None:
            return False
        if visibility == OPEN or self.is_member(community_id):
            return True
        return self.is_moderator

    def can_participate(self, community):
        """May this person post, reply, upload, vote or tag in the community?"""
        if not self.is_authenticated or not self.can_view(community):
            return False
        return self.is_member(community) or self.is_moderator

    def can_moderate(self, community):
        """May this person moderate content and membership, and choose tools and the lifecycle stage?"""
        if not self.can_view(community):
            return False
        # The facilitator answer is free (memberships are loaded); the moderator one may cost a query.
        return self.is_facilitator(community) or self.is_moderator

    # -- questions about many --------------------------------------------------------------------------------

    def visible_ids(self):
        """Ids of every live community this person can see (list, count, open the landing page)."""
        return {community_id for community_id in self.tree if self.can_see(community_id)}

    def content_ids(self):
        """Ids of every live community whose content this person can see."""
        return {community_id for community_id in self.tree if self.can_view(community_id)}

    def visible_communities(self, queryset=None):
        """The live communities this person can see, as a queryset."""
        from khub_plugin.communities.models import CommunityPage

        queryset = CommunityPage.objects.all() if queryset is None else queryset
        return queryset.live().filter(id__in=self.visible_ids())

    def filter_visible(self, queryset, community_field="community"):
        """Keep the rows of ``queryset`` whose community's content this person can see."""
        return queryset.filter(**{f"{community_field}_id__in": self.content_ids()})


def _has_moderate_permission(user):
    """Whether ``user`` holds the site moderator permission, directly or through a group.

    Asked with one query instead of ``user.has_perm``'s two (it loads every user and group permission), as
    most pages ask it for ordinary members. Sites whose permissions come from another authentication backend
    (``has_perm`` consults every backend) can keep that behaviour with ``KHUB_MODERATOR_CHECK = "has_perm"``.
    """
    if khub_settings.MODERATOR_CHECK == "has_perm":
        return user.has_perm("khub_communities.moderate_communities")
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    return (
        Permission.objects.filter(content_type__app_label="khub_communities", codename="moderate_communities")
        .filter(Q(user=user) | Q(group__user=user))
        .exists()
    )


def _id(community):
    return community if isinstance(community, int) else community.pk


def visible_communities(user, queryset=None):
    """Shortcut: the communities ``user`` can see."""
    return Access(user).visible_communities(queryset)


def filter_visible(queryset, user, community_field="community"):
    """Shortcut: the rows of ``queryset`` in communities whose content ``user`` can see."""
    return Access(user).filter_visible(queryset, community_field)
