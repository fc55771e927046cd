"""Logging moderation: an explicit call from the service that moderated, never a hidden signal."""

from django.contrib.contenttypes.models import ContentType

from khub_plugin.communities.models import ModerationAction


def log(actor, action, community, target=None, reason="", label=""):
    """Record that ``actor`` did ``action`` to ``target`` in ``community`` because of ``reason``."""
    return ModerationAction.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        community=community,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=(label or (str(target) if target is not None else ""))[:300],
        reason=reason,
    )
