"""System checks catch host settings under which khub would be broken or unsafe."""

from unittest import mock

from django.apps import apps
from django.core.checks import run_checks
from django.test import override_settings

from khub_plugin import checks
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
