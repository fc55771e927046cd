"""Template tags for community pages."""

from django import template

from khub_plugin.common import names

register = template.Library()


@register.simple_tag(takes_context=True)
def community_url(context, community, name, **kwargs):
    """The URL of a route under a community: ``{% community_url page "members" %}``,
    ``{% community_url page "forum:topic" pk=3 %}``."""
    return community.url_for(name, request=context.get("request"), **kwargs)


@register.filter
def khub_name(user):
    """A person's name as khub shows it, for any user model: ``{{ post.author|khub_name }}``
    (:func:`khub_plugin.common.names.display_name`; ``""`` for no one)."""
    return names.display_name(user)


@register.filter
def khub_email(user):
    """A person's email address, or ``""``: ``{{ proposal.proposed_by|khub_email }}``."""
    return names.email(user)
