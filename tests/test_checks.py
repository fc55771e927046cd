"""System checks catch host settings under which khub would be broken or unsafe."""

from unittest import mock

import pytest
from django.apps import apps
from django.core.checks import run_checks
from django.template import Context, Template
from django.template.loader import get_template
from django.test import override_settings

from khub_plugin import checks
from khub_plugin.common.context import khub_context
from tests.settings import TEMPLATES


def khub_check_ids():
    return sorted(
        message.id
        for message in run_checks(include_deployment_checks=False)
        if message.id.startswith("khub.")
    )


def test_the_test_site_passes_every_check(db):
    assert khub_check_ids() == []


@override_settings(KHUB_BASE_TEMPLATE="no/such/base.html")
def test_missing_base_template_is_an_error():
    assert khub_check_ids() == ["khub.E002"]


def test_broken_base_template_is_reported_not_raised(tmp_path):
    (tmp_path / "broken.html").write_text("{% load no_such_library %}")
    templates = [{**TEMPLATES[0], "DIRS": [tmp_path, *TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=templates, KHUB_BASE_TEMPLATE="broken.html"):
        assert khub_check_ids() == ["khub.E004"]


@override_settings(KHUB_ALLOW_ANONYMOUS="False")
def test_anonymous_setting_must_be_a_real_boolean():
    assert khub_check_ids() == ["khub.E003"]


@override_settings(WAGTAILDOCS_SERVE_METHOD="direct")
def test_documents_served_directly_is_a_warning():
    assert khub_check_ids() == ["khub.W002"]


def test_missing_request_context_processor_is_a_warning():
    options = {**TEMPLATES[0]["OPTIONS"]}
    options["context_processors"] = [
        p for p in options["context_processors"] if p != "django.template.context_processors.request"
    ]
    with override_settings(TEMPLATES=[{**TEMPLATES[0], "OPTIONS": options}]):
        assert khub_check_ids() == ["khub.W001"]


def test_missing_required_apps_are_errors():
    # Re-initialising the app registry would remount Wagtail's API, so hide apps from the check instead.
    configs = [c for c in apps.get_app_configs() if c.name not in ("taggit", "khub_plugin.common")]
    with mock.patch.object(apps, "get_app_configs", return_value=configs):
        errors = checks.check_installed_apps()
    assert [e.id for e in errors] == ["khub.E001", "khub.E001"]
    assert "'khub_plugin.common'" in errors[0].msg and "'taggit'" in errors[1].msg


def test_missing_khub_urls_are_an_error(settings):
    settings.ROOT_URLCONF = "wagtail.urls"  # a site that forgot step 3 of the installation guide
    assert khub_check_ids() == ["khub.E005"]


# -- the host base template's blocks (khub.E006, khub.W003, khub.E008) -------------------------------------


def _with_templates(tmp_path, files, **settings):
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    templates = [{**TEMPLATES[0], "DIRS": [tmp_path, *TEMPLATES[0]["DIRS"]]}]
    return override_settings(TEMPLATES=templates, **settings)


def check_messages():
    return sorted(
        (message.id, message.msg)
        for message in run_checks(include_deployment_checks=False)
        if message.id.startswith("khub.")
    )


def test_a_base_template_without_content_and_scripts_blocks(tmp_path):
    files = {"host.html": "<title>{% block title %}{% endblock %}</title>{% block extra_css %}{% endblock %}"}
    with _with_templates(tmp_path, files, KHUB_BASE_TEMPLATE="host.html"):
        messages = check_messages()
    assert [id_ for id_, _ in messages] == ["khub.E006", "khub.W003"]
    assert "no block 'content'" in messages[0][1] and "extra_css, title" in messages[0][1]
    assert "no block 'extra_js'" in messages[1][1]


def test_blocks_are_found_through_what_the_base_template_extends(tmp_path):
    files = {
        "root.html": "{% block title %}{% endblock %}{% block extra_css %}{% endblock %}"
        "{% block body %}{% endblock %}",
        # "content" only renders because this child fills "body" with it; "extra_js" here renders nowhere.
        "middle.html": '{% extends "root.html" %}'
        "{% block body %}{% block content %}{% endblock %}{% endblock %}{% block extra_js %}{% endblock %}",
    }
    with _with_templates(tmp_path, files, KHUB_BASE_TEMPLATE="middle.html"):
        assert khub_check_ids() == ["khub.W003"]
        assert checks.rendered_blocks(get_template("middle.html").template) == {
            "title",
            "extra_css",
            "body",
            "content",
        }


def test_blocks_are_checked_under_their_mapped_names(tmp_path):
    mapped = {"title": "page_title", "content": "main", "extra_css": "extra_head", "extra_js": "scripts"}
    with override_settings(KHUB_BASE_TEMPLATE="other_blocks/base.html"):
        assert khub_check_ids() == ["khub.E006", "khub.E006", "khub.W003", "khub.W003"]
        with override_settings(KHUB_BASE_TEMPLATE_BLOCKS=mapped):
            assert khub_check_ids() == []
        with override_settings(KHUB_BASE_TEMPLATE_BLOCKS={**mapped, "content": "mian"}):
            messages = check_messages()
            assert [id_ for id_, _ in messages] == ["khub.E006"]
            assert "'mian' (for khub's 'content')" in messages[0][1]


def test_a_host_block_named_like_a_mapped_khub_block_is_a_warning(tmp_path):
    files = {
        "host.html": "{% block title %}{% endblock %}{% block extra_css %}{% endblock %}"
        "{% block main %}{% endblock %}<aside>{% block content %}{% endblock %}</aside>"
        "{% block extra_js %}{% endblock %}"
    }
    with _with_templates(
        tmp_path, files, KHUB_BASE_TEMPLATE="host.html", KHUB_BASE_TEMPLATE_BLOCKS={"content": "main"}
    ):
        messages = check_messages()
        assert [id_ for id_, _ in messages] == ["khub.W004"]
        assert "has a block 'content' of its own" in messages[0][1]
        # It is real: the page's content shows in the host's own "content" block too.
        html = Template(
            '{% extends "khub_plugin/base.html" %}'
            "{% block khub_title %}T{% endblock %}{% block khub_content %}KHUB{% endblock %}"
        ).render(Context(khub_context(None)))
        assert html.count("KHUB") == 2


def test_a_base_template_extending_a_variable_is_not_guessed(tmp_path):
    files = {"dynamic.html": "{% extends layout %}"}
    with _with_templates(tmp_path, files, KHUB_BASE_TEMPLATE="dynamic.html"):
        assert khub_check_ids() == []


@pytest.mark.parametrize(
    "blocks",
    [
        {"content": "main content"},
        {"content": "main %}{% load evil %}{% block x"},
        {"contents": "main"},
        {"content": "extra_js"},
        {"content": "main", "title": "main"},
        {"content": 3},
        ["main"],
    ],
)
def test_a_wrong_block_mapping_is_an_error(blocks):
    with override_settings(KHUB_BASE_TEMPLATE_BLOCKS=blocks):
        assert khub_check_ids() == ["khub.E008"]


def test_any_template_name_is_fine_without_a_mapping(tmp_path):
    # Not "#": from Django 6.0 "name.html#part" names a template partial, not a file.
    files = {"it's (1).html": "{% block title %}{% endblock %}{% block content %}{% endblock %}"
             "{% block extra_css %}{% endblock %}{% block extra_js %}{% endblock %}"}  # fmt: skip
    with _with_templates(tmp_path, files, KHUB_BASE_TEMPLATE="it's (1).html"):
        assert khub_check_ids() == []


def test_a_base_template_name_that_could_inject_template_code_is_an_error():
    mapped = {"content": "main"}
    with override_settings(
        KHUB_BASE_TEMPLATE='base.html" %}{% debug %}{% comment "', KHUB_BASE_TEMPLATE_BLOCKS=mapped
    ):
        assert "khub.E008" in khub_check_ids()


# -- khub's URLs shadowed by a catch-all (khub.E007) -------------------------------------------------------


def test_khub_urls_after_wagtails_catch_all_are_an_error(settings):
    settings.ROOT_URLCONF = "tests.urls_shadowed"
    messages = check_messages()
    assert [id_ for id_, _ in messages] == ["khub.E007"]
    assert "/khub/search/ is answered by wagtail.views.serve" in messages[0][1]


def test_khub_urls_after_any_other_catch_all_are_an_error(settings):
    settings.ROOT_URLCONF = "tests.urls_other_order"
    assert khub_check_ids() == ["khub.E007"]
