"""The feature registry: how a tool (forum, wiki, library...) plugs into every community.

A feature app registers a :class:`CommunityFeature` from its ``AppConfig.ready()``::

    from khub_plugin.communities.features import CommunityFeature, registry

    registry.register(CommunityFeature(name="forum", label=_("Forum"), urlpatterns=urls.urlpatterns))

Its ``urlpatterns`` then answer under each community's URL (``/communities/social-media/forum/...``), but only
in communities that have switched the tool on, and only for people the access policy lets see the community's
content. Views receive ``(request, community, **kwargs)``.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

#: Route names of the core that no feature may take.
RESERVED_NAMES = frozenset(
    {"members", "join", "request", "leave", "invitation", "manage", "activity", "moderation"}
)


@dataclass(frozen=True)
class CommunityFeature:
    """A tool a community can offer. ``name`` is also its URL segment."""

    name: str
    label: str
    urlpatterns: list = field(default_factory=list)
    order: int = 100
    description: str = ""
    #: Whether new communities get this tool switched on by default.
    default_on: bool = True
    #: Optional ``panel(request, community) -> str``: HTML for the community's home page (members only).
    panel: object = None
    #: ``{verb: label}`` of the activity this feature records,
    #: e.g. ``{"topic-started": _("started a topic")}``.
    activity_verbs: dict = field(default_factory=dict)
    #: ``{action: label}`` of the moderation actions this feature logs, e.g. ``{"pin": _("pinned")}``.
    moderation_actions: dict = field(default_factory=dict)
    #: Optional ``feeds(request, community, token) -> [(label, url), ...]``: the community's feeds of this
    #: feature, listed on the "My feeds" page (``token`` is the person's FeedToken key, for private feeds).
    feeds: object = None
    #: Optional ``search(request, policy, query) -> list of SearchSection``: the feature's part of the
    #: site-wide search page (see ``khub_plugin.communities.search``).
    search: object = None


class FeatureRegistry:
    """The registered features, in navigation order."""

    def __init__(self):
        self._features = {}

    def register(self, feature):
        if feature.name in RESERVED_NAMES:
            raise ImproperlyConfigured(f"'{feature.name}' is a reserved community route name.")
        if feature.name in self._features and self._features[feature.name] != feature:
            raise ImproperlyConfigured(f"A community feature named '{feature.name}' is already registered.")
        self._features[feature.name] = feature
        return feature

    def unregister(self, name):
        self._features.pop(name, None)

    def get(self, name):
        return self._features.get(name)

    def __contains__(self, name):
        return name in self._features

    def __iter__(self):
        return iter(sorted(self._features.values(), key=lambda f: (f.order, f.name)))

    def names(self):
        return [feature.name for feature in self]

    def choices(self):
        return [(feature.name, feature.label) for feature in self]

    def verb_label(self, verb):
        """The label of an activity verb a feature records (the verb itself if no feature claims it)."""
        for feature in self._features.values():
            if verb in feature.activity_verbs:
                return feature.activity_verbs[verb]
        return verb

    def verbs_by_feature(self):
        """``{feature name: [its activity verbs]}`` for the features that record activity."""
        return {f.name: list(f.activity_verbs) for f in self._features.values() if f.activity_verbs}

    def action_label(self, action):
        """The label of a moderation action a feature logs (the action's name if no feature claims it)."""
        for feature in self._features.values():
            if action in feature.moderation_actions:
                return feature.moderation_actions[action]
        return action

    def defaults(self):
        return [feature.name for feature in self if feature.default_on]


registry = FeatureRegistry()
