"""The package installs like a well-kept Wagtail package: apps, labels, version, settings."""

import importlib

import pytest
from django.apps import apps
from django.test import override_settings

import khub_plugin
from khub_plugin.conf import khub_settings


def test_version_is_a_release_number():
    parts = khub_plugin.__version__.split(".")
    assert len(parts) == 3 and all(part.isdigit() for part in parts)


@pytest.mark.parametrize("name", khub_plugin.KHUB_APPS)
def test_every_app_is_installed_with_a_prefixed_label(name):
    config = next(c for c in apps.get_app_configs() if c.name == name)
    # A council intranet may well have its own "news" or "events" app: ours must never collide with it.
    assert config.label == "khub_" + name.rsplit(".", 1)[1]
    assert str(config.verbose_name)


def test_core_apps_come_first():
    assert khub_plugin.KHUB_CORE_APPS == ["khub_plugin.common", "khub_plugin.communities"]


def test_settings_have_safe_defaults():
    assert khub_settings.ALLOW_ANONYMOUS is False
    assert khub_settings.BASE_TEMPLATE == "base.html"


def test_settings_are_read_lazily():
    with override_settings(KHUB_ALLOW_ANONYMOUS=True):
        assert khub_settings.ALLOW_ANONYMOUS is True
    assert khub_settings.ALLOW_ANONYMOUS is False


def test_unknown_setting_is_an_error():
    with pytest.raises(AttributeError, match="KHUB_NO_SUCH_THING"):
        _ = khub_settings.NO_SUCH_THING


def test_importing_the_package_reads_no_settings():
    # conf.py must be importable before settings are configured (e.g. from a settings module).
    module = importlib.reload(importlib.import_module("khub_plugin.conf"))
    assert "BASE_TEMPLATE" in module.DEFAULTS
