"""``manage.py khub_seed --scale small|large``: fill a development database with seeded communities.

See docs/benchmarks.md. Everything seeded is namespaced (a "Seeded communities" directory page, users named
``seed-…`` at ``seed.example``), so the command never touches real data; it refuses to run twice unless
``--force`` is given, which removes the earlier seed first.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from khub_plugin.communities import seeding


class Command(BaseCommand):
    help = (
        "Seed communities, users, memberships and (for installed features such as the forum) their content, "
        "for development and benchmarks. small: about 20 communities and 10,000 posts; large: 1,000 "
        "communities, 100,000 users, 300,000 memberships, 50,000 topics and 500,000 posts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(seeding.SCALES),
            default="small",
            metavar="{small,large}",
            help="How much to create (default: small).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed gives the same data."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Remove what an earlier khub_seed created, then seed again.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        # Overrides of the scale's numbers (for tests and experiments).
        for name in (
            "communities",
            "network-children",
            "users",
            "memberships",
            "topics",
            "posts",
            "big-topic-replies",
        ):
            parser.add_argument(f"--{name}", type=int, default=None, help=f"Override the scale's {name}.")

    def handle(self, *args, **options):
        scale = seeding.SCALES[options["scale"]]
        overrides = {
            name: options[name]
            for name in (
                "communities",
                "network_children",
                "users",
                "memberships",
                "topics",
                "posts",
                "big_topic_replies",
            )
            if options.get(name) is not None
        }
        if overrides:
            scale = seeding.Scale(**{**scale.__dict__, **overrides})
        using = options["database"]
        write = self._writer()
        if seeding.already_seeded():
            if not options["force"]:
                raise CommandError(
                    "This database has already been seeded (a 'Seeded communities' page or seed-… users "
                    "exist). Run with --force to remove the earlier seed and seed again."
                )
            seeding.unseed(write=write, using=using)
        start = time.perf_counter()
        try:
            run = seeding.SeedRun(scale, seed=options["seed"], write=write, using=using).run()
        except seeding.SeedError as error:
            raise CommandError(str(error)) from error
        self._report(run, time.perf_counter() - start, connections[using].vendor)

    def _writer(self):
        def write(line):
            self.stdout.write(line)
            self.stdout.flush()

        return write

    def _report(self, run, seconds, vendor):
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS(f"khub_seed finished in {seconds:.1f} s."))
        index_url = run.communities[0].url.rsplit("/", 2)[0] + "/" if run.communities else ""
        write(f"Communities: {index_url}  (the directory page 'Seeded communities')")
        write(
            f"Sign in as {seeding.login_name(seeding.MEMBER_USERNAME)} (a member) or "
            f"{seeding.login_name(seeding.FACILITATOR_USERNAME)} "
            f"(a facilitator), password {seeding.SEED_PASSWORD!r}: seeded data only."
        )
        forum = run.summary.get("forum")
        if forum:
            write(
                f"Biggest forum: {forum['url']}  (topic with 50 replies: id {forum['topic_50']}, "
                f"with {run.scale.big_topic_replies:,} replies: id {forum['topic_big']})"
            )
        write(
            "The search index was not updated (rows were written in bulk): run `manage.py update_index` to "
            "build it."
        )
        if vendor != "postgresql" and run.scale.posts > 50_000:
            write(self.style.WARNING("For the large scale, PostgreSQL is much faster than " + vendor + "."))
