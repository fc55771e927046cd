"""Template tags for community pages."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def community_url(context, community, name, **kwargs):
    """The URL of a route under a community: ``{% community_url page "members" %}``,
    ``{% community_url page "forum:topic" pk=3 %}``."""
    return community.url_for(name, request=context.get("request"), **kwargs)
