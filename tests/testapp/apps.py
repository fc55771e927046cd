from django.apps import AppConfig


class TestAppConfig(AppConfig):
    """A stand-in feature ("notes") registered the way real feature apps register theirs."""

    name = "tests.testapp"
    label = "khub_testapp"

    def ready(self):
        from khub_plugin.communities.features import CommunityFeature, registry
        from tests.testapp import views

        registry.register(
            CommunityFeature(name="notes", label="Notes", urlpatterns=views.urlpatterns, order=50)
        )
