from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for the Anytown Council intranet (`manage.py load_demo`)."""

    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"
