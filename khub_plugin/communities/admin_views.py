"""Wagtail admin screens for site admins, and community privacy in the page explorer and chooser.

``wagtail_hooks.py`` only registers what is defined here:

* "Communities" in the admin menu, with two read-only listings built on Wagtail's ``ModelViewSet``:
  *Memberships* (filter by state, role and community; search people) and *Community proposals*
  (pending first, with Approve and Decline screens that call :mod:`khub_plugin.communities.proposals`).
  Memberships are never edited here: they change only through :mod:`khub_plugin.communities.services`.
* A "Members in admin" button on community pages, and a dashboard panel counting pending proposals.

Keeping communities a person may not see out of the page explorer and chooser, and refusing them on every
admin URL, is :mod:`khub_plugin.communities.admin_access`.

Every listing asks the access policy: site moderators and superusers see everything; anyone else who has been
given a view permission still sees only rows of communities whose content the policy lets them see.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django_filters import ModelChoiceFilter
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button

from khub_plugin.common import names
from khub_plugin.communities import access
from khub_plugin.communities import proposals as proposal_flow
from khub_plugin.communities.models import (
    CommunityIndexPage,
    CommunityPage,
    CommunityProposal,
    Membership,
    Visibility,
)

PENDING = CommunityProposal.Status.PENDING
MEMBERSHIPS = "khub_memberships"
PROPOSALS = "khub_proposals"


def _person(user):
    """ "Full Name (sign-in name)", or the sign-in name alone (the names come from ``common/names.py``)."""
    return names.name_and_login(user)


#: The sort key of a "person" column; :class:`PersonSortMixin` turns it into ``names.ordering`` lookups.
PERSON_SORT = "person"


class PersonSortMixin:
    """An index view with a column sorted by a person (``sort_key=PERSON_SORT``) and a person search.

    ``person_lookup`` is the user foreign key ("user"); ``other_search_fields`` are the listing's own fields a
    search also looks in. Sorting and searching by a person use :mod:`khub_plugin.common.names`, so they work
    with any user model.
    """

    person_lookup = "user"
    other_search_fields = ()

    def order_queryset(self, queryset):
        if self.ordering in (PERSON_SORT, "-" + PERSON_SORT):
            sign = "-" if self.ordering.startswith("-") else ""
            lookups = [sign + lookup for lookup in names.ordering(self.person_lookup + "__")]
            return queryset.order_by(*lookups, sign + "pk")
        return super().order_queryset(queryset)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = names.search_q(self.search_query, self.person_lookup + "__")
        for field in self.other_search_fields:
            query |= Q(**{field + "__icontains": self.search_query})
        return queryset.filter(query)


def _email_sort_key(prefix):
    """The lookup sorting by the person's email address; ``None`` (not sortable) for a model without one."""
    field = names.person_names().email_field
    return prefix + field if field else None


def _visibility(value):
    """The short name of a visibility ("Open"), without the explanation after the colon."""
    return str(Visibility(value).label).split(":")[0]


def members_admin_url(community_id):
    """The membership listing filtered to one community: "Members in admin"."""
    return reverse(f"{MEMBERSHIPS}:index") + "?" + urlencode({"community": community_id})


# -- what each person may list ----------------------------------------------------------------------------


def memberships_visible_to(request):
    """Memberships ``request.user`` may list: all for moderators, else those of communities whose content
    (members are content) the access policy lets them see."""
    queryset = Membership.objects.select_related("user", "community")
    policy = access.for_request(request)
    return queryset if policy.is_moderator else policy.filter_visible(queryset)


def proposals_visible_to(request):
    """Proposals ``request.user`` may list. Those who decide proposals, and moderators, see all; anyone else
    does not learn the name of a community the policy hides from them through a proposal's "inside"."""
    queryset = CommunityProposal.objects.select_related("proposed_by", "parent")
    policy = access.for_request(request)
    if policy.is_moderator or proposal_flow.can_decide(request.user):
        return queryset
    return queryset.filter(Q(parent__isnull=True) | Q(parent_id__in=policy.visible_ids()))


def _community_choices(request):
    """Communities offered by the membership listing's community filter (never one the person cannot see)."""
    queryset = CommunityPage.objects.order_by("path").only("id", "title", "path")
    if request is None:
        return queryset.none()
    policy = access.for_request(request)
    return queryset if policy.is_moderator else queryset.filter(id__in=policy.content_ids())


# -- a read-only ModelViewSet -------------------------------------------------------------------------------


class ReadOnlyModelViewSet(ModelViewSet):
    """A ``ModelViewSet`` with only the listing and the inspect view: no add, edit, copy or delete.

    The permissions it offers in the group permission screen are exactly ``codenames``.
    """

    inspect_view_enabled = True
    copy_view_enabled = False
    # The reference index would re-index every membership on every join and leave: nothing here needs it.
    add_to_reference_index = False
    search_backend_name = None  # plain ORM ``icontains`` over ``search_fields``
    codenames = ()

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add", "edit", "delete", "copy", "history", "usage"):
            view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    @property
    def url_finder_class(self):
        # Wagtail's "edit this object" links (history, logs) go to the inspect view: there is no edit view.
        return type(
            "_InspectURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name("inspect")}
        )

    def get_permissions_to_register(self):
        content_type = ContentType.objects.get_for_model(self.model)
        return Permission.objects.filter(content_type=content_type, codename__in=self.codenames)


class ScopedInspectView(generic.InspectView):
    """An inspect view whose object must be in the listing's own (policy-filtered) queryset."""

    scoped_queryset = None
    person_fields = ()  # user foreign keys, shown as "Full Name (sign-in name)"

    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(self.request), pk=unquote(str(self.pk)))

    def get_field_display_value(self, field_name, field):
        if field_name in self.person_fields:
            value = _person(getattr(self.object, field_name))
        else:
            value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value


# -- memberships --------------------------------------------------------------------------------------------


class MembershipFilterSet(WagtailFilterSet):
    community = ModelChoiceFilter(queryset=_community_choices, label=_("Community"))

    class Meta:
        model = Membership
        fields = ["state", "role", "community"]


class MembershipIndexView(PersonSortMixin, generic.IndexView):
    person_lookup = "user"

    def get_base_queryset(self):
        return memberships_visible_to(self.request)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "person",
                label=_("Person"),
                accessor=lambda membership: _person(membership.user),
                get_url=self.get_inspect_url,
                sort_key=PERSON_SORT,
            ),
            Column(
                "email",
                label=_("Email"),
                accessor=lambda membership: names.email(membership.user),
                sort_key=_email_sort_key("user__"),
            ),
            TitleColumn(
                "community",
                label=_("Community"),
                accessor="community.title",
                get_url=lambda membership: members_admin_url(membership.community_id),
                link_attrs={"title": gettext("Everyone in this community")},
                sort_key="community__title",
            ),
            Column("state", label=_("State"), accessor="get_state_display", sort_key="state"),
            Column("role", label=_("Role"), accessor="get_role_display", sort_key="role"),
            DateColumn("joined_at", label=_("Joined"), sort_key="joined_at"),
        ]


class MembershipInspectView(ScopedInspectView):
    scoped_queryset = staticmethod(memberships_visible_to)
    person_fields = ("user", "invited_by", "decided_by")

    @cached_property
    def header_more_buttons(self):
        community = self.object.community
        return [
            Button(
                _("Everyone in %(community)s") % {"community": community.title},
                url=members_admin_url(community.pk),
                icon_name="group",
                priority=10,
            ),
            Button(
                _("Edit community page"),
                url=reverse("wagtailadmin_pages:edit", args=[community.pk]),
                icon_name="edit",
                priority=20,
            ),
        ]


class MembershipViewSet(ReadOnlyModelViewSet):
    model = Membership
    name = MEMBERSHIPS
    url_prefix = "communities/memberships"
    icon = "user"
    menu_label = _("Memberships")
    index_view_class = MembershipIndexView
    inspect_view_class = MembershipInspectView
    filterset_class = MembershipFilterSet

    @cached_property
    def search_fields(self):
        # Shows the search box; the search itself is PersonSortMixin.search_queryset.
        return names.search_fields("user__")

    list_per_page = 50
    ordering = "-pk"  # newest first, on the primary key index
    inspect_view_fields = [
        "user",
        "community",
        "state",
        "role",
        "message",
        "decision_reason",
        "invited_by",
        "decided_by",
        "created_at",
        "joined_at",
        "updated_at",
    ]
    # "moderate_communities" makes a group's members site moderators (see access.py).
    codenames = ("view_membership", "moderate_communities")


# -- community proposals ------------------------------------------------------------------------------------


def _decision_menu_items(proposal, user, approve_url_name, decline_url_name):
    if proposal.status != PENDING or not proposal_flow.can_decide(user):
        return []
    return [
        MenuItem(
            gettext("Approve"), reverse(approve_url_name, args=[quote(proposal.pk)]), "check", priority=1
        ),
        MenuItem(
            gettext("Decline"), reverse(decline_url_name, args=[quote(proposal.pk)]), "cross", priority=2
        ),
    ]


class ProposalIndexView(PersonSortMixin, generic.IndexView):
    person_lookup = "proposed_by"
    other_search_fields = ("name", "purpose")
    approve_url_name = None
    decline_url_name = None

    def get_base_queryset(self):
        # Pending proposals first (the default ordering below), newest first within each group.
        return proposals_visible_to(self.request).annotate(
            _pending_first=Case(
                When(status=PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *_decision_menu_items(instance, self.request.user, self.approve_url_name, self.decline_url_name),
        ]


class ProposalInspectView(ScopedInspectView):
    scoped_queryset = staticmethod(proposals_visible_to)
    person_fields = ("proposed_by", "decided_by")
    approve_url_name = None
    decline_url_name = None

    @cached_property
    def decision_buttons(self):
        items = _decision_menu_items(
            self.object, self.request.user, self.approve_url_name, self.decline_url_name
        )
        return [Button.from_menu_item(item) for item in items]

    @cached_property
    def header_more_buttons(self):
        return list(self.decision_buttons)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["decision_buttons"] = self.decision_buttons
        if self.object.community_id:
            context["community_edit_url"] = reverse(
                "wagtailadmin_pages:edit", args=[self.object.community_id]
            )
            context["community_members_url"] = members_admin_url(self.object.community_id)
        return context


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The proposer is emailed this. Say why, and what they could do instead."),
    )


class ProposalDecisionView(WagtailAdminTemplateMixin, FormView):
    """Show the proposal and ask for confirmation (GET); decide it (POST, with Django's CSRF check).

    Only people for whom ``proposals.can_decide`` is true get past ``dispatch`` (others: 403). A proposal
    that is no longer pending is never decided again: the person is told so and sent back to it.
    """

    template_name = "khub_plugin/communities/admin/proposal_decision.html"
    http_method_names = ["get", "post"]
    header_icon = "group"
    index_url_name = None
    inspect_url_name = None
    approve_url_name = None
    decline_url_name = None
    decision = None  # "approve" or "decline"
    form_class = forms.Form

    def dispatch(self, request, *args, **kwargs):
        if not proposal_flow.can_decide(request.user):
            # A real 403: Wagtail's admin would turn PermissionDenied into a redirect to the dashboard.
            return TemplateResponse(
                request,
                "khub_plugin/communities/admin/forbidden.html",
                {"header_title": gettext("Permission denied")},
                status=403,
            )
        self.proposal = get_object_or_404(
            CommunityProposal.objects.select_related("proposed_by", "parent"), pk=kwargs["pk"]
        )
        if self.proposal.status != PENDING:
            return self.already_decided()
        return super().dispatch(request, *args, **kwargs)

    def already_decided(self):
        messages.warning(
            self.request,
            gettext("'%(name)s' has already been decided (%(status)s): nothing was changed.")
            % {"name": self.proposal.name, "status": self.proposal.get_status_display().lower()},
        )
        return redirect(self.inspect_url)

    @cached_property
    def inspect_url(self):
        return reverse(self.inspect_url_name, args=[quote(self.proposal.pk)])

    def get_page_subtitle(self):
        return self.proposal.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(CommunityProposal._meta.verbose_name_plural),
            },
            {"url": self.inspect_url, "label": self.proposal.name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        url_name = self.approve_url_name if self.decision == "approve" else self.decline_url_name
        context.update(
            proposal=self.proposal,
            visibility=_visibility(self.proposal.visibility),
            proposer=_person(self.proposal.proposed_by),
            decision=self.decision,
            action_url=reverse(url_name, args=[quote(self.proposal.pk)]),
            cancel_url=self.inspect_url,
        )
        return context

    def form_valid(self, form):
        try:
            with transaction.atomic():
                # Lock the row: two admins deciding at once cannot both succeed.
                proposal = CommunityProposal.objects.select_for_update().get(pk=self.proposal.pk)
                if proposal.status != PENDING:
                    self.proposal = proposal
                    return self.already_decided()
                result = self.decide(proposal, form.cleaned_data)
        except proposal_flow.ProposalError as error:
            messages.error(self.request, str(error))
            return redirect(self.inspect_url)
        self.tell(proposal, result)
        return redirect(reverse(self.index_url_name))

    def form_invalid(self, form):
        messages.validation_error(self.request, gettext("The proposal has not been declined yet."), form)
        return super().form_invalid(form)

    def decide(self, proposal, data):
        raise NotImplementedError

    def tell(self, proposal, result):
        raise NotImplementedError


class ApproveProposalView(ProposalDecisionView):
    decision = "approve"
    page_title = _("Approve proposal")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Where approve() will put the community: the proposed parent, else the first communities directory.
        context["destination"] = (
            self.proposal.parent or CommunityIndexPage.objects.live().order_by("path").first()
        )
        return context

    def decide(self, proposal, data):
        return proposal_flow.approve(proposal, self.request.user)

    def tell(self, proposal, community):
        message = gettext("'%(name)s' is now a live community and %(person)s is its facilitator.") % {
            "name": community.title,
            "person": _person(proposal.proposed_by),
        }
        if names.email(proposal.proposed_by):
            message += " " + gettext("They have been emailed.")
        messages.success(
            self.request,
            message,
            buttons=[
                messages.button(
                    reverse("wagtailadmin_pages:edit", args=[community.pk]), gettext("Edit page")
                ),
                messages.button(members_admin_url(community.pk), gettext("Members")),
            ],
        )


class DeclineProposalView(ProposalDecisionView):
    decision = "decline"
    page_title = _("Decline proposal")
    form_class = DeclineForm

    def decide(self, proposal, data):
        return proposal_flow.decline(proposal, self.request.user, data["reason"])

    def tell(self, proposal, result):
        message = gettext("'%(name)s' has been declined.") % {"name": proposal.name}
        if names.email(proposal.proposed_by):
            message += " " + gettext("%(person)s has been emailed your reason.") % {
                "person": _person(proposal.proposed_by)
            }
        messages.success(self.request, message)


class ProposalViewSet(ReadOnlyModelViewSet):
    model = CommunityProposal
    name = PROPOSALS
    url_prefix = "communities/proposals"
    icon = "form"
    menu_label = _("Community proposals")
    index_view_class = ProposalIndexView
    inspect_view_class = ProposalInspectView
    inspect_template_name = "khub_plugin/communities/admin/proposal_inspect.html"
    list_filter = ["status", "visibility"]

    @cached_property
    def search_fields(self):
        # Shows the search box; the search itself is PersonSortMixin.search_queryset.
        return ["name", "purpose", *names.search_fields("proposed_by__")]

    list_per_page = 50
    ordering = ["_pending_first", "-created_at", "-pk"]
    list_display = [
        "name",
        Column(
            "proposed_by",
            label=_("Proposed by"),
            accessor=lambda proposal: _person(proposal.proposed_by),
            sort_key=PERSON_SORT,
        ),
        Column(
            "visibility",
            label=_("Visibility"),
            accessor=lambda proposal: _visibility(proposal.visibility),
            sort_key="visibility",
        ),
        Column(
            "parent",
            label=_("Inside"),
            accessor=lambda proposal: proposal.parent.title if proposal.parent_id else "",
        ),
        Column("status", label=_("Status"), accessor="get_status_display", sort_key="status"),
        DateColumn("created_at", label=_("Proposed"), sort_key="created_at"),
    ]
    inspect_view_fields = [
        "name",
        "purpose",
        "visibility",
        "parent",
        "proposed_by",
        "created_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "community",
    ]
    # "change" is the permission to decide proposals (proposals.can_decide); "view" lists them read-only.
    codenames = ("view_communityproposal", "change_communityproposal")

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            approve_url_name=self.get_url_name("approve"),
            decline_url_name=self.get_url_name("decline"),
            **kwargs,
        )

    @cached_property
    def approve_view(self):
        return self.construct_view(ApproveProposalView)

    @cached_property
    def decline_view(self):
        return self.construct_view(DeclineProposalView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("approve/<int:pk>/", self.approve_view, name="approve"),
            path("decline/<int:pk>/", self.decline_view, name="decline"),
        ]


class CommunitiesViewSetGroup(ModelViewSetGroup):
    """The "Communities" menu group in the admin sidebar."""

    menu_label = _("Communities")
    menu_name = "khub-communities"  # khub_plugin.contrib.modeladmin replaces this menu when installed
    menu_icon = "group"
    menu_order = 250
    items = (MembershipViewSet, ProposalViewSet)


# -- dashboard ----------------------------------------------------------------------------------------------


class PendingProposalsPanel(Component):
    name = "khub_pending_proposals"
    template_name = "khub_plugin/communities/admin/pending_proposals_panel.html"
    order = 150

    def __init__(self, count):
        self.count = count

    def get_context_data(self, parent_context=None):
        return {"count": self.count, "url": reverse(f"{PROPOSALS}:index") + "?status=pending"}


def add_pending_proposals_panel(request, panels):
    """``construct_homepage_panels``: how many proposals wait, for those who decide them (one COUNT)."""
    if not proposal_flow.can_decide(request.user):
        return
    count = CommunityProposal.objects.filter(status=PENDING).count()
    if count:
        panels.append(PendingProposalsPanel(count))


# -- the page tree ------------------------------------------------------------------------------------------


def community_page_buttons(page, user, next_url=None, view_name=None):
    """A "Members in admin" item on community pages in the explorer (``register_page_listing_more_buttons``
    and ``register_page_header_buttons``). The listing it opens applies the access policy itself."""
    specific_class = page.specific_class
    if (
        specific_class is not None
        and issubclass(specific_class, CommunityPage)
        and user.has_perm(f"khub_communities.view_{Membership._meta.model_name}")
    ):
        yield MenuItem(gettext("Members in admin"), members_admin_url(page.pk), "group", priority=45)
