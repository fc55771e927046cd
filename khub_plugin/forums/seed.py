"""Forum content for ``manage.py khub_seed`` (called by ``khub_plugin.communities.seeding``).

Topics and threaded replies are written in bulk, but every row is what :mod:`khub_plugin.forums.services`
would have stored: ``thread_path``, ``depth`` and ``reply_to_author`` placed as ``services._set_path`` places
them, ``reply_count`` counting the visible replies, ``last_activity_at`` and ``last_author`` from the latest
visible post, ``opening_post`` and ``excerpt`` from the opening post, authors following their topics, and
activity for recent posts.

The shape is skewed as real forums are: one community (the benchmark's) has about an eighth of the topics, a
few topics have hundreds of replies, most have a handful or none. The benchmark's community always has one
topic with exactly 50 replies and one with ``scale.big_topic_replies``, all of them visible.
"""

import datetime
import math

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from khub_plugin.common.richtext import member_html
from khub_plugin.common.sanitize import excerpt
from khub_plugin.forums.models import MAX_DEPTH, PATH_DIGITS, Post, Subscription, TaggedTopic, Topic
from khub_plugin.forums.services import REPLY_POSTED, TOPIC_STARTED

#: Share of all topics in the benchmark's community (the biggest forum).
BENCHMARK_SHARE = 0.125
#: Topics are written this many at a time, each batch in its own transaction.
CHUNK_TOPICS = 2_000
#: The most replies an ordinary topic gets (the designated big topics have more).
ORDINARY_CAP = 450

# fmt: off
SUBJECTS = [
    "the new waste collection contract", "council tax reminders", "adult social care charging",
    "flexible working requests", "the members' allowances review", "our cookie banner",
    "Microsoft 365 rollout", "housing allocations policy", "the local plan consultation",
    "fleet electrification", "a climate action plan", "FOI response times",
    "data protection impact assessments", "the intranet search", "agile working",
    "contact centre call volumes", "the procurement act", "street lighting LEDs", "school transport",
    "ward boundary reviews", "a digital inclusion strategy", "sickness absence", "apprenticeships",
    "the budget consultation", "temporary accommodation costs", "planning validation checklists",
    "web accessibility audits", "cyber incident exercises", "business rates relief", "licensing fees",
    "the councillor induction pack", "webcasting committee meetings", "hybrid meetings", "chatbots",
    "open data publishing", "the customer satisfaction survey", "a shared services partnership",
]
TITLES = [
    "How are other councils handling {}?", "Template wanted: {}", "Lessons learned from {}",
    "Has anyone benchmarked {}?", "Question about {}", "{} — what worked for you?", "Guidance on {}",
    "Looking for a case study on {}", "Update on {}", "Help needed with {}",
    "Anyone else struggling with {}?",
]
TOPIC_TAGS = [
    "digital", "consultation", "policy", "procurement", "data", "accessibility", "budget", "workforce",
    "housing", "climate", "customer service", "members", "governance", "case study", "templates",
    "training", "benchmarking", "cyber", "AI", "partnerships",
]
# fmt: on
SENTENCES = [
    "We tried this last year and the biggest lesson was to involve frontline staff from the start.",
    "Our legal team asked for a data protection impact assessment before we could go ahead.",
    "Happy to share our template if that helps; it has been through two committee cycles.",
    "The numbers looked good on paper but the savings took eighteen months to appear.",
    "We ran a pilot in two wards first, which gave members the confidence to roll it out.",
    "Does anyone have a contact at the supplier who understands local government?",
    "I'd be interested to hear how you measured the impact on residents.",
    "We published the results on our website and the feedback was mostly positive.",
    "Our approach was to start small, learn quickly and write everything down.",
    "The union were supportive once we explained the timetable.",
    "It is worth checking the guidance that was updated in the spring.",
    "We are about to go out to tender, so any advice on the specification is welcome.",
    "Thanks, this is really useful and I will share it with my team.",
    "We found that plain English letters cut the number of calls by a third.",
    "Our scrutiny committee asked the same question, so we wrote a short briefing note.",
    "Could you say more about how you handled the consultation responses?",
    "We have a shared drive of examples from other councils; message me for access.",
    "The key for us was a named officer who owned the process end to end.",
]


def seed(run):
    """Write the forum of every seeded community that has the forum switched on."""
    Forum(run).write()


class _TopicPlan:
    __slots__ = ("community", "created_at", "replies", "clean", "pinned", "locked", "hidden", "id", "title")

    def __init__(self, community, created_at, replies=0):
        self.community = community
        self.created_at = created_at
        self.replies = replies
        self.clean = False  # every reply visible (the benchmark's topics)
        self.pinned = self.locked = self.hidden = False
        self.id = None
        self.title = ""


class Forum:
    def __init__(self, run):
        self.run = run
        self.rng = run.rng
        self.scale = run.scale
        self.forums = [c for c in run.communities if "forum" in c.tools]

    # -- planning ---------------------------------------------------------------------------------------

    def plan(self):
        rng, scale, run = self.rng, self.scale, self.run
        replies_total = scale.posts - scale.topics
        designated = [50, scale.big_topic_replies]
        if not self.forums or run.benchmark not in self.forums:
            return []
        if scale.topics < 4 or replies_total < sum(designated):
            raise ValueError("Not enough topics or posts for the forum's benchmark topics.")

        # Topics per community: the benchmark's gets a fixed share; the rest fall off with rank (Zipf), and
        # about one forum in seven is still empty.
        others = [c for c in self.forums if c is not run.benchmark]
        rng.shuffle(others)
        weights = [0.0 if rng.random() < 0.15 else 1 / (rank + 1) for rank in range(len(others))]
        benchmark_topics = max(4, round(scale.topics * BENCHMARK_SHARE))
        counts = _apportion(scale.topics - benchmark_topics, weights, rng) if others else []
        if not others:
            benchmark_topics = scale.topics
        plans = []
        for community, count in [(run.benchmark, benchmark_topics), *zip(others, counts, strict=True)]:
            for _ in range(count):
                plans.append(_TopicPlan(community, run.moment(community.started_at, recent_bias=1.6)))

        # Replies per topic: the two benchmark topics, a few hot topics, then a long-tailed spread.
        in_benchmark = [p for p in plans if p.community is run.benchmark]
        fifty, big = rng.sample(in_benchmark, 2)
        fifty.replies, big.replies = designated
        fifty.clean = big.clean = True
        # The big one has been going for a while: it started at least 60 days ago where possible.
        big.created_at = min(
            big.created_at, run.moment(run.benchmark.started_at, run.now - datetime.timedelta(days=60))
        )
        rest = [p for p in plans if p not in (fifty, big)]
        remaining = replies_total - sum(designated)
        hot = rng.sample(rest, min(len(rest), scale.topics // 10_000))
        for plan in hot:
            plan.replies = min(remaining, rng.randint(200, ORDINARY_CAP))
            remaining -= plan.replies
        ordinary = [p for p in rest if p not in hot]
        weights = [rng.lognormvariate(0, 1.3) for _ in ordinary]
        for plan, count in zip(ordinary, _apportion(remaining, weights, rng, cap=ORDINARY_CAP), strict=True):
            plan.replies = count

        # Moderation: pinned topics in some forums (three in the benchmark's), locked and hidden ones.
        special = {id(fifty), id(big)}
        for community in self.forums:
            own = [p for p in plans if p.community is community and id(p) not in special]
            pins = 3 if community.is_benchmark else (rng.choice([0, 0, 1, 2]) if own else 0)
            for plan in rng.sample(own, min(pins, len(own))):
                plan.pinned = True
        for plan in rest:
            r = rng.random()
            plan.locked = r < 0.02
            plan.hidden = 0.02 <= r < 0.024 and not plan.pinned
        plans.sort(key=lambda p: p.created_at)
        self.fifty, self.big = fifty, big
        return plans

    # -- writing --------------------------------------------------------------------------------------------

    def write(self):
        run = self.run
        plans = self.plan()
        if not plans:
            run.write("  forum: no seeded community has the forum on; nothing to seed")
            return
        topic_ids = run.loader.reserve_ids(Topic, len(plans))
        for plan, topic_id in zip(plans, topic_ids, strict=True):
            plan.id = topic_id
            plan.title = self.rng.choice(TITLES).format(self.rng.choice(SUBJECTS))
            plan.title = plan.title[0].upper() + plan.title[1:]
        post_ids = run.loader.reserve_ids(Post, self.scale.posts)
        self.tag_ids = run.tags(TOPIC_TAGS)
        self.bodies = self._bodies()
        self.topic_type = ContentType.objects.get_for_model(Topic).pk
        self.post_type = ContentType.objects.get_for_model(Post).pk
        from khub_plugin.communities.models import Activity, CommunityPage

        self.Activity = Activity
        self.routes = CommunityPage()  # only for reverse_subpage: the routes are the same for every community
        self.recent_topics = run.now - datetime.timedelta(days=60)
        self.recent_replies = run.now - datetime.timedelta(days=14)

        counts = {"topics": 0, "posts": 0, "tags": 0, "subscriptions": 0, "activity": 0}
        with run.progress.stage("forum topics and posts") as stage:
            next_post = 0
            for start in range(0, len(plans), CHUNK_TOPICS):
                chunk = plans[start : start + CHUNK_TOPICS]
                rows = {"topics": [], "posts": [], "tags": [], "subscriptions": [], "activity": []}
                for plan in chunk:
                    used = 1 + plan.replies
                    self._topic(plan, post_ids[next_post : next_post + used], rows)
                    next_post += used
                with transaction.atomic(using=run.using):
                    loader = run.loader
                    loader.insert(Topic, rows["topics"])
                    loader.insert(Post, rows["posts"])
                    loader.insert(TaggedTopic, rows["tags"])
                    loader.insert(Subscription, rows["subscriptions"])
                    loader.insert(Activity, rows["activity"])
                for key in counts:
                    counts[key] += len(rows[key])
                stage.add(len(rows["topics"]) + len(rows["posts"]), target=len(plans) + self.scale.posts)
        run.write(
            "    forum: {topics:,} topics, {posts:,} posts, {tags:,} tags, {subscriptions:,} subscriptions, "
            "{activity:,} activity rows".format(**counts)
        )
        run.summary["forum"] = {
            "community": run.benchmark.id,
            "url": run.benchmark.url + self.routes.reverse_subpage("forum:index").lstrip("/"),
            "topic_50": self.fifty.id,
            "topic_big": self.big.id,
            **counts,
        }
        run.summary.setdefault("analyze", []).extend([Topic, Post, TaggedTopic, Subscription])

    def _bodies(self):
        """A pool of message bodies, sanitised as members' messages are, with their excerpts."""
        rng = self.rng
        pool = []
        for _ in range(200):
            paragraphs = [
                " ".join(rng.sample(SENTENCES, rng.randint(1, 4))) for _ in range(rng.choice([1, 1, 2, 3]))
            ]
            html = member_html("".join(f"<p>{p}</p>" for p in paragraphs))
            pool.append((html, excerpt(html, 240)))
        return pool

    def _topic(self, plan, ids, rows):
        rng, run = self.rng, self.run
        community = plan.community
        author = community.pick_author(rng)
        body, topic_excerpt = rng.choice(self.bodies)
        opening = Post(
            id=ids[0],
            topic_id=plan.id,
            community_id=community.id,
            author_id=author,
            parent_id=None,
            reply_to_author="",
            is_opening=True,
            body=body,
            thread_path=str(ids[0]).zfill(PATH_DIGITS),
            depth=0,
            created_at=plan.created_at,
            edited_at=None,
            is_hidden=False,
            is_deleted=False,
        )
        posts = [opening]
        visible = []
        times = self._reply_times(plan)
        for post_id, created_at in zip(ids[1:], times, strict=True):
            replier = community.pick_author(rng)
            hidden = deleted = False
            if not plan.clean:
                r = rng.random()
                hidden, deleted = r < 0.01, 0.01 <= r < 0.015
            parent = rng.choice(visible[-6:]) if visible and rng.random() < 0.45 else None
            # services.reply + services._set_path, exactly.
            own = str(post_id).zfill(PATH_DIGITS)
            if parent is None:
                depth, path, reply_to = 0, own, ""
            else:
                depth = min(parent.depth + 1, MAX_DEPTH)
                path = parent.thread_path[: PATH_DIGITS * depth] + own
                reply_to = run.user_name(parent.author_id) if parent.depth + 1 > MAX_DEPTH else ""
            post = Post(
                id=post_id,
                topic_id=plan.id,
                community_id=community.id,
                author_id=replier,
                parent_id=parent.id if parent else None,
                reply_to_author=reply_to,
                is_opening=False,
                body=rng.choice(self.bodies)[0],
                thread_path=path,
                depth=depth,
                created_at=created_at,
                edited_at=created_at + datetime.timedelta(minutes=rng.randint(2, 90))
                if rng.random() < 0.03
                else None,
                is_hidden=hidden,
                is_deleted=deleted,
            )
            posts.append(post)
            if not (hidden or deleted):
                visible.append(post)
        last = visible[-1] if visible else opening
        answer = None
        if visible and not plan.clean and rng.random() < 0.12:
            answer = rng.choice(visible[:5]).id
        rows["topics"].append(
            Topic(
                id=plan.id,
                community_id=community.id,
                title=plan.title,
                author_id=author,
                created_at=plan.created_at,
                reply_count=len(visible),
                last_activity_at=last.created_at,
                last_author_id=last.author_id,
                excerpt=topic_excerpt,
                opening_post_id=opening.id,
                answer_id=answer,
                is_pinned=plan.pinned,
                is_locked=plan.locked,
                is_hidden=plan.hidden,
            )
        )
        rows["posts"].extend(posts)
        if rng.random() < 0.3:
            for name in rng.sample(TOPIC_TAGS, rng.choice([1, 1, 2, 3])):
                rows["tags"].append(
                    TaggedTopic(tag_id=self.tag_ids[name], content_object_id=plan.id, tagged_by_id=author)
                )
        rows["subscriptions"].append(
            Subscription(
                user_id=author, community_id=community.id, topic_id=plan.id, created_at=plan.created_at
            )
        )
        if plan.hidden or not community.url:
            return
        Activity = self.Activity
        if plan.created_at >= self.recent_topics:
            link = community.url + self.routes.reverse_subpage("forum:topic", kwargs={"pk": plan.id}).lstrip(
                "/"
            )
            rows["activity"].append(
                Activity(
                    actor_id=author,
                    verb=TOPIC_STARTED,
                    community_id=community.id,
                    target_type_id=self.topic_type,
                    target_id=str(plan.id),
                    summary=plan.title[:300],
                    link=link[:500],
                    created_at=plan.created_at,
                )
            )
        for post in visible:
            if post.created_at >= self.recent_replies:
                route = self.routes.reverse_subpage("forum:post", kwargs={"post_id": post.id}).lstrip("/")
                rows["activity"].append(
                    Activity(
                        actor_id=post.author_id,
                        verb=REPLY_POSTED,
                        community_id=community.id,
                        target_type_id=self.post_type,
                        target_id=str(post.id),
                        summary=plan.title[:300],
                        link=(community.url + route)[:500],
                        created_at=post.created_at,
                    )
                )

    def _reply_times(self, plan):
        """Increasing moments after the topic started: a burst, then a tail (never in the future)."""
        n = plan.replies
        if not n:
            return []
        rng, now = self.rng, self.run.now
        available = max((now - plan.created_at).total_seconds() - 60, n)
        span = min(available, rng.expovariate(1 / (86_400 * (2 + n / 4))))
        span = max(span, min(available, 60 * n))
        offsets = sorted(rng.random() ** 1.8 * span for _ in range(n))
        start = plan.created_at + datetime.timedelta(seconds=30)
        return [
            start + datetime.timedelta(seconds=offset, microseconds=i) for i, offset in enumerate(offsets)
        ]


def _apportion(total, weights, rng, cap=None):
    """Split ``total`` into integers proportional to ``weights`` (each at most ``cap``), summing to ``total``
    whenever the cap allows."""
    count = len(weights)
    if not count:
        return []
    weight_sum = sum(weights) or 1.0
    shares = [total * w / weight_sum for w in weights]
    result = [math.floor(s) for s in shares]
    if cap is not None:
        result = [min(r, cap) for r in result]
    left = total - sum(result)
    candidates = [i for i, w in enumerate(weights) if w > 0] or list(range(count))
    while left > 0:
        open_ = [i for i in candidates if cap is None or result[i] < cap]
        if not open_:
            break
        for i in rng.sample(open_, min(left, len(open_))):
            result[i] += 1
            left -= 1
    return result


def unseed(community_ids, using="default"):
    """Remove the forum content of these communities quickly (raw deletes, children first). Returns rows."""
    from khub_plugin.forums.models import PostRevision

    deleted = 0
    with transaction.atomic(using=using):
        for model in (Post, Topic):
            _drop_from_search_index(model, model.objects.filter(community_id__in=community_ids), using)
        deleted += (
            TaggedTopic.objects.filter(content_object__community_id__in=community_ids)._raw_delete(using) or 0
        )
        deleted += Subscription.objects.filter(community_id__in=community_ids)._raw_delete(using) or 0
        deleted += PostRevision.objects.filter(post__community_id__in=community_ids)._raw_delete(using) or 0
        Topic.objects.filter(community_id__in=community_ids).update(answer=None)
        deleted += Post.objects.filter(community_id__in=community_ids)._raw_delete(using) or 0
        deleted += Topic.objects.filter(community_id__in=community_ids)._raw_delete(using) or 0
    return deleted


def _drop_from_search_index(model, queryset, using):
    """Remove these rows' entries from Wagtail's database search backend (``update_index`` may have added
    them); one statement on PostgreSQL, instead of one call per object. Other backends are rebuilt by
    ``update_index``."""
    from django.apps import apps
    from django.db import connections
    from django.db.models import CharField
    from django.db.models.functions import Cast

    if not apps.is_installed("wagtail.search"):
        return
    from wagtail.search.models import IndexEntry

    entries = IndexEntry.objects.using(using).filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=queryset.annotate(key=Cast("pk", output_field=CharField())).values("key"),
    )
    if connections[using].vendor == "postgresql":
        entries._raw_delete(using)
    else:
        entries.delete()  # SQLite keeps a full-text row beside each entry: let Django delete both
