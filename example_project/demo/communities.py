"""The demo's communities of practice, their members and their history.

Modelled on real networks of the IDeA Communities of Practice platform and Knowledge Hub. Every person,
council and message here is fictional. ``load_demo`` runs :class:`Seeder`, which creates whatever is missing
and nothing twice.

Membership states are set directly here (this is demo seeding, not a user's action), except the demo
facilitator, who is made a facilitator through ``services.add_facilitator`` as an approved proposal would be.
``CommunityPage.member_count`` is recomputed from the active memberships at the end.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from wagtail.models import Page
from wagtail.rich_text import RichText

from khub_plugin.communities import activity, services
from khub_plugin.communities.models import (
    Activity,
    CommunityPage,
    CommunityProposal,
    Membership,
    Stage,
    Visibility,
)

State = Membership.State
Role = Membership.Role

# -- councils and people ------------------------------------------------------------------------------------

#: Council staff who take part in the demo communities: (first name, last name, council). The username is
#: ``first.last`` in lower case (ASCII), the email ``first.last@<council>.example``. The fictional councils:
#: Anytown Council (the intranet's own), Borsetshire County Council, Westmarsh District Council, Northfield
#: Borough Council and Caerwen County Borough Council in England and Wales; Glenbrae, Strathallan and Kirkmuir
#: councils in Scotland.
STAFF = [
    ("Priya", "Shah", "anytown"),
    ("Tom", "Hughes", "anytown"),
    ("Grace", "Okafor", "anytown"),
    ("David", "Evans", "anytown"),
    ("Hannah", "Price", "anytown"),
    ("Liam", "Doyle", "anytown"),
    ("Sarah", "Bennett", "borsetshire"),
    ("James", "Whitaker", "borsetshire"),
    ("Aisha", "Rahman", "borsetshire"),
    ("Owen", "Jenkins", "borsetshire"),
    ("Emma", "Clarke", "borsetshire"),
    ("Rachel", "Holt", "westmarsh"),
    ("Mark", "Thompson", "westmarsh"),
    ("Chloe", "Patel", "westmarsh"),
    ("Gareth", "Lloyd", "westmarsh"),
    ("Helen", "Atkinson", "northfield"),
    ("Daniel", "Osei", "northfield"),
    ("Lucy", "Barker", "northfield"),
    ("Sam", "Whitfield", "northfield"),
    ("Rhys", "Morgan", "caerwen"),
    ("Siân", "Davies", "caerwen"),
    ("Morag", "Campbell", "glenbrae"),
    ("Iain", "MacLeod", "glenbrae"),
    ("Kirsty", "Robertson", "glenbrae"),
    ("Callum", "Fraser", "glenbrae"),
    ("Eilidh", "Stewart", "glenbrae"),
    ("Alasdair", "Munro", "strathallan"),
    ("Catriona", "Reid", "strathallan"),
    ("Euan", "Mackenzie", "strathallan"),
    ("Shona", "Murray", "strathallan"),
    ("Ross", "Duncan", "strathallan"),
    ("Ailsa", "Grant", "kirkmuir"),
    ("Graham", "Sinclair", "kirkmuir"),
    ("Niamh", "Kerr", "kirkmuir"),
    ("Stuart", "Henderson", "kirkmuir"),
]

_ASCII = str.maketrans("âáàäêéèëîíìïôóòöûúùüŵŷ", "aaaaeeeeiiiioooouuuuwy")


def username_for(first_name, last_name):
    return f"{first_name}.{last_name}".lower().translate(_ASCII).replace(" ", "").replace("'", "")


# -- communities -------------------------------------------------------------------------------------------

#: In creation order: a parent community comes before its sub-communities.
#: ``started`` and ``stage_changed`` are days ago; ``parent`` is the slug of the parent community, if any.
COMMUNITIES = [
    {
        "slug": "cop-facilitators",
        "title": "CoP Facilitators' CoP",
        "purpose": "For people who start and run communities of practice in the public sector, to share what "
        "works from a community's first members to closing it well.",
        "visibility": Visibility.OPEN,
        "stage": Stage.SUSTAIN,
        "started": 1100,
        "stage_changed": 240,
        "tags": ["facilitation", "community management", "knowledge sharing"],
        "body": (
            "<p>This is the community for facilitators: the people who keep communities of practice alive. "
            "Members swap ways of welcoming newcomers, drawing in quiet members, running online meetings "
            "and showing the value a community brings to the councils that pay for people's time.</p>"
            "<h2>How we work</h2>"
            "<ul><li>A monthly online facilitators' surgery: bring a problem with your community and get "
            "ideas from peers.</li>"
            "<li>Peer review of plans for new communities before they are proposed.</li>"
            "<li>Buddying: an experienced facilitator supports each new one for their first three months."
            "</li></ul>"
            "<p>New facilitators are especially welcome. No question is too basic.</p>"
        ),
    },
    {
        "slug": "social-media",
        "title": "Social Media and Online Collaboration",
        "purpose": "For council communications, digital and customer services staff who use social media and "
        "online tools to engage residents and to work with partners.",
        "visibility": Visibility.OPEN,
        "stage": Stage.NURTURE,
        "started": 420,
        "stage_changed": 150,
        "tags": ["social media", "communications", "digital engagement", "accessibility"],
        "body": (
            "<p>For many residents, social media is the first place they ask the council a question. This "
            "community brings together the officers who answer them, and those who use online tools to "
            "work with partner organisations.</p>"
            "<h2>What members talk about</h2>"
            "<ul><li>Running council accounts during emergencies such as flooding and severe weather</li>"
            "<li>Moderation policies and dealing with abuse aimed at staff</li>"
            "<li>Making images, video and posts accessible</li>"
            "<li>Working online with partners: shared workspaces, video meetings and etiquette</li></ul>"
        ),
    },
    {
        "slug": "knowledge-management",
        "title": "Knowledge Management",
        "purpose": "For knowledge and information managers sharing ways to capture, find and reuse what "
        "councils know.",
        "visibility": Visibility.OPEN,
        "stage": Stage.CLOSEDOWN,
        "started": 1500,
        "stage_changed": 45,
        "tags": ["knowledge management", "information management", "lessons learned"],
        "body": (
            "<p>For several years this community was home to people working on knowledge management in "
            "councils: taxonomies, intranets, lessons-learned reviews, and keeping expertise when "
            "experienced staff retire.</p>"
            "<h2>This community is closing</h2>"
            "<p>Most of the conversation has moved to the CoP Facilitators' CoP. The facilitators are "
            "writing up what the community learned, and members can read everything here until it is "
            "archived at the end of the year.</p>"
        ),
    },
    {
        "slug": "scottish-members-services",
        "title": "Scottish Members' Services Development Network",
        "purpose": "For officers in Scottish councils who support elected members, sharing practice on "
        "members' services, councillor induction and development.",
        "visibility": Visibility.RESTRICTED,
        "stage": Stage.SUSTAIN,
        "started": 900,
        "stage_changed": 300,
        "tags": ["elected members", "members' services", "Scotland", "councillor development"],
        "body": (
            "<p>The network is for officers who support councillors in Scotland's councils: members' "
            "services managers, councillor support officers and those who run elected member "
            "development.</p>"
            "<h2>Current work</h2>"
            "<ul><li>Planning induction for councillors after the next local government elections</li>"
            "<li>Continuing professional development for elected members</li>"
            "<li>Handling councillors' casework and enquiries</li></ul>"
            "<p>Membership is for officers in Scottish local government. When you ask to join, tell the "
            "facilitators which council you work for and what you do.</p>"
        ),
    },
    {
        "slug": "violence-against-women",
        "title": "Violence Against Women Network",
        "purpose": "A confidential network for council officers and partners working to prevent violence "
        "against women and girls and to support survivors.",
        "visibility": Visibility.PRIVATE,
        "stage": Stage.START_UP,
        "started": 75,
        "stage_changed": 60,
        "tags": ["violence against women and girls", "safeguarding", "community safety"],
        "body": (
            "<p>This is a private network. Its members are officers who lead on violence against women "
            "and girls in their councils, with colleagues from health and the voluntary sector.</p>"
            "<h2>Ground rules</h2>"
            "<ul><li>Never share anything that could identify a survivor or a case.</li>"
            "<li>What is said here stays here unless its author agrees otherwise.</li>"
            "<li>Follow your own organisation's safeguarding procedures at all times.</li></ul>"
            "<p>Membership is by invitation. If you know someone who should be here, tell a facilitator."
            "</p>"
        ),
    },
    {
        "slug": "digital-partnership-scotland",
        "title": "Digital Partnership for Scottish Local Government",
        "purpose": "For Scottish councils working together on digital services, shared platforms and the "
        "skills to deliver them.",
        "visibility": Visibility.RESTRICTED,
        "stage": Stage.NURTURE,
        "started": 540,
        "stage_changed": 200,
        "tags": ["digital", "Scotland", "shared services", "information governance"],
        "body": (
            "<p>Councils across Scotland have agreed to work together on digital change instead of each "
            "solving the same problems alone. This network is where the officers involved share plans, "
            "standards and lessons.</p>"
            "<h2>Workstreams</h2>"
            "<ul><li>Common digital platforms for customer services</li>"
            "<li>Cyber resilience</li>"
            "<li>Information governance, including the GDPR baseline task group</li>"
            "<li>Digital skills for staff and councillors</li></ul>"
        ),
    },
    {
        "slug": "gdpr-baseline",
        "parent": "digital-partnership-scotland",
        "title": "GDPR baseline task group",
        "purpose": "A small task group agreeing a common baseline of data protection policies and templates "
        "that every Scottish council can adopt.",
        "visibility": Visibility.PRIVATE,
        "stage": Stage.PLANNING,
        "started": 14,
        "stage_changed": None,
        "tags": ["GDPR", "data protection", "information governance"],
        "body": (
            "<p>The task group brings together data protection officers from partner councils to agree one "
            "baseline set of documents.</p>"
            "<h2>Planned outputs</h2>"
            "<ol><li>A model record of processing activities</li>"
            "<li>A template data protection impact assessment</li>"
            "<li>A common approach to subject access requests</li></ol>"
            "<p>The group is private while drafts are discussed. Members of the Digital Partnership can be "
            "invited.</p>"
        ),
    },
]

# -- memberships --------------------------------------------------------------------------------------------
# (username, state, days ago, note). "facilitator" means an active facilitator. The note is the request's or
# invitation's message, or the reason a request was declined or a member removed.
# The demo user ``facilitator`` facilitates every community (see Seeder.memberships); ``member`` is an active
# member of every one. Everyone in a private sub-community is an active member of its parent, as invitations
# to a sub-community require.
FACILITATOR = "facilitator"

NEWCOMER_REQUEST = (
    "I support councillors' casework at Anytown Council and would like to learn from colleagues in "
    "Scotland before our own induction programme."
)

MEMBERSHIPS = {
    "cop-facilitators": [
        ("member", State.ACTIVE, 800, ""),
        ("sarah.bennett", FACILITATOR, 1050, ""),
        ("priya.shah", State.ACTIVE, 980, ""),
        ("iain.macleod", State.ACTIVE, 720, ""),
        ("helen.atkinson", State.ACTIVE, 610, ""),
        ("owen.jenkins", State.ACTIVE, 400, ""),
        ("rhys.morgan", State.ACTIVE, 160, ""),
        ("catriona.reid", State.ACTIVE, 40, ""),
        ("chloe.patel", State.ACTIVE, 6, ""),
        ("mark.thompson", State.LEFT, 30, ""),
        (
            "daniel.osei",
            State.REMOVED,
            90,
            "Kept posting adverts for a consultancy after being asked to stop.",
        ),
    ],
    "social-media": [
        ("member", State.ACTIVE, 220, ""),
        ("tom.hughes", FACILITATOR, 400, ""),
        ("grace.okafor", State.ACTIVE, 390, ""),
        ("emma.clarke", State.ACTIVE, 310, ""),
        ("lucy.barker", State.ACTIVE, 250, ""),
        ("gareth.lloyd", State.ACTIVE, 190, ""),
        ("eilidh.stewart", State.ACTIVE, 120, ""),
        ("sian.davies", State.ACTIVE, 55, ""),
        ("sam.whitfield", State.ACTIVE, 20, ""),
        ("niamh.kerr", State.ACTIVE, 3, ""),
        ("hannah.price", State.LEFT, 70, ""),
        ("james.whitaker", State.REMOVED, 100, "Shared screenshots of residents' posts with names visible."),
    ],
    "knowledge-management": [
        ("member", State.ACTIVE, 760, ""),
        ("david.evans", State.ACTIVE, 1400, ""),
        ("aisha.rahman", State.ACTIVE, 1200, ""),
        ("helen.atkinson", State.ACTIVE, 900, ""),
        ("alasdair.munro", State.ACTIVE, 820, ""),
        ("rachel.holt", State.ACTIVE, 500, ""),
        ("liam.doyle", State.LEFT, 40, ""),
        ("owen.jenkins", State.LEFT, 35, ""),
        ("kirsty.robertson", State.LEFT, 12, ""),
    ],
    "scottish-members-services": [
        ("member", State.ACTIVE, 400, ""),
        ("newcomer", State.REQUESTED, 1, NEWCOMER_REQUEST),
        ("morag.campbell", FACILITATOR, 890, ""),
        ("kirsty.robertson", State.ACTIVE, 850, ""),
        ("callum.fraser", State.ACTIVE, 700, ""),
        ("shona.murray", State.ACTIVE, 520, ""),
        ("ross.duncan", State.ACTIVE, 330, ""),
        ("ailsa.grant", State.ACTIVE, 210, ""),
        ("graham.sinclair", State.ACTIVE, 25, ""),
        (
            "euan.mackenzie",
            State.REQUESTED,
            4,
            "I have just started as committee services manager at "
            "Strathallan and look after councillor induction.",
        ),
        (
            "stuart.henderson",
            State.INVITED,
            9,
            "Stuart, we would value your experience of member development at Kirkmuir. Do join us.",
        ),
        (
            "emma.clarke",
            State.DECLINED,
            150,
            "This network is for officers in Scottish councils. The "
            "Social Media and Online Collaboration community may suit you better.",
        ),
        ("eilidh.stewart", State.LEFT, 80, ""),
        ("lucy.barker", State.REMOVED, 200, "Left local government; account to be closed."),
    ],
    "violence-against-women": [
        ("member", State.ACTIVE, 55, ""),
        ("catriona.reid", FACILITATOR, 74, ""),
        ("aisha.rahman", State.ACTIVE, 70, ""),
        ("hannah.price", State.ACTIVE, 66, ""),
        ("grace.okafor", State.ACTIVE, 50, ""),
        ("niamh.kerr", State.ACTIVE, 31, ""),
        (
            "chloe.patel",
            State.INVITED,
            5,
            "Chloe, you mentioned Westmarsh's domestic abuse strategy at the "
            "regional meeting. We would love you to share it here.",
        ),
        ("ailsa.grant", State.INVITED, 2, ""),
        ("helen.atkinson", State.DECLINED, 20, ""),
        ("owen.jenkins", State.LEFT, 15, ""),
        ("sam.whitfield", State.REMOVED, 10, "Shared a post from this network outside it."),
    ],
    "digital-partnership-scotland": [
        ("member", State.ACTIVE, 440, ""),
        ("alasdair.munro", FACILITATOR, 530, ""),
        ("iain.macleod", State.ACTIVE, 510, ""),
        ("shona.murray", State.ACTIVE, 480, ""),
        ("graham.sinclair", State.ACTIVE, 400, ""),
        ("callum.fraser", State.ACTIVE, 350, ""),
        ("euan.mackenzie", State.ACTIVE, 260, ""),
        ("ross.duncan", State.ACTIVE, 230, ""),
        ("niamh.kerr", State.ACTIVE, 60, ""),
        (
            "stuart.henderson",
            State.REQUESTED,
            2,
            "I lead on cyber resilience at Kirkmuir and would like to join that workstream.",
        ),
        ("ailsa.grant", State.INVITED, 12, ""),
        ("james.whitaker", State.DECLINED, 90, "The partnership is for Scottish councils only, sorry."),
        ("eilidh.stewart", State.LEFT, 110, ""),
        ("david.evans", State.REMOVED, 300, "Membership was for the pilot project, which has ended."),
    ],
    "gdpr-baseline": [
        ("member", State.ACTIVE, 12, ""),
        ("iain.macleod", FACILITATOR, 14, ""),
        ("shona.murray", State.ACTIVE, 13, ""),
        ("graham.sinclair", State.ACTIVE, 11, ""),
        ("euan.mackenzie", State.ACTIVE, 9, ""),
        (
            "callum.fraser",
            State.INVITED,
            7,
            "Callum, could you bring Glenbrae's subject access request procedure?",
        ),
        ("ross.duncan", State.DECLINED, 6, ""),
        ("niamh.kerr", State.LEFT, 4, ""),
    ],
}


#: Activity older than this (in days) is not recorded for joins: the stream shows recent arrivals only.
RECENT_JOIN_DAYS = 90

PROPOSAL = {
    "name": "Climate Emergency Officers",
    "purpose": "For officers leading their council's response to the climate emergency, to share action "
    "plans, carbon accounting methods and ways to involve residents.",
    "visibility": Visibility.OPEN,
}


# -- seeding -----------------------------------------------------------------------------------------------


class Seeder:
    """Creates whatever is missing, nothing twice. ``out`` reports each thing created, in one line."""

    def __init__(self, directory, users, password, out):
        self.directory = directory
        self.users = dict(users)
        self.password = password
        self.out = out
        self.now = timezone.now()

    def run(self):
        """Create staff, communities, memberships, activity and the proposal; return communities by slug."""
        self.staff()
        communities = {}
        for spec in COMMUNITIES:
            parent = communities[spec["parent"]] if "parent" in spec else self.directory
            communities[spec["slug"]] = self.community(parent, spec)
        recount(communities.values())
        self.proposal()
        return communities

    def ago(self, days):
        """A moment ``days`` ago, at a plausible time of day."""
        return self.now - datetime.timedelta(days=days, hours=(days * 7) % 9, minutes=(days * 13) % 60)

    # -- people ---------------------------------------------------------------------------------------------

    def staff(self):
        User = get_user_model()
        password_hash = None
        created = 0
        for first_name, last_name, council in STAFF:
            username = username_for(first_name, last_name)
            user = User.objects.filter(username=username).first()
            if user is None:
                # Hashing is slow on purpose: hash the shared demo password once for everyone.
                password_hash = password_hash or make_password(self.password)
                user = User.objects.create(
                    username=username,
                    first_name=first_name,
                    last_name=last_name,
                    email=f"{username}@{council}.example",
                    password=password_hash,
                )
                created += 1
            self.users[username] = user
        if created:
            self.out(f"Created {created} council staff users")

    # -- communities ----------------------------------------------------------------------------------------

    def community(self, parent, spec):
        existing = Page.objects.child_of(parent).filter(slug=spec["slug"]).first()
        if existing is not None:
            community = existing.specific
            self.memberships(community, spec)
            return community
        facilitator = self.users["facilitator"]
        community = CommunityPage(
            title=spec["title"],
            slug=spec["slug"],
            purpose=spec["purpose"],
            body=[("text", RichText(spec["body"]))],
            visibility=spec["visibility"],
            stage=spec["stage"],
            owner=facilitator,
        )
        # Validation (visibility and tools against the parent) needs the parent before the page has a place.
        # Tools: the registered features that are on by default (none until feature apps register some),
        # limited to the parent's, as for a community created from an approved proposal.
        community._khub_new_parent = parent.specific
        community.tools = community.default_tools()
        community.tags.add(*spec["tags"])
        parent.add_child(instance=community)
        self.out(f"Created community {community.url_path}")

        self.record(facilitator, Activity.Verb.COMMUNITY_CREATED, community, spec["started"])
        if spec["stage_changed"] is not None:
            self.record(
                facilitator,
                Activity.Verb.STAGE_CHANGED,
                community,
                spec["stage_changed"],
                summary=community.get_stage_display(),
            )
        self.memberships(community, spec)
        # Publish once the memberships exist, so the first revision already shows the community as it is.
        community.member_count = community.memberships.filter(state=State.ACTIVE).count()
        community.save_revision().publish()
        return community

    def memberships(self, community, spec):
        """Add the memberships this community lacks (changes made since, e.g. someone leaving, are kept)."""
        rows = Membership.objects.filter(community=community).values_list("user__username", flat=True)
        existing = set(rows)
        created = 0
        if "facilitator" not in existing:
            membership = services.add_facilitator(community, self.users["facilitator"])
            self.date(membership, spec["started"], spec["started"])
            created += 1
        for username, state, days, note in MEMBERSHIPS[spec["slug"]]:
            if username not in existing:
                self.membership(community, spec, self.users[username], state, days, note)
                created += 1
        if created:
            self.out(f"Created {created} memberships in {community.title}")

    def membership(self, community, spec, user, state, days, note):
        facilitator = self.users["facilitator"]
        role = Role.FACILITATOR if state == FACILITATOR else Role.MEMBER
        state = State.ACTIVE if state == FACILITATOR else state
        fields = {}
        if state == State.REQUESTED:
            fields = {"message": note}
        elif state == State.INVITED:
            fields = {"message": note, "invited_by": facilitator}
        elif state == State.DECLINED and community.visibility == Visibility.PRIVATE:
            fields = {"invited_by": facilitator}  # they declined an invitation
        elif state in (State.DECLINED, State.REMOVED):
            fields = {"decision_reason": note, "decided_by": facilitator}
        membership = Membership.objects.create(
            community=community, user=user, state=state, role=role, **fields
        )
        self.date(membership, days, spec["started"])

        if role == Role.FACILITATOR:
            self.record(user, Activity.Verb.FACILITATOR_ADDED, community, days)
        elif state == State.ACTIVE and days <= RECENT_JOIN_DAYS:
            self.record(user, Activity.Verb.JOINED, community, days)
        elif state == State.LEFT:
            self.record(user, Activity.Verb.LEFT, community, days)
        return membership

    def date(self, membership, days, started):
        """Give a seeded membership a plausible history instead of "just now"."""
        when = self.ago(days)
        if membership.state == State.ACTIVE:
            fields = {"created_at": when, "joined_at": when}
        elif membership.state in (State.LEFT, State.REMOVED):
            # They joined some time between the community's start and leaving (or being removed).
            joined = self.ago(days + max(1, (started - days) // 2))
            fields = {"created_at": joined, "joined_at": joined}
        else:
            fields = {"created_at": when}
        Membership.objects.filter(pk=membership.pk).update(updated_at=when, **fields)

    def record(self, actor, verb, community, days, summary=""):
        """Record activity as the flows do, dated when it happened in the demo's story."""
        event = activity.record(actor, verb, community, summary=summary)
        Activity.objects.filter(pk=event.pk).update(created_at=self.ago(days))
        return event

    # -- proposals ------------------------------------------------------------------------------------------

    def proposal(self):
        proposal, created = CommunityProposal.objects.get_or_create(
            name=PROPOSAL["name"],
            proposed_by=self.users["member"],
            defaults={"purpose": PROPOSAL["purpose"], "visibility": PROPOSAL["visibility"]},
        )
        if created:
            CommunityProposal.objects.filter(pk=proposal.pk).update(created_at=self.ago(2))
            self.out(f"Created community proposal {proposal.name!r}, waiting for a site admin")
        return proposal


def recount(communities):
    """Set each community's ``member_count`` to its number of active memberships where it differs."""
    for community in communities:
        actual = Membership.objects.filter(community=community, state=State.ACTIVE).count()
        CommunityPage.objects.filter(pk=community.pk).exclude(member_count=actual).update(member_count=actual)
