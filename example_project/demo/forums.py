"""The demo's forum discussions: threads from the networks' own history, and a panel of them on the home page.

Every person, council and message here is fictional. ``load_demo`` calls :func:`seed_forums` after the
communities exist. It creates whatever is missing and nothing twice: a thread is identified by its title in
its community (or by its title and author in any demo community, in case a facilitator moved it), and a
thread that is already there is left alone, whatever people have done to it since.

Everything is written through :mod:`khub_plugin.forums.services`, as a member or facilitator would, with each
person's own :class:`~khub_plugin.communities.access.Access`: only active members post, only facilitators pin,
lock and hide, only a topic's author accepts an answer. Each action is then dated when it happened in the
demo's story: the rows it created (the topic, the post, the activity, the moderation log entry, the earlier
version of an edited post, the follow) are given that time, and each topic's counters are recomputed from its
posts (``services.recount``), so ``last_activity_at`` and ``last_author`` match its newest visible post.

The services' posting limits (``KHUB_POST_MIN_INTERVAL_SECONDS``, ``KHUB_POSTS_PER_DAY``) count a person's
stored posts by their creation time. Because each post is dated in the demo's past as soon as it is written,
the limits see a history spread over months rather than a burst, so they need not be switched off.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from khub_plugin.communities.access import Access
from khub_plugin.communities.models import Activity, ModerationAction
from khub_plugin.communities.services import NotAllowed
from khub_plugin.forums import services
from khub_plugin.forums.models import Post, PostRevision, Subscription, Topic


@dataclass
class Reply:
    """A reply. ``key`` names it for later replies (``parent``), answers, edits and moderation.

    ``at`` is (days ago, "HH:MM" local time). With ``quote``, the reply starts by quoting its parent, as the
    forum's Quote link does.
    """

    key: str
    author: str
    at: tuple
    body: str
    parent: str = ""
    quote: bool = False


@dataclass
class Thread:
    community: str
    title: str
    author: str
    at: tuple
    body: str
    tags: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    #: (reply key, when): the topic's author marks that reply as the answer.
    answer: tuple = ()
    #: (who, when, reason) for a facilitator's pin or lock.
    pinned: tuple = ()
    locked: tuple = ()
    #: [(reply key, who, when, reason)]: replies a facilitator hid.
    hidden: list = field(default_factory=list)
    #: [(reply key or "" for the opening post, when, new body)]: the author edited it.
    edits: list = field(default_factory=list)


SM, COP, KM = "social-media", "cop-facilitators", "knowledge-management"
SCOT, VAW = "scottish-members-services", "violence-against-women"
DIGITAL, GDPR = "digital-partnership-scotland", "gdpr-baseline"

# -- Social Media and Online Collaboration (open) ------------------------------------------------------------

HOUSE_RULES = Thread(
    SM,
    "Welcome — house rules",
    "facilitator",
    (399, "09:00"),
    "<p>Welcome to the Social Media and Online Collaboration community. We are council officers who run "
    "social media accounts and use online tools to work with residents and partners. A few house rules keep "
    "this a useful place:</p><ol><li><strong>Introduce yourself</strong> in your first post: your council "
    "and your role.</li><li><strong>No residents' names</strong>, and no screenshots that show them. "
    "Describe the situation instead.</li><li><strong>Be kind.</strong> Most of us have had a bad evening on "
    "the council's Facebook page. Disagree with ideas, not with people.</li><li><strong>No "
    "selling.</strong> Suppliers are welcome to learn and to answer questions, not to "
    "pitch.</li><li><strong>Search before you ask.</strong> If a reply solves your problem, mark it as the "
    "answer so the next person finds it.</li><li><strong>What is said here stays here</strong> unless its "
    "author agrees. Ask before you quote someone in a report.</li></ol><p>If something here worries you, "
    "tell one of the facilitators, Tom Hughes or me. We may hide a post that breaks these rules, and we "
    "always say why.</p>",
    tags=["house rules"],
    replies=[
        Reply(
            "tom",
            "tom.hughes",
            (398, "09:40"),
            "<p>Thanks, Fiona. One more from me: during an emergency (floods, snow, a major incident) please "
            "keep questions about it in one topic, so the people running the accounts can find them.</p>",
        ),
        Reply(
            "grace",
            "grace.okafor",
            (389, "11:20"),
            "<p>Grace Okafor, digital engagement officer at Anytown. I look after our consultations online "
            "and our Instagram account. Looking forward to learning from you all.</p>",
        ),
    ],
    pinned=("facilitator", (399, "09:05"), "House rules: kept at the top for newcomers."),
)

ONLINE_TOOLS = Thread(
    SM,
    "Online tools we use and love",
    "grace.okafor",
    (384, "10:12"),
    "<p>Hello all. I'm putting together a short list of the online tools our engagement team actually uses, "
    "for colleagues who are new to this. It would be good to widen it beyond Anytown.</p><p>What do you use "
    "day to day, and what do you love about it? Free or cheap tools are especially welcome, and so is "
    "honesty about the ones that didn't work out. I'll start:</p><ul><li><strong>Hootsuite</strong> for "
    "scheduling across our Facebook, X and Instagram accounts, and for the shared inbox at "
    "weekends.</li><li><strong>Doodle</strong> for finding a date for partner meetings. Much less painful "
    "than reply-all.</li><li><strong>Padlet</strong> at drop-in events, so people can add ideas from their "
    "phones.</li></ul>",
    tags=["tools", "digital engagement", "collaboration"],
    replies=[
        Reply(
            "tom",
            "tom.hughes",
            (384, "11:40"),
            "<p>Good idea, Grace. For listening rather than posting: <strong>Google Alerts</strong> on the "
            "council's name and our big projects, and saved searches for the town's name with words like "
            "“bin”, “pothole” and “flood”. It's crude, but it catches the posts that never tag us.</p>",
        ),
        Reply(
            "grace-searches",
            "grace.okafor",
            (383, "09:05"),
            "<p>Saved searches are a great shout. Do you share them across the team, or does each person "
            "keep their own?</p>",
            parent="tom",
        ),
        Reply(
            "tom-shared",
            "tom.hughes",
            (383, "09:30"),
            "<p>Shared, so whoever is on shift sees the same columns. We review them every quarter, "
            "otherwise they fill up with last year's issues.</p>",
            parent="grace-searches",
        ),
        Reply(
            "fiona",
            "facilitator",
            (380, "14:20"),
            "<p>From the facilitation side: <strong>Mentimeter</strong> or <strong>Slido</strong> for quick "
            "polls in online meetings. People who never unmute will happily vote, and it gives you something "
            "to talk about.</p>",
        ),
        Reply(
            "emma",
            "emma.clarke",
            (305, "10:45"),
            "<p>Late to this thread, but: <strong>Canva</strong>. Our comms team of three makes every "
            "graphic in it, with our brand colours and fonts set up as templates so that services can't go "
            "off-piste. Pair it with a proper alt text check, though.</p>",
        ),
        Reply(
            "lucy",
            "lucy.barker",
            (246, "16:10"),
            "<p>Another vote for Canva templates. We lock them so nobody can stretch the logo. It has saved "
            "so many arguments.</p>",
            parent="emma",
        ),
        Reply(
            "mo",
            "member",
            (214, "12:30"),
            "<p>We use <strong>Trello</strong> as a content calendar: a column per week and a card per post, "
            "with the service contact and the sign-off on the card. Not fancy, but everyone can see what is "
            "going out and what is stuck waiting for approval.</p>",
        ),
        Reply(
            "grace-trello",
            "grace.okafor",
            (214, "13:02"),
            "<p>Do you give services access to the board? When we tried that, one card got forty comments "
            "and the post went out a day late.</p>",
            parent="mo",
            quote=True,
        ),
        Reply(
            "mo-readonly",
            "member",
            (214, "15:47"),
            "<p>Read-only for services, and comments come to us by email. Harsh, but it works.</p>",
            parent="grace-trello",
        ),
        Reply(
            "gareth",
            "gareth.lloyd",
            (186, "09:15"),
            "<p>For working with partners rather than residents: <strong>Microsoft Teams</strong> shared "
            "channels with the health board and two housing associations. It took IT six weeks to agree the "
            "guest access settings, but it beats email chains. For whiteboards in workshops, "
            "<strong>Miro</strong>, though check with your information governance team first: ours wanted a "
            "data protection impact assessment.</p>",
        ),
        Reply(
            "tom-dpia",
            "tom.hughes",
            (185, "10:00"),
            "<p>Same here with the DPIA. It's worth writing one assessment for “online collaboration tools” "
            "that covers the common ground. Then each new tool is a short addendum.</p>",
            parent="gareth",
        ),
        Reply(
            "gareth-dpia",
            "gareth.lloyd",
            (185, "11:20"),
            "<p>That's a good idea. If anyone has one already, I'd love to see it.</p>",
            parent="tom-dpia",
        ),
        Reply(
            "emma-dpia",
            "emma.clarke",
            (184, "09:10"),
            "<p>I'll ask our information governance lead if I can share ours here. It has been through our "
            "data protection officer, so it might save you some time.</p>",
            parent="gareth-dpia",
        ),
        Reply(
            "eilidh",
            "eilidh.stewart",
            (115, "13:35"),
            "<p>From Glenbrae: <strong>Citizen Space</strong> for formal consultations, and a simple "
            "<strong>Microsoft Forms</strong> survey for quick “what do you think?” questions. The trick "
            "for us was being clear on our website which is which, so residents know when their answer will "
            "be reported to committee.</p>",
        ),
        Reply(
            "sian",
            "sian.davies",
            (50, "11:05"),
            "<p>Bore da from Caerwen. A Welsh angle: whatever you choose, check that it does bilingual "
            "properly. We dropped two survey tools because the Welsh version was an afterthought.</p>",
        ),
        Reply(
            "grace-welsh",
            "grace.okafor",
            (50, "12:15"),
            "<p>That's such a good point, Siân, and it goes for accessibility too. I'm adding “works in "
            "Welsh and with a screen reader” to my checklist.</p>",
            parent="sian",
        ),
        Reply(
            "sam",
            "sam.whitfield",
            (16, "15:25"),
            "<p>New here: Sam, communications at Northfield. One I'd add is a <strong>shared password "
            "manager</strong> for the team's social media logins. Not glamorous, but when someone leaves "
            "you change one password in one place, and the two-factor codes stop living on one person's "
            "phone.</p>",
        ),
        Reply(
            "tom-welcome",
            "tom.hughes",
            (16, "16:02"),
            "<p>Welcome, Sam, and yes. There's more on account security in the “Social Media Risks” "
            "topic.</p>",
            parent="sam",
        ),
        Reply(
            "grace-thanks",
            "grace.okafor",
            (9, "10:30"),
            "<p>Thank you, everyone. I've turned this topic into a one-page list for our staff intranet, "
            "grouped into listening, scheduling, creating, consulting and working with partners. Happy to "
            "share it if it's useful.</p>",
        ),
    ],
)

SOCIAL_MEDIA_RISKS = Thread(
    SM,
    "Social Media Risks",
    "emma.clarke",
    (48, "09:20"),
    "<p>Our audit committee has asked for a social media risk register, and I'd rather not start from a "
    "blank page. The risks I have so far:</p><ul><li><strong>Records management:</strong> are posts and "
    "replies council records? How long do we keep them, and could we find them for a freedom of information "
    "or subject access request?</li><li><strong>Moderating comments:</strong> what we hide, what we delete, "
    "and who decides at ten at night.</li><li><strong>Account security:</strong> shared logins, people "
    "leaving, hacked accounts.</li><li><strong>Personal data:</strong> residents posting their own details, "
    "or someone else's, in public comments.</li><li><strong>The pre-election "
    "period.</strong></li></ul><p>What have I missed, and how do you manage these?</p>",
    tags=["risk", "records management", "moderation", "policy"],
    replies=[
        Reply(
            "tom",
            "tom.hughes",
            (47, "10:05"),
            "<p>On records: our information governance team's view is that anything we publish or receive "
            "on a council account is information we hold, so freedom of information and subject access "
            "apply to it like anything else.</p><p>We don't try to keep every post forever. Our retention "
            "schedule now has a line for social media content: two years, then deleted, unless it's part of "
            "a complaint or a case, when it's saved to the case file. We export every month. The main thing "
            "is that the team knows where to look.</p>",
        ),
        Reply(
            "lucy",
            "lucy.barker",
            (47, "14:30"),
            "<p>On moderation: we publish a short comments policy and pin it on our Facebook page, so when "
            "we hide something we can point to the rule. We <em>hide</em> rather than delete in almost "
            "every case. Deleting looks like censorship, and the screenshots travel further.</p><p>We "
            "always remove abuse aimed at staff, personal details, and anything that could prejudice a "
            "court case. Whoever is on shift decides, and logs it with a reason, so there is a record if "
            "we're challenged.</p>",
        ),
        Reply(
            "mo",
            "member",
            (46, "09:15"),
            "<p>This is really helpful. Do you have a rota for out of hours, or is it best endeavours?</p>",
            parent="lucy",
            quote=True,
        ),
        Reply(
            "lucy-rota",
            "lucy.barker",
            (46, "11:00"),
            "<p>Best endeavours on weekday evenings, and a proper rota during incidents such as flooding and "
            "gritting nights. Our account bios give our hours, so residents know when to expect a reply.</p>",
            parent="mo",
        ),
        Reply(
            "gareth",
            "gareth.lloyd",
            (45, "16:20"),
            "<p>Account security is the one that bit us. A former contractor still had a login to our "
            "Instagram account eight months after leaving. Now every account is owned by a council email "
            "address, two-factor authentication is on everywhere, logins live in the team's password "
            "manager, and checking accounts is part of the leavers' process.</p>",
        ),
        Reply(
            "sam-named",
            "sam.whitfield",
            (12, "10:40"),
            "<p>We had exactly this last week. Mrs Denholm on Marsh Lane has commented on every post for a "
            "month about her missed bins. I've put the screenshots on our shared drive if anyone wants to "
            "see how we replied.</p>",
        ),
        Reply(
            "sam",
            "sam.whitfield",
            (12, "11:40"),
            "<p>Sorry, my mistake. Without the details: how do you handle one resident who comments on every "
            "post about the same complaint? We've answered them privately twice.</p>",
        ),
        Reply(
            "emma-persistent",
            "emma.clarke",
            (11, "09:30"),
            "<p>We reply once in public, pointing to the right channel, then take it to private messages. "
            "If it becomes harassment of staff, it goes through the council's unreasonable behaviour "
            "policy, not the social media team.</p>",
            parent="sam",
        ),
        Reply(
            "sian",
            "sian.davies",
            (10, "14:05"),
            "<p>On the pre-election period: we pause anything that could be seen as promoting a councillor "
            "or a policy under debate, post no photos of candidates, and answer political questions with a "
            "holding line agreed with the monitoring officer.</p><p>Write the rules down before the period "
            "starts and brief every service that has its own account. Libraries and leisure caught us out "
            "once.</p>",
        ),
        Reply(
            "emma-thanks",
            "emma.clarke",
            (5, "12:00"),
            "<p>Thank you, all of this has gone into the draft register. Tom, could this topic be pinned, so "
            "that new members find it?</p>",
        ),
    ],
    hidden=[
        (
            "sam-named",
            "tom.hughes",
            (12, "11:15"),
            "Names a resident and her street, against house rule 2. Sam, please post the question again "
            "without the details: it's a good one.",
        )
    ],
    pinned=("tom.hughes", (5, "12:40"), "A good reference on risks for new members."),
)

BARCAMP = Thread(
    SM,
    "BarCamp UKGov Web",
    "gareth.lloyd",
    (150, "13:00"),
    "<p>BarCamp UKGovWeb is back this summer, on a Saturday in Birmingham. If you haven't been: it's a free "
    "unconference for people who work on government online, or care about it. Council web teams, comms "
    "officers, developers, policy people and the odd brave councillor.</p><p>There is no agenda until the "
    "morning. Everyone who comes is asked to run or join a session, and we pitch them on a big grid on the "
    "wall. Past sessions have included content design for bin collections, running a council Instagram "
    "account, open data for beginners, and “what I wish I'd known before my first website "
    "relaunch”.</p><p>Tickets are free and are released in two batches, a month apart. Follow this topic "
    "for updates.</p>",
    tags=["BarCamp", "unconference", "events", "UKGovWeb"],
    replies=[
        Reply(
            "tom",
            "tom.hughes",
            (150, "14:10"),
            "<p>Brilliant. Anytown will send at least three of us. Do the organisers need help on the "
            "day?</p>",
        ),
        Reply(
            "gareth-help",
            "gareth.lloyd",
            (150, "15:00"),
            "<p>Yes please: volunteers for the welcome desk, and someone to keep the session grid up to "
            "date. I'll post a sign-up sheet nearer the time.</p>",
            parent="tom",
        ),
        Reply(
            "lucy",
            "lucy.barker",
            (140, "10:20"),
            "<p>Anyone travelling from the north? We could share a table on the train from Leeds.</p>",
        ),
        Reply(
            "mo",
            "member",
            (139, "09:50"),
            "<p>Count me in for the Leeds leg.</p>",
            parent="lucy",
        ),
        Reply(
            "emma",
            "emma.clarke",
            (119, "12:45"),
            "<p>A session idea, in case nobody else pitches it: “Writing for bin day”. Every council has the "
            "same content problem and we all solve it differently.</p>",
        ),
        Reply(
            "eilidh",
            "eilidh.stewart",
            (100, "16:30"),
            "<p>Is anyone running a session on social media in emergencies? I'd join it, and I'm happy to "
            "talk about our flood response in Glenbrae.</p>",
        ),
        Reply(
            "gareth-thanks",
            "gareth.lloyd",
            (60, "10:00"),
            "<p>Thank you to everyone who came: 140 people, 30 sessions and one fire alarm. Notes from each "
            "session are going up over the next week, and slides are linked from the event page. Tell us "
            "what to change for next year.</p>",
        ),
        Reply(
            "eilidh-notes",
            "eilidh.stewart",
            (59, "09:15"),
            "<p>Best day out I've had in this job. The notes from the emergencies session are up. Thanks to "
            "everyone who chipped in.</p>",
            parent="gareth-thanks",
        ),
        Reply(
            "sian",
            "sian.davies",
            (40, "11:00"),
            "<p>I missed it this year but read every note. Any chance of one in Wales? I'm sure Cardiff "
            "would host.</p>",
        ),
    ],
    edits=[
        (
            "",
            (120, "09:00"),
            "<p>BarCamp UKGovWeb is back this summer, on a Saturday in Birmingham. If you haven't been: "
            "it's a free unconference for people who work on government online, or care about it. Council "
            "web teams, comms officers, developers, policy people and the odd brave councillor.</p><p>There "
            "is no agenda until the morning. Everyone who comes is asked to run or join a session, and we "
            "pitch them on a big grid on the wall. Past sessions have included content design for bin "
            "collections, running a council Instagram account, open data for beginners, and “what I wish "
            "I'd known before my first website relaunch”.</p><p>Tickets are free and are released in two "
            "batches, a month apart. Follow this topic for updates.</p><p><strong>Update:</strong> the "
            "venue has given us two more rooms, so there will be six session tracks. The second batch of "
            "tickets goes out on the first Monday of next month.</p>",
        )
    ],
)

LIVE_COVERAGE = Thread(
    SM,
    "Live posting from council meetings: how do you staff it?",
    "member",
    (30, "10:00"),
    "<p>Anytown is starting to cover full council meetings live on social media, alongside the webcast. "
    "Meetings can run for four hours, often in the evening.</p>"
    "<p>How do other councils staff this? One officer for the whole meeting, a rota, or do you leave it to "
    "the webcast and post a summary the next morning? And who checks that what we post is politically "
    "neutral?</p>",
    tags=["council meetings", "live coverage"],
    replies=[
        Reply(
            "tom",
            "tom.hughes",
            (30, "11:20"),
            "<p>Mo, we're in the same building, so grab me for a coffee. For the last few meetings we had "
            "two people swapping every hour: one posting, one checking. Democratic services sit in the room "
            "and flag anything that needs care. We stick to facts: decisions, votes and links to the "
            "papers.</p>",
        ),
        Reply(
            "sian",
            "sian.davies",
            (29, "09:40"),
            "<p>We stopped live coverage. Now we post a short summary with the webcast link the next "
            "morning. More people engage with it, and nobody has to be there at half past ten at night.</p>",
        ),
        Reply(
            "mo",
            "member",
            (29, "12:00"),
            "<p>That's interesting. Did councillors mind losing the live coverage?</p>",
            parent="sian",
        ),
        Reply(
            "sian-leaders",
            "sian.davies",
            (29, "13:15"),
            "<p>A couple did at first. The group leaders agreed once they saw the figures.</p>",
            parent="mo",
        ),
        Reply(
            "sam",
            "sam.whitfield",
            (14, "17:05"),
            "<p>We do both: live posts only for the items residents have asked about (usually planning "
            "applications), and a summary for the rest.</p>",
        ),
    ],
)

ALT_TEXT = Thread(
    SM,
    "Alt text for infographics: any house style?",
    "niamh.kerr",
    (2, "14:40"),
    "<p>Hi all, I'm Niamh from Kirkmuir's communications team, new to the community. We post a lot of "
    "infographics (the budget, recycling rates) and our alt text is all over the place: some are one word, "
    "some are the whole infographic typed out.</p>"
    "<p>Does anyone have a house style for alt text on social media? How do you handle charts with lots of "
    "numbers?</p>",
    tags=["accessibility", "alt text"],
)

# -- CoP Facilitators' CoP (open) ----------------------------------------------------------------------------

QUIET_MEMBERS = Thread(
    COP,
    "How do you draw in quiet members?",
    "priya.shah",
    (95, "10:30"),
    "<p>Our community has 180 members and about 15 of them post. I know that's normal, but I'd like to hear "
    "from more of the other 165. What has worked for you?</p>",
    tags=["engagement", "facilitation"],
    replies=[
        Reply(
            "sarah",
            "sarah.bennett",
            (95, "12:15"),
            "<p>A few things that work for us:</p><ul><li>Ask a question only they can answer. “What does "
            "your council do about this?” gets more replies than “Any thoughts?”</li><li>Message people "
            "directly: “You mentioned this at the regional meeting. Would you share it here?”</li><li>Thank "
            "every first post in public, within a day.</li></ul><p>And don't treat readers as failures. "
            "Many of them use what they read, and that is the point.</p>",
        ),
        Reply(
            "helen",
            "helen.atkinson",
            (94, "09:00"),
            "<p>Completely agree with the last point. When we surveyed our members, most of the “quiet” ones "
            "had used something from the community at work in the past month.</p>",
            parent="sarah",
            quote=True,
        ),
        Reply(
            "iain",
            "iain.macleod",
            (93, "15:30"),
            "<p>Give people a low-stakes way in. We run a monthly “what are you working on?” topic where a "
            "one-line answer is fine. People who post once there are much more likely to post again.</p>",
        ),
        Reply(
            "rhys",
            "rhys.morgan",
            (80, "11:10"),
            "<p>Think about the time of day too. Most of our members work on the front line, so a topic "
            "started at 9 on a Monday morning dies. One started after lunch on a Thursday does much "
            "better.</p>",
        ),
        Reply(
            "catriona",
            "catriona.reid",
            (30, "14:00"),
            "<p>Newish facilitator here. I tried Iain's monthly topic in our network and got eleven replies "
            "in the first week. Thank you!</p>",
            parent="iain",
        ),
        Reply(
            "iain-great",
            "iain.macleod",
            (30, "15:20"),
            "<p>That's great to hear, Catriona.</p>",
            parent="catriona",
        ),
        Reply(
            "chloe",
            "chloe.patel",
            (4, "10:05"),
            "<p>I've just joined, and this topic is exactly what I needed. I'm about to start a community "
            "for planning officers and was worried about an empty room.</p>",
        ),
    ],
)

MEASURING_VALUE = Thread(
    COP,
    "Measuring the value of a community: what do your sponsors want to see?",
    "rhys.morgan",
    (70, "09:45"),
    "<p>Our head of service has asked me to show that the community is worth the time officers spend on it. "
    "Counting posts feels like the wrong answer. What have your sponsors found convincing?</p>",
    tags=["value", "evaluation", "sponsors"],
    replies=[
        Reply(
            "owen",
            "owen.jenkins",
            (70, "11:30"),
            "<p>Numbers alone never convinced ours. Stories did.</p>",
        ),
        Reply(
            "sarah",
            "sarah.bennett",
            (69, "10:00"),
            "<p>What worked for us is a short value story every quarter, with a simple structure:</p>"
            "<ol><li><strong>The problem</strong> a member brought to the community.</li>"
            "<li><strong>What happened</strong>: who answered, and what they shared.</li>"
            "<li><strong>The difference it made</strong>, in the member's own words and, where you can, in "
            "time or money saved.</li></ol>"
            "<p>Three or four of those a year, with the basic figures (members, active members, questions "
            "answered), is what our sponsor takes to the management team. Ask members before you use their "
            "stories.</p>",
        ),
        Reply(
            "rhys-thanks",
            "rhys.morgan",
            (69, "11:45"),
            "<p>This is exactly what I needed, thank you. I'll try it this quarter.</p>",
            parent="sarah",
        ),
        Reply(
            "mo",
            "member",
            (67, "14:20"),
            "<p>We add one more figure: questions answered within two working days. Our sponsor liked it "
            "because it's about the service members get.</p>",
        ),
    ],
    answer=("sarah", (68, "09:00")),
)

SURGERY = Thread(
    COP,
    "Facilitators' surgery: topics for next month",
    "sarah.bennett",
    (12, "09:15"),
    "<p>Next month's online surgery is on the second Tuesday, 12:30 to 13:30. What would you like to talk "
    "about? Reply with a problem from your own community, however small.</p>",
    tags=["surgery", "events"],
    replies=[
        Reply(
            "owen",
            "owen.jenkins",
            (11, "10:00"),
            "<p>Could we look at communities that are winding down? Two of ours are, and I'm not sure how to "
            "close them well.</p>",
        ),
        Reply(
            "iain",
            "iain.macleod",
            (10, "13:20"),
            "<p>Seconded. And handing a community over when its facilitator moves on.</p>",
            parent="owen",
        ),
        Reply(
            "chloe",
            "chloe.patel",
            (3, "16:00"),
            "<p>Can newcomers join the surgery, or is it for experienced facilitators?</p>",
        ),
        Reply(
            "sarah",
            "sarah.bennett",
            (3, "16:30"),
            "<p>Of course you can, Chloe: newcomers are who it's for. I'll send you the joining link.</p>",
            parent="chloe",
        ),
    ],
)

# -- Knowledge Management (open, in closedown) ---------------------------------------------------------------

WHERE_NOW = Thread(
    KM,
    "Where do we go now?",
    "david.evans",
    (470, "09:30"),
    "<p>You'll have seen the announcement: the IDeA Communities of Practice platform is closing, and "
    "communities are moving to the new Knowledge Hub over the next few months.</p><p>That raises some "
    "questions for us. What comes across: the discussions, the library, the wiki, our member list? Do "
    "members have to sign up again? And, honestly, is this the moment to move at all, or should we take the "
    "chance to ask whether the community still has a job to do?</p><p>Thoughts welcome, especially from "
    "anyone whose community has already moved.</p>",
    tags=["Knowledge Hub", "migration"],
    replies=[
        Reply(
            "aisha",
            "aisha.rahman",
            (470, "11:15"),
            "<p>From the migration briefing: discussions, the library and the member list come across "
            "automatically. Wiki pages come across as single documents, so their history is lost, and "
            "anything in personal folders stays behind. Everyone has to reactivate their account the first "
            "time they sign in.</p>",
        ),
        Reply(
            "david",
            "david.evans",
            (470, "12:00"),
            "<p>Thanks, Aisha. Losing the wiki history isn't a big deal for us. The reactivation step "
            "worries me more: we'll lose anyone who doesn't read the email.</p>",
            parent="aisha",
        ),
        Reply(
            "helen",
            "helen.atkinson",
            (469, "09:20"),
            "<p>We could nudge people personally: split the member list between us and email the people we "
            "know. It worked when our old intranet moved.</p>",
            parent="david",
        ),
        Reply(
            "alasdair",
            "alasdair.munro",
            (468, "14:45"),
            "<p>Our Scottish network moved in the first wave. Some practical tips:</p>"
            "<ul><li>Download the library before the switch, just in case.</li>"
            "<li>Tidy up first. We deleted two hundred out-of-date documents and nobody missed them.</li>"
            "<li>Tell people the new address three times: before the move, on the day, and a week after.</li>"
            "</ul>",
        ),
        Reply(
            "mo",
            "member",
            (466, "10:30"),
            "<p>On whether to move at all: I'd say yes. This is still the only place where I can ask other "
            "councils a knowledge management question and get an answer within a day.</p>",
        ),
        Reply(
            "rachel",
            "rachel.holt",
            (466, "13:00"),
            "<p>Agreed. And a move is a good time to refresh the community's purpose and its "
            "facilitators.</p>",
            parent="mo",
            quote=True,
        ),
        Reply(
            "fiona",
            "facilitator",
            (460, "09:00"),
            "<p>Thanks, all. The plan: we move in the second wave. Aisha and I will tidy the library this "
            "month, Helen and David will split the member list for personal emails, and we'll review the "
            "community's purpose after six months on the new platform.</p>",
        ),
        Reply(
            "david-done",
            "david.evans",
            (431, "16:40"),
            "<p>We're across. 86% of members reactivated in the first fortnight, thanks to the personal "
            "emails. The library is all here, and search is much better.</p>",
        ),
    ],
    locked=(
        "facilitator",
        (430, "09:30"),
        "The move is complete. Locked so that this topic stays as a record; please start a new topic for "
        "anything that still isn't right.",
    ),
)

CLOSEDOWN = Thread(
    KM,
    "Closing the community: writing up what we learned",
    "facilitator",
    (40, "10:00"),
    "<p>As you know, this community is closing at the end of the year, and most of the conversation has "
    "already moved to the CoP Facilitators' CoP. Before we archive it, I'd like us to write up what we "
    "learned in one short document that others can find.</p>"
    "<p>What should it include? Which discussions here were the most useful to you?</p>",
    tags=["closedown", "lessons learned"],
    replies=[
        Reply(
            "aisha",
            "aisha.rahman",
            (39, "09:40"),
            "<p>The discussions on keeping expertise when people retire. We still use the exit interview "
            "questions someone shared here years ago.</p>",
        ),
        Reply(
            "alasdair",
            "alasdair.munro",
            (38, "15:10"),
            "<p>And a list of who to ask now, for each subject, so the connections outlive the "
            "community.</p>",
        ),
    ],
)

# -- Scottish Members' Services Development Network (restricted) ---------------------------------------------

INDUCTION = Thread(
    SCOT,
    "Councillor induction: what goes in week one?",
    "morag.campbell",
    (60, "10:00"),
    "<p>With the next local government elections coming, we're redesigning our induction programme. Last "
    "time we crammed too much into the first week, and new councillors told us they remembered very little "
    "of it.</p><p>What do you put in week one, and what waits?</p>",
    tags=["induction", "elections"],
    replies=[
        Reply(
            "kirsty",
            "kirsty.robertson",
            (60, "14:30"),
            "<p>Week one for us is the essentials only: laptops and email, the code of conduct and "
            "registering interests (there's a deadline), who to call about casework, and a tour of the "
            "building. Everything else is spread over the first three months.</p>",
        ),
        Reply(
            "shona",
            "shona.murray",
            (59, "09:45"),
            "<p>We add a session with the chief executive and the corporate management team, mainly so that "
            "councillors can put faces to names. And each new councillor has a buddy officer.</p>",
        ),
        Reply(
            "callum",
            "callum.fraser",
            (59, "11:00"),
            "<p>We had buddies last time, and the feedback survey said they were the most valued part.</p>",
            parent="shona",
        ),
        Reply(
            "ailsa",
            "ailsa.grant",
            (45, "15:10"),
            "<p>Don't forget returning councillors. We give them a shorter “what has changed” session, so "
            "they don't sit through the basics again.</p>",
        ),
        Reply(
            "graham",
            "graham.sinclair",
            (20, "10:20"),
            "<p>Graham from Kirkmuir, new to the network. Could anyone share their induction timetable? I'm "
            "happy to share ours once it's agreed.</p>",
        ),
        Reply(
            "morag",
            "morag.campbell",
            (19, "09:00"),
            "<p>Welcome, Graham. I'll email ours to you today.</p>",
            parent="graham",
        ),
        Reply(
            "mo",
            "member",
            (18, "11:40"),
            "<p>Following with interest from south of the border: your week one list matches what our "
            "councillors asked for after the last election.</p>",
        ),
    ],
)

CASEWORK = Thread(
    SCOT,
    "Casework systems: has anyone moved off spreadsheets?",
    "ross.duncan",
    (15, "13:30"),
    "<p>Councillors' casework at Strathallan is still tracked in a shared spreadsheet. It works, just, but "
    "we can't see how long enquiries take, and access control is all or nothing. Has anyone moved to a "
    "proper system? Bought, or built on something you already had?</p>",
    tags=["casework", "systems"],
    replies=[
        Reply(
            "ailsa",
            "ailsa.grant",
            (14, "10:00"),
            "<p>We built ours on the council's existing customer relationship management system. It took a "
            "few months, but councillors can now see where each enquiry is without phoning us.</p>",
        ),
        Reply(
            "kirsty",
            "kirsty.robertson",
            (13, "15:45"),
            "<p>Whatever you choose, agree the retention period first. Casework is full of personal data, "
            "and the spreadsheet probably holds years more than it should.</p>",
        ),
    ],
)

# -- Violence Against Women Network (private) ----------------------------------------------------------------

SIXTEEN_DAYS = Thread(
    VAW,
    "16 Days of Action: sharing our plans",
    "catriona.reid",
    (45, "10:00"),
    "<p>The 16 Days of Action campaign runs every year from 25 November to 10 December. Could we share what "
    "each council is planning, so that we can borrow ideas and avoid clashing with partners' events?</p>"
    "<p>Please keep to plans and materials here. No case details, as always.</p>",
    tags=["16 Days of Action", "campaigns"],
    replies=[
        Reply(
            "aisha",
            "aisha.rahman",
            (44, "09:30"),
            "<p>Borsetshire: a lunchtime briefing for all managers on recognising domestic abuse among "
            "staff, and we relaunch our HR policy on the first day.</p>",
        ),
        Reply(
            "hannah",
            "hannah.price",
            (44, "14:10"),
            "<p>Anytown: we're lighting the civic centre orange, and the local Women's Aid service will "
            "have a stall in the market.</p>",
        ),
        Reply(
            "grace",
            "grace.okafor",
            (40, "11:00"),
            "<p>Hannah, I can help with the social media side. Our series of posts last year went well, and "
            "the helpline numbers were shared widely.</p>",
            parent="hannah",
        ),
        Reply(
            "niamh",
            "niamh.kerr",
            (20, "16:00"),
            "<p>Kirkmuir is asking every councillor to sign the White Ribbon pledge. I'm happy to share the "
            "wording we used.</p>",
        ),
    ],
)

# -- Digital Partnership for Scottish Local Government (restricted) ------------------------------------------

CYBER_EXERCISE = Thread(
    DIGITAL,
    "Cyber exercise with suppliers: has anyone run one?",
    "euan.mackenzie",
    (40, "10:30"),
    "<p>We're planning a tabletop exercise for a ransomware attack and want to include our two biggest "
    "suppliers: revenues and benefits, and housing. Has anyone run an exercise with a supplier? How did you "
    "get them to take part, and what did you learn?</p>",
    tags=["cyber resilience", "exercises"],
    replies=[
        Reply(
            "iain",
            "iain.macleod",
            (40, "13:00"),
            "<p>We ran one last year with our social care system's supplier. Get it into the contract if you "
            "can: ours agreed because the contract has a business continuity clause. The biggest lesson was "
            "that nobody knew who at the supplier could authorise taking the system offline.</p>",
        ),
        Reply(
            "niamh",
            "niamh.kerr",
            (38, "09:45"),
            "<p>We started from the National Cyber Security Centre's Exercise in a Box scenarios. It saved "
            "us weeks of planning.</p>",
        ),
        Reply(
            "alasdair",
            "alasdair.munro",
            (37, "15:00"),
            "<p>The partnership could run one for several councils that share a supplier. I'll raise it at "
            "the next board.</p>",
            parent="niamh",
        ),
    ],
)

# -- GDPR baseline task group (private, inside the Digital Partnership) --------------------------------------

LAWFUL_BASIS = Thread(
    GDPR,
    "Record of processing: one lawful basis per activity, or per purpose?",
    "graham.sinclair",
    (8, "09:40"),
    "<p>I'm starting on our first output, the model record of processing activities. Our current record has "
    "one row per service, each with a single lawful basis. That falls apart for something like council tax, "
    "where we bill and collect under a legal obligation but also use the data to prevent fraud.</p>"
    "<p>Should the baseline have one row per processing activity, with one lawful basis, or one row per "
    "purpose within each activity? I'd like us to agree this before we draft anything.</p>",
    tags=["record of processing", "lawful basis", "GDPR"],
    replies=[
        Reply(
            "euan",
            "euan.mackenzie",
            (8, "11:15"),
            "<p>We hit exactly this. Our row-per-service record was no help when a subject access request "
            "came in about council tax. I'd vote for something more detailed, but services have to be able "
            "to use the record, not just us.</p>",
        ),
        Reply(
            "shona",
            "shona.murray",
            (7, "10:05"),
            "<p>I'd go for <strong>one row per purpose</strong>, grouped under each processing activity. So "
            "council tax is one activity, with a row for billing and collection, one for fraud prevention, "
            "and one for each sharing we are required to do. Each row has its own lawful "
            "basis.</p><p>Why:</p><ul><li>A lawful basis belongs to a purpose, not to a service, so one "
            "basis per service is wrong as soon as data is reused.</li><li>Article 30 asks for the purposes "
            "anyway, and rows per purpose make privacy notices and subject access requests much easier to "
            "answer.</li><li>Where we rely on a condition in Schedule 1 to the Data Protection Act 2018 for "
            "special category or criminal offence data, the record also has to show the condition and "
            "whether our appropriate policy document was followed. That only works per "
            "purpose.</li></ul><p>To keep it usable, each service sees a filtered view of its own "
            "activities. The full record is for the data protection officer.</p>",
        ),
        Reply(
            "graham",
            "graham.sinclair",
            (7, "11:30"),
            "<p>That's clear, thank you, Shona. The filtered view answers Euan's point too.</p>",
            parent="shona",
        ),
        Reply(
            "iain",
            "iain.macleod",
            (7, "14:00"),
            "<p>Agreed. I'll set up draft 0.2 of the template with activity and purpose columns and share it "
            "here.</p>",
        ),
        Reply(
            "mo",
            "member",
            (6, "10:20"),
            "<p>This is useful well beyond Scotland. Would the group be happy for the template to be shared "
            "with councils in England once it's agreed?</p>",
            parent="shona",
            quote=True,
        ),
        Reply(
            "iain-share",
            "iain.macleod",
            (6, "12:00"),
            "<p>I don't see why not, once the partnership board has signed it off.</p>",
            parent="mo",
        ),
    ],
    answer=("shona", (7, "11:25")),
)

DRAFT_RECORD = Thread(
    GDPR,
    "Draft 0.2 of the model record is ready for comments",
    "iain.macleod",
    (5, "09:30"),
    "<p>Draft 0.2 of the model record of processing activities is ready, with activity and purpose columns "
    "as we agreed. I've emailed it to the group. Please add comments by the end of next week, then we'll "
    "turn to the template data protection impact assessment.</p>",
    tags=["record of processing", "drafts"],
    replies=[
        Reply(
            "euan",
            "euan.mackenzie",
            (4, "15:00"),
            "<p>Thanks, Iain. I'll test it against our council tax and housing rows and report back.</p>",
        ),
    ],
)

THREADS = [
    HOUSE_RULES,
    ONLINE_TOOLS,
    SOCIAL_MEDIA_RISKS,
    BARCAMP,
    LIVE_COVERAGE,
    ALT_TEXT,
    QUIET_MEMBERS,
    MEASURING_VALUE,
    SURGERY,
    WHERE_NOW,
    CLOSEDOWN,
    INDUCTION,
    CASEWORK,
    SIXTEEN_DAYS,
    CYBER_EXERCISE,
    LAWFUL_BASIS,
    DRAFT_RECORD,
]

#: Rows an action writes that carry its time in ``created_at``.
DATED = (Topic, Post, Activity, ModerationAction, PostRevision, Subscription)

DISCUSSIONS_PANEL = {"heading": "Latest in my communities", "community": None, "count": 5}


# -- seeding -----------------------------------------------------------------------------------------------


def seed_forums(communities, users, out):
    """Create the demo threads that are missing (``communities`` and ``users`` by slug and username)."""
    ForumSeeder(communities, users, out).run()


def add_discussions_panel(home, out):
    """Put a "Latest in my communities" panel first on the home page, unless it has a discussions panel."""
    if any(block.block_type == "discussions" for block in home.panels):
        return
    home.panels = [("discussions", DISCUSSIONS_PANEL), *((b.block_type, b.value) for b in home.panels)]
    home.save_revision().publish()
    out("Added a 'Latest in my communities' discussions panel to the home page")


class ForumSeeder:
    def __init__(self, communities, users, out):
        self.communities = communities
        self.users = dict(users)
        self.out = out
        self.now = timezone.localtime()
        self.policies = {}

    def run(self):
        created = {}
        for thread in THREADS:
            community = self.communities[thread.community]
            if self.exists(community, thread):
                continue
            try:
                with transaction.atomic():  # a thread is written whole or not at all
                    replies = self.thread(community, thread)
            except NotAllowed:
                self.out(
                    f"Skipped the demo topic {thread.title!r} in {community.title}: one of its authors "
                    "is no longer an active member"
                )
                continue
            topics, count = created.get(community, (0, 0))
            created[community] = (topics + 1, count + replies)
        for community, (topics, replies) in created.items():
            self.out(
                f"Created {topics} forum topic{'s' if topics != 1 else ''} ({replies} "
                f"repl{'ies' if replies != 1 else 'y'}) in {community.title}"
            )

    def exists(self, community, thread):
        """Whether the thread is there already: its title in its community, or by its author in any demo
        community (a facilitator may have moved it)."""
        topics = Topic.objects.filter(title=thread.title)
        return (
            topics.filter(community=community).exists()
            or topics.filter(
                author__username=thread.author, community__in=list(self.communities.values())
            ).exists()
        )

    def when(self, at):
        """(days ago, "HH:MM") as an aware local time: in the past, as demo times are a day ago or more."""
        days, clock = at
        if days < 1:
            raise ValueError("Demo forum times are at least a day ago, so that they are never in the future.")
        hour, minute = (int(part) for part in clock.split(":"))
        day = self.now - datetime.timedelta(days=days)
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)

    def user(self, username):
        if username not in self.users:
            self.users[username] = get_user_model().objects.get(username=username)
        return self.users[username]

    def policy(self, username):
        """The person's access policy: what they may do is decided exactly as on the site."""
        if username not in self.policies:
            self.policies[username] = Access(self.user(username))
        return self.policies[username]

    @contextmanager
    def dated(self, at):
        """Give every row written inside the block the demo time ``at`` instead of "now"."""
        marks = {model: model.objects.aggregate(last=Max("pk"))["last"] or 0 for model in DATED}
        yield
        when = self.when(at)
        for model, mark in marks.items():
            model.objects.filter(pk__gt=mark).update(created_at=when)

    def thread(self, community, thread):
        """Write one thread with its replies, answer, edits and moderation; return how many replies."""
        times = [self.when(thread.at)] + [self.when(r.at) for r in thread.replies]
        if times != sorted(times):
            raise ValueError(f"The replies of {thread.title!r} are not in time order.")
        with self.dated(thread.at):
            topic = services.start_topic(
                self.policy(thread.author), community, thread.title, thread.body, thread.tags
            )
        posts = {"": topic.opening_post}
        for item in thread.replies:
            parent = posts[item.parent] if item.parent else None
            body = item.body
            if item.quote:
                # As the Quote link starts a reply, less the empty paragraph left there for the cursor.
                body = services.quote(parent).removesuffix("<p></p>") + body
            with self.dated(item.at):
                posts[item.key] = services.reply(self.policy(item.author), topic, body, parent=parent)

        for key, at, body in thread.edits:
            post = posts[key]
            post.refresh_from_db()
            with self.dated(at):
                services.edit_post(self.policy(post.author.username), post, body)
            Post.objects.filter(pk=post.pk).update(edited_at=self.when(at))
        if thread.answer:
            key, at = thread.answer
            with self.dated(at):
                services.accept_answer(self.policy(thread.author), posts[key])
        for key, moderator, at, reason in thread.hidden:
            with self.dated(at):
                services.set_post_hidden(self.policy(moderator), posts[key], True, reason)
        if thread.pinned:
            moderator, at, reason = thread.pinned
            with self.dated(at):
                services.set_pinned(self.policy(moderator), topic, True, reason)
        if thread.locked:
            moderator, at, reason = thread.locked
            with self.dated(at):
                services.set_locked(self.policy(moderator), topic, True, reason)
        # Replies, last activity and last author from the (now dated) visible posts.
        services.recount([topic.pk])
        return len(thread.replies)
