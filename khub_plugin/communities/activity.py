"""Recording activity: an explicit call from the code that made the change, never a hidden signal."""

from django.contrib.contenttypes.models import ContentType

from khub_plugin.communities.models import Activity


def record(actor, verb, community, target=None, summary="", link="", at=None):
    """Record that ``actor`` did ``verb`` in ``community`` (optionally to ``target``, readable at ``link``)
    and return the row. ``at`` is when it happened (now by default)."""
    row = build(actor, verb, community, target, summary, link)
    row.save()
    if at is not None:
        _backdate([row], [at])
    return row


def build(actor, verb, community, target=None, summary="", link="", at=None):
    """An unsaved row, as :func:`record` would write it, for :func:`record_many`."""
    return Activity(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        community=community,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:300],
        link=link[:500],
        # Only carried to record_many(): saving stamps the row "now" (auto_now_add).
        created_at=at,
    )


def record_many(rows):
    """Write rows made by :func:`build` in a couple of queries (not one per row), each at its ``at``."""
    times = [row.created_at for row in rows]
    rows = Activity.objects.bulk_create(rows)
    _backdate(rows, times)
    return rows


def _backdate(rows, times):
    """Give saved rows the time their event happened, so they keep their place in the stream.

    ``created_at`` is ``auto_now_add``, which overwrites any value passed when a row is inserted, hence an
    update afterwards (one query for all of them). ``None`` leaves a row at "now".
    """
    dated = []
    for row, at in zip(rows, times, strict=True):
        if at is not None:
            row.created_at = at
            dated.append(row)
    if dated:
        # bulk_create sets the primary keys on the databases khub supports (PostgreSQL, SQLite 3.35+).
        Activity.objects.bulk_update(dated, ["created_at"])


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
