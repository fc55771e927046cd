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
RESERVED_NAMES = frozenset({"members", "join", "request", "leave", "invitation", "manage", "activity"})


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

    def defaults(self):
        return [feature.name for feature in self if feature.default_on]


registry = FeatureRegistry()
