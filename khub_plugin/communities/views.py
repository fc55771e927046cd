"""Views of the core. Thin: the access policy decides, services change things, templates show them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khub_plugin.common import names
from khub_plugin.common.context import khub_context
from khub_plugin.common.pagination import paginate, querystring_without_page
from khub_plugin.communities import access, activity, services
from khub_plugin.communities.forms import (
    DirectoryFilterForm,
    InviteForm,
    MemberSearchForm,
    ProposalForm,
    ReasonForm,
    RequestToJoinForm,
    StageForm,
    ToolsForm,
)
from khub_plugin.communities.models import (
    Activity,
    CommunityPage,
    CommunityProposal,
    Membership,
    ModerationAction,
)

# -- pages of a community ------------------------------------------------------------------------------------


def directory(request, index_page):
    """ "All communities": the communities below the directory that this person can see, with filters."""
    policy = access.for_request(request)
    form = DirectoryFilterForm(request.GET)
    communities = policy.visible_communities(CommunityPage.objects.descendant_of(index_page))
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            matching_tags = CommunityPage.objects.filter(tags__name__iexact=data["q"]).values("pk")
            communities = communities.filter(
                Q(title__icontains=data["q"]) | Q(purpose__icontains=data["q"]) | Q(pk__in=matching_tags)
            )
        if data["stage"]:
            communities = communities.filter(stage=data["stage"])
        if data["visibility"]:
            communities = communities.filter(visibility=data["visibility"])
        if data["mine"]:
            communities = communities.filter(pk__in=[c for c in policy.memberships if policy.is_member(c)])
    communities = communities.order_by("title", "pk").prefetch_related("tags")
    page = paginate(request, communities, per_page=20)
    parents = _parents_of(policy, page.object_list, exclude=index_page)
    rows = [
        {"community": c, "parent": parents.get(policy.tree[c.pk][1]), "state": policy.state(c)}
        for c in page.object_list
    ]
    context = index_page.get_context(request)
    context.update(
        form=form,
        page_obj=page,
        rows=rows,
        querystring=querystring_without_page(request),
        filtered=any(request.GET.get(k) for k in ("q", "stage", "visibility", "mine")),
    )
    return TemplateResponse(request, index_page.get_template(request), context)


def _parents_of(policy, communities, exclude=None):
    ids = {policy.tree[c.pk][1] for c in communities} - {None}
    return {p.pk: p for p in CommunityPage.objects.filter(pk__in=ids).only("id", "title", "url_path", "path")}


def landing(request, community):
    """The community's home: what the visitor may see of it, and the one action that fits them."""
    policy = access.for_request(request)
    can_view = policy.can_view(community)
    facilitators = (
        Membership.objects.facilitators()
        .filter(community=community)
        .select_related("user")
        .order_by("joined_at")[:10]
    )
    children = policy.visible_communities(CommunityPage.objects.child_of(community)).order_by("title")
    recent, panels = [], []
    if can_view:
        recent = activity.shown(
            Activity.objects.filter(community=community), {community.pk: community.tools}
        ).select_related("actor")[:10]
        panels = [f.panel(request, community) for f in community.enabled_features() if f.panel is not None]
    return render_community_page(
        request,
        community,
        "khub_plugin/communities/community_page.html",
        {
            "can_view": can_view,
            "facilitators": facilitators,
            "subcommunities": children,
            "recent_activity": recent,
            "feature_panels": panels,
            "request_form": RequestToJoinForm(),
        },
    )


def members(request, community):
    """The community's members, searchable, with facilitator controls for those who moderate."""
    policy = access.for_request(request)
    if not policy.can_view(community):
        return _not_for_you(request, community)
    form = MemberSearchForm(request.GET)
    people = Membership.objects.active().filter(community=community).select_related("user")
    if form.is_valid():
        q, role = form.cleaned_data["q"], form.cleaned_data["role"]
        if q:
            people = people.filter(names.search_q(q, "user__"))
        if role:
            people = people.filter(role=role)
    # Facilitators first: they are the people a newcomer looks for.
    facilitators_first = Case(When(role=Membership.Role.FACILITATOR, then=Value(0)), default=Value(1))
    people = people.order_by(facilitators_first, *names.ordering("user__"), "pk")
    page = paginate(request, people, per_page=20)
    return render_community_page(
        request,
        community,
        "khub_plugin/communities/members.html",
        {"form": form, "page_obj": page, "querystring": querystring_without_page(request)},
    )


def manage(request, community):
    """Facilitators' page: requests, invitations, tools and the lifecycle stage."""
    policy = access.for_request(request)
    if not policy.can_moderate(community):
        return _not_for_you(request, community)
    pending = Membership.objects.filter(community=community).select_related("user", "invited_by")
    return render_community_page(
        request,
        community,
        "khub_plugin/communities/manage.html",
        {
            "requests": pending.filter(state=Membership.State.REQUESTED).order_by("created_at")[:100],
            "invitations": pending.filter(state=Membership.State.INVITED).order_by("-updated_at")[:100],
            "invite_form": InviteForm(),
            "reason_form": ReasonForm(),
            "stage_form": StageForm(initial={"stage": community.stage}),
            "tools_form": ToolsForm(community=community, initial={"tools": community.tools}),
        },
    )


def moderation_log(request, community):
    """Every moderation action in the community, newest first, with who and why: for facilitators."""
    policy = access.for_request(request)
    if not policy.can_moderate(community):
        return _not_for_you(request, community)
    actions = ModerationAction.objects.filter(community=community).select_related("actor")
    page = paginate(request, actions, per_page=20)
    return render_community_page(
        request,
        community,
        "khub_plugin/communities/moderation_log.html",
        {"current": "manage", "page_obj": page, "querystring": querystring_without_page(request)},
    )


def render_community_page(request, community, template, context):
    policy = access.for_request(request)
    context = {
        **community.get_context(request),
        **context,
        "policy": policy,
        "membership_state": policy.state(community),
        "is_facilitator": policy.is_facilitator(community),
        "can_moderate": policy.can_moderate(community),
        "can_view": policy.can_view(community),
        "tools": community.enabled_features() if policy.can_view(community) else [],
    }
    return TemplateResponse(request, template, context)


def _not_for_you(request, community):
    # Someone who can see the landing page (a restricted community) but not this part of it.
    messages.info(request, _("Only members of this community can see that."))
    return redirect(community.get_url(request))


# -- membership actions: each a POST with CSRF, checked by the services ----------------------------------


def refuse(policy, community):
    """404 to those who may not know the community exists, 403 to the rest."""
    if not policy.can_see(community):
        raise Http404
    raise PermissionDenied


def perform(request, community, call, success, back):
    """Run ``call(policy)`` for a POSTed action in ``community``, tell the person what happened, redirect to
    ``back``. Every tool's action views share it, so a refusal and a rule broken read the same everywhere."""
    policy = access.for_request(request)
    try:
        call(policy)
    except services.NotAllowed:
        refuse(policy, community)
    except services.MembershipError as error:
        messages.error(request, str(error))
    else:
        if success:
            messages.success(request, success)
    return redirect(back)


def run_action(request, community, action, success, *args):
    """Run a membership service; tell the person what happened; go back where they came from."""
    back = _back(request, community)
    return perform(request, community, lambda policy: action(policy, community, *args), success, back)


def _back(request, community):
    target = request.POST.get("next", "")
    # Only a path inside this community: never an open redirect.
    base = community.get_url(request)
    return target if target.startswith(base) and "//" not in target and "\\" not in target else base


@require_POST
def join(request, community):
    return run_action(
        request, community, services.join, _("You have joined %(name)s.") % {"name": community.title}
    )


@require_POST
def request_to_join(request, community):
    form = RequestToJoinForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    return run_action(
        request,
        community,
        services.request_to_join,
        _("Your request has been sent to the facilitators. You will get an email when they decide."),
        message,
    )


@require_POST
def leave(request, community):
    return run_action(
        request, community, services.leave, _("You have left %(name)s.") % {"name": community.title}
    )


@require_POST
def withdraw(request, community):
    return run_action(
        request, community, services.withdraw_request, _("You have withdrawn your request to join.")
    )


@require_POST
def accept_invitation(request, community):
    return run_action(
        request, community, services.join, _("Welcome to %(name)s.") % {"name": community.title}
    )


@require_POST
def decline_invitation(request, community):
    return run_action(request, community, services.decline_invitation, _("You have declined the invitation."))


@require_POST
def decide_request(request, community, membership_id, decision):
    if decision not in ("approve", "decline"):
        raise Http404
    if decision == "approve":
        return run_action(request, community, services.approve, _("Request approved."), membership_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return run_action(request, community, services.decline, _("Request declined."), membership_id, reason)


@require_POST
def manage_member(request, community, membership_id, action):
    if action not in ("remove", "promote", "demote", "cancel"):
        raise Http404
    if action == "remove":
        return run_action(
            request, community, services.remove, _("Removed from the community."), membership_id
        )
    if action == "cancel":
        return run_action(
            request, community, services.cancel_invitation, _("Invitation cancelled."), membership_id
        )
    role = Membership.Role.FACILITATOR if action == "promote" else Membership.Role.MEMBER
    return run_action(request, community, services.set_role, _("Role changed."), membership_id, role)


@require_POST
def invite(request, community):
    policy = access.for_request(request)
    if not policy.can_moderate(community):
        refuse(policy, community)
    form = InviteForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("who", []):
            messages.error(request, error)
        return redirect(community.url_for("manage"))
    return run_action(
        request,
        community,
        services.invite,
        _("Invitation sent."),
        form.cleaned_data["who"],
        form.cleaned_data["message"],
    )


@require_POST
def change_stage(request, community):
    policy = access.for_request(request)
    if not policy.can_moderate(community):
        refuse(policy, community)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a lifecycle stage."))
        return redirect(community.url_for("manage"))
    return run_action(
        request, community, services.set_stage, _("Lifecycle stage changed."), form.cleaned_data["stage"]
    )


@require_POST
def change_tools(request, community):
    policy = access.for_request(request)
    if not policy.can_moderate(community):
        refuse(policy, community)
    form = ToolsForm(request.POST, community=community)
    if not form.is_valid():
        messages.error(request, _("Choose tools from the list."))
        return redirect(community.url_for("manage"))
    return run_action(request, community, services.set_tools, _("Tools updated."), form.cleaned_data["tools"])


# -- pages outside any community (khub_plugin.urls) ----------------------------------------------------------


def _page(request, template, context):
    return TemplateResponse(request, template, {**khub_context(request), **context})


@login_required
def my_communities(request):
    """The communities I belong to, my invitations and my requests."""
    mine = (
        Membership.objects.filter(user=request.user, community__live=True)
        .exclude(state__in=[Membership.State.LEFT, Membership.State.DECLINED])
        .select_related("community")
        .order_by("community__title")
    )
    policy = access.for_request(request)
    groups = {"active": [], "invited": [], "requested": [], "removed": []}
    for membership in mine:
        # A private community someone was removed from is not theirs to see any more, not even by name.
        if policy.can_see(membership.community):
            groups.setdefault(membership.state, []).append(membership)
    proposals = CommunityProposal.objects.filter(proposed_by=request.user).order_by("-created_at")[:20]
    return _page(request, "khub_plugin/communities/my_communities.html", {**groups, "proposals": proposals})


def whats_happening(request):
    """Site-wide activity in every community whose content this person can see."""
    denied = access.sign_in_required(request)
    if denied:
        return denied
    policy = access.for_request(request)
    ids = policy.content_ids()
    tools = dict(CommunityPage.objects.filter(pk__in=ids).values_list("id", "tools"))
    events = activity.shown(policy.filter_visible(Activity.objects.all()), tools)
    events = events.select_related("actor", "community")
    page = paginate(request, events, per_page=20)
    return _page(
        request,
        "khub_plugin/communities/whats_happening.html",
        {"page_obj": page, "querystring": querystring_without_page(request)},
    )


@login_required
def propose(request):
    """Any signed-in person proposes a community; a site admin approves it in Wagtail admin."""
    policy = access.for_request(request)
    parents = (
        CommunityPage.objects.live()
        .filter(pk__in=[c for c in policy.memberships if policy.is_member(c) and policy.can_view(c)])
        .order_by("title")
    )
    form = ProposalForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        proposal = form.save(commit=False)
        proposal.proposed_by = request.user
        proposal.save()
        messages.success(
            request,
            _("Thank you. Your proposal for %(name)s has been sent to the site administrators.")
            % {"name": proposal.name},
        )
        return redirect("khub:my_communities")
    return _page(request, "khub_plugin/communities/propose.html", {"form": form})
