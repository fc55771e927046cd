"""``manage.py khub_recount``: recompute the forum's denormalised counters (replies, last activity)."""

from django.core.management.base import BaseCommand

from khub_plugin.forums import services


class Command(BaseCommand):
    help = "Recompute each forum topic's reply count, last activity and last author from its posts."

    def add_arguments(self, parser):
        parser.add_argument("--topic", type=int, action="append", help="Only this topic (repeatable).")

    def handle(self, *args, topic=None, **options):
        changed = services.recount(topic)
        self.stdout.write(f"{changed} topic(s) corrected.")
