"""Sample feeds the demo serves itself, so news works with no internet and no server beyond the demo."""

from pathlib import Path

from django.http import FileResponse, Http404

FEEDS = {
    "anytown-news.xml": "application/rss+xml",
    "localgov-digital.xml": "application/atom+xml",
}
FEED_DIR = Path(__file__).resolve().parent / "feeds"


def sample_feed(request, name):
    if name not in FEEDS:
        raise Http404
    return FileResponse((FEED_DIR / name).open("rb"), content_type=FEEDS[name])
