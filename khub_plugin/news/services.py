"""Adding, removing and refreshing news sources. Task bodies and views call these plain functions."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from khub_plugin.common import fetch
from khub_plugin.common.tasks import enqueue
from khub_plugin.communities.services import MembershipError, NotAllowed
from khub_plugin.conf import khub_settings
from khub_plugin.news import parsing
from khub_plugin.news.models import FeedItem, FeedSource

logger = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"

#: The longest wait between attempts at a source that keeps failing.
MAX_BACKOFF = timedelta(hours=24)


def add_source(policy, community, name, url):
    """Any member adds a source; it is fetched straight after (in the background where there is a worker)."""
    if not policy.can_participate(community):
        raise NotAllowed
    problem = fetch.url_problem(url)
    if problem:
        raise MembershipError(problem)
    limit = int(khub_settings.NEWS_SOURCES_PER_COMMUNITY or 0)
    try:
        with transaction.atomic():
            if limit:
                # The community's page row, locked: two members adding at once are counted one after the
                # other, so the cap holds (PostgreSQL; SQLite lets one writer in at a time anyway).
                list(Page.objects.select_for_update().filter(pk=community.pk).values_list("pk", flat=True))
                if FeedSource.objects.filter(community=community).count() >= limit:
                    raise MembershipError(
                        _(
                            "This community already follows %(limit)d news sources, the most it can have. "
                            "Ask a facilitator to remove one it no longer needs, then add this one."
                        )
                        % {"limit": limit}
                    )
            source = FeedSource.objects.create(
                community=community, name=name.strip(), url=url.strip(), added_by=policy.user
            )
    except IntegrityError:
        raise MembershipError(_("This community already follows that address.")) from None
    from khub_plugin.news.tasks import fetch_feed

    # If the broker cannot take it, the source is still due (never fetched: next_fetch_at is empty), so the
    # beat task khub.news.fetch_due_feeds fetches it on its next run.
    enqueue(fetch_feed, source.pk)
    return source


def _community_source(policy, community, source_id):
    if not policy.can_moderate(community):
        raise NotAllowed
    source = FeedSource.objects.filter(pk=source_id, community=community).first()
    if source is None:  # another community's source: an id changed in the URL
        raise NotAllowed
    return source


def remove_source(policy, community, source_id):
    """A facilitator removes a source and its items."""
    source = _community_source(policy, community, source_id)
    source.delete()
    return source


def request_refresh(policy, community, source_id):
    """A facilitator asks for a source to be fetched now."""
    source = _community_source(policy, community, source_id)
    schedule_now(source)
    return source


def schedule_now(source):
    from khub_plugin.news.tasks import fetch_feed

    # Due now, so khub.news.fetch_due_feeds fetches it on its next run if the broker cannot take the task.
    FeedSource.objects.filter(pk=source.pk).update(next_fetch_at=timezone.now())
    enqueue(fetch_feed, source.pk)


def due_sources(now=None):
    """Ids of the sources whose next fetch is due (never fetched ones first)."""
    now = now or timezone.now()
    return list(
        FeedSource.objects.filter(next_fetch_at__lte=now)
        .values_list("pk", flat=True)
        .order_by("next_fetch_at")
    ) + list(FeedSource.objects.filter(next_fetch_at__isnull=True).values_list("pk", flat=True))


def refresh(source_id):
    """Fetch one source (conditional GET), store new items, and schedule the next fetch. Never raises for a
    bad feed: the error is kept, in plain words, on the source."""
    source = FeedSource.objects.filter(pk=source_id).first()
    if source is None:
        return None
    now = timezone.now()
    try:
        result = fetch.fetch(
            source.feed_url or source.url,
            etag=source.etag or None,
            last_modified=source.last_modified or None,
            accept=FEED_ACCEPT,
        )
        if result.status == 304:
            _succeeded(source, now, result)
            return source
        if not source.feed_url and parsing.looks_like_html(result.content, result.content_type):
            discovered = parsing.discover_feed_url(result.content, result.url)
            if not discovered:
                raise parsing.FeedParseError(_("That page does not link to a news feed."))
            source.feed_url = discovered
            result = fetch.fetch(discovered)
        feed = parsing.parse_feed(result.content, base_url=result.url, content_type=result.content_type)
    except (fetch.FetchError, parsing.FeedParseError) as error:
        _failed(source, now, error.public_message)
        return source
    except Exception:  # noqa: BLE001 - one broken feed must never stop the others
        logger.exception("Unexpected error refreshing news source %s", source.pk)
        _failed(source, now, _("Something went wrong reading this feed."))
        return source
    if not source.feed_url:
        source.feed_url = result.url
    store_items(source, feed.items, now)
    _succeeded(source, now, result)
    return source


def ingest(source, content, url, content_type=None):
    """Parse feed bytes obtained some other way (an import, demo data) and store them as a fetch would."""
    now = timezone.now()
    try:
        feed = parsing.parse_feed(content, base_url=url, content_type=content_type)
    except parsing.FeedParseError as error:
        _failed(source, now, error.public_message)
        return 0
    source.feed_url = source.feed_url or url
    added = store_items(source, feed.items, now)
    _succeeded(source, now, None)
    return added


def store_items(source, items, now=None):
    """Add items not seen before (by GUID or link) and keep only the newest ``KHUB_NEWS_ITEMS_PER_SOURCE``."""
    now = now or timezone.now()
    known = set(FeedItem.objects.filter(source=source).values_list("guid_hash", flat=True))
    new = []
    for item in items:
        guid_hash = FeedItem.hash_guid(item.guid)
        if guid_hash in known:
            continue
        known.add(guid_hash)
        new.append(
            FeedItem(
                source=source,
                community_id=source.community_id,
                guid_hash=guid_hash,
                guid=item.guid[:1000],
                link=item.link[:1000],
                title=item.title[:300] or _("(untitled)"),
                summary_html=item.summary_html,
                author=(item.author or "")[:200],
                published_at=item.published or now,
            )
        )
    keep = khub_settings.NEWS_ITEMS_PER_SOURCE
    with transaction.atomic():
        FeedItem.objects.bulk_create(new, ignore_conflicts=True)
        stale = (
            FeedItem.objects.filter(source=source)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)[keep:]
        )
        FeedItem.objects.filter(pk__in=list(stale)).delete()
        FeedSource.objects.filter(pk=source.pk).update(
            item_count=FeedItem.objects.filter(source=source).count()
        )
    return len(new)


def _interval(source):
    return timedelta(minutes=source.interval_minutes or khub_settings.NEWS_FETCH_INTERVAL_MINUTES)


def _succeeded(source, now, result):
    etag = getattr(result, "etag", None) or source.etag or ""
    last_modified = getattr(result, "last_modified", None) or source.last_modified or ""
    FeedSource.objects.filter(pk=source.pk).update(
        feed_url=source.feed_url,
        etag=etag[:300],
        last_modified=last_modified[:100],
        last_fetched_at=now,
        last_success_at=now,
        next_fetch_at=now + _interval(source),
        failure_count=0,
        last_error="",
    )


def _failed(source, now, message):
    failures = source.failure_count + 1
    # Exponential back-off: a broken feed is tried less and less often, at most once a day.
    wait = min(_interval(source) * (2 ** min(failures, 10)), MAX_BACKOFF)
    FeedSource.objects.filter(pk=source.pk).update(
        feed_url=source.feed_url,
        last_fetched_at=now,
        next_fetch_at=now + wait,
        failure_count=failures,
        last_error=str(message)[:300],
    )
