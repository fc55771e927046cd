"""KHUB_BASE_TEMPLATE_BLOCKS: khub pages inside a host base template whose blocks have other names.

tests/templates/other_blocks/base.html calls its blocks page_title, extra_head, main and scripts, and has
header and footer blocks khub knows nothing about.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from khub_plugin.common import context as khub_context_module
from khub_plugin.common.context import base_template, block_mapping, khub_context
from tests import factories

MAPPED = override_settings(
    KHUB_BASE_TEMPLATE="other_blocks/base.html",
    KHUB_BASE_TEMPLATE_BLOCKS={
        "title": "page_title",
        "content": "main",
        "extra_css": "extra_head",
        "extra_js": "scripts",
    },
)


def between(html, start, end):
    return html.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.django_db
def test_a_khub_page_fills_the_hosts_own_block_names(client, directory):
    community = factories.community(directory, "Quokka watchers", "open")
    person = factories.user("sam")
    factories.membership(community, person)
    client.force_login(person)
    with MAPPED:
        html = client.get("/khub/my-communities/").content.decode()
    title = between(html, "<title>", "</title>")
    assert "My communities" in title and title.endswith(" - Other intranet")
    assert "Host default title" not in title
    main = between(html, '<main id="main-content">', "</main>")
    assert 'id="khub"' in main and "Quokka watchers" in main  # the page's khub_content, through the bridge
    assert "Host default main" not in html
    head = between(html, "<head>", "</head>")
    assert head.index("/host.css") < head.index("khub_plugin/css/khub.css")  # the host's, then khub's
    assert "/host.js" in html  # scripts: the host's own content is kept
    # Blocks khub does not map show the host's own content.
    assert "Other intranet header" in html and "Other intranet footer" in html


@pytest.mark.django_db
def test_a_khub_page_with_the_default_mapping_extends_the_host_template_by_name(client, directory):
    person = factories.user("sam")
    client.force_login(person)
    assert base_template() == "base.html"
    html = client.get("/khub/my-communities/").content.decode()
    assert re.search(r"<title>\s*My communities", html)
    assert 'data-testid="host-header"' in html


def test_templates_extending_khubs_base_override_blocks_through_the_bridge():
    # A site's own override of a khub template may fill khub's blocks directly.
    child = Template(
        '{% extends "khub_plugin/base.html" %}'
        "{% block title %}Own title{% endblock %}"
        "{% block khub_content %}<p>Own content</p>{% endblock %}"
        "{% block extra_js %}{{ block.super }}<script src=/own.js></script>{% endblock %}"
    )
    request = RequestFactory().get("/")
    with MAPPED:
        html = child.render(Context({**khub_context(request), "request": request}))
    assert between(html, "<title>", "</title>") == "Own title - Other intranet"
    assert "<p>Own content</p>" in between(html, '<main id="main-content">', "</main>")
    scripts = html.split("</footer>", 1)[1]
    assert scripts.index("/host.js") < scripts.index("/own.js")


def test_only_blocks_that_differ_are_bridged_and_the_bridge_is_compiled_once():
    with override_settings(KHUB_BASE_TEMPLATE_BLOCKS={"content": "main"}):
        first = base_template()
        assert first is base_template()
        assert (
            first.source
            == '{% extends "base.html" %}{% block main %}{% block content %}{% endblock %}{% endblock %}'
        )
    with override_settings(KHUB_BASE_TEMPLATE_BLOCKS={"extra_js": "scripts"}):
        assert "{% block scripts %}{{ block.super }}{% block extra_js %}" in base_template().source
    assert khub_context_module._bridge.cache_info().currsize >= 2


def test_block_mapping_fills_in_khubs_own_names():
    assert block_mapping({"content": "main"}) == {
        "title": "title",
        "content": "main",
        "extra_css": "extra_css",
        "extra_js": "extra_js",
    }


@pytest.mark.parametrize(
    "blocks",
    [
        {"content": 'main" %}{% debug %}{% block x'},
        {"content": "main content"},
        {"content": "9lives"},
        {"content": ""},
        {"body": "main"},
        {"title": "content"},
        {"title": "head", "extra_css": "head"},
    ],
)
def test_block_names_that_are_not_identifiers_or_collide_are_refused(blocks):
    with pytest.raises(ImproperlyConfigured):
        block_mapping(blocks)


@pytest.mark.parametrize(
    "name", ['base.html" %}{% debug %}{% comment "', "base.html'", "{{ x }}.html", "a\\b"]
)
def test_a_host_template_name_cannot_inject_template_code(name):
    settings = override_settings(KHUB_BASE_TEMPLATE=name, KHUB_BASE_TEMPLATE_BLOCKS={"content": "main"})
    with settings, pytest.raises(ImproperlyConfigured):
        base_template()
