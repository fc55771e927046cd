"""Template tags for community pages."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def community_url(context, community, name, **kwargs):
    """The URL of a route under a community: ``{% community_url page "members" %}``."""
    base = community.get_url(request=context.get("request"))
    return base + community.reverse_subpage(name, kwargs=kwargs).lstrip("/")
