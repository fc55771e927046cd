from django.core.management.base import BaseCommand

from khub_plugin.communities import privacy


class Command(BaseCommand):
    help = (
        "Bring Wagtail's page view restrictions on community pages in line with khub's access policy "
        "(run after changing KHUB_ALLOW_ANONYMOUS)."
    )

    def handle(self, *args, **options):
        count = privacy.sync_all()
        self.stdout.write(
            f"Synchronised privacy of {count} communities director{'y' if count == 1 else 'ies'}."
        )
