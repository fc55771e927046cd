"""The wagtail-modeladmin screens: a base class that asks the access policy, and khub's models declared on it.

Adding a tool's model is one declaration here; it appears under "Communities" when its app is installed::

    @register
    class TopicAdmin(KhubModelAdmin):
        model = "khub_forums.Topic"        # a label: the app may be left out of INSTALLED_APPS
        community_field = "community"      # rows filtered by the access policy for non-moderators
        person_fields = ("author",)        # user foreign keys, searched as common/names.py says
        read_only = True                   # no add, edit or delete screens
        menu_label = _("Forum topics")
        list_display = ("title", "community", "created_at")
        list_filter = ("state", VisibleCommunityFilter)
        search_fields = ("title",)

Nothing decides access here: listings, filters and the inspect, edit and delete screens all use
:meth:`KhubModelAdmin.get_queryset`, which asks :mod:`khub_plugin.communities.access` (or the scoping
functions of :mod:`khub_plugin.communities.admin_views` that the ViewSet screens use).
"""

from django.apps import apps
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import checks
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.helpers.search import DjangoORMSearchHandler
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import CreateView

from khub_plugin.common import names
from khub_plugin.communities import access
from khub_plugin.communities import proposals as proposal_flow

#: The menu item this app adds, and those of khub's ViewSet screens it replaces (see wagtail_hooks.py).
MENU_NAME = "khub-modeladmin"
REPLACED_MENU_NAMES = ("khub-communities", "khub-news-sources")

_registry = []


def register(model_admin_class):
    """Add a :class:`KhubModelAdmin` to the "Communities" group, in declaration order (a decorator)."""
    _registry.append(model_admin_class)
    return model_admin_class


# -- people --------------------------------------------------------------------------------------------------
# People are named and searched by khub_plugin.common.names, as everywhere else (KHUB_PERSON_NAMES).


def person_label(user):
    """How a person is shown in these listings: their name and, when it differs, their sign-in name."""
    return names.name_and_login(user)


def person_search_fields(*user_fields):
    """Search lookups for the given user foreign keys: the fields the naming module searches."""
    return tuple(lookup for field in user_fields for lookup in names.search_fields(f"{field}__"))


# -- the base class ------------------------------------------------------------------------------------------


class ReadOnlyPermissionHelper(PermissionHelper):
    """Listing and inspecting only: the model changes through khub's services, never in these screens."""

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class VisibleCommunityFilter(SimpleListFilter):
    """Filter by community, offering only communities whose content the person may see."""

    title = _("community")
    parameter_name = "community"

    def __init__(self, request, params, model, model_admin):
        self.field = getattr(model_admin, "community_field", None) or "community"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        from khub_plugin.communities.models import CommunityPage

        communities = CommunityPage.objects.order_by("path").only("id", "title")
        policy = access.for_request(request)
        if not policy.is_moderator:
            communities = communities.filter(id__in=policy.content_ids())
        return [(str(community.pk), community.title) for community in communities]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.field}_id": int(value)})
        return queryset


class KhubModelAdmin(ModelAdmin):
    """A ``ModelAdmin`` whose every screen shows only rows the access policy lets the person see."""

    #: The community foreign key: for non-moderators, rows are limited to communities whose content they
    #: may see (``Access.filter_visible``). ``None`` for models not in a community.
    community_field = None
    #: User foreign keys searched by :func:`person_search_fields`.
    person_fields = ()
    #: No add, edit or delete screens.
    read_only = False
    #: Permission codenames offered on the group permission screen; ``None`` for the model's own four.
    codenames = None
    #: The app the model belongs to; the admin is left out when that app is not installed.
    requires_app = None

    search_handler_class = DjangoORMSearchHandler
    inspect_view_enabled = True
    list_per_page = 50

    def __init__(self, parent=None):
        if self.read_only:
            self.permission_helper_class = ReadOnlyPermissionHelper
        super().__init__(parent)

    # What the person may see: every screen goes through this.
    def scoped_queryset(self, request):
        queryset = self.model._default_manager.all()
        if self.community_field:
            policy = access.for_request(request)
            if not policy.is_moderator:
                queryset = policy.filter_visible(queryset, self.community_field)
        return queryset

    def get_queryset(self, request):
        queryset = self.scoped_queryset(request)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_search_fields(self, request):
        return (*self.search_fields, *person_search_fields(*self.person_fields))

    def _in_scope_or_404(self, request, instance_pk):
        if not self.get_queryset(request).filter(pk=unquote(str(instance_pk))).exists():
            raise Http404

    def inspect_view(self, request, instance_pk):
        self._in_scope_or_404(request, instance_pk)
        return super().inspect_view(request, instance_pk)

    def edit_view(self, request, instance_pk):
        self._in_scope_or_404(request, instance_pk)
        return super().edit_view(request, instance_pk)

    def delete_view(self, request, instance_pk):
        self._in_scope_or_404(request, instance_pk)
        return super().delete_view(request, instance_pk)

    def get_permissions_for_registration(self):
        if self.codenames is None:
            return super().get_permissions_for_registration()
        content_type = ContentType.objects.get_for_model(self.model)
        return Permission.objects.filter(content_type=content_type, codename__in=self.codenames)

    def register_indexing(self):
        # Not in Wagtail's reference index: it would re-index memberships on every join and leave, as khub's
        # ViewSets avoid too (add_to_reference_index = False).
        pass


class KhubModelAdminGroup(ModelAdminGroup):
    """The "Communities" menu: every registered admin whose app is installed."""

    menu_label = _("Communities")
    menu_icon = "group"
    menu_order = 250
    menu_item_name = MENU_NAME

    def __init__(self):
        self.items = [_resolved(cls) for cls in _registry if _installed(cls)]
        super().__init__()


def _installed(model_admin_class):
    app = model_admin_class.requires_app
    return app is None or apps.is_installed(app)


def _resolved(model_admin_class):
    """The class with its ``model`` label turned into the model (ModelAdmin needs the class itself)."""
    if isinstance(model_admin_class.model, str):
        model = apps.get_model(model_admin_class.model)
        return type(model_admin_class.__name__, (model_admin_class,), {"model": model})
    return model_admin_class


# -- memberships ---------------------------------------------------------------------------------------------


@register
class MembershipAdmin(KhubModelAdmin):
    model = "khub_communities.Membership"
    menu_label = _("Memberships")
    menu_icon = "user"
    community_field = "community"
    person_fields = ("user",)
    read_only = True
    codenames = ("view_membership", "moderate_communities")
    list_display = ("person", "community", "state", "role", "joined_at")
    list_filter = ("state", "role", VisibleCommunityFilter)
    search_fields = ()
    ordering = ("-pk",)
    inspect_view_fields = (
        "user", "community", "state", "role", "message", "decision_reason", "invited_by", "decided_by",
        "created_at", "joined_at", "updated_at",
    )  # fmt: skip

    def scoped_queryset(self, request):
        return super().scoped_queryset(request).select_related("user", "community")

    @staticmethod
    def person(membership):
        return person_label(membership.user)

    person.short_description = _("Person")


# -- community proposals -------------------------------------------------------------------------------------


class ProposalButtonHelper(ButtonHelper):
    """Approve and Decline for pending proposals, to those who decide them: the buttons open khub's own
    confirmation screens (``khub_proposals:approve`` / ``:decline``), which decide with a POST and Django's
    CSRF check through :mod:`khub_plugin.communities.proposals`, exactly as from the ViewSet listing."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        from khub_plugin.communities.models import CommunityProposal

        if obj.status == CommunityProposal.Status.PENDING and proposal_flow.can_decide(self.request.user):
            for decision, label in (("approve", _("Approve")), ("decline", _("Decline"))):
                buttons.append(
                    {
                        "url": reverse(f"khub_proposals:{decision}", args=[obj.pk]),
                        "label": label,
                        "classname": "button button-small button-secondary",
                        "title": f"{label} {obj.name}",
                    }
                )
        return buttons


@register
class ProposalAdmin(KhubModelAdmin):
    model = "khub_communities.CommunityProposal"
    menu_label = _("Community proposals")
    menu_icon = "form"
    person_fields = ("proposed_by",)
    read_only = True
    codenames = ("view_communityproposal", "change_communityproposal")
    button_helper_class = ProposalButtonHelper
    list_display = ("name", "proposer", "visibility", "inside", "status", "created_at")
    list_filter = ("status", "visibility")
    search_fields = ("name", "purpose")
    ordering = ("_pending_first", "-created_at", "-pk")

    def scoped_queryset(self, request):
        from khub_plugin.communities.admin_views import PENDING, proposals_visible_to

        # The ViewSet listing's own scoping: whoever does not decide proposals never learns the name of a
        # community hidden from them through a proposal's "inside".
        return proposals_visible_to(request).annotate(
            _pending_first=Case(
                When(status=PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )

    @staticmethod
    def proposer(proposal):
        return person_label(proposal.proposed_by)

    proposer.short_description = _("Proposed by")

    @staticmethod
    def inside(proposal):
        return proposal.parent.title if proposal.parent_id else ""

    inside.short_description = _("Inside")


# -- news sources --------------------------------------------------------------------------------------------


class SourceCreateView(CreateView):
    def form_valid(self, form):
        from khub_plugin.news import services

        response = super().form_valid(form)
        services.schedule_now(self.instance)  # fetched straight away, as from the ViewSet screen
        return response


@register
class NewsSourceAdmin(KhubModelAdmin):
    """Site-wide news sources (a community's own sources are its members' business, on its pages)."""

    model = "khub_news.FeedSource"
    requires_app = "khub_plugin.news"
    menu_label = _("News sources")
    menu_icon = "list-ul"
    create_view_class = SourceCreateView
    list_display = ("name", "url", "state", "item_count", "last_fetched_at")
    search_fields = ("name", "url")
    ordering = ("name",)

    def scoped_queryset(self, request):
        return super().scoped_queryset(request).filter(community__isnull=True)

    def get_edit_handler(self):
        from khub_plugin.news.admin_views import clean_url

        form_class = type(
            "FeedSourceForm",
            (WagtailAdminModelForm,),
            {"clean_url": clean_url, "__module__": __name__},
        )
        return ObjectList(
            [FieldPanel("name"), FieldPanel("url"), FieldPanel("interval_minutes")],
            base_form_class=form_class,
        )


# -- menus ---------------------------------------------------------------------------------------------------


def hide_replaced_menu_items(request, menu_items):
    """``construct_main_menu``: one "Communities" menu, this app's. khub's ViewSet screens keep their URLs
    (links such as "Members in admin" and the proposal decision screens use them) but leave the menu."""
    menu_items[:] = [item for item in menu_items if item.name not in REPLACED_MENU_NAMES]


# -- checks --------------------------------------------------------------------------------------------------


def check_installed_apps(app_configs=None, **kwargs):
    """khub_modeladmin.E001: the app needs wagtail-modeladmin's own app installed too."""
    if apps.is_installed("wagtail_modeladmin"):
        return []
    return [
        checks.Error(
            '"khub_plugin.contrib.modeladmin" needs "wagtail_modeladmin" in INSTALLED_APPS.',
            hint='pip install "khub-plugin[modeladmin]" and add "wagtail_modeladmin" to INSTALLED_APPS.',
            id="khub_modeladmin.E001",
        )
    ]
