"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server, and axe-core checks
each page against WCAG 2.2 AA.

Run them with ``tox -e browser`` (docs/development.md). Nothing is fetched at run time:

- Chromium is Debian's ``chromium`` package at /usr/bin/chromium (``KHUB_CHROMIUM`` overrides the path). Never
  run ``playwright install``: it downloads a browser build of its own.
- axe-core is read from ``.cache/axe-core/node_modules/axe-core/axe.min.js`` (``KHUB_AXE_JS`` overrides the
  path), which ``tox -e browser`` puts there from the npm registry, pinned to one version.

When Playwright, Chromium or axe-core is missing these tests are skipped with a message saying what to do,
unless ``KHUB_REQUIRE_BROWSER=1`` (set by ``tox -e browser``), which turns the skip into a failure: a CI run
cannot pass "with accessibility checks" while quietly running none.

Every test under tests/browser/ is marked ``browser``; the default suite (``make test``) deselects them.
"""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_AXE_JS = REPO_ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def expect(locator):
    """Playwright's auto-waiting assertion for ``locator``. Use it after a click that submits a form: a plain
    ``is_visible()`` reads the page at once, before the next one has loaded, and fails now and then. Imported
    here, not at the top of a test module, because the default suite runs without Playwright installed."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


# Without the background-networking flags Chromium tries to reach Google's services at start-up, and on a
# closed network those connections are refused (and slow the start). --no-sandbox: CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# WCAG 2.0, 2.1 and 2.2, levels A and AA: the design's bar (docs/development.md).
WCAG_22_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

BROWSER_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # Mark every test in this folder `browser`, so a new module cannot forget it (and break `make test` on a
    # machine without Chromium). tryfirst: before pytest's own -m deselection reads the markers.
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def unavailable(reason):
    """Skip, or fail where the browser tests are required (KHUB_REQUIRE_BROWSER=1, set by tox -e browser)."""
    if os.environ.get("KHUB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (KHUB_REQUIRE_BROWSER=1: browser tests must run here)", pytrace=False)
    pytest.skip(f"{reason}: run `tox -e browser` (see docs/development.md)")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, launched once per test session through Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    executable = os.environ.get("KHUB_CHROMIUM", DEFAULT_CHROMIUM)
    if not os.access(executable, os.X_OK):
        unavailable(f"Chromium is not installed at {executable} (apt-get install chromium)")

    # Playwright's sync API keeps an asyncio event loop marked as running on the main thread while it is
    # active. Django's async-safety guard sees that loop and would refuse every ORM call that the tests and
    # fixtures make (SynchronousOnlyOperation), although the calls really are synchronous. Allow them, for as
    # long as the browser is up only.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as error:
            playwright.stop()
            unavailable(f"Chromium at {executable} did not start: {error}")
        try:
            yield browser
        finally:
            browser.close()
            playwright.stop()


@pytest.fixture(scope="session")
def axe_source():
    """The text of axe.min.js (see the module docstring for where it comes from)."""
    path = Path(os.environ.get("KHUB_AXE_JS", DEFAULT_AXE_JS))
    if not path.is_file():
        unavailable(f"axe-core is not at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def site_url(live_server, transactional_db, django_db_serialized_rollback):
    """The live server's base URL, e.g. http://localhost:41234.

    The live server answers from another thread, so the test's data must be committed: these tests run on a
    transactional database (pytest-django shares the in-memory SQLite connection with the server thread). A
    transactional test empties the tables when it ends, which would also delete the default Site and root page
    that Wagtail's migrations create; serialized rollback puts them back for the next test.
    """
    return live_server.url


@pytest.fixture
def sign_in(site_url):
    """sign_in(context, user): signs ``user`` in for a browser context, by giving it a real session cookie.

    Later tests use it to check pages as each role (non-member, member, facilitator, moderator ...).
    """
    from django.conf import settings
    from django.test import Client

    def sign_in(context, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site_url}])

    return sign_in


@pytest.fixture
def open_page(chromium, site_url, sign_in):
    """open_page(path, user=None, javascript=True, expect_status=200) -> a Playwright Page at ``path``.

    Each call has a new browser context (its own cookies), signed in as ``user`` when given.
    ``javascript=False`` loads the page with JavaScript disabled, for "works without JavaScript" checks.
    ``expect_status`` is checked against the final response after redirects (None: do not check). A
    stylesheet, script or image that does not load fails the test too: the page would look or work wrong.
    """
    contexts = []

    def open_page(path, *, user=None, javascript=True, expect_status=200):
        context = chromium.new_context(base_url=site_url, java_script_enabled=javascript)
        contexts.append(context)
        if user is not None:
            sign_in(context, user)
        page = context.new_page()
        broken = []

        def check_response(response):
            if response.status >= 400 and response.request.resource_type != "document":
                broken.append(f"{response.url} ({response.status})")

        page.on("response", check_response)
        page.on("requestfailed", lambda request: broken.append(f"{request.url} ({request.failure})"))
        response = page.goto(path)  # waits for the load event: every sub-resource has answered by then
        if expect_status is not None:
            assert response is not None, f"no response for {path}"
            assert response.status == expect_status, f"{path} answered {response.status}, not {expect_status}"
        assert not broken, f"{path}: some resources did not load: {broken}"
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def axe_check(axe_source):
    """axe_check(page, tags=WCAG_22_AA): runs axe-core on the page and fails listing every violation.

    Each violation is listed with its rule id, impact, help text and link, and the CSS target of every element
    concerned. Returns axe's full results when there is none.
    """

    def axe_check(page, *, tags=WCAG_22_AA):
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=axe_source)
        results = page.evaluate(
            "async (options) => await window.axe.run(document, options)",
            {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]},
        )
        if not any(results[kind] for kind in ("passes", "violations", "incomplete", "inapplicable")):
            pytest.fail(f"axe-core ran no rule: are the tags {tags} right?", pytrace=False)
        violations = results["violations"]
        if violations:
            version = results["testEngine"]["version"]
            lines = [
                f"axe-core {version} found {len(violations)} accessibility violation(s) on {results['url']} "
                f"(tags: {', '.join(tags)}):"
            ]
            for v in violations:
                lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
                for node in v["nodes"]:
                    # "Fix any of the following:\n  reason\n  reason" -> one line, reasons split by "; "
                    how, *reasons = [line.strip() for line in (node.get("failureSummary") or "").splitlines()]
                    lines.append(f"    {' '.join(map(str, node['target']))}  {node['html'][:120]}")
                    lines.append(f"      {how} {'; '.join(filter(None, reasons))}")
            pytest.fail("\n".join(lines), pytrace=False)
        return results

    return axe_check


@pytest.fixture
def screenshot():
    """screenshot(page, name): saves a full-page PNG as $KHUB_SCREENSHOT_DIR/<name>.png, when that is set.

    For looking at what a page shows a person, e.g. ``KHUB_SCREENSHOT_DIR=/tmp tox -e browser``.
    """

    def screenshot(page, name):
        directory = os.environ.get("KHUB_SCREENSHOT_DIR")
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return screenshot
