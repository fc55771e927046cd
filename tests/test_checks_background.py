"""System checks for background work and email: a broker whose client library is missing (khub.E009), no
address for links in emails (khub.W006) and Django's placeholder sender address (khub.W005)."""

import sys

import pytest
from celery import current_app
from django.core.checks import run_checks

from khub_plugin import checks


def khub_check_ids():
    return sorted(
        message.id
        for message in run_checks(include_deployment_checks=False)
        if message.id.startswith("khub.")
    )


@pytest.fixture
def without_library(monkeypatch):
    """Make ``import name`` fail as it does where the library was never installed."""

    def hide(name):
        monkeypatch.setitem(sys.modules, name, None)

    return hide


# -- khub.E009: a broker URL whose client library is missing ------------------------------------------------


@pytest.mark.parametrize("url", ["redis://cache:6379/0", "rediss://cache:6380/0", "sentinel://a:26379"])
def test_a_redis_broker_without_the_redis_library_is_an_error(settings, without_library, url):
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    without_library("redis")
    [error] = checks.check_broker_client_library()
    assert error.id == "khub.E009"
    assert "'redis'" in error.msg and "khub-plugin[redis]" in error.hint
    assert "cache" not in error.msg  # the URL (and any password in it) is not repeated


def test_a_redis_broker_with_the_library_installed_passes(settings):
    settings.CELERY_BROKER_URL = "redis://cache:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert checks.check_broker_client_library() == []


def test_an_amqp_broker_without_the_amqp_library_is_an_error(settings, without_library):
    settings.CELERY_BROKER_URL = "amqp://guest:secret@rabbit:5672//"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    without_library("amqp")
    [error] = checks.check_broker_client_library()
    assert error.id == "khub.E009" and "'amqp'" in error.msg and "secret" not in error.msg


def test_the_celery_apps_own_broker_url_is_checked_too(settings, without_library):
    settings.CELERY_BROKER_URL = None
    settings.CELERY_TASK_ALWAYS_EAGER = False
    conf = current_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager")}
    conf.update(broker_url="redis://cache:6379/0", task_always_eager=False)
    try:
        without_library("redis")
        assert [e.id for e in checks.check_broker_client_library()] == ["khub.E009"]
    finally:
        conf.update(saved)


def test_failover_urls_are_reported_once_per_library(settings, without_library):
    settings.CELERY_BROKER_URL = "redis://a:6379/0;redis://b:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    without_library("redis")
    assert [e.id for e in checks.check_broker_client_library()] == ["khub.E009"]


@pytest.mark.parametrize("url", ["sqs://", "memory://", "filesystem://", None, ""])
def test_other_brokers_and_no_broker_are_left_alone(settings, without_library, url):
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    without_library("redis")
    assert checks.check_broker_client_library() == []


def test_tasks_that_run_in_process_need_no_broker_library(settings, without_library):
    settings.CELERY_BROKER_URL = "redis://cache:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # development: the broker is never used
    without_library("redis")
    assert checks.check_broker_client_library() == []


def test_the_check_runs_with_manage_py_check(settings, without_library):
    settings.CELERY_BROKER_URL = "redis://cache:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    without_library("redis")
    assert "khub.E009" in khub_check_ids()
