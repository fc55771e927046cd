"""Seed a database with many communities, people and memberships, for development and benchmarks.

``manage.py khub_seed --scale small|large`` runs :class:`SeedRun`. Everything it creates is namespaced, so it
never touches a site's real data and ``--force`` can take it away again:

* one "Seeded communities" directory page (slug ``seeded-communities``) under the default site's root page,
  with every seeded community below it;
* users named ``seed-…`` with addresses at ``@seed.example`` (all with the password ``khub-seed``), among them
  ``seed-member`` (an active member of the biggest forum and of about twenty other communities) and
  ``seed-facilitator`` (a facilitator of the biggest forum and of about ten others).

Feature apps seed their own content: an installed ``khub_plugin.<feature>`` app with a ``seed`` module that
defines ``seed(run)`` (and ``unseed(community_ids, using)``) is called after the communities exist. The core
finds those modules through the app registry, so it never imports a feature.

Speed: rows are written in bulk, never one ``save()`` at a time. Primary keys are reserved up front (a
sequence's ``nextval`` on PostgreSQL, ``MAX(id)`` elsewhere) so related rows can point at each other before
they are written; PostgreSQL gets ``COPY``, other databases multi-row ``INSERT``. The page tree is written
directly too: ``path``, ``depth``, ``numchild`` and ``url_path`` are computed as treebeard and Wagtail would.
Signals do not fire, so the search index is not updated: run ``manage.py update_index`` afterwards.
"""

import datetime
import importlib
import importlib.util
import random
import time
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from khub_plugin.common import names

SEED_PASSWORD = "khub-seed"  # noqa: S105 - seeded development data only, printed by the command
INDEX_SLUG = "seeded-communities"
USER_PREFIX = "seed-"
EMAIL_DOMAIN = "seed.example"
MEMBER_USERNAME = "seed-member"
FACILITATOR_USERNAME = "seed-facilitator"


@dataclass(frozen=True)
class Scale:
    """How much to create. ``posts`` counts every message, the opening posts of the topics included."""

    communities: int
    #: Sub-communities of the one network community (like the Scottish network on Knowledge Hub).
    network_children: int
    users: int
    memberships: int
    topics: int
    posts: int
    #: Replies of the forum's biggest topic (one topic also has exactly 50, for the benchmark).
    big_topic_replies: int


SCALES = {
    # For the test suite: a few seconds on SQLite.
    "tiny": Scale(
        communities=6,
        network_children=3,
        users=40,
        memberships=150,
        topics=40,
        posts=300,
        big_topic_replies=80,
    ),
    "small": Scale(
        communities=20,
        network_children=8,
        users=500,
        memberships=2_000,
        topics=2_000,
        posts=10_000,
        big_topic_replies=500,
    ),
    "large": Scale(
        communities=1_000,
        network_children=760,
        users=100_000,
        memberships=300_000,
        topics=50_000,
        posts=500_000,
        big_topic_replies=1_500,
    ),
}


class SeedError(Exception):
    """The seed cannot run (already seeded, no site, impossible numbers); the message says why."""


# -- progress ------------------------------------------------------------------------------------------------


class Progress:
    """Prints each stage with its row count, elapsed seconds and rows per second, and a line every few seconds
    while a long stage runs."""

    def __init__(self, write, interval=5.0):
        self.write = write
        self.interval = interval
        self.started = time.perf_counter()
        self.stages = []  # (name, rows, seconds)
        self._stage = None

    def stage(self, name):
        return _Stage(self, name)

    def total_seconds(self):
        return time.perf_counter() - self.started


class _Stage:
    def __init__(self, progress, name):
        self.progress = progress
        self.name = name
        self.rows = 0

    def __enter__(self):
        self.start = self.last_report = time.perf_counter()
        self.progress.write(f"{self.name} …")
        return self

    def add(self, rows, target=None):
        """Count rows written; report now and then."""
        self.rows += rows
        now = time.perf_counter()
        if now - self.last_report >= self.progress.interval:
            self.last_report = now
            elapsed = now - self.start
            of = f" of {target:,}" if target else ""
            self.progress.write(
                f"    {self.name}: {self.rows:,}{of} rows, {elapsed:.1f} s, {self.rows / elapsed:,.0f} rows/s"
            )

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        seconds = time.perf_counter() - self.start
        rate = f"{self.rows / seconds:>10,.0f} rows/s" if self.rows and seconds > 0 else ""
        self.progress.write(
            f"  {self.name:<34} {self.rows:>10,} rows {seconds:>8.1f} s {rate}   "
            f"(total {self.progress.total_seconds():.1f} s)"
        )
        self.progress.stages.append((self.name, self.rows, seconds))
        return False


# -- writing rows in bulk -----------------------------------------------------------------------------------

_PLAIN_FIELDS = (
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.DateTimeField,
)


class Loader:
    """Writes model instances in bulk, as they are (no ``pre_save``: ``auto_now_add`` dates are kept).

    PostgreSQL: ``COPY … FROM STDIN``. Other databases: multi-row ``INSERT`` in batches the backend accepts.
    """

    def __init__(self, using="default"):
        self.using = using
        self.connection = connections[using]
        self.use_copy = self.connection.vendor == "postgresql"

    def reserve_ids(self, model, count):
        """``count`` primary keys for new ``model`` rows, reserved before the rows are written."""
        if count <= 0:
            return []
        meta = model._meta
        with self.connection.cursor() as cursor:
            if self.use_copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            table, column = (
                self.connection.ops.quote_name(meta.db_table),
                self.connection.ops.quote_name(meta.pk.column),
            )
            cursor.execute(f"SELECT MAX({column}) FROM {table}")  # noqa: S608 - names from the model
            start = (cursor.fetchone()[0] or 0) + 1
            if self.connection.vendor == "sqlite":
                # AUTOINCREMENT never reuses an id, even of a deleted row: start after the highest ever used.
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
                row = cursor.fetchone()
                if row and row[0] is not None:
                    start = max(start, row[0] + 1)
        return list(range(start, start + count))

    def insert(self, model, objs, fields=None):
        """Write ``objs`` into ``model``'s own table (``fields``: its local concrete fields by default).

        For a multi-table child, call it with the parent model (the parent's fields), then with the child.
        """
        if not objs:
            return 0
        if fields is None:
            fields = list(model._meta.local_concrete_fields)
            if objs[0].pk is None and isinstance(model._meta.pk, models.AutoField):
                fields.remove(model._meta.pk)  # the database numbers them
        if self.use_copy:
            return self._copy(model, objs, fields)
        count = 0
        batch_size = max(1, self.connection.ops.bulk_batch_size(fields, objs))
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            model._base_manager.using(self.using)._insert(batch, fields=fields, using=self.using, raw=True)
            count += len(batch)
        return count

    def _copy(self, model, objs, fields):
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        preparers = [None if self._plain(f) else f for f in fields]
        attnames = [f.attname for f in fields]
        connection = self.connection
        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for obj in objs:
                row = []
                for attname, preparer in zip(attnames, preparers, strict=True):
                    value = getattr(obj, attname)
                    if preparer is not None and value is not None:
                        value = preparer.get_db_prep_save(value, connection)
                    row.append(value)
                copy.write_row(row)
        return len(objs)

    @staticmethod
    def _plain(f):
        if isinstance(f, models.ForeignKey):
            return isinstance(f.target_field, models.IntegerField)
        return isinstance(f, _PLAIN_FIELDS) and not isinstance(f, models.JSONField)

    def vacuum_analyze(self, models_):
        """Refresh the planner's statistics after a bulk load (PostgreSQL; a no-op elsewhere)."""
        if not self.use_copy:
            return
        quote = self.connection.ops.quote_name
        # VACUUM also marks pages all-visible (index-only scans) but cannot run inside a transaction.
        command = "ANALYZE" if self.connection.in_atomic_block else "VACUUM (ANALYZE)"
        with self.connection.cursor() as cursor:
            for model in dict.fromkeys(models_):
                cursor.execute(f"{command} {quote(model._meta.db_table)}")


# -- what is seeded ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class SeededCommunity:
    """A community being seeded, as features need it."""

    index: int
    id: int
    title: str
    slug: str
    parent: "SeededCommunity | None"
    visibility: str
    stage: str
    tools: list
    started_at: datetime.datetime
    is_network: bool = False
    #: The community the benchmark measures: the biggest forum, seed-member a member.
    is_benchmark: bool = False
    path: str = ""
    depth: int = 0
    url_path: str = ""
    numchild: int = 0
    member_count: int = 0
    #: Active members' user ids, facilitators first.
    active: list = field(default_factory=list)
    facilitators: list = field(default_factory=list)
    #: The page's URL (relative on a one-site install), filled in once the pages exist.
    url: str = ""

    def pick_author(self, rng):
        """An active member, the most active ones (the first) more often; a facilitator if nobody else."""
        people = self.active or self.facilitators
        return people[int(len(people) * rng.random() ** 2.2)]


# Names: fictional councils (as in the demo) and the work of local government.
# fmt: off
COUNCILS = [
    "Anytown", "Borsetshire", "Westmarsh", "Northfield", "Caerwen", "Eastbury", "Southmoor", "Highcliffe",
    "Riverside", "Ashdown", "Brackenridge", "Calderbrook", "Dunmere", "Elmstead", "Fairhaven", "Greystone",
]
SCOTTISH_COUNCILS = [
    "Glenbrae", "Strathallan", "Kirkmuir", "Balloch Bay", "Inverkeld", "Lochardil", "Aberlour Vale",
    "Craigmillar Shire", "Dunlothian", "Falkbridge", "Glenrothie", "Kelvinmoor", "Lomondside", "Montcraig",
    "Nairnbridge", "Portsoyle", "Rossmuir", "Stirbrae", "Tayhaven", "Wickmuir",
]
PRACTICES = [
    "Adult Social Care Commissioning", "Planning Enforcement", "Digital Services", "Revenues and Benefits",
    "Waste and Recycling", "Trading Standards", "Housing Options", "Public Health Intelligence",
    "Procurement", "Members' Services", "Democratic Services", "Emergency Planning", "Climate Action",
    "Libraries", "Highways Asset Management", "Children's Safeguarding", "Licensing", "Data Protection",
    "Customer Services", "Economic Development", "Internal Audit", "Community Safety", "Elections",
    "Building Control", "Environmental Health", "Leisure and Culture", "Workforce Development", "Fleet",
    "Transport Planning", "Council Tax", "Homelessness Prevention", "Parks and Open Spaces",
    "Cyber Security", "Performance and Improvement", "Communications", "Equality and Diversity",
    "Schools Admissions", "Special Educational Needs", "Estates and Facilities", "Legal Services",
    "Pensions", "Payroll",
]
# fmt: on
KINDS = ["Network", "Community of Practice", "Forum", "Practitioners", "Group", "Peer Network", "Leads"]
# fmt: off
FIRST_NAMES = [
    "Aisha", "Alasdair", "Amir", "Ailsa", "Beth", "Callum", "Catriona", "Chloe", "Daniel", "David",
    "Eilidh", "Emma", "Euan", "Fatima", "Gareth", "Grace", "Graham", "Hannah", "Helen", "Iain", "Isla",
    "James", "Jo", "Kirsty", "Liam", "Lucy", "Mark", "Morag", "Niamh", "Owen", "Priya", "Rachel", "Rhys",
    "Ross", "Sam", "Sarah", "Shona", "Siân", "Stuart", "Tom", "Yusuf", "Zara",
]
LAST_NAMES = [
    "Atkinson", "Barker", "Bennett", "Campbell", "Clarke", "Davies", "Doyle", "Duncan", "Evans", "Fraser",
    "Grant", "Henderson", "Holt", "Hughes", "Jenkins", "Kerr", "Lloyd", "MacLeod", "Mackenzie", "Morgan",
    "Munro", "Murray", "Okafor", "Osei", "Patel", "Price", "Rahman", "Reid", "Robertson", "Shah",
    "Sinclair", "Stewart", "Thompson", "Whitaker", "Whitfield", "Khan", "Nowak", "O'Brien", "Singh",
    "Williams",
]
COMMUNITY_TAGS = [
    "digital", "social care", "data", "housing", "climate", "procurement", "public health",
    "transformation", "customer experience", "workforce", "Scotland", "Wales", "benchmarking", "policy",
    "shared services",
]
# fmt: on


# -- the run ------------------------------------------------------------------------------------------------


class SeedRun:
    """One seeding run: plans the communities and memberships, writes them, then lets features seed."""

    def __init__(self, scale, seed=1, write=print, using="default", site=None):
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
        self.using = using
        self.loader = Loader(using)
        self.progress = Progress(write)
        self.write = write
        self.site = site
        # Whole hours: the same --seed gives the same data, dated relative to the hour it runs.
        self.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        self.communities = []
        self.user_ids = []  # the pool of seed-user-NNNNNN ids
        self.user_names = {}  # id -> display name (as services._display_name shows it)
        self.member_id = self.facilitator_id = None
        self.benchmark = None
        self.network = None
        self.summary = {}  # what features report (e.g. the benchmark's topics)
        self._check_scale()

    def _check_scale(self):
        s = self.scale
        if s.communities < 3 or s.network_children > s.communities - 2:
            raise SeedError("Need at least 3 communities, and network children fewer than communities - 1.")
        if s.users < 10:
            raise SeedError("Need at least 10 users.")

    # -- entry points -------------------------------------------------------------------------------------

    def run(self):
        database = self.loader.connection.vendor
        self.write(
            f"khub_seed: {self.scale.communities:,} communities, {self.scale.users:,} users, "
            f"{self.scale.memberships:,} memberships, and feature content (seed {self.seed}, {database})"
        )
        self._synchronous_commit("off")
        try:
            index = self.create_index()
            self.seed_users()
            self.plan_communities(index)
            self.plan_memberships()
            self.write_pages(index)
            self.write_memberships()
            self.write_community_activity()
            self.write_privacy()
            self.load_urls()
            for module in feature_seed_modules():
                module.seed(self)
        finally:
            self._synchronous_commit("DEFAULT")
        with self.progress.stage("analyze (planner statistics)") as stage:
            self.loader.vacuum_analyze(self.analyzed_models())
            stage.add(0)
        self.write(f"Seeded in {self.progress.total_seconds():.1f} s.")
        return self

    def analyzed_models(self):
        from wagtail.models import Page

        from khub_plugin.communities.models import Activity, CommunityPage, Membership

        result = [get_user_model(), Page, CommunityPage, Membership, Activity]
        for model in self.summary.get("analyze", []):
            result.append(model)
        return result

    def _synchronous_commit(self, value):
        # Off while seeding: a crash could lose only the last seeded rows, and each chunk commits faster.
        if self.loader.use_copy:
            with self.loader.connection.cursor() as cursor:
                cursor.execute(f"SET synchronous_commit TO {value}")

    # -- the directory ---------------------------------------------------------------------------------------

    def create_index(self):
        from khub_plugin.communities.models import CommunityIndexPage

        root = self._root_page()
        with self.progress.stage("directory page") as stage:
            index = CommunityIndexPage(
                title="Seeded communities",
                slug=INDEX_SLUG,
                intro="<p>Communities created by manage.py khub_seed for development and benchmarks. "
                "Not real data.</p>",
            )
            root.add_child(instance=index)
            index.save_revision().publish()
            stage.add(1)
        return index

    def _root_page(self):
        from wagtail.models import Site

        site = self.site or Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise SeedError("No default Wagtail site: run migrate first.")
        return site.root_page

    # -- users -----------------------------------------------------------------------------------------------

    def seed_users(self):
        User = get_user_model()
        check_user_model(User)
        people = names.person_names()
        # The row fields a default Django User has beyond its names (a custom model may lack them).
        extra = [name for name in ("is_active", "date_joined") if people.has_field(name)]
        rng = self.rng
        count = self.scale.users
        password = make_password(SEED_PASSWORD)  # hashed once for everyone: hashing is slow on purpose
        ids = self.loader.reserve_ids(User, count + 2)
        specials = [(MEMBER_USERNAME, "Mo", "Member"), (FACILITATOR_USERNAME, "Fiona", "Facilitator")]
        with self.progress.stage("users") as stage:
            batch = []
            for position, user_id in enumerate(ids):
                if position < 2:
                    login, first, last = specials[position]
                else:
                    login = f"{USER_PREFIX}user-{position - 1:06d}"
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    self.user_ids.append(user_id)
                joined = self.now - datetime.timedelta(days=rng.uniform(30, 3000))
                fields = people.new_user_fields(login, first, last, f"{login}@{EMAIL_DOMAIN}")
                for name, value in (("is_active", True), ("date_joined", joined)):
                    if name in extra:
                        fields[name] = value
                person = User(id=user_id, password=password, **fields)
                batch.append(person)
                self.user_names[user_id] = people.display_name(person)
                if len(batch) >= 20_000:
                    stage.add(self._write_users(User, batch), target=count + 2)
                    batch = []
            stage.add(self._write_users(User, batch))
        self.member_id, self.facilitator_id = ids[0], ids[1]

    def _write_users(self, User, batch):
        with transaction.atomic(using=self.using):
            return self.loader.insert(User, batch)

    # -- planning the communities -----------------------------------------------------------------------

    def plan_communities(self, index):
        """Decide every community's place, name, visibility and tools; reserve their ids."""
        from wagtail.models import Page

        from khub_plugin.communities.features import registry
        from khub_plugin.communities.models import Stage, Visibility

        rng = self.rng
        s = self.scale
        ids = self.loader.reserve_ids(Page, s.communities)
        tools_all = registry.defaults()
        stages = [
            Stage.START_UP,
            Stage.NURTURE,
            Stage.NURTURE,
            Stage.SUSTAIN,
            Stage.SUSTAIN,
            Stage.SUSTAIN,
            Stage.PLANNING,
            Stage.CLOSEDOWN,
        ]
        used_titles = set()

        def title_for(parent):
            for attempt in range(50):
                if parent is not None and parent.is_network:
                    title = f"{rng.choice(SCOTTISH_COUNCILS)} {rng.choice(PRACTICES)}"
                elif parent is not None:
                    title = f"{rng.choice(COUNCILS)} {rng.choice(PRACTICES)} {rng.choice(['Leads', 'Group'])}"
                else:
                    title = f"{rng.choice(PRACTICES)} {rng.choice(KINDS)}"
                if attempt > 10:
                    title = f"{title} {attempt}"
                if title not in used_titles:
                    used_titles.add(title)
                    return title
            return f"{title} {len(used_titles)}"  # pragma: no cover

        def visibility_for(parent, weights):
            choices = [Visibility.OPEN, Visibility.RESTRICTED, Visibility.PRIVATE]
            floor = Visibility.openness(parent.visibility) if parent is not None else 0
            allowed = [
                (v, w) for v, w in zip(choices, weights, strict=True) if Visibility.openness(v) >= floor
            ]
            return rng.choices([v for v, _ in allowed], [w for _, w in allowed])[0]

        def tools_for(parent):
            if parent is not None:
                return list(parent.tools)
            # A few communities have switched their forum (or other tools) off.
            return [t for t in tools_all if rng.random() > 0.04]

        def started(parent):
            days = rng.uniform(60, 2500)
            when = self.now - datetime.timedelta(days=days)
            return max(when, parent.started_at + datetime.timedelta(days=1)) if parent else when

        def make(parent, title, visibility, is_network=False, is_benchmark=False):
            community = SeededCommunity(
                index=len(self.communities),
                id=ids[len(self.communities)],
                title=title,
                slug="",
                parent=parent,
                visibility=visibility,
                stage=rng.choice(stages),
                tools=list(tools_all) if (is_network or is_benchmark) else tools_for(parent),
                started_at=started(parent),
                is_network=is_network,
                is_benchmark=is_benchmark,
            )
            self.communities.append(community)
            return community

        self.network = make(None, "Scottish Local Government Network", Visibility.OPEN, is_network=True)
        used_titles.add(self.network.title)
        self.benchmark = make(None, "Digital Services Network", Visibility.OPEN, is_benchmark=True)
        used_titles.add(self.benchmark.title)
        others = s.communities - 2 - s.network_children
        top_level = [self.benchmark]
        for _ in range(others):
            parent = None
            if top_level and rng.random() < 0.15:
                parent = rng.choice(top_level)
                if parent.is_benchmark:
                    parent = None
            community = make(parent, title_for(parent), visibility_for(parent, (65, 25, 10)))
            if parent is None:
                top_level.append(community)
        for _ in range(s.network_children):
            make(self.network, title_for(self.network), visibility_for(self.network, (50, 35, 15)))

        # Place them in the tree: paths as treebeard computes them, under the directory.
        children = {}
        for community in self.communities:
            children.setdefault(community.parent.index if community.parent else None, []).append(community)
        index_children = children.get(None, [])
        positions = {c.index: n for group in children.values() for n, c in enumerate(group, start=1)}
        for community in self.communities:  # parents come before their children
            position = positions[community.index]
            parent_path = community.parent.path if community.parent else index.path
            parent_depth = community.parent.depth if community.parent else index.depth
            parent_url = community.parent.url_path if community.parent else index.url_path
            community.depth = parent_depth + 1
            community.path = Page._get_path(parent_path, community.depth, position)
            community.slug = f"{slugify(community.title)[:60].strip('-')}-{community.index + 1}"
            community.url_path = f"{parent_url}{community.slug}/"
            community.numchild = len(children.get(community.index, []))
        self.index_numchild = len(index_children)

    # -- planning the memberships -------------------------------------------------------------------------

    def plan_memberships(self):
        """Who belongs where, in which state and role. Every community gets at least one facilitator."""
        from khub_plugin.communities.models import Membership, Visibility

        rng = self.rng
        State, Role = Membership.State, Membership.Role
        s = self.scale
        self.memberships = []  # (community, user_id, state, role)
        special = self._special_memberships()
        budget = max(s.memberships - len(special), 3 * len(self.communities))
        # Sizes fall off with rank (a few big communities, many small); the network and the benchmark's
        # community are the biggest.
        order = list(range(2, len(self.communities)))
        rng.shuffle(order)
        ranks = {0: 0, 1: 1, **{c: r + 2 for r, c in enumerate(order)}}
        weights = [1 / (ranks[c.index] + 1) ** 0.85 for c in self.communities]
        total_weight = sum(weights)
        pool = self.user_ids
        states = {
            Visibility.OPEN: ([State.ACTIVE, State.LEFT, State.REMOVED, State.INVITED], [86, 8, 2, 4]),
            Visibility.RESTRICTED: (
                [State.ACTIVE, State.REQUESTED, State.DECLINED, State.LEFT, State.REMOVED, State.INVITED],
                [76, 8, 4, 7, 2, 3],
            ),
            Visibility.PRIVATE: (
                [State.ACTIVE, State.INVITED, State.DECLINED, State.LEFT, State.REMOVED],
                [80, 10, 4, 4, 2],
            ),
        }
        for community, weight in zip(self.communities, weights, strict=True):
            size = min(len(pool), max(3, round(budget * weight / total_weight)))
            people = rng.sample(pool, size)
            facilitators = 1 + (size >= 40) + (size >= 1000)
            choices, probabilities = states[community.visibility]
            drawn = rng.choices(choices, probabilities, k=size)
            for position, user_id in enumerate(people):
                if position < facilitators:
                    self.memberships.append((community, user_id, State.ACTIVE, Role.FACILITATOR))
                else:
                    self.memberships.append((community, user_id, drawn[position], Role.MEMBER))
        self.memberships.extend(special)
        # Active members, facilitators first (features pick authors from them).
        for community, user_id, state, role in self.memberships:
            if state == State.ACTIVE:
                if role == Role.FACILITATOR:
                    community.facilitators.append(user_id)
                else:
                    community.active.append(user_id)
        for community in self.communities:
            community.active = community.facilitators + community.active
            community.member_count = len(community.active)

    def _special_memberships(self):
        """seed-member and seed-facilitator: in the benchmark's community, the network and a few others (and
        in the ancestors of those, so they can see them)."""
        from khub_plugin.communities.models import Membership, Visibility

        rng = self.rng
        State, Role = Membership.State, Membership.Role
        rest = self.communities[2:]
        member_in = {self.benchmark, self.network, *rng.sample(rest, min(len(rest), 18))}
        private = [c for c in rest if c.visibility == Visibility.PRIVATE]
        if private:
            member_in.add(rng.choice(private))
        facilitator_in = {self.benchmark, self.network, *rng.sample(rest, min(len(rest), 10))}
        rows = []
        for user_id, chosen, role in (
            (self.member_id, member_in, Role.MEMBER),
            (self.facilitator_id, facilitator_in, Role.FACILITATOR),
        ):
            closed = set()
            for community in chosen:
                while community is not None:
                    closed.add(community)
                    community = community.parent
            rows.extend(
                (community, user_id, State.ACTIVE, role)
                for community in sorted(closed, key=lambda c: c.index)
            )
        return rows

    # -- writing the pages ------------------------------------------------------------------------------

    def write_pages(self, index):
        from wagtail.models import Page
        from wagtail.rich_text import RichText

        from khub_plugin.communities.models import CommunityPage, CommunityTag

        rng = self.rng
        content_type = ContentType.objects.get_for_model(CommunityPage)
        with self.progress.stage("community pages") as stage:
            pages = []
            for community in self.communities:
                owner = community.facilitators[0] if community.facilitators else None
                purpose = (
                    f"For {rng.choice(['officers', 'managers', 'practitioners', 'leads'])} working on "
                    f"{community.title.lower()} to share practice, ask questions and compare approaches."
                )[:300]
                paragraph = (
                    f"<p>Welcome to {community.title}. Members share what works, ask for help and build a "
                    "library of good practice together.</p>"
                )
                page = CommunityPage(
                    id=community.id,
                    path=community.path,
                    depth=community.depth,
                    numchild=community.numchild,
                    translation_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                    locale_id=index.locale_id,
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=community.started_at,
                    last_published_at=community.started_at,
                    title=community.title,
                    draft_title=community.title,
                    slug=community.slug,
                    content_type_id=content_type.pk,
                    url_path=community.url_path,
                    owner_id=owner,
                    search_description="",
                    seo_title="",
                    page_ptr_id=community.id,
                    purpose=purpose,
                    body=[("text", RichText(paragraph))],
                    visibility=community.visibility,
                    stage=community.stage,
                    tools=community.tools,
                    member_count=community.member_count,
                )
                pages.append(page)
            with transaction.atomic(using=self.using):
                self.loader.insert(Page, pages, fields=list(Page._meta.local_concrete_fields))
                self.loader.insert(CommunityPage, pages)
                Page.objects.filter(pk=index.pk).update(numchild=self.index_numchild)
                tags = self._tags(COMMUNITY_TAGS)
                rows = [
                    CommunityTag(tag_id=tags[name], content_object_id=community.id)
                    for community in self.communities
                    for name in rng.sample(COMMUNITY_TAGS, rng.choice([0, 1, 1, 2, 3]))
                ]
                self.loader.insert(CommunityTag, rows)
            stage.add(len(pages))

    def _tags(self, names):
        """``{name: tag id}``, creating the taggit tags that do not exist yet (the vocabulary is shared)."""
        from taggit.models import Tag

        existing = {tag.name: tag.pk for tag in Tag.objects.filter(name__in=names)}
        for name in names:
            if name not in existing:
                slug = slugify(name) or "tag"
                if Tag.objects.filter(slug=slug).exists():
                    slug = f"{slug}-{uuid.uuid4().hex[:6]}"
                existing[name] = Tag.objects.create(name=name, slug=slug).pk
        return existing

    def tags(self, names):
        """Feature seeds' access to the shared tag vocabulary."""
        return self._tags(names)

    # -- memberships, activity, privacy -----------------------------------------------------------------

    def write_memberships(self):
        from khub_plugin.communities.models import Membership

        rng = self.rng
        State = Membership.State
        total = len(self.memberships)
        with self.progress.stage("memberships") as stage:
            batch = []
            for community, user_id, state, role in self.memberships:
                start = community.started_at
                span = max((self.now - start).total_seconds(), 3600)
                when = start + datetime.timedelta(seconds=span * (1 - rng.random() ** 1.5))
                fields = {"created_at": when, "updated_at": when, "joined_at": None}
                facilitator = community.facilitators[0] if community.facilitators else None
                if state == State.ACTIVE:
                    fields["joined_at"] = when
                elif state == State.REQUESTED:
                    fields["message"] = "I work on this in my council and would like to compare notes."
                elif state == State.INVITED:
                    fields.update(invited_by_id=facilitator, message="Thought you'd find this useful.")
                elif state == State.DECLINED:
                    fields.update(decided_by_id=facilitator, decision_reason="This group is for leads only.")
                elif state in (State.LEFT, State.REMOVED):
                    joined = start + (when - start) / 2
                    fields.update(created_at=joined, joined_at=joined)
                    if state == State.REMOVED:
                        fields.update(decided_by_id=facilitator, decision_reason="Left the council.")
                batch.append(
                    Membership(community_id=community.id, user_id=user_id, state=state, role=role, **fields)
                )
                if len(batch) >= 50_000:
                    stage.add(self._write(Membership, batch), target=total)
                    batch = []
            stage.add(self._write(Membership, batch))
        del self.memberships

    def _write(self, model, rows):
        with transaction.atomic(using=self.using):
            return self.loader.insert(model, rows)

    def write_community_activity(self):
        """'Started the community', 'became a facilitator' and recent joins, as the flows record them."""
        from khub_plugin.communities.models import Activity, Membership

        rng = self.rng
        Verb = Activity.Verb
        recent = self.now - datetime.timedelta(days=60)
        with self.progress.stage("community activity") as stage:
            rows = []
            for community in self.communities:
                founder = community.facilitators[0] if community.facilitators else None
                rows.append(
                    Activity(
                        actor_id=founder,
                        verb=Verb.COMMUNITY_CREATED,
                        community_id=community.id,
                        created_at=community.started_at,
                    )
                )
                for user_id in community.facilitators[1:]:
                    when = community.started_at + datetime.timedelta(days=rng.uniform(1, 30))
                    rows.append(
                        Activity(
                            actor_id=user_id,
                            verb=Verb.FACILITATOR_ADDED,
                            community_id=community.id,
                            created_at=when,
                        )
                    )
            # Recent joins: read back what was written, so the activity matches the memberships.
            joins = Membership.objects.filter(
                state=Membership.State.ACTIVE,
                role=Membership.Role.MEMBER,
                joined_at__gte=recent,
                community_id__in=[c.id for c in self.communities],
            ).values_list("user_id", "community_id", "joined_at")
            for user_id, community_id, joined_at in joins.iterator(chunk_size=5000):
                rows.append(
                    Activity(
                        actor_id=user_id, verb=Verb.JOINED, community_id=community_id, created_at=joined_at
                    )
                )
            stage.add(self._write(Activity, rows))

    def write_privacy(self):
        """Wagtail's own view restrictions, as ``privacy.sync`` keeps them (the second line of defence)."""
        from wagtail.models import PageViewRestriction

        from khub_plugin.communities.access import Access
        from khub_plugin.communities.privacy import MARKER

        with self.progress.stage("page view restrictions") as stage:
            anonymous = Access(None)
            rows = [
                PageViewRestriction(page_id=c.id, restriction_type=MARKER, password="")
                for c in self.communities
                if not anonymous.can_see(c.id)
            ]
            PageViewRestriction.objects.bulk_create(rows, batch_size=500)
            stage.add(len(rows))

    def load_urls(self):
        from khub_plugin.communities.models import CommunityPage

        pages = CommunityPage.objects.filter(pk__in=[c.id for c in self.communities]).only(
            "id", "path", "url_path", "depth"
        )
        urls = {page.pk: page.get_url() for page in pages}
        for community in self.communities:
            community.url = urls[community.id]

    # -- helpers for feature seeds ------------------------------------------------------------------------

    def user_name(self, user_id):
        return self.user_names.get(user_id, "")

    def moment(self, start, end=None, recent_bias=1.0):
        """A random moment between ``start`` and ``end`` (now), nearer ``end`` when ``recent_bias`` > 1."""
        end = end or self.now
        span = max((end - start).total_seconds(), 1)
        return start + datetime.timedelta(seconds=span * (1 - self.rng.random() ** recent_bias))


# -- feature seed modules ------------------------------------------------------------------------------------


def feature_seed_modules():
    """The ``seed`` modules of installed khub feature apps, in ``INSTALLED_APPS`` order."""
    modules = []
    for config in apps.get_app_configs():
        name = config.name
        if not name.startswith("khub_plugin.") or name in ("khub_plugin.common", "khub_plugin.communities"):
            continue
        if importlib.util.find_spec(f"{name}.seed") is None:
            continue
        modules.append(importlib.import_module(f"{name}.seed"))
    return modules


# -- finding and removing an earlier seed ------------------------------------------------------------------


def seeded_indexes():
    from khub_plugin.communities.models import CommunityIndexPage

    return CommunityIndexPage.objects.filter(slug=INDEX_SLUG)


def seeded_users():
    people = names.person_names()
    return get_user_model().objects.filter(
        people.login_startswith(USER_PREFIX) & people.email_endswith(f"@{EMAIL_DOMAIN}")
    )


def login_name(name):
    """What a seeded person signs in with: ``name`` (``seed-member``), or their email address
    (``seed-member@seed.example``) on a site whose user model signs in by email."""
    people = names.person_names()
    return people.new_user_fields(name, "", "", f"{name}@{EMAIL_DOMAIN}")[people.username_field]


def check_user_model(User):
    """Refuse a user model whose rows the seed cannot write: it fills only the sign-in name, email, names
    (through :mod:`khub_plugin.common.names`), password, ``is_active`` and ``date_joined``, and every other
    field must be able to stay empty."""
    people = names.person_names()
    filled = set(people.new_user_fields("x", "", "", "x@x")) | {"password", "is_active", "date_joined"}
    missing = [
        field.name
        for field in User._meta.local_concrete_fields
        if not field.primary_key
        and field.name not in filled
        and not field.null
        and not field.has_default()
        and not field.empty_strings_allowed
    ]
    if not people.email_field:
        missing.append("an email field (EMAIL_FIELD)")
    if missing:
        raise SeedError(
            f"khub_seed writes user rows directly and cannot fill {User._meta.label}'s "
            f"{', '.join(missing)}. Give those fields defaults, or seed a development database whose "
            "AUTH_USER_MODEL has only a sign-in name, email, names and optional fields."
        )


def already_seeded():
    return seeded_indexes().exists() or seeded_users().exists()


def unseed(write=print, using="default"):
    """Remove everything an earlier seed created: its directory, communities, their content, its users."""
    from wagtail.models import Page

    from khub_plugin.communities.models import Activity, CommunityPage, Membership

    progress = Progress(write)
    with progress.stage("remove the seeded communities") as stage:
        ids = []
        for index in seeded_indexes():
            ids += list(CommunityPage.objects.descendant_of(index).values_list("id", flat=True))
        for module in feature_seed_modules():
            if hasattr(module, "unseed"):
                stage.add(module.unseed(ids, using=using))
        with transaction.atomic(using=using):
            stage.add(Activity.objects.filter(community_id__in=ids)._raw_delete(using) or 0)
            stage.add(Membership.objects.filter(community_id__in=ids)._raw_delete(using) or 0)
        for index in seeded_indexes():
            Page.objects.get(pk=index.pk).delete()  # the subtree, with whatever else points at it
        stage.add(len(ids))
    with progress.stage("vacuum (drop the deleted rows)"):
        # Deleting a user checks every foreign key to it; without this, each check wades through the index
        # entries of the rows just deleted (hundreds of thousands at the large scale).
        khub_models = [model for model in apps.get_models() if model._meta.app_label.startswith("khub_")]
        Loader(using).vacuum_analyze(khub_models)
    with progress.stage("remove the seeded users") as stage:
        stage.add(seeded_users().delete()[0])


__all__ = [
    "FACILITATOR_USERNAME",
    "INDEX_SLUG",
    "MEMBER_USERNAME",
    "SCALES",
    "SEED_PASSWORD",
    "Loader",
    "Progress",
    "Scale",
    "SeedError",
    "SeedRun",
    "SeededCommunity",
    "already_seeded",
    "check_user_model",
    "login_name",
    "feature_seed_modules",
    "unseed",
]
