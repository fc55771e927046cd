"""The forum of a community: feature routes under ``<community>/forum/``.

CommunityPage.serve has already checked that the tool is on and that this person may see the community's
content; these views ask the access policy about taking part and moderating, call the services to change
anything, and render. Every list is paginated and every page costs a fixed number of queries.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from khub_plugin.common.pagination import page_size, paginate, querystring_without_page
from khub_plugin.common.ratelimit import RateLimited
from khub_plugin.common.richtext import preview_html, preview_requested
from khub_plugin.communities import access
from khub_plugin.communities.models import CommunityPage
from khub_plugin.communities.services import NotAllowed
from khub_plugin.communities.views import perform, refuse, render_community_page
from khub_plugin.conf import khub_settings
from khub_plugin.forums import services
from khub_plugin.forums.forms import (
    EditPostForm,
    MoveForm,
    ReasonForm,
    RemoveTagForm,
    ReplyForm,
    TagForm,
    TopicForm,
    TopicListForm,
)
from khub_plugin.forums.models import Post, Subscription, Topic


def _render(request, community, template, context):
    # The forum's address once per page: templates build topic and post links from it.
    context["forum_url"] = community.url_for("forum:index", request=request)
    return render_community_page(request, community, template, context)


# -- reading -------------------------------------------------------------------------------------------------


def topic_list(request, community):
    """The forum's topics: pinned first, then by activity or title; mine or unanswered; by words or tag."""
    policy = access.for_request(request)
    moderator = policy.can_moderate(community)
    form = TopicListForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    topics = Topic.objects.filter(community=community).shown_to(moderator)
    query = (data.get("q") or "").strip()
    if query:
        topics = topics.filter(pk__in=_search_topic_ids(community, query, moderator))
    if data.get("tag"):
        topics = topics.filter(tags__name__iexact=data["tag"])
    show = data.get("show") or ""
    if show == "mine" and policy.is_authenticated:
        topics = topics.filter(author=policy.user)
    elif show == "unanswered":
        topics = topics.filter(answer__isnull=True)
    order = (
        ("-is_pinned", "title", "id")
        if data.get("sort") == "title"
        else ("-is_pinned", "-last_activity_at", "-id")
    )
    page = paginate(
        request, topics.order_by(*order).values("pk"), per_page=khub_settings.FORUM_TOPICS_PER_PAGE
    )
    # The page's ids are picked in a subquery that reads the index alone; only those rows are then joined
    # to their authors. Joining before the OFFSET made a deep page join every skipped topic (160 ms on the
    # last of 312 pages at the large seed; 1 ms this way).
    page.object_list = list(
        Topic.objects.filter(pk__in=page.object_list)
        .order_by(*order)
        .select_related("author", "last_author")
        .prefetch_related("tags")
    )
    return _render(
        request,
        community,
        "khub_plugin/forums/topic_list.html",
        {
            "current": "forum",
            "form": form,
            "page_obj": page,
            "querystring": querystring_without_page(request),
            "query": query,
            "tag": data.get("tag") or "",
            "show": show,
            "filtered": bool(query or data.get("tag") or show),
            "can_participate": policy.can_participate(community),
            "following": _following(policy, community),
            "feeds": _feed_links(request, community),
        },
    )


def _search_topic_ids(community, query, moderator):
    """Ids of topics in this forum whose title or messages match: Wagtail search, filtered by community."""
    from khub_plugin.forums.search import search_topic_ids

    return search_topic_ids(query, [community.pk], include_hidden=moderator, limit=1000)


def _following(policy, community, topic=None):
    if not policy.is_authenticated:
        return False
    return Subscription.objects.filter(user=policy.user, community=community, topic=topic).exists()


def _feed_links(request, community, topic=None):
    from khub_plugin.forums.feeds import feed_links

    return feed_links(request, community, topic)


def _topic(request, community, pk, policy):
    topics = Topic.objects.filter(community=community, pk=pk).select_related(
        "author", "answer", "answer__author", "opening_post", "opening_post__author"
    )
    if policy.is_authenticated:
        # Whether this person follows the topic, in the same query.
        topics = topics.annotate(
            followed=Exists(Subscription.objects.filter(user=policy.user, topic=OuterRef("pk")))
        )
    topic = topics.first()
    if topic is None:
        # A topic moved elsewhere: send people on if they may see it there.
        moved = Topic.objects.filter(pk=pk).select_related("community").first()
        if moved is not None and policy.can_view(moved.community_id) and not moved.is_hidden:
            raise _Moved(moved.get_url(request))
        raise Http404
    if topic.is_hidden and not policy.can_moderate(community):
        raise Http404
    topic.community = community
    return topic


class _Moved(Exception):
    def __init__(self, url):
        self.url = url


def _follow_moves(view):
    """Redirect old links of a moved topic or post to where it lives now."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Moved as moved:
            return redirect(moved.url, permanent=False)

    return wrapper


@_follow_moves
def topic(request, community, pk):
    """One topic: the question, its accepted answer, then the threaded replies, a page at a time."""
    policy = access.for_request(request)
    topic = _topic(request, community, pk, policy)
    replies = (
        Post.objects.filter(topic=topic, is_opening=False).select_related("author").order_by("thread_path")
    )
    page = paginate(request, replies, per_page=khub_settings.FORUM_REPLIES_PER_PAGE)
    opening = topic.opening_post or (
        Post.objects.filter(topic=topic, is_opening=True).select_related("author").first()
    )
    form = ReplyForm()
    return _render_topic(request, community, policy, topic, opening, page, form)


def _render_topic(request, community, policy, topic, opening, page, form, preview="", status=200):
    moderator = policy.can_moderate(community)
    response = _render(
        request,
        community,
        "khub_plugin/forums/topic.html",
        {
            "current": "forum",
            "topic": topic,
            "opening": opening,
            "page_obj": page,
            "querystring": querystring_without_page(request),
            "form": form,
            "preview": preview,
            "can_participate": policy.can_participate(community),
            "can_reply": policy.can_participate(community) and (not topic.is_locked or moderator),
            "can_tag": services.can_tag(policy, topic),
            "can_accept": services.can_accept(policy, topic),
            "user_id": policy.user.pk if policy.is_authenticated else None,
            "following": getattr(topic, "followed", False),
            "tags": list(topic.tagged_items.select_related("tag").order_by("tag__name")),
            "tag_form": TagForm(),
            "feeds": _feed_links(request, community, topic),
        },
    )
    response.status_code = status
    return response


@_follow_moves
def post_permalink(request, community, post_id):
    """A post's permanent address: the page of its topic that shows it, scrolled to it."""
    policy = access.for_request(request)
    post = (
        Post.objects.filter(pk=post_id)
        .only("id", "topic_id", "community_id", "thread_path", "is_opening")
        .first()
    )
    if post is None:
        raise Http404
    if post.community_id != community.pk:
        if policy.can_view(post.community_id):
            moved = CommunityPage.objects.get(pk=post.community_id)
            return redirect(moved.url_for("forum:post", request=request, post_id=post.pk))
        raise Http404
    topic = _topic(request, community, post.topic_id, policy)
    url = topic.get_url(request)
    if post.is_opening:
        return redirect(f"{url}#post-{post.pk}")
    before = Post.objects.filter(topic=topic, is_opening=False, thread_path__lt=post.thread_path).count()
    per_page = page_size(request, khub_settings.FORUM_REPLIES_PER_PAGE)
    page = before // per_page + 1
    params = [f"page={page}"] if page > 1 else []
    if per_page != khub_settings.FORUM_REPLIES_PER_PAGE:
        params.append(f"per_page={per_page}")
    query = f"?{'&'.join(params)}" if params else ""
    return redirect(f"{url}{query}#post-{post.pk}")


# -- posting -------------------------------------------------------------------------------------------------


def _too_fast(request, error, render):
    """HTTP 429 with the form and what was typed, and a plain message: never an error page."""
    response = render(str(error))
    response.status_code = 429
    response["Retry-After"] = str(error.retry_after)
    return response


def new_topic(request, community):
    """Start a topic: title, message (rich text, with a preview) and tags."""
    policy = access.for_request(request)
    if not policy.can_participate(community):
        return _join_first(request, community, policy)
    form = TopicForm(request.POST or None)
    preview = ""

    def render(error=""):
        return _render(
            request,
            community,
            "khub_plugin/forums/topic_form.html",
            {"current": "forum", "form": form, "preview": preview, "limit_error": error},
        )

    if request.method == "POST" and form.is_valid():
        if preview_requested(request):
            preview = preview_html(form)
            return render()
        data = form.cleaned_data
        try:
            topic = services.start_topic(policy, community, data["title"], data["body"], data["tags"])
        except RateLimited as error:
            return _too_fast(request, error, render)
        except services.ForumError as error:
            form.add_error("title", str(error))
        else:
            messages.success(request, _("Your topic has been posted. You will follow its replies."))
            return redirect(topic.get_url(request))
    return render()


def _join_first(request, community, policy):
    if not policy.is_authenticated:  # an anonymous reader of an open forum (KHUB_ALLOW_ANONYMOUS)
        return redirect_to_login(request.get_full_path())
    messages.info(request, _("Join the community to start topics and reply."))
    return redirect(community.get_url(request))


@_follow_moves
def reply(request, community, pk):
    """Reply to the topic or to one post (``?to=``), optionally quoting it (``?quote=``).

    The topic page carries a reply form; this page is where "Reply" and "Quote" links lead, and where a
    preview, a mistake or a rate limit is shown with what was typed.
    """
    policy = access.for_request(request)
    topic = _topic(request, community, pk, policy)
    if not policy.can_participate(community):
        return _join_first(request, community, policy)
    parent = _reply_parent(
        topic, request.POST.get("parent") or request.GET.get("to") or request.GET.get("quote")
    )
    initial = {"parent": parent.pk if parent else None}
    if request.GET.get("quote") and parent is not None:
        initial["body"] = services.quote(parent)
    form = ReplyForm(request.POST or None, initial=initial)
    preview = ""

    def render(error=""):
        return _render(
            request,
            community,
            "khub_plugin/forums/reply_form.html",
            {
                "current": "forum",
                "topic": topic,
                "parent": parent,
                "form": form,
                "preview": preview,
                "limit_error": error,
            },
        )

    if request.method == "POST" and form.is_valid():
        if preview_requested(request):
            preview = preview_html(form)
            return render()
        try:
            post = services.reply(policy, topic, form.cleaned_data["body"], parent=parent)
        except RateLimited as error:
            return _too_fast(request, error, render)
        except NotAllowed:
            refuse(policy, community)
        except services.ForumError as error:
            messages.error(request, str(error))
            return redirect(topic.get_url(request))
        else:
            messages.success(request, _("Your reply has been posted."))
            return redirect(post.get_url(request))
    return render()


def _reply_parent(topic, raw):
    try:
        post_id = int(raw)
    except (TypeError, ValueError):
        return None
    return (
        Post.objects.filter(pk=post_id, topic=topic, is_opening=False, is_hidden=False, is_deleted=False)
        .select_related("author")
        .first()
    )


def _post(request, community, post_id, policy):
    post = Post.objects.filter(pk=post_id, community=community).select_related("author", "topic").first()
    if post is None:
        raise Http404
    post.topic = _topic(request, community, post.topic_id, policy)
    post.community = community
    return post


def edit_post(request, community, post_id):
    """Authors edit their own posts (facilitators any); the earlier version is kept for facilitators."""
    policy = access.for_request(request)
    post = _post(request, community, post_id, policy)
    if not services.can_edit(policy, post):
        refuse(policy, community)
    initial = {"body": post.body, "title": post.topic.title}
    form = EditPostForm(request.POST or None, initial=initial, opening=post.is_opening)
    preview = ""
    if request.method == "POST" and form.is_valid():
        if preview_requested(request):
            preview = preview_html(form)
        else:
            try:
                services.edit_post(policy, post, form.cleaned_data["body"], form.cleaned_data.get("title"))
            except services.ForumError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your changes have been saved."))
                return redirect(post.get_url(request))
    return _render(
        request,
        community,
        "khub_plugin/forums/edit_post.html",
        {"current": "forum", "post": post, "topic": post.topic, "form": form, "preview": preview},
    )


def delete_post(request, community, post_id):
    """Authors delete their own posts after confirming (a soft delete: the thread keeps its shape)."""
    policy = access.for_request(request)
    post = _post(request, community, post_id, policy)
    if not services.can_delete(policy, post):
        refuse(policy, community)
    if request.method == "POST":
        try:
            services.delete_post(policy, post)
        except services.ForumError as error:
            messages.error(request, str(error))
            return redirect(post.get_url(request))
        if post.is_opening:
            messages.success(request, _("Your topic has been deleted."))
            return redirect(community.url_for("forum:index", request=request))
        messages.success(request, _("Your reply has been deleted."))
        return redirect(post.topic.get_url(request))
    return _render(
        request,
        community,
        "khub_plugin/forums/delete_post.html",
        {"current": "forum", "post": post, "topic": post.topic},
    )


def post_history(request, community, post_id):
    """Earlier versions of a post: for facilitators."""
    policy = access.for_request(request)
    post = _post(request, community, post_id, policy)
    if not policy.can_moderate(community):
        refuse(policy, community)
    return _render(
        request,
        community,
        "khub_plugin/forums/post_history.html",
        {
            "current": "forum",
            "post": post,
            "topic": post.topic,
            "revisions": post.revisions.select_related("edited_by")[:100],
        },
    )


# -- answers, tags and following -----------------------------------------------------------------------------


def _act(request, community, action, success, *args, back):
    """Run a forum service and go back to ``back`` (the topic) with a message."""
    return perform(request, community, lambda policy: action(policy, *args), success, back)


@require_POST
def accept_answer(request, community, post_id):
    post = _post(request, community, post_id, access.for_request(request))
    return _act(
        request,
        community,
        services.accept_answer,
        _("Marked as the answer."),
        post,
        back=post.get_url(request),
    )


@require_POST
def clear_answer(request, community, pk):
    topic = _topic(request, community, pk, access.for_request(request))
    return _act(
        request,
        community,
        services.clear_answer,
        _("The topic has no accepted answer now."),
        topic,
        back=topic.get_url(request),
    )


@require_POST
def add_tags(request, community, pk):
    topic = _topic(request, community, pk, access.for_request(request))
    form = TagForm(request.POST)
    names = form.cleaned_data["tags"] if form.is_valid() else []
    return _act(
        request, community, services.set_tags, _("Tags added."), topic, names, back=topic.get_url(request)
    )


@require_POST
def remove_tag(request, community, pk):
    topic = _topic(request, community, pk, access.for_request(request))
    form = RemoveTagForm(request.POST)
    name = form.cleaned_data["tag"] if form.is_valid() else ""
    return _act(
        request, community, services.remove_tag, _("Tag removed."), topic, name, back=topic.get_url(request)
    )


@require_POST
def follow(request, community, pk=None):
    policy = access.for_request(request)
    topic = _topic(request, community, pk, policy) if pk else None
    stop = request.POST.get("stop") == "1"
    action = services.unfollow if stop else services.follow
    if topic is None:
        success = _("You no longer follow this forum.") if stop else _("You now follow this forum.")
        back = community.url_for("forum:index", request=request)
    else:
        success = _("You no longer follow this topic.") if stop else _("You now follow this topic.")
        back = topic.get_url(request)
    return _act(request, community, lambda p, c: action(p, c, topic), success, community, back=back)


# -- moderation ----------------------------------------------------------------------------------------------

TOPIC_ACTIONS = {
    "pin": (services.set_pinned, True, _("Pin this topic"), _("Topic pinned."), False),
    "unpin": (services.set_pinned, False, _("Unpin this topic"), _("Topic unpinned."), False),
    "lock": (services.set_locked, True, _("Lock this topic"), _("Topic locked: no more replies."), False),
    "unlock": (services.set_locked, False, _("Unlock this topic"), _("Topic unlocked."), False),
    "hide": (services.set_topic_hidden, True, _("Hide this topic"), _("Topic hidden."), True),
    "restore": (services.set_topic_hidden, False, _("Restore this topic"), _("Topic restored."), False),
}
POST_ACTIONS = {
    "hide": (services.set_post_hidden, True, _("Hide this reply"), _("Reply hidden."), True),
    "restore": (services.set_post_hidden, False, _("Restore this reply"), _("Reply restored."), False),
}


@_follow_moves
def moderate_topic(request, community, pk, action):
    """Pin, lock, hide or restore a topic: a page asking why, then the action (works without JavaScript)."""
    if action not in TOPIC_ACTIONS:
        raise Http404
    policy = access.for_request(request)
    topic = _topic(request, community, pk, policy)
    if not policy.can_moderate(community):
        refuse(policy, community)
    service, value, heading, success, reason_required = TOPIC_ACTIONS[action]
    return _moderate(
        request,
        community,
        policy,
        service,
        topic,
        value,
        heading,
        success,
        reason_required,
        subject=topic.title,
        back=topic.get_url(request),
    )


def moderate_post(request, community, post_id, action):
    if action not in POST_ACTIONS:
        raise Http404
    policy = access.for_request(request)
    post = _post(request, community, post_id, policy)
    if not policy.can_moderate(community):
        refuse(policy, community)
    service, value, heading, success, reason_required = POST_ACTIONS[action]
    return _moderate(
        request,
        community,
        policy,
        service,
        post,
        value,
        heading,
        success,
        reason_required,
        subject=post.topic.title,
        back=post.get_url(request),
        post=post,
    )


def _moderate(
    request, community, policy, service, target, value, heading, success, reason_required, **context
):
    form = ReasonForm(request.POST or None, required=reason_required)
    if request.method == "POST" and form.is_valid():
        try:
            service(policy, target, value, form.cleaned_data["reason"])
        except services.ForumError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success)
        return redirect(context["back"])
    return _render(
        request,
        community,
        "khub_plugin/forums/moderate.html",
        {"current": "forum", "form": form, "heading": heading, **context},
    )


@_follow_moves
def move_topic(request, community, pk):
    """Move a topic to another community whose forum this facilitator moderates."""
    policy = access.for_request(request)
    topic = _topic(request, community, pk, policy)
    if not policy.can_moderate(community):
        refuse(policy, community)
    candidates = [cid for cid in policy.content_ids() if cid != community.pk and policy.can_moderate(cid)]
    # Tools are a JSON list: filter them in Python (SQLite cannot ask JSON "contains").
    rows = CommunityPage.objects.live().filter(pk__in=candidates).only("id", "tools")
    targets = CommunityPage.objects.filter(pk__in=[c.pk for c in rows if "forum" in c.tools]).order_by(
        "title"
    )
    form = MoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_topic(policy, topic, form.cleaned_data["target"], form.cleaned_data["reason"])
        except services.ForumError as error:
            form.add_error("target", str(error))
        else:
            messages.success(
                request, _("Topic moved to %(name)s.") % {"name": form.cleaned_data["target"].title}
            )
            return redirect(topic.get_url(request))
    return _render(
        request,
        community,
        "khub_plugin/forums/move.html",
        {"current": "forum", "form": form, "topic": topic, "has_targets": targets.exists()},
    )
