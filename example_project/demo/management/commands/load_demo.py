"""Load the Anytown Council intranet's demo data. Safe to run again: it creates nothing twice."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from home.models import HomePage, StandardPage
from wagtail.models import Page, Site

from demo.communities import STAFF, Seeder
from demo.forums import add_discussions_panel, seed_forums
from demo.news import seed_news
from khub_plugin.communities.models import CommunityIndexPage

DEMO_PASSWORD = "khub-demo"  # noqa: S105  (demo data only, printed at start)

USERS = [
    # username, first name, last name, role in the demo, superuser
    ("admin", "Ada", "Admin", "site administrator (Wagtail admin, every community)", True),
    (
        "facilitator",
        "Fiona",
        "Facilitator",
        "facilitates every demo community: requests, invitations, members, stage (the Manage tab); "
        "moderates the forums (pin, lock, hide, move)",
        False,
    ),
    (
        "member",
        "Mo",
        "Member",
        "an active member of every demo community, the private ones too; proposed a new community; "
        "asked a forum question in Social Media and Online Collaboration",
        False,
    ),
    (
        "newcomer",
        "Nia",
        "Newcomer",
        "in no community yet; has asked to join the Scottish Members' Services Development Network",
        False,
    ),
]

PAGES = [
    (
        "News and announcements",
        "news",
        "What is happening across Anytown Council this week.",
        "<p>The council's budget consultation opens on Monday. Staff briefings run in the Civic Centre "
        "all week.</p>",
    ),
    (
        "HR and policies",
        "hr-and-policies",
        "Leave, flexible working, expenses and the staff handbook.",
        "<p>Find the staff handbook, the flexible working policy and how to claim expenses.</p>",
    ),
    (
        "IT help",
        "it-help",
        "Passwords, laptops, phones and how to reach the service desk.",
        "<p>Call the IT service desk on extension 4357 or raise a ticket on the service portal.</p>",
    ),
]


class Command(BaseCommand):
    help = "Load the demo intranet's pages, users and communities (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            home = self.home_page()
            for title, slug, description, body in PAGES:
                self.child_page(
                    home, StandardPage, slug, title=title, search_description=description, body=body
                )
            directory = self.child_page(
                home,
                CommunityIndexPage,
                "communities",
                title="Communities",
                search_description="Communities of practice: find peers, ask, answer and share.",
                intro="<p>Communities of practice bring together staff who share a job or an interest, "
                "across services and across councils.</p>",
            )
            created = [self.user(*row) for row in USERS]
            users = {user.username: user for _username, _role, _created, user in created}
            # Communities of practice under "Communities", with members in every state, some history in
            # "What's happening", and a proposal waiting for a site admin.
            communities = Seeder(directory, users, DEMO_PASSWORD, self.stdout.write).run()
            # Forum threads from the networks' history, written by their members, some moderated.
            seed_forums(communities, users, self.stdout.write)
            seed_news(communities, home, self.stdout.write)
            add_discussions_panel(home, self.stdout.write)
        self.print_sign_ins(created)

    def home_page(self):
        site = Site.objects.get(is_default_site=True)
        home = site.root_page.specific
        if not isinstance(home, HomePage):
            raise SystemExit(
                "The default site's root page is not the intranet's HomePage; run migrate first."
            )
        if not home.body:
            home.title = "Anytown Council intranet"
            home.intro = "<p>Welcome to the staff intranet of Anytown Council.</p>"
            home.body = (
                "<p>Find council news, policies and IT help, and join a community of practice to work with "
                "colleagues in other services and other councils.</p>"
            )
            home.save_revision().publish()
        return home

    def child_page(self, parent, model, slug, **fields):
        """Create the page under ``parent`` unless a page with this slug is already there."""
        existing = Page.objects.child_of(parent).filter(slug=slug).first()
        if existing:
            return existing.specific
        page = model(slug=slug, show_in_menus=True, **fields)
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.stdout.write(f"Created page {page.url_path}")
        return page

    def user(self, username, first_name, last_name, role, superuser):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@anytown.example",
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return username, role, created, user

    def print_sign_ins(self, users):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Anytown Council intranet demo: http://127.0.0.1:8000/"))
        self.stdout.write("Staff sign-in: http://127.0.0.1:8000/accounts/login/   Wagtail admin: /admin/")
        self.stdout.write(f"Demo users (password for all: {DEMO_PASSWORD}; demo data only):")
        for username, role, _created, _user in users:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(
            f"  and {len(STAFF)} fictional council staff with the same password, e.g. sarah.bennett and "
            "morag.campbell (facilitators too)"
        )
        self.stdout.write("")
