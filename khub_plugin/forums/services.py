"""Everything that changes a forum goes through these functions (views, the demo and the seed call them).

Each takes the :class:`~khub_plugin.communities.access.Access` of the person acting and checks it first. They
raise :class:`~khub_plugin.communities.services.NotAllowed` when the person may not act at all (a 403 or 404),
:class:`ForumError` when the action breaks a rule the person should be told about, and
:class:`~khub_plugin.common.ratelimit.RateLimited` when they post too fast. Counters move with ``F()`` in the
same transaction; activity and the moderation log are written by explicit calls.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from khub_plugin.common import names, ratelimit
from khub_plugin.common.richtext import member_html
from khub_plugin.common.sanitize import clean_text, excerpt
from khub_plugin.communities import activity, moderation
from khub_plugin.communities.models import Membership, ModerationAction
from khub_plugin.communities.services import MembershipError, NotAllowed
from khub_plugin.forums.models import MAX_DEPTH, PATH_DIGITS, Post, PostRevision, Subscription, Topic
from khub_plugin.forums.signals import post_created

TOPIC_STARTED = "topic-started"
REPLY_POSTED = "reply-posted"
ANSWER_ACCEPTED = "answer-accepted"

#: The most tags one topic may carry, and their longest name.
MAX_TAGS, MAX_TAG_LENGTH = 10, 50


class ForumError(MembershipError):
    """The action breaks a forum rule; the message says which, in words for the person acting."""


# -- posting -------------------------------------------------------------------------------------------------


def check_rate(policy):
    """Raise ``RateLimited`` if the person may not post again yet (site moderators are exempt)."""
    if policy.is_moderator:
        return
    ratelimit.check(Post.objects.filter(author=policy.user).values_list("created_at", flat=True))


def start_topic(policy, community, title, body, tags=()):
    """A member starts a topic; they follow it from then on."""
    if not policy.can_participate(community):
        raise NotAllowed
    check_rate(policy)
    title = clean_text(title)[:200]
    if not title:
        raise ForumError(_("Enter a title."))
    body = member_html(body)
    now = timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            community=community,
            title=title,
            author=policy.user,
            last_activity_at=now,
            last_author=policy.user,
            excerpt=excerpt(body, 240),
        )
        post = Post.objects.create(
            topic=topic, community=community, author=policy.user, is_opening=True, body=body
        )
        _set_path(post, None)
        # The post's own time, not ``now``: last activity is the newest visible post's time (``recount``).
        Topic.objects.filter(pk=topic.pk).update(opening_post=post, last_activity_at=post.created_at)
        topic.last_activity_at = post.created_at
        topic.opening_post = post
        set_tags(policy, topic, tags)
        Subscription.objects.get_or_create(user=policy.user, community=community, topic=topic)
        activity.record(policy.user, TOPIC_STARTED, community, topic, summary=title, link=topic.get_url())
        transaction.on_commit(lambda: post_created.send_robust(Post, post=post, actor=policy.user))
    return topic


def reply(policy, topic, body, parent=None):
    """A member replies to the topic, or to one of its posts (``parent``); they then follow the topic."""
    community = topic.community
    if not policy.can_participate(community) or (topic.is_hidden and not policy.can_moderate(community)):
        raise NotAllowed
    if topic.is_locked and not policy.can_moderate(community):
        raise ForumError(_("This topic is locked: no more replies can be added."))
    if parent is not None and (parent.topic_id != topic.pk or not parent.is_visible or parent.is_opening):
        # Replying to the opening post is replying to the topic.
        parent = None
    check_rate(policy)
    body = member_html(body)
    with transaction.atomic():
        post = Post.objects.create(
            topic=topic,
            community=community,
            author=policy.user,
            parent=parent,
            body=body,
            reply_to_author=_display_name(parent.author) if parent is not None else "",
        )
        _set_path(post, parent)
        Topic.objects.filter(pk=topic.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=post.created_at, last_author=policy.user
        )
        Subscription.objects.get_or_create(user=policy.user, community=community, topic=topic)
        if not topic.is_hidden:  # a facilitator's reply in a hidden topic: restoring the topic records it
            activity.record(
                policy.user, REPLY_POSTED, community, post, summary=topic.title, link=post.get_url()
            )
        transaction.on_commit(lambda: post_created.send_robust(Post, post=post, actor=policy.user))
    return post


def _set_path(post, parent):
    """Place the post in its thread: under its parent, or beside it below MAX_DEPTH (then flattened)."""
    own = str(post.pk).zfill(PATH_DIGITS)
    if parent is None:
        post.depth, post.thread_path = 0, own
    else:
        post.depth = min(parent.depth + 1, MAX_DEPTH)
        # A reply beyond MAX_DEPTH sits beside its parent, at the same depth, in time order.
        prefix = parent.thread_path[: PATH_DIGITS * post.depth]
        post.thread_path = prefix + own
        if parent.depth + 1 <= MAX_DEPTH:
            post.reply_to_author = ""  # indentation says whom it answers
    Post.objects.filter(pk=post.pk).update(
        thread_path=post.thread_path, depth=post.depth, reply_to_author=post.reply_to_author
    )


def _display_name(user):
    if user is None:
        return _("a former member")
    return names.display_name(user)


def quote(post):
    """The HTML a reply starts with when it quotes ``post``: its text in a blockquote, with its author."""
    if not post.is_visible:
        return ""
    text = Truncator(clean_text(post.body)).words(120)
    return member_html(
        f"<blockquote><p>{_escape(text)}</p><p>— {_escape(_display_name(post.author))}</p></blockquote>"
        "<p></p>"
    )


def _escape(text):
    from django.utils.html import escape

    return escape(text)


# -- editing and deleting one's own posts --------------------------------------------------------------------


def can_edit(policy, post):
    """Authors edit their own visible posts while they may take part; facilitators edit any post."""
    community = post.community
    if policy.can_moderate(community):
        return True
    return (
        policy.can_participate(community)
        and post.author_id == policy.user.pk
        and post.is_visible
        and not post.topic.is_locked
    )


def edit_post(policy, post, body, title=None):
    """Change a post (and the topic's title, for the opening post); the earlier version is kept."""
    if not can_edit(policy, post):
        raise NotAllowed
    body = member_html(body)
    topic = post.topic
    new_title = clean_text(title)[:200] if title is not None and post.is_opening else None
    if post.is_opening and title is not None and not new_title:
        raise ForumError(_("Enter a title."))
    with transaction.atomic():
        PostRevision.objects.create(
            post=post, body=post.body, title=topic.title if post.is_opening else "", edited_by=policy.user
        )
        post.body = body
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "edited_at"])
        if post.is_opening:
            topic.excerpt = excerpt(body, 240)
            if new_title and new_title != topic.title:
                topic.title = new_title
                # The stream quotes the title: a corrected title must not live on there.
                activity.targets(Topic, [topic.pk]).update(summary=new_title[:300])
                activity.targets(Post, topic.posts.values_list("pk", flat=True)).update(
                    summary=new_title[:300]
                )
            topic.save(update_fields=["excerpt", "title"])
    return post


def can_delete(policy, post):
    """Only authors delete, their own visible posts; facilitators hide instead, which asks for a reason and is
    logged, so members are never told "deleted by its author" about a facilitator's decision."""
    return (
        policy.can_participate(post.community)
        and post.author_id == policy.user.pk
        and post.is_visible
        and not post.topic.is_locked
    )


def delete_post(policy, post):
    """Authors delete their own posts (kept, marked deleted); deleting the opening post deletes the topic."""
    if not can_delete(policy, post):
        raise NotAllowed
    if post.is_opening and post.topic.reply_count:
        raise ForumError(
            _(
                "Others have replied to this topic, so it can't be deleted. "
                "You can edit it, or ask a facilitator."
            )
        )
    with transaction.atomic():
        if post.is_opening:
            _set_topic_hidden(
                policy, post.topic, True, reason=_("Deleted by its author"), action="delete-topic"
            )
            Post.objects.filter(pk=post.pk).update(is_deleted=True)
            _reindex(post)
            return post
        _set_post_flag(post, is_deleted=True)
        activity.targets(Post, [post.pk]).delete()
    return post


# -- answers -------------------------------------------------------------------------------------------------


def can_accept(policy, topic):
    return policy.can_moderate(topic.community) or (
        policy.can_participate(topic.community) and topic.author_id == policy.user.pk
    )


def accept_answer(policy, post):
    """The topic's author or a facilitator marks a reply as the accepted answer."""
    topic = post.topic
    if not can_accept(policy, topic):
        raise NotAllowed
    if post.is_opening or not post.is_visible:
        raise ForumError(_("Only a visible reply can be the answer."))
    with transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(answer=post)
        topic.answer = post
        if not topic.is_hidden:  # What's happening must not quote a hidden topic; restoring records it
            activity.record(
                policy.user, ANSWER_ACCEPTED, topic.community, post, summary=topic.title, link=post.get_url()
            )
    return post


def clear_answer(policy, topic):
    if not can_accept(policy, topic):
        raise NotAllowed
    Topic.objects.filter(pk=topic.pk).update(answer=None)
    topic.answer = None
    return topic


# -- tags (a folksonomy: any member may tag any topic) -------------------------------------------------------


def parse_tags(text):
    """Tag names from what a member typed: comma-separated, plain text, de-duplicated, bounded."""
    names = []
    for raw in str(text or "").split(","):
        name = clean_text(raw)[:MAX_TAG_LENGTH].strip()
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names[:MAX_TAGS]


def can_tag(policy, topic):
    """Members tag the topics they can read; a locked or hidden topic's tags change only by facilitators."""
    if policy.can_moderate(topic.community):
        return True
    return policy.can_participate(topic.community) and not topic.is_locked and not topic.is_hidden


def set_tags(policy, topic, names):
    """Add tags to a topic, recording who added them. Existing tags are kept."""
    if not policy.can_participate(topic.community):
        raise NotAllowed
    if not can_tag(policy, topic):
        raise ForumError(_("This topic is locked: its tags can't be changed."))
    existing = {name.lower() for name in topic.tags.values_list("name", flat=True)}
    names = [name for name in names if name and name.lower() not in existing]
    if len(existing) + len(names) > MAX_TAGS:
        raise ForumError(
            _("A topic can have at most %(count)d tags. Remove one before adding another.")
            % {"count": MAX_TAGS}
        )
    if names:
        topic.tags.add(*names, through_defaults={"tagged_by": policy.user})
    return topic


def remove_tag(policy, topic, name):
    """Whoever added a tag, or a facilitator, removes it; a facilitator removing another's tag is logged."""
    tagged = topic.tagged_items.filter(tag__name=name).first()
    if tagged is None:
        return topic
    own = tagged.tagged_by_id == policy.user.pk
    if not (policy.can_moderate(topic.community) or (policy.can_participate(topic.community) and own)):
        raise NotAllowed
    if not can_tag(policy, topic):
        raise ForumError(_("This topic is locked: its tags can't be changed."))
    with transaction.atomic():
        tagged.delete()
        if not own:
            moderation.log(policy.user, "remove-tag", topic.community, topic, label=f"{topic.title} ({name})")
    return topic


# -- following -----------------------------------------------------------------------------------------------


def follow(policy, community, topic=None):
    if not policy.is_authenticated or not policy.can_view(community):
        raise NotAllowed
    Subscription.objects.get_or_create(user=policy.user, community=community, topic=topic)


def unfollow(policy, community, topic=None):
    if not policy.is_authenticated:
        raise NotAllowed
    Subscription.objects.filter(user=policy.user, community=community, topic=topic).delete()


# -- moderation (facilitators and site moderators; every action logged with a reason) ------------------------


def _moderate(policy, community):
    if not policy.can_moderate(community):
        raise NotAllowed


def _set_topic_flag(policy, topic, field, value, action, reason):
    """Set one moderation flag of a topic and log ``action`` (or its ``un``-form when clearing it)."""
    _moderate(policy, topic.community)
    with transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(**{field: value})
        setattr(topic, field, value)
        moderation.log(policy.user, action if value else f"un{action}", topic.community, topic, reason)
    return topic


def set_pinned(policy, topic, pinned, reason=""):
    return _set_topic_flag(policy, topic, "is_pinned", pinned, "pin", reason)


def set_locked(policy, topic, locked, reason=""):
    return _set_topic_flag(policy, topic, "is_locked", locked, "lock", reason)


def set_topic_hidden(policy, topic, hidden, reason=""):
    """A facilitator hides a topic from members, or restores it with its entries in What's happening."""
    _moderate(policy, topic.community)
    if not hidden and was_deleted_by_author(topic):
        # The author took it down themselves: putting it back under their name is not a facilitator's call.
        raise ForumError(_("Its author deleted this topic, so it can't be restored."))
    with transaction.atomic():
        _set_topic_hidden(policy, topic, hidden, reason, "hide-topic" if hidden else "restore-topic")
    return topic


def was_deleted_by_author(topic):
    """Whether the topic's author deleted it (its opening post is marked deleted)."""
    return Post.objects.filter(topic=topic, is_opening=True, is_deleted=True).exists()


def _set_topic_hidden(policy, topic, hidden, reason, action):
    changed = Topic.objects.filter(pk=topic.pk).exclude(is_hidden=hidden).update(is_hidden=hidden)
    topic.is_hidden = hidden
    if hidden:
        # What's happening must not go on quoting the title of a topic taken down.
        activity.targets(Topic, [topic.pk]).delete()
        activity.targets(Post, topic.posts.values_list("pk", flat=True)).delete()
    elif changed:
        # Only when it was hidden: restoring a visible topic leaves its entries as they are (who accepted).
        _restore_topic_activity(topic)
    moderation.log(policy.user, action, topic.community, topic, reason)
    _reindex(topic)


def _restore_topic_activity(topic):
    """Write again the stream entries hiding the topic removed, at their first times, in a few queries
    whatever the number of replies: the topic, its visible replies and its accepted answer."""
    community = topic.community
    posts = list(
        topic.posts.select_related("author")  # each entry names its author
        .only("created_at", "is_opening", "is_hidden", "is_deleted", "author", "topic")
        .order_by("created_at", "pk")
    )
    # Replies hidden or deleted before the topic was (or since) stay out of the stream.
    replies = [post for post in posts if not post.is_opening and post.is_visible]
    # Rows written while the topic was hidden (a facilitator may reply) would otherwise appear twice.
    activity.targets(Topic, [topic.pk]).delete()
    activity.targets(Post, [post.pk for post in posts]).delete()
    rows = [
        activity.build(
            topic.author,
            TOPIC_STARTED,
            community,
            topic,
            summary=topic.title,
            link=topic.get_url(),
            at=topic.created_at,
        )
    ]
    for post in replies:
        post.community = community  # for its link, without a query per reply
        rows.append(_reply_activity(post, topic))
    answer = next((post for post in replies if post.pk == topic.answer_id), None)
    if answer is not None:
        rows.append(_answer_activity(answer, topic))
    activity.record_many(rows)


def _reply_activity(post, topic):
    """The "replied to" entry of a reply, as :func:`reply` writes it, at the time it was posted."""
    return _post_entry(post.author, REPLY_POSTED, post, topic)


def _answer_activity(post, topic):
    """The "accepted an answer" entry, written again after hiding took it away.

    Who accepted the answer, and when, went with the deleted entry. The topic's author is the usual one (a
    facilitator may do it too), and the answer's own time is the best time left: it keeps the entry next to
    the reply it is about (just above it, being written after it).
    """
    return _post_entry(topic.author, ANSWER_ACCEPTED, post, topic)


def _post_entry(actor, verb, post, topic):
    return activity.build(
        actor, verb, topic.community, post, summary=topic.title, link=post.get_url(), at=post.created_at
    )


def set_post_hidden(policy, post, hidden, reason=""):
    """A facilitator hides a reply from members, or restores it with its entry in What's happening (and its
    mark as the accepted answer, if hiding took that away)."""
    _moderate(policy, post.community)
    if post.is_opening:
        return set_topic_hidden(policy, post.topic, hidden, reason)
    topic = post.topic
    with transaction.atomic():
        was_hidden = post.is_hidden
        # Hiding the answer takes the mark away; the log says so, and restoring reads it back from there.
        was_answer = topic.answer_id == post.pk
        _set_post_flag(post, is_hidden=hidden)
        if hidden:
            activity.targets(Post, [post.pk]).delete()
            action = "hide-answer" if was_answer else "hide-post"
        else:
            action = "restore-post"
            if was_hidden and post.is_visible:
                _restore_post_activity(post, topic)
        moderation.log(
            policy.user,
            action,
            post.community,
            post,
            reason,
            label=_("Reply by %(name)s in “%(title)s”")
            % {"name": _display_name(post.author), "title": topic.title},
        )
    return post


def _restore_post_activity(post, topic):
    """Give a restored reply back its entry in What's happening and, when it was hidden as the accepted answer
    and no other answer has been accepted since, that mark and its entry."""
    rows = []
    if not topic.is_hidden:  # otherwise restoring the topic writes them all
        rows.append(_reply_activity(post, topic))
    last_hide = (
        ModerationAction.objects.filter(
            target_type=ContentType.objects.get_for_model(Post),
            target_id=str(post.pk),
            action__in=("hide-post", "hide-answer"),
        )
        .order_by("-created_at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    # The filter on answer makes it a no-op when another answer was accepted meanwhile, even concurrently.
    if last_hide == "hide-answer" and Topic.objects.filter(pk=topic.pk, answer=None).update(answer=post):
        topic.answer = post
        if not topic.is_hidden:
            rows.append(_answer_activity(post, topic))
    # Never two entries for one reply, should one have been written meanwhile.
    if rows:
        activity.targets(Post, [post.pk]).filter(verb__in=[row.verb for row in rows]).delete()
        activity.record_many(rows)


def _set_post_flag(post, **flags):
    """Hide, restore or delete a reply, keeping the topic's reply count and answer right."""
    was_visible = post.is_visible
    for name, value in flags.items():
        setattr(post, name, value)
    Post.objects.filter(pk=post.pk).update(**flags)
    delta = int(post.is_visible) - int(was_visible)
    topic_changes = {}
    if delta:
        # Last activity follows the newest post members can still see, as ``recount`` computes it.
        topic_changes["reply_count"] = F("reply_count") + delta
        topic_changes["last_activity_at"] = Coalesce(
            Subquery(_newest_visible_post().values("created_at")[:1]), F("last_activity_at")
        )
        topic_changes["last_author"] = Subquery(_newest_visible_post().values("author_id")[:1])
    if not post.is_visible and post.topic.answer_id == post.pk:
        topic_changes["answer"] = None
        post.topic.answer = None
    if topic_changes:
        Topic.objects.filter(pk=post.topic_id).update(**topic_changes)
    _reindex(post)


def move_topic(policy, topic, target, reason=""):
    """Move a topic to another community the person also moderates, with its posts, tags and activity."""
    source = topic.community
    _moderate(policy, source)
    if target.pk == source.pk:
        raise ForumError(_("The topic is already in %(name)s.") % {"name": source.title})
    if not policy.can_moderate(target) or "forum" not in target.tools:
        raise ForumError(_("You can only move a topic to a community whose forum you moderate."))
    with transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(community=target)
        topic.posts.update(community=target)
        # Activity follows the content, so it is shown only to those who may now see it.
        new_link = Replace("link", Value(source.get_url()), Value(target.get_url()))
        activity.targets(Topic, [topic.pk]).update(community=target, link=new_link)
        activity.targets(Post, topic.posts.values_list("pk", flat=True)).update(
            community=target, link=new_link
        )
        # Followers who are not members of the new community would follow something they cannot see.
        members = Membership.objects.filter(community=target, state=Membership.State.ACTIVE)
        Subscription.objects.filter(topic=topic).exclude(user__in=members.values("user")).delete()
        Subscription.objects.filter(topic=topic).update(community=target)
        topic.community = target
        moderation.log(policy.user, "move", source, topic, reason, label=f"{topic.title} → {target.title}")
        moderation.log(policy.user, "move", target, topic, reason, label=f"{source.title} → {topic.title}")
    _reindex(topic)
    _reindex_many(Post, topic.posts.values_list("pk", flat=True))
    return topic


def _reindex(obj):
    """Bring the search index in line with ``obj`` once the transaction commits (:func:`_reindex_many`)."""
    _reindex_many(type(obj), [obj.pk])


def _reindex_many(model, pks):
    """Once the transaction commits, add or update in every auto-updated search backend the rows of ``model``
    that should be indexed (``model.get_indexed_objects()``: visible posts, all topics) and remove the others.

    Needed where a change bypasses ``save()`` (``.update()``: hide, restore, delete, move), whose post_save
    signal Wagtail search listens to. The database backends filter on the live rows anyway; Elasticsearch and
    OpenSearch keep their own copy of the filter fields (``community_id``, ``is_hidden``...), so this keeps
    them right. One query and one bulk call per backend however many rows (a moved topic). Errors are
    logged, never raised: the change is already committed, and ``manage.py update_index`` repairs the index.
    """
    import logging

    from wagtail.search.backends import get_search_backends_with_name

    pks = list(pks)
    if not pks:
        return

    def update():
        fresh = list(model.get_indexed_objects().filter(pk__in=pks))
        gone = set(pks) - {obj.pk for obj in fresh}
        for name, backend in get_search_backends_with_name(with_auto_update=True):
            try:
                if fresh:
                    backend.add_bulk(model, fresh)
                for pk in gone:
                    backend.delete(model(pk=pk))
            except Exception:
                logging.getLogger(__name__).exception(
                    "Could not update %s %s in the search backend '%s'", model.__name__, pks, name
                )

    transaction.on_commit(update)


# -- counters ------------------------------------------------------------------------------------------------


def _newest_visible_post():
    """The topic's newest post that members can see, for a subquery on ``Topic`` (``OuterRef("pk")``)."""
    return Post.objects.filter(topic=OuterRef("pk"), is_hidden=False, is_deleted=False).order_by(
        "-created_at", "-id"
    )


def recount(topic_ids=None):
    """Recompute the denormalised counters of topics (all of them by default). Returns how many changed."""
    topics = Topic.objects.all() if topic_ids is None else Topic.objects.filter(pk__in=topic_ids)
    visible = Q(posts__is_opening=False, posts__is_hidden=False, posts__is_deleted=False)
    latest = _newest_visible_post()
    changed = 0
    for row in topics.annotate(
        real_count=Count("posts", filter=visible),
        real_last=Subquery(latest.values("created_at")[:1]),
        real_author=Subquery(latest.values("author_id")[:1]),
    ).iterator(chunk_size=2000):
        fields = {}
        if row.reply_count != row.real_count:
            fields["reply_count"] = row.real_count
        if row.real_last and row.last_activity_at != row.real_last:
            fields["last_activity_at"] = row.real_last
        if row.real_author != row.last_author_id:
            fields["last_author_id"] = row.real_author
        if fields:
            Topic.objects.filter(pk=row.pk).update(**fields)
            changed += 1
    return changed
