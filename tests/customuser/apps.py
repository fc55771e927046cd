from django.apps import AppConfig


class CustomUserConfig(AppConfig):
    """An email-login user model for running the suite as a council with its own AUTH_USER_MODEL would.

    Installed only when KHUB_TEST_USER_MODEL=email (tests/settings.py; the ``customuser`` tox env).
    """

    name = "tests.customuser"
    label = "khub_customuser"
    default_auto_field = "django.db.models.AutoField"
