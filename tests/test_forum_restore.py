"""Restoring what a facilitator hid undoes the hiding: its entries in What's happening come back at their
first times, once each, and a reply hidden as the accepted answer becomes the answer again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khub_plugin.communities.access import Access
from khub_plugin.communities.models import Activity, ModerationAction
from khub_plugin.forums import services
from khub_plugin.forums.models import Post, Topic
from tests import factories


@pytest.fixture
def forum(directory):
    community = factories.community(directory, "Social Media", "open", tools=["forum"])
    facilitator, member, other = factories.user("fiona"), factories.user("mo"), factories.user("ola")
    factories.membership(community, facilitator, "active", "facilitator")
    factories.membership(community, member, "active")
    factories.membership(community, other, "active")
    return community, facilitator, member, other


def forum_url(community, suffix=""):
    return community.url + "forum/" + suffix


def backdate(topic, days=30):
    """Move a topic, its posts and their entries into the past, a minute apart, as if written back then."""
    start = timezone.now() - timedelta(days=days)
    Topic.objects.filter(pk=topic.pk).update(created_at=start)
    Activity.objects.filter(verb=services.TOPIC_STARTED, target_id=str(topic.pk)).update(created_at=start)
    for i, post in enumerate(topic.posts.order_by("pk"), start=1):
        Post.objects.filter(pk=post.pk).update(created_at=start + timedelta(minutes=i))
        Activity.objects.filter(verb__in=[services.REPLY_POSTED, services.ANSWER_ACCEPTED]).filter(
            target_id=str(post.pk)
        ).update(created_at=start + timedelta(minutes=i))
    topic.refresh_from_db()


def entries(community):
    """What's happening for the community, as comparable tuples, newest first."""
    return [
        (row.verb, row.actor_id, row.target_type.model, row.target_id, row.summary, row.link, row.created_at)
        for row in Activity.objects.filter(community=community).select_related("target_type")
    ]


def hide_and_restore_topic(client, community, topic, times=1):
    client.post(forum_url(community, f"{topic.pk}/hide/"), {"reason": "Personal data"})
    assert not Activity.objects.filter(community=community).exists()
    for _ in range(times):
        client.post(forum_url(community, f"{topic.pk}/restore/"), {"reason": ""})
    topic.refresh_from_db()
    assert not topic.is_hidden


def test_restoring_a_topic_brings_back_its_entries_at_their_first_times(client, forum):
    community, facilitator, member, other = forum
    topic = factories.topic(community, member, "Which tools?")
    kept = services.reply(Access(other), topic, "<p>Trello</p>")
    rude = services.reply(Access(other), topic, "<p>rude</p>")
    withdrawn = services.reply(Access(other), topic, "<p>oops</p>")
    answer = services.reply(Access(facilitator), topic, "<p>Miro</p>")
    services.accept_answer(Access(member), answer)
    services.set_post_hidden(Access(facilitator), rude, True, "Rude")
    services.delete_post(Access(other), Post.objects.get(pk=withdrawn.pk))
    backdate(topic)
    before = entries(community)
    assert [row[0] for row in before] == [
        services.ANSWER_ACCEPTED,
        services.REPLY_POSTED,  # the answer
        services.REPLY_POSTED,  # kept
        services.TOPIC_STARTED,
    ]

    client.force_login(facilitator)
    hide_and_restore_topic(client, community, topic, times=2)  # restoring twice adds nothing

    assert entries(community) == before
    assert not Activity.objects.filter(target_id__in=[str(rude.pk), str(withdrawn.pk)]).exists()
    started = Activity.objects.get(verb=services.TOPIC_STARTED)
    assert started.actor == member and started.created_at == topic.created_at
    assert started.summary == "Which tools?" and started.link == topic.get_url()
    replied = Activity.objects.get(verb=services.REPLY_POSTED, target_id=str(kept.pk))
    assert replied.actor == other and replied.link == kept.get_url()
    assert replied.created_at == Post.objects.get(pk=kept.pk).created_at
    accepted = Activity.objects.get(verb=services.ANSWER_ACCEPTED)
    assert accepted.actor == member and accepted.created_at == Post.objects.get(pk=answer.pk).created_at
    # Older than the topic the member posts now: the restored entries keep their place in the stream.
    factories.topic(community, other, "Fresh topic")
    page = client.get("/khub/whats-happening/").content.decode()
    assert page.index("Fresh topic") < page.index("Which tools?")


def test_restoring_a_topic_that_is_not_hidden_changes_nothing(forum):
    community, facilitator, member, _ = forum
    topic = factories.topic(community, member, "Visible", replies=2)
    answer = topic.posts.filter(is_opening=False).first()
    services.accept_answer(Access(facilitator), answer)  # the facilitator, not the author, accepted it
    before = entries(community)
    services.set_topic_hidden(Access(facilitator), topic, False)
    assert entries(community) == before
    assert Activity.objects.get(verb=services.ANSWER_ACCEPTED).actor == facilitator


def test_restoring_a_topic_removes_entries_written_while_it_was_hidden(forum):
    community, facilitator, member, _ = forum
    topic = factories.topic(community, member, "Hidden for now")
    services.set_topic_hidden(Access(facilitator), topic, True, "Checking")
    note = services.reply(Access(facilitator), topic, "<p>Facilitators' note</p>")
    services.set_topic_hidden(Access(facilitator), topic, False)
    assert Activity.objects.filter(verb=services.REPLY_POSTED, target_id=str(note.pk)).count() == 1
    assert Activity.objects.filter(verb=services.TOPIC_STARTED).count() == 1


def test_restoring_a_reply_brings_back_its_entry(client, forum):
    community, facilitator, member, other = forum
    topic = factories.topic(community, member, "Question")
    reply = services.reply(Access(other), topic, "<p>An idea</p>")
    backdate(topic)
    before = entries(community)
    client.force_login(facilitator)
    client.post(forum_url(community, f"posts/{reply.pk}/hide/"), {"reason": "Off topic"})
    assert not Activity.objects.filter(verb=services.REPLY_POSTED).exists()
    assert ModerationAction.objects.get().action == "hide-post"
    for _ in range(2):
        client.post(forum_url(community, f"posts/{reply.pk}/restore/"), {"reason": ""})
    assert entries(community) == before
    row = Activity.objects.get(verb=services.REPLY_POSTED)
    assert row.actor == other and row.created_at == Post.objects.get(pk=reply.pk).created_at
    topic.refresh_from_db()
    assert topic.reply_count == 1 and topic.answer is None


def test_hiding_the_answer_is_logged_as_such_and_restoring_marks_it_again(client, forum):
    community, facilitator, member, other = forum
    topic = factories.topic(community, member, "GDPR baseline?")
    answer = services.reply(Access(other), topic, "<p>Use the ICO checklist.</p>")
    services.accept_answer(Access(member), answer)
    backdate(topic)
    client.force_login(facilitator)
    client.post(forum_url(community, f"posts/{answer.pk}/hide/"), {"reason": "Personal data"})
    topic.refresh_from_db()
    assert topic.answer is None
    assert ModerationAction.objects.get().action == "hide-answer"
    assert b"hid the accepted answer" in client.get(community.url + "manage/moderation/").content
    assert not Activity.objects.filter(target_id=str(answer.pk)).exists()

    client.post(forum_url(community, f"posts/{answer.pk}/restore/"), {"reason": ""})
    topic.refresh_from_db()
    assert topic.answer_id == answer.pk
    posted = Post.objects.get(pk=answer.pk).created_at
    accepted = Activity.objects.get(verb=services.ANSWER_ACCEPTED)
    assert (accepted.actor, accepted.target_id, accepted.created_at) == (member, str(answer.pk), posted)
    assert accepted.summary == "GDPR baseline?" and accepted.link == answer.get_url()
    assert Activity.objects.get(verb=services.REPLY_POSTED).created_at == posted
    client.post(forum_url(community, f"posts/{answer.pk}/restore/"), {"reason": ""})
    assert Activity.objects.filter(target_id=str(answer.pk)).count() == 2


def test_restoring_the_answer_keeps_an_answer_accepted_meanwhile(forum):
    community, facilitator, member, other = forum
    topic = factories.topic(community, member, "Question")
    first = services.reply(Access(other), topic, "<p>First</p>")
    second = services.reply(Access(other), topic, "<p>Second</p>")
    services.accept_answer(Access(member), first)
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=first.pk), True, "Rude")
    services.accept_answer(Access(member), Post.objects.get(pk=second.pk))
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=first.pk), False)
    topic.refresh_from_db()
    assert topic.answer_id == second.pk
    assert list(
        Activity.objects.filter(verb=services.ANSWER_ACCEPTED).values_list("target_id", flat=True)
    ) == [str(second.pk)]
    assert Activity.objects.filter(verb=services.REPLY_POSTED, target_id=str(first.pk)).count() == 1


def test_only_the_latest_hiding_counts(forum):
    community, facilitator, member, other = forum
    topic = factories.topic(community, member, "Question")
    reply = services.reply(Access(other), topic, "<p>Maybe</p>")
    services.accept_answer(Access(member), reply)
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=reply.pk), True, "Rude")
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=reply.pk), False)
    services.clear_answer(Access(member), Topic.objects.get(pk=topic.pk))  # the author changed their mind
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=reply.pk), True, "Rude again")
    assert ModerationAction.objects.order_by("-id").first().action == "hide-post"
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=reply.pk), False)
    topic.refresh_from_db()
    assert topic.answer is None


def test_restoring_a_reply_inside_a_hidden_topic_waits_for_the_topic(forum):
    community, facilitator, member, other = forum
    topic = factories.topic(community, member, "Question")
    answer = services.reply(Access(other), topic, "<p>Yes</p>")
    services.accept_answer(Access(member), answer)
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=answer.pk), True, "Check")
    services.set_topic_hidden(Access(facilitator), Topic.objects.get(pk=topic.pk), True, "Check")
    services.set_post_hidden(Access(facilitator), Post.objects.get(pk=answer.pk), False)
    assert not Activity.objects.filter(community=community).exists()
    topic.refresh_from_db()
    assert topic.answer_id == answer.pk  # marked again, shown once the topic is back
    services.set_topic_hidden(Access(facilitator), topic, False)
    assert sorted(Activity.objects.values_list("verb", "target_id")) == sorted(
        [
            (services.ANSWER_ACCEPTED, str(answer.pk)),
            (services.REPLY_POSTED, str(answer.pk)),
            (services.TOPIC_STARTED, str(topic.pk)),
        ]
    )


def test_restoring_a_topic_costs_the_same_at_5_and_50_replies(forum):
    community, facilitator, member, other = forum
    authors = [member, other, facilitator] + [factories.user(f"poster{i}") for i in range(4)]
    for person in authors[3:]:
        factories.membership(community, person, "active")
    topics = {}
    for size in (1, 5, 50):
        topic = factories.topic(community, member, f"{size} replies")
        for i in range(size):
            services.reply(Access(authors[i % len(authors)]), topic, f"<p>Reply {i}</p>")
        services.accept_answer(Access(member), topic.posts.filter(is_opening=False).last())
        topics[size] = Topic.objects.get(pk=topic.pk)
        services.set_topic_hidden(Access(facilitator), topics[size], True, "Check")
    policy = Access(facilitator)
    services.set_topic_hidden(policy, topics[1], False)  # warms the caches (content types, site paths)
    counts = {}
    for size in (5, 50):
        topic = Topic.objects.get(pk=topics[size].pk)
        with CaptureQueriesContext(connection) as captured:
            services.set_topic_hidden(policy, topic, False)
        counts[size] = len(captured)
    assert counts[5] == counts[50], counts
    assert Activity.objects.filter(verb=services.REPLY_POSTED).count() == 56
    assert Activity.objects.filter(verb=services.ANSWER_ACCEPTED).count() == 3


def test_record_keeps_the_time_it_is_given(forum):
    from khub_plugin.communities import activity

    community, _, member, _ = forum
    then = timezone.now() - timedelta(days=3)
    row = activity.record(member, services.TOPIC_STARTED, community, summary="Then", at=then)
    now = activity.record(member, services.TOPIC_STARTED, community, summary="Now")
    assert row.created_at == then and Activity.objects.get(pk=row.pk).created_at == then
    assert now.created_at > then
    assert list(Activity.objects.values_list("summary", flat=True)) == ["Now", "Then"]


def test_a_facilitator_replying_in_a_hidden_topic_writes_no_activity_until_it_is_restored(directory):
    community = factories.community(directory, "Quiet", "open", tools=["forum"])
    author, facilitator = factories.user("author"), factories.user("facil")
    factories.membership(community, author, "active")
    factories.membership(community, facilitator, "active", "facilitator")
    topic = factories.topic(community, author, "Taken down for now", replies=1)
    services.set_topic_hidden(Access(facilitator), topic, True, "Checking")
    answer = services.reply(Access(facilitator), topic, "<p>An answer while hidden.</p>")
    services.accept_answer(Access(facilitator), answer)
    assert not Activity.objects.filter(community=community).exists()
    services.set_topic_hidden(Access(facilitator), topic, False)
    verbs = sorted(Activity.objects.filter(community=community).values_list("verb", flat=True))
    assert verbs == sorted(
        [services.TOPIC_STARTED, services.REPLY_POSTED, services.REPLY_POSTED, services.ANSWER_ACCEPTED]
    )


def test_a_topic_its_author_deleted_cannot_be_restored(client, directory):
    community = factories.community(directory, "Tidy", "open", tools=["forum"])
    author, facilitator = factories.user("author"), factories.user("facil")
    factories.membership(community, author, "active")
    factories.membership(community, facilitator, "active", "facilitator")
    topic = factories.topic(community, author, "Posted by mistake")
    services.delete_post(Access(author), topic.opening_post)
    topic.refresh_from_db()
    with pytest.raises(services.ForumError):
        services.set_topic_hidden(Access(facilitator), topic, False)

    client.force_login(facilitator)
    page = client.get(topic.get_url()).content.decode()
    assert "Deleted by its author: it can't be restored" in page
    assert f"{topic.pk}/restore/" not in page
    response = client.post(community.url + f"forum/{topic.pk}/restore/", {"reason": ""}, follow=True)
    assert "Its author deleted this topic, so it can&#x27;t be restored." in response.content.decode()
    assert Topic.objects.get(pk=topic.pk).is_hidden
    assert not Activity.objects.filter(community=community).exists()
