"""Pages pass axe-core's WCAG 2.2 AA checks in a real browser, and work with JavaScript disabled."""

import pytest

from .conftest import WCAG_22_AA, expect

pytestmark = pytest.mark.browser


def test_the_directory_passes_axe_for_signed_in_staff(
    open_page, axe_check, screenshot, site_url, directory, user
):
    page = open_page(directory.url, user=user)
    assert page.url == site_url + directory.url  # signed in: not sent to the sign-in page
    expect(page.get_by_role("heading", level=1, name="All communities")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("Find your peers.")).to_be_visible()
    screenshot(page, "khub-directory")
    axe_check(page)


def test_the_directory_works_without_javascript(open_page, site_url, directory, user):
    page = open_page(directory.url, user=user, javascript=False)
    assert page.url == site_url + directory.url
    expect(page.get_by_role("heading", level=1, name="All communities")).to_be_visible()
    expect(page.get_by_text("No communities have been set up here yet.")).to_be_visible()


def test_the_host_template_has_sound_landmarks(open_page, axe_check, directory, user):
    # tests/templates/base.html stands in for an intranet's own base template: it must not be the source of an
    # accessibility failure, so it is held to axe's best practices too (one main landmark, all content in
    # landmarks, a level-one heading, unique landmarks).
    page = open_page(directory.url, user=user)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.title() == "All communities - Test intranet"
    axe_check(page, tags=(*WCAG_22_AA, "best-practice"))


def test_the_axe_check_reports_violations_readably(open_page, axe_check, directory, user):
    # Guards the guard: a check that silently ran no rule would let every page pass.
    page = open_page(directory.url, user=user)
    # An image without alternative text, from a data: URL so that it asks the live server for nothing.
    gif = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
    page.evaluate(
        "(src) => document.querySelector('main').insertAdjacentHTML('beforeend', `<img src=\"${src}\">`)", gif
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page)
    message = str(failure.value)
    assert "image-alt [critical] Images must have alternative text" in message
    assert '    img  <img src="data:image/gif;base64,' in message
    assert "Element does not have an alt attribute;" in message
