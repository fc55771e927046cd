"""Celery tasks: thin wrappers around news.services (arguments are primary keys)."""

from celery import shared_task

from khub_plugin.news import services


@shared_task(name="khub.news.fetch_due_feeds", ignore_result=True)
def fetch_due_feeds():
    """The beat task: enqueue one fetch per source that is due."""
    due = services.due_sources()
    in_process = _in_process()
    for source_id in due:
        if in_process:
            services.refresh(source_id)
        else:
            fetch_feed.delay(source_id)
    return len(due)


# Time limits are a backstop: the fetcher and the parser bound their own work well below them.
@shared_task(
    name="khub.news.fetch_feed", ignore_result=True, acks_late=True, soft_time_limit=60, time_limit=90
)
def fetch_feed(source_id):
    """Fetch one source."""
    source = services.refresh(source_id)
    return None if source is None else source.pk


def _in_process():
    from khub_plugin.common.tasks import runs_in_process

    return runs_in_process(fetch_feed)
