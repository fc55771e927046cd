"""Recording activity: an explicit call from the code that made the change, never a hidden signal."""

from django.contrib.contenttypes.models import ContentType

from khub_plugin.communities.models import Activity


def record(actor, verb, community, target=None, summary=""):
    """Record that ``actor`` did ``verb`` in ``community`` (optionally to ``target``) and return the row."""
    return Activity.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        community=community,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:300],
    )
