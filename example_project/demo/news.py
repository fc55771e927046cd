"""Demo news: sources that read the sample feeds the demo serves itself, and news panels on the home page."""

from pathlib import Path

from khub_plugin.news import services
from khub_plugin.news.models import FeedSource

FEEDS = Path(__file__).resolve().parent / "feeds"
BASE = "http://127.0.0.1:8000/demo/feeds/"

SOURCES = [
    # (community slug or None for the whole site, name, feed file, content type)
    (None, "Anytown Council news", "anytown-news.xml", "application/rss+xml"),
    ("social-media", "Local government digital (demo)", "localgov-digital.xml", "application/atom+xml"),
    (
        "knowledge-management",
        "Local government digital (demo)",
        "localgov-digital.xml",
        "application/atom+xml",
    ),
]


def seed_news(communities, home, out):
    """Create the demo's news sources (filled from the sample files, so news shows before the server runs)."""
    for slug, name, filename, content_type in SOURCES:
        community = communities[slug] if slug else None
        url = BASE + filename
        source, created = FeedSource.objects.get_or_create(
            community=community, url=url, defaults={"name": name}
        )
        if created:
            services.ingest(source, (FEEDS / filename).read_bytes(), url, content_type)
            out(f"Created news source '{name}' for {community.title if community else 'the whole site'}")
    if not home.panels:
        social = communities["social-media"]
        home.panels = [
            ("news", {"heading": "Council news", "community": None, "count": 3}),
            ("news", {"heading": f"News in {social.title}", "community": social, "count": 3}),
        ]
        home.save_revision().publish()
        out("Added news panels to the home page")
