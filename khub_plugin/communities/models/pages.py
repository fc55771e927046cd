"""The two page types editors manage in the Wagtail page tree."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.urls import include, re_path
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from khub_plugin.common.context import khub_context
from khub_plugin.communities import access, tokens
from khub_plugin.communities.admin_forms import CommunityPageForm
from khub_plugin.communities.features import RESERVED_NAMES, registry


class Visibility(models.TextChoices):
    """Who can find a community and see its content (DESIGN.md section 3)."""

    OPEN = "open", _("Open: anyone signed in can see it and join")
    RESTRICTED = "restricted", _("Restricted: listed; people ask to join and a facilitator approves")
    PRIVATE = "private", _("Private: invitation only and invisible to everyone else")

    @classmethod
    def openness(cls, value):
        """0 is the most open. A sub-community's openness is never lower than its parent's."""
        return [cls.OPEN, cls.RESTRICTED, cls.PRIVATE].index(value)


class Stage(models.TextChoices):
    """Where a community is in its life (the CoP lifecycle of the original platform)."""

    PLANNING = "planning", _("Planning")
    START_UP = "start-up", _("Start-up")
    NURTURE = "nurture", _("Nurture")
    SUSTAIN = "sustain", _("Sustain")
    CLOSEDOWN = "closedown", _("Closedown")


class CommunityTag(TaggedItemBase):
    """Tags on communities, for finding them in the directory."""

    content_object = ParentalKey(
        "khub_communities.CommunityPage", related_name="tagged_items", on_delete=models.CASCADE
    )


class KhubPageMixin:
    """Template context shared by both page types."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(khub_context(request))
        return context

    def get_view_restrictions(self):
        # Who may open a community is decided by the access policy in serve(). khub's own restriction rows
        # (privacy.py) exist for Wagtail's other consumers (sitemap, API, public()) and are skipped here; any
        # restriction the host puts on the intranet itself (on an ancestor) still applies.
        # One query over the page's own path (khub pages are never aliases), not Wagtail's two.
        from khub_plugin.communities.privacy import MARKER

        paths = [self.path[:end] for end in range(self.steplen, len(self.path) + 1, self.steplen)]
        return PageViewRestriction.objects.filter(page__path__in=paths).exclude(
            restriction_type=MARKER, groups=None
        )

    def get_sitemap_urls(self, request=None):
        # The host's sitemap.xml is public: list a khub page only if anonymous visitors may see it.
        if not self.anonymous_may_see():
            return []
        return super().get_sitemap_urls(request)


class CommunityIndexPage(KhubPageMixin, Page):
    """ "All communities": the directory of the communities below it in the page tree."""

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_("A short welcome shown above the list of communities."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    # Not in the host's page search: see CommunityPage.get_indexed_objects.
    search_fields = []

    template = "khub_plugin/communities/community_index_page.html"
    subpage_types = ["khub_communities.CommunityPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("communities directory")
        verbose_name_plural = _("communities directories")

    def serve(self, request, *args, **kwargs):
        from khub_plugin.communities import views

        return access.sign_in_required(request) or views.directory(request, self)

    def route(self, request, path_components):
        """Find the deepest community the path names in one query, then let it route the rest.

        Wagtail's own routing costs two queries per tree level; a sub-community of a sub-community and its
        forum would cost six before any content is read. The communities' ``url_path`` says it in one.
        """
        if path_components:
            prefixes = [
                self.url_path + "/".join(path_components[:i]) + "/"
                for i in range(1, len(path_components) + 1)
            ]
            community = (
                CommunityPage.objects.filter(url_path__in=prefixes, live=True).order_by("-depth").first()
            )
            if community is not None:
                depth = community.url_path.count("/") - self.url_path.count("/")
                return community.route(request, path_components[depth:])
        return super().route(request, path_components)

    def anonymous_may_see(self):
        from khub_plugin.conf import khub_settings

        return khub_settings.ALLOW_ANONYMOUS


class CommunityPage(KhubPageMixin, RoutablePageMixin, Page):
    """A community of practice. Its tools answer under its URL; sub-communities are its child pages."""

    purpose = models.CharField(
        max_length=300,
        help_text=_("One sentence: why the community exists and who it is for. Shown in the directory."),
    )
    body = StreamField(
        [("text", blocks.RichTextBlock(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"]))],
        blank=True,
        use_json_field=True,
        verbose_name=_("description"),
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.OPEN, db_index=True
    )
    stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=Stage.choices, default=Stage.PLANNING, db_index=True
    )
    tools = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "The tools this community offers. A sub-community can only offer tools its parent offers."
        ),
    )
    member_count = models.PositiveIntegerField(default=0, editable=False)
    tags = ClusterTaggableManager(through=CommunityTag, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("purpose"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("visibility"), FieldPanel("stage"), FieldPanel("tools"), FieldPanel("tags")],
            heading=_("Community"),
        ),
    ]
    base_form_class = CommunityPageForm
    # The host's own search page cannot ask khub's access policy, so only communities that anyone may see are
    # put in the index at all (see get_indexed_objects).
    search_fields = [
        *Page.search_fields,
        index.SearchField("purpose"),
        index.FilterField("visibility"),
    ]

    template = "khub_plugin/communities/community_page.html"
    parent_page_types = ["khub_communities.CommunityIndexPage", "khub_communities.CommunityPage"]
    subpage_types = ["khub_communities.CommunityPage"]

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    # -- structure -------------------------------------------------------------------------------------------

    @property
    def parent_community(self):
        parent = self.get_parent()
        parent = parent.specific if parent else None
        return parent if isinstance(parent, CommunityPage) else None

    def clean(self):
        super().clean()
        errors = {}
        if self.slug in RESERVED_NAMES or self.slug in registry:
            errors["slug"] = _("'%(slug)s' is the name of a community tool; choose another slug.") % {
                "slug": self.slug
            }
        unknown = [name for name in self.tools if name not in registry]
        if unknown:
            errors["tools"] = _("Unknown tools: %(names)s.") % {"names": ", ".join(unknown)}
        parent = self._parent_for_validation()
        if parent is not None:
            if Visibility.openness(self.visibility) < Visibility.openness(parent.visibility):
                errors["visibility"] = _(
                    "A sub-community cannot be more open than its parent community, which is %(parent)s."
                ) % {"parent": parent.get_visibility_display().split(":")[0].lower()}
            extra = sorted(set(self.tools) - set(parent.tools))
            if extra:
                errors["tools"] = _("The parent community does not offer: %(names)s.") % {
                    "names": ", ".join(extra)
                }
        if self.pk and "visibility" not in errors:
            more_open = [
                child.title
                for child in CommunityPage.objects.child_of(self).only("title", "visibility")
                if Visibility.openness(child.visibility) < Visibility.openness(self.visibility)
            ]
            if more_open:
                errors["visibility"] = _(
                    "These sub-communities are more open than that; change them first: %(names)s."
                ) % {"names": ", ".join(more_open)}
        if errors:
            raise ValidationError(errors)

    def _parent_for_validation(self):
        """The parent community, also for a page not saved yet (its tree position is already set)."""
        parent = getattr(self, "_khub_new_parent", None)
        if parent is None and self.path and self.depth and self.depth > 1:
            parent = Page.objects.filter(path=self.path[: -self.steplen]).specific().first()
        return parent if isinstance(parent, CommunityPage) else None

    def default_tools(self):
        """The registry's default tools, limited to those the parent community offers."""
        parent = self._parent_for_validation()
        return [name for name in registry.defaults() if parent is None or name in parent.tools]

    def enabled_features(self):
        """The registered features this community has switched on, in navigation order."""
        return [feature for feature in registry if feature.name in self.tools]

    # -- search and privacy ----------------------------------------------------------------------------------

    @classmethod
    def get_indexed_objects(cls):
        # The host's own search page shows whatever is in the index to whoever asks, so only communities an
        # anonymous visitor may read are indexed: none unless KHUB_ALLOW_ANONYMOUS, then open ones whose
        # ancestors are all open. (privacy.sync removes pages that stop qualifying.)
        return super().get_indexed_objects().filter(pk__in=access.Access(None).content_ids())

    # -- Wagtail admin ---------------------------------------------------------------------------------------

    def permissions_for_user(self, user):
        """Wagtail's page permissions, refused outright on a community ``user`` may not see.

        Every Wagtail admin view and action asks this before touching the page (and about the destination of
        a move or copy), so the refusal reaches them all; see :mod:`khub_plugin.communities.admin_access`.
        Wagtail calls it on plain ``Page`` objects of this type too.
        """
        from khub_plugin.communities import admin_access

        return admin_access.permissions_for(user, self)

    # -- serving ---------------------------------------------------------------------------------------------

    def serve(self, request, view=None, args=None, kwargs=None):
        if view is None:
            view, args, kwargs = self.resolve_subpage("/")
        if tokens.PARAM in request.GET and tokens.is_token_auth(view):
            # A feed reader with a personal feed key: the policy runs as the key's owner for this request.
            # A bad or replaced key is a 404, never a sign-in page (a feed reader cannot sign in).
            owner = tokens.user_for_key(request.GET[tokens.PARAM])
            if owner is None:
                raise Http404
            request._khub_access = access.Access(owner, via_token=True)
        else:
            denied = access.sign_in_required(request)
            if denied:
                return denied
        policy = access.for_request(request)
        if not policy.can_see(self):
            raise Http404
        match = getattr(request, "routable_resolver_match", None)
        feature = match.namespaces[0] if match and match.namespaces else None
        if feature is not None and (feature not in self.tools or not policy.can_view(self)):
            raise Http404
        return view(request, *(args or ()), **(kwargs or {}))

    @classmethod
    def get_subpage_urls(cls):
        """The core routes (landing page, members, membership actions), then one include per feature."""
        from khub_plugin.communities import urls_community

        feature_routes = [re_path(rf"^{f.name}/", include((f.urlpatterns, f.name))) for f in registry]
        return (*urls_community.urlpatterns, *feature_routes)

    def resolve_subpage(self, path):
        """Resolve a route under this community; views are called as ``view(request, community=self)``."""
        match = self.get_resolver().resolve(path)
        match.func = partial(match.func, community=self)
        return match

    def reverse_subpage(self, name, args=None, kwargs=None):
        """A route's path under this community; feature routes are named ``"<feature>:<name>"``."""
        resolver, prefix = self.get_resolver(), ""
        *namespaces, name = name.split(":")
        for namespace in namespaces:
            sub_prefix, resolver = resolver.namespace_dict[namespace]
            prefix += sub_prefix
        return "/" + prefix + resolver.reverse(name, *(args or ()), **(kwargs or {})).lstrip("/")

    def url_for(self, name, request=None, **kwargs):
        """URL of a route under this community: ``url_for("members")``, ``url_for("forum:topic", pk=3)``."""
        return self.get_url(request) + self.reverse_subpage(name, kwargs=kwargs).lstrip("/")

    def anonymous_may_see(self):
        return access.Access(None).can_see(self)

    def with_content_json(self, content):
        # The member count lives outside revisions: publishing an older revision must not roll it back.
        page = super().with_content_json(content)
        page.member_count = self.member_count
        return page
