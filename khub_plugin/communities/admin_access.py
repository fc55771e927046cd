"""Community privacy in Wagtail admin: hidden is not enough, a community a person may not see is refused.

The access policy (:mod:`khub_plugin.communities.access`) decides; this module only carries its answer into
Wagtail's admin, mostly through Wagtail's own page permission machinery so that every view that asks
permissions refuses:

* :func:`permissions_for` is what ``CommunityPage.permissions_for_user`` returns. For a community the
  person may not see it is a :class:`RefusedPagePermissionTester` whose every ``can_*`` answer is ``False``.
  Wagtail's views ask it before they edit, delete, unpublish, move, copy, add a child, show revisions,
  compare, revert, unschedule, preview, show history or workflow history, lock, unlock, convert an alias,
  show usage, set privacy or run a bulk action, and it is asked about the *destination* of a move or a copy
  too; each then answers as Wagtail answers any permission denial (a redirect to the dashboard with "Sorry,
  you do not have permission to access this area", or 403 to scripts).
* :class:`CommunityPrivacyPolicyMixin`, on top of Wagtail's page permission policy (registered for ``Page``),
  leaves the same communities out of what Wagtail lists from that policy: the explorer, the page search, the
  per-type page listing, the site history and workflow reports, and the admin page API
  (``/admin/api/main/pages/``), where a hidden community's detail, children and actions answer as for a page
  that does not exist.
* Hooks and small view subclasses cover the few places that show a page before asking permissions or never
  ask them (``wagtail_hooks.py`` registers them): confirming a move (:func:`before_move_page`), the copy
  form's destination (:func:`before_copy_page`), the bulk actions' confirmation page (:data:`BULK_ACTIONS`),
  and, through :class:`CommunityPageViewSet`, exploring a community, reordering it and choosing it as the
  parent of a new community; and the explorer and page chooser listings (:func:`filter_explorer`,
  :func:`filter_page_chooser`).

Who is refused ("may not see"): exactly the live communities for which ``Access.can_see`` is false, which is
what the explorer already hides: a private community to anyone but its active members, invited people and site
moderators, and any community under a parent whose content the person may not see. Restricted communities are
listed to everyone signed in, so editors may still edit them under their page permissions. Superusers and
site moderators are never refused. Draft and unpublished communities are not in the policy's tree, so
Wagtail's own page permissions decide them (as the explorer does).
"""

from wagtail.admin.auth import permission_denied
from wagtail.admin.views.pages.bulk_actions.delete import DeleteBulkAction
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction
from wagtail.admin.views.pages.bulk_actions.publish import PublishBulkAction
from wagtail.admin.views.pages.bulk_actions.unpublish import UnpublishBulkAction
from wagtail.admin.views.pages.choose_parent import GenericChooseParentView
from wagtail.admin.views.pages.listing import ExplorableIndexView
from wagtail.admin.views.pages.ordering import SetPagePositionView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import PagePermissionTester
from wagtail.permissions import page_permission_policy

from khub_plugin.communities import access

_POLICY_CACHE = "_khub_admin_access"
_REFUSED_CACHE = "_khub_refused_community_ids"
_HIDDEN_CACHE = "_khub_hidden_community_ids"


# -- who is refused ------------------------------------------------------------------------------------------


def _policy(user):
    """The person's :class:`~khub_plugin.communities.access.Access`, kept on the user object for the request
    (Wagtail's permission testers get the user, not the request)."""
    policy = getattr(user, _POLICY_CACHE, None)
    if policy is None:
        policy = access.Access(user)
        setattr(user, _POLICY_CACHE, policy)
    return policy


def refused_community_ids(user):
    """Ids of the live communities ``user`` may not see (``Access.can_see`` is false).

    Worked out once and kept on the user object for the rest of the request, as Wagtail keeps its own page
    permissions (``_page_permission_cache``): one query for the community tree and the person's memberships,
    and at most one for the site moderator permission.
    """
    if user is None:
        return frozenset()
    cached = getattr(user, _REFUSED_CACHE, None)
    if cached is None:
        policy = _policy(user)
        if policy.is_superuser:
            cached = frozenset()
        else:
            cached = frozenset(cid for cid in policy.tree if not policy.can_see(cid))
        setattr(user, _REFUSED_CACHE, cached)
    return cached


def is_refused(user, page):
    """Whether ``user`` must be refused every admin action on ``page`` (a community they may not see)."""
    page_id = getattr(page, "pk", page)
    return page_id is not None and page_id in refused_community_ids(user)


def hidden_community_ids(user):
    """Ids of community pages that ``user`` must not find in the explorer, the page chooser or the page API.

    * Live communities: those :func:`refused_community_ids` refuses.
    * Communities that are not live (drafts, unpublished) are not in the policy's tree, so the policy cannot
      judge them. They are hidden unless the person may *edit* that page under Wagtail's page permissions:
      an editor must still find the draft they are preparing, while a private community that was unpublished
      does not become visible to every editor who can merely browse the tree.

    Superusers and site moderators see everything. A few small queries per request, whatever the size of the
    tree, then the listing query excludes the ids.
    """
    cached = getattr(user, _HIDDEN_CACHE, None)
    if cached is not None:
        return cached
    from khub_plugin.communities.models import CommunityPage

    hidden = []
    if not _policy(user).is_moderator:
        hidden = list(refused_community_ids(user))
        # Wagtail's own policy object, not the registry's: what the person may edit by page permission alone.
        editable = page_permission_policy.instances_user_has_permission_for(user, "change")
        hidden += (
            CommunityPage.objects.not_live()
            .exclude(pk__in=editable.values("pk"))
            .values_list("pk", flat=True)
        )
    hidden = sorted(hidden)
    setattr(user, _HIDDEN_CACHE, hidden)
    return hidden


def refuse(request):
    """Answer as Wagtail answers a permission denial, without naming the page."""
    return permission_denied(request)


# -- Wagtail's page permissions ---------------------------------------------------------------------------


class RefusedPagePermissionTester(PagePermissionTester):
    """A ``PagePermissionTester`` that answers no to every question: for a community the user may not see.

    Every ``can_*`` method Wagtail defines is replaced (see the loop below), so a question a later Wagtail
    adds is refused too.
    """

    def __init__(self, user, page):
        super().__init__(user, page)
        self.permissions = set()  # read directly by can_move_to / can_copy_to on a destination


def _no(self, *args, **kwargs):
    return False


for _name in dir(PagePermissionTester):
    if _name.startswith("can_") and callable(getattr(PagePermissionTester, _name)):
        setattr(RefusedPagePermissionTester, _name, _no)
del _name


def permissions_for(user, page):
    """The ``PagePermissionTester`` for ``user`` on the community ``page``."""
    if is_refused(user, page):
        return RefusedPagePermissionTester(user, page)
    return PagePermissionTester(user, page)


class CommunityPrivacyPolicyMixin:
    """Wagtail's page permission policy, minus the communities the person may not see.

    Wagtail's page listings ask the policy registered for ``Page``, not a tester: the explorer and its search,
    the page search, the per-type listing (``/admin/pages/usage/<app>/<model>/``), the site history report,
    the workflow reports and the admin page API all start from :meth:`explorable_instances`; so do the
    "pages I may act on" querysets. Those leave out what :func:`hidden_community_ids` hides, and the instance
    question refuses what :func:`refused_community_ids` refuses.
    """

    def explorable_instances(self, user):
        pages = super().explorable_instances(user)
        hidden = hidden_community_ids(user)
        return pages.exclude(pk__in=hidden) if hidden else pages

    def instances_user_has_any_permission_for(self, user, actions):
        pages = super().instances_user_has_any_permission_for(user, actions)
        refused = refused_community_ids(user)
        return pages.exclude(pk__in=refused) if refused else pages

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if is_refused(user, instance):
            return False
        return super().user_has_any_permission_for_instance(user, actions, instance)


def register_page_permission_policy():
    """Register the policy above for every page, on top of whichever page policy is registered now (Wagtail's,
    or a site's own registered earlier)."""
    from wagtail.models import Page
    from wagtail.permissions import policy_registry, register_permission_policy

    current = policy_registry.get_by_type(Page)
    if isinstance(current, CommunityPrivacyPolicyMixin):
        return
    policy_class = type(
        "CommunityPrivacyPagePermissionPolicy",
        (CommunityPrivacyPolicyMixin, type(current)),
        {"__module__": __name__},
    )
    register_permission_policy(Page, policy_class(current.model))


# -- hooks for the views that show a page before asking ----------------------------------------------------


def _requested_page_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def before_move_page(request, page, destination):
    """``before_move_page``: the confirmation page names both pages before Wagtail checks the move."""
    if is_refused(request.user, page) or is_refused(request.user, destination):
        return refuse(request)
    return None


def before_copy_page(request, page):
    """``before_copy_page``: the copy form names the destination it was given when it refuses it."""
    if is_refused(request.user, page):
        return refuse(request)
    destination = _requested_page_id(request.POST.get("new_parent_page"))
    if request.method == "POST" and destination is not None and is_refused(request.user, destination):
        return refuse(request)
    return None


def filter_page_chooser(pages, request):
    """``construct_page_chooser_queryset``: browsing and searching the page chooser."""
    hidden = hidden_community_ids(request.user)
    return pages.exclude(pk__in=hidden) if hidden else pages


def filter_explorer(parent_page, pages, request):
    """``construct_explorer_page_queryset``: the explorer, its search, and the sidebar explorer menu."""
    return filter_page_chooser(pages, request)


# -- bulk actions -------------------------------------------------------------------------------------------


class RefuseHiddenCommunitiesMixin:
    """A page bulk action that refuses a list naming a community the person may not see.

    Wagtail lists the pages a person may not act on by title on the confirmation page; a hidden community must
    not be one of them. Chosen explicitly (``?id=``), it refuses the whole action. Chosen by "select all" in
    a listing (``?id=all``), where hidden communities were never shown, it is left out quietly.
    """

    def dispatch(self, request, *args, **kwargs):
        ids = request.GET.getlist("id")
        refused = refused_community_ids(request.user)
        if refused:
            if "all" in ids:
                if _requested_page_id(request.GET.get("childOf")) in refused:
                    return refuse(request)
            elif any(_requested_page_id(value) in refused for value in ids):
                return refuse(request)
        return super().dispatch(request, *args, **kwargs)

    def get_all_objects_in_listing_query(self, parent_id):
        objects = super().get_all_objects_in_listing_query(parent_id)
        refused = refused_community_ids(self.request.user)
        return [pk for pk in objects if pk not in refused] if refused else objects


#: Wagtail's page bulk actions, each wrapped in :class:`RefuseHiddenCommunitiesMixin`; registered after
#: Wagtail's own (``register_bulk_action`` with a later order) so they replace them.
BULK_ACTIONS = [
    type(action.__name__, (RefuseHiddenCommunitiesMixin, action), {"__module__": __name__})
    for action in (DeleteBulkAction, MoveBulkAction, PublishBulkAction, UnpublishBulkAction)
]


# -- views Wagtail routes by page type ----------------------------------------------------------------------


class RefusedParentMixin:
    """Refuse before rendering when the page in the URL is a community the person may not see."""

    page_id_kwargs = ("parent_page_id", "page_to_move_id")

    def dispatch(self, request, *args, **kwargs):
        for name in self.page_id_kwargs:
            if is_refused(request.user, _requested_page_id(kwargs.get(name))):
                return refuse(request)
        return super().dispatch(request, *args, **kwargs)


class CommunityExplorableIndexView(RefusedParentMixin, ExplorableIndexView):
    """Exploring a community's sub-communities: its title heads the listing, so refuse it first."""


class CommunitySetPagePositionView(RefusedParentMixin, SetPagePositionView):
    """Reordering asks only about the parent's permissions; the community being moved must be visible too."""


class CommunityChooseParentView(GenericChooseParentView):
    """ "Add a community" asks where; Wagtail's form names a refused parent in its error, so refuse first."""

    def post(self, request, *args, **kwargs):
        if is_refused(request.user, _requested_page_id(request.POST.get("parent_page"))):
            return refuse(request)
        return super().post(request, *args, **kwargs)


class CommunityPageViewSet(PageViewSet):
    """Wagtail's views for community pages, with those that never ask about the page itself refused first.

    Everything else is Wagtail's own: it asks ``CommunityPage.permissions_for_user``. The explorer uses
    this viewset's listing only inside a community (``parent_models``), so the communities directory's
    listing stays Wagtail's default.
    """

    model = None  # set by :func:`community_page_viewset` (the model module imports this one)
    index_view_class = CommunityExplorableIndexView
    choose_parent_view_class = CommunityChooseParentView
    set_page_position_view_class = CommunitySetPagePositionView

    @property
    def parent_models(self):
        return [self.model]


def community_page_viewset():
    from khub_plugin.communities.models import CommunityPage

    return CommunityPageViewSet("khub_community_pages", model=CommunityPage)
