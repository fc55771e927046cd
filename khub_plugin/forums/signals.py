"""Signals the forum sends for host integrations (documented in docs/reference/signals.md).

``post_created(sender=Post, post, actor)``
    After a topic is started (``post.is_opening``) or a reply is posted, once the transaction has committed.
"""

from django.dispatch import Signal

post_created = Signal()
