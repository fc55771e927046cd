"""Keep Wagtail's own privacy machinery in step with the access policy: the second line of defence.

The host site's sitemap, the Wagtail API, ``Page.objects.public()`` and anything else built on Wagtail's
``PageViewRestriction`` cannot ask khub's access policy. So every community page that an anonymous visitor may
not see (and every directory, unless the site lets anonymous visitors in) carries a restriction that only
superusers pass. khub's own pages ignore those rows (see ``CommunityPage.get_view_restrictions``) because the
access policy, not Wagtail, decides who sees a community.

Restrictions are synchronised whenever a community or directory is published, and by
``manage.py khub_sync_privacy`` (run it after changing ``KHUB_ALLOW_ANONYMOUS``).
"""

from django.db import transaction
from wagtail.models import PageViewRestriction
from wagtail.search import index

from khub_plugin.communities.access import Access

#: Marks the rows khub manages, so an editor's own restrictions elsewhere are never touched.
MARKER = PageViewRestriction.GROUPS


def should_restrict(page):
    """Whether Wagtail must treat ``page`` as private: anonymous visitors may not see it."""
    from khub_plugin.communities.models import CommunityIndexPage, CommunityPage
    from khub_plugin.conf import khub_settings

    if isinstance(page, CommunityIndexPage):
        return not khub_settings.ALLOW_ANONYMOUS
    if isinstance(page, CommunityPage):
        return not Access(None).can_see(page)
    return False


@transaction.atomic
def sync(page):
    """Add or remove khub's restriction on ``page`` and on every community below it."""
    from khub_plugin.communities.models import CommunityPage

    pages = [page, *CommunityPage.objects.descendant_of(page).live().specific()]
    anonymous = Access(None)  # one tree load for the whole subtree
    searchable = anonymous.content_ids()
    for item in pages:
        if isinstance(item, CommunityPage):
            restrict = not anonymous.can_see(item)
            # Wagtail re-indexes on save but never removes a page that stopped qualifying: do it here.
            if item.pk in searchable:
                index.insert_or_update_object(item)
            else:
                index.remove_object(item)
        else:
            restrict = should_restrict(item)
        existing = PageViewRestriction.objects.filter(page=item, restriction_type=MARKER, groups=None)
        if restrict and not existing.exists():
            PageViewRestriction.objects.create(page=item, restriction_type=MARKER)
        elif not restrict:
            existing.delete()


def sync_all():
    """Synchronise every directory and community (``manage.py khub_sync_privacy``)."""
    from khub_plugin.communities.models import CommunityIndexPage

    count = 0
    for directory in CommunityIndexPage.objects.all().specific():
        sync(directory)
        count += 1
    return count


def on_page_published(sender, instance, **kwargs):
    """``page_published``/``page_unpublished`` receiver: re-synchronise a directory or community."""
    from khub_plugin.communities.models import CommunityIndexPage, CommunityPage

    if isinstance(instance, CommunityIndexPage | CommunityPage):
        sync(instance)
