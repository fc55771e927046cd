"""The forum's pages pass axe (WCAG 2.2 AA) for the roles that use them; the editor works with JavaScript and
posting works without it."""

import pytest

from khub_plugin.communities.access import Access
from khub_plugin.forums import services
from khub_plugin.forums.models import Post, Topic
from tests import factories

from .conftest import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def forum(site_url, directory):
    community = factories.community(directory, "Social Media", "restricted", slug="social", tools=["forum"])
    fac = factories.user("fac", last_name="Example")
    member = factories.user("member", last_name="Example")
    factories.membership(community, fac, "active", "facilitator")
    factories.membership(community, member, "active")
    topic = factories.topic(
        community,
        member,
        "Online tools we use and love",
        body="<p>Which <strong>tools</strong> do you use?</p>",
        tags=["tools"],
    )
    first = services.reply(Access(fac), topic, "<p>We use a <a href='https://example.org'>blog</a>.</p>")
    services.reply(
        Access(member), topic, "<blockquote><p>We use a blog.</p></blockquote><p>Us too.</p>", first
    )
    reply = services.reply(Access(member), topic, "<p>A reply of mine.</p>")
    services.accept_answer(Access(member), first)
    services.set_pinned(Access(fac), topic, True, "Popular")
    services.edit_post(Access(fac), first, "<p>We use a blog and a wiki.</p>")
    return {
        "community": community,
        "topic": Topic.objects.get(pk=topic.pk),
        "fac": fac,
        "member": member,
        "reply": reply,
        "edited": first,
    }


def forum_path(world, suffix=""):
    return world["community"].url + "forum/" + suffix


PAGES = [
    # (who, where, what must be on the page)
    ("member", lambda w: forum_path(w), "Online tools we use and love"),
    ("member", lambda w: forum_path(w, "?q=nothing-matches"), "No topics match"),
    ("member", lambda w: forum_path(w, f"{w['topic'].pk}/"), "Accepted answer"),
    ("fac", lambda w: forum_path(w, f"{w['topic'].pk}/"), "Moderate this topic"),
    ("member", lambda w: forum_path(w, "new/"), "Start a topic"),
    (
        "member",
        lambda w: forum_path(w, f"{w['topic'].pk}/reply/?quote={w['topic'].answer_id}"),
        "Replying to",
    ),
    ("fac", lambda w: forum_path(w, f"{w['topic'].pk}/hide/"), "Reason"),
    ("fac", lambda w: forum_path(w, f"{w['topic'].pk}/move/"), "Move this topic"),
    ("fac", lambda w: w["community"].url + "manage/moderation/", "Popular"),
    ("member", lambda w: w["community"].url, "Latest discussions"),
    ("member", lambda w: forum_path(w, "?show=unanswered&sort=title&per_page=10"), "No topics"),
    ("member", lambda w: forum_path(w, f"posts/{w['topic'].opening_post_id}/edit/"), "Save changes"),
    ("member", lambda w: forum_path(w, f"posts/{w['reply'].pk}/delete/"), "Delete"),
    ("fac", lambda w: forum_path(w, f"posts/{w['edited'].pk}/history/"), "Earlier versions"),
    ("fac", lambda w: forum_path(w, f"posts/{w['reply'].pk}/hide/"), "Reason"),
    ("member", lambda w: "/khub/search/?q=tools", "Online tools we use and love"),
    ("member", lambda w: "/khub/my/feeds/", "Social Media"),
    ("member", lambda w: "/khub/whats-happening/", "Online tools we use and love"),
]


@pytest.mark.parametrize("who, where, expected", PAGES, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAGES)])
def test_forum_page_passes_axe(open_page, axe_check, forum, who, where, expected):
    page = open_page(where(forum), user=forum[who])
    expect(page.get_by_text(expected).first).to_be_visible()
    axe_check(page)


def test_the_editor_formats_and_posts_a_topic(open_page, axe_check, forum, screenshot):
    page = open_page(forum_path(forum, "new/"), user=forum["member"])
    page.get_by_label("Title").fill("BarCamp UKGov Web")
    editor = page.get_by_role("textbox", name="Message")
    expect(editor).to_be_visible()  # the textarea became the editor
    axe_check(page)
    editor.click()
    page.keyboard.type("Who is going? ")
    page.get_by_role("button", name="Bold").click()
    page.keyboard.type("Sign up soon")
    screenshot(page, "khub-forum-editor")
    page.get_by_role("button", name="Post topic").click()
    expect(page.get_by_role("heading", level=1, name="BarCamp UKGov Web")).to_be_visible()
    body = Topic.objects.get(title="BarCamp UKGov Web").opening_post.body
    assert "<strong>Sign up soon</strong>" in body


def test_replying_and_previewing_work_without_javascript(open_page, forum, screenshot):
    page = open_page(forum_path(forum, f"{forum['topic'].pk}/"), user=forum["fac"], javascript=False)
    box = page.get_by_label("Your reply")
    box.fill("First paragraph.\n\nSecond <script>alert(1)</script> paragraph.")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    assert Post.objects.filter(body__contains="First paragraph").count() == 0
    screenshot(page, "khub-forum-preview")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply has been posted.")).to_be_visible()
    post = Post.objects.get(body__contains="First paragraph")
    assert post.body.startswith("<p>First paragraph.</p><p>Second") and "script" not in post.body


def test_the_topic_page_reads_well_on_a_small_screen(open_page, forum, screenshot):
    page = open_page(forum_path(forum, f"{forum['topic'].pk}/"), user=forum["member"])
    page.set_viewport_size({"width": 360, "height": 740})
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    screenshot(page, "khub-forum-topic-mobile")
    assert not overflow


def test_a_plain_message_is_edited_as_plain_text_without_javascript(open_page, forum):
    post = services.reply(Access(forum["member"]), forum["topic"], "First paragraph.\n\nSecond & last.")
    page = open_page(forum_path(forum, f"posts/{post.pk}/edit/"), user=forum["member"], javascript=False)
    box = page.get_by_label("Message")
    assert box.input_value() == "First paragraph.\n\nSecond & last."  # no <p> tags to step around
    box.fill(box.input_value() + "\n\nAdded later.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes have been saved.")).to_be_visible()
    body = Post.objects.get(pk=post.pk).body
    assert body == "<p>First paragraph.</p><p>Second &amp; last.</p><p>Added later.</p>"


def test_the_editor_shows_a_plain_message_as_its_paragraphs(open_page, forum):
    post = services.reply(Access(forum["member"]), forum["topic"], "First paragraph.\n\nSecond & last.")
    page = open_page(forum_path(forum, f"posts/{post.pk}/edit/"), user=forum["member"])
    editor = page.get_by_role("textbox", name="Message")
    expect(editor.locator("p")).to_have_count(2)
    expect(editor.locator("p").nth(1)).to_have_text("Second & last.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your changes have been saved.")).to_be_visible()
    assert Post.objects.get(pk=post.pk).body == "<p>First paragraph.</p><p>Second &amp; last.</p>"
