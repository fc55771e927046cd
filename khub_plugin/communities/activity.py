"""Recording activity: an explicit call from the code that made the change, never a hidden signal."""

from django.contrib.contenttypes.models import ContentType

from khub_plugin.communities.models import Activity


def record(actor, verb, community, target=None, summary="", link=""):
    """Record that ``actor`` did ``verb`` in ``community`` (optionally to ``target``, readable at ``link``)
    and return the row."""
    return Activity.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        community=community,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:300],
        link=link[:500],
    )


def shown(queryset, tools_by_community):
    """Leave out activity of tools a community has switched off (their links would lead nowhere).

    ``tools_by_community`` is ``{community_id: tools}`` for the communities the rows may come from.
    """
    from django.db.models import Q

    from khub_plugin.communities.features import registry

    hidden = Q(pk__in=[])
    for feature, verbs in registry.verbs_by_feature().items():
        without = [cid for cid, tools in tools_by_community.items() if feature not in (tools or [])]
        if without:
            hidden |= Q(verb__in=verbs, community_id__in=without)
    return queryset.exclude(hidden)


def targets(model, ids):
    """Activity rows about the ``model`` rows with these ids (to move or withdraw them with their target)."""
    return Activity.objects.filter(
        target_type=ContentType.objects.get_for_model(model), target_id__in=[str(pk) for pk in ids]
    )
