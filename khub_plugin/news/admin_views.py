"""Wagtail admin: the site-wide news sources editors manage, with their state and "Refresh now"."""

from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from khub_plugin.news import services
from khub_plugin.news.forms import clean_source_url
from khub_plugin.news.models import FeedSource


def clean_url(form):
    """The fetcher's rules, checked before a source is saved (the same check members get)."""
    return clean_source_url(form.cleaned_data["url"])


class SourceCreateView(generic.CreateView):
    def save_instance(self):
        source = super().save_instance()
        services.schedule_now(source)  # fetched straight away, not at the next beat
        return source


class SourceIndexView(generic.IndexView):
    def get_base_queryset(self):
        # Site-wide sources only: a community's sources are its members' business, managed on its own pages.
        return super().get_base_queryset().filter(community__isnull=True)

    @property
    def columns(self):
        return [
            TitleColumn("name", label=_("Name"), url_name=self.edit_url_name),
            Column("url", label=_("Web address")),
            Column("state", label=_("State")),
            Column("item_count", label=_("Items")),
            DateColumn("last_fetched_at", label=_("Last fetched")),
        ]

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if self.permission_policy.user_has_permission(self.request.user, "change"):
            buttons.append(
                Button(
                    _("Refresh now"),
                    url=self.url_for_refresh(instance),
                    icon_name="rotate",
                    attrs={"data-controller": "w-action", "data-action": "w-action#post"},
                    priority=15,
                )
            )
        return buttons

    def url_for_refresh(self, instance):
        return reverse("khub_news_sources:refresh", args=[instance.pk])


class NewsSourceViewSet(ModelViewSet):
    model = FeedSource
    icon = "list-ul"
    menu_label = _("News sources")
    menu_name = "khub-news-sources"  # khub_plugin.contrib.modeladmin replaces this menu item when installed
    menu_order = 310
    add_to_admin_menu = True
    name = "khub_news_sources"
    url_prefix = "communities/news-sources"
    form_fields = ["name", "url", "interval_minutes"]
    index_view_class = SourceIndexView
    add_view_class = SourceCreateView
    copy_view_enabled = False
    add_to_reference_index = False
    search_fields = ["name", "url"]
    search_backend_name = None

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        return type(form_class.__name__, (form_class,), {"clean_url": clean_url})

    def get_queryset(self, request):
        return FeedSource.objects.filter(community__isnull=True)

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("refresh/<int:pk>/", self.refresh_view, name="refresh")]

    @property
    def refresh_view(self):
        viewset = self

        @require_POST
        def refresh(request, pk):
            if not viewset.permission_policy.user_has_permission(request.user, "change"):
                return permission_denied(request)
            source = get_object_or_404(FeedSource, pk=pk, community__isnull=True)
            services.schedule_now(source)
            messages.success(request, gettext("“%(name)s” is being fetched.") % {"name": source.name})
            return redirect(viewset.get_url_name("index"))

        return refresh
