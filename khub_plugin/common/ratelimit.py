"""Spam and abuse limits on member contributions: a minimum interval between posts and a daily cap.

The limits are counted from the contributions themselves (one small indexed query), so they hold across
processes and servers without a shared cache, and a restart cannot reset them.
"""

import math
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from khub_plugin.conf import khub_settings


class RateLimited(Exception):
    """Too many posts too quickly. ``str()`` is the message for the member; ``retry_after`` is in seconds."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


def check(created_times, now=None):
    """Raise :class:`RateLimited` if one more contribution now would break a limit.

    ``created_times`` is a queryset of the person's own contributions' creation times (``values_list(
    "created_at", flat=True)``), newest first or in any order.
    """
    now = now or timezone.now()
    interval = khub_settings.POST_MIN_INTERVAL_SECONDS
    per_day = khub_settings.POSTS_PER_DAY
    day_ago = now - timedelta(days=1)
    if per_day:
        # Fetch at most per_day + 1 rows: enough to know, never the whole history.
        recent = sorted(created_times.filter(created_at__gte=day_ago).order_by("-created_at")[:per_day])
    elif interval:
        recent = list(created_times.order_by("-created_at")[:1])
    else:
        return
    if interval and recent:
        wait = interval - (now - max(recent)).total_seconds()
        if wait > 0:
            seconds = math.ceil(wait)
            raise RateLimited(
                ngettext(
                    "You are posting very quickly. Please wait %(seconds)d second and try again.",
                    "You are posting very quickly. Please wait %(seconds)d seconds and try again.",
                    seconds,
                )
                % {"seconds": seconds},
                seconds,
            )
    if per_day and len(recent) >= per_day:
        seconds = math.ceil((min(recent) + timedelta(days=1) - now).total_seconds())
        raise RateLimited(
            _(
                "You have reached the limit of %(count)d posts in 24 hours. Your message has not been lost: "
                "copy it and try again later, or ask the intranet's administrators if you need the limit "
                "raised."
            )
            % {"count": per_day},
            max(seconds, 1),
        )
