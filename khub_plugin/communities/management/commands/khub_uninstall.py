"""``manage.py khub_uninstall``: what a site still has of khub-plugin, and removing its pages and tables.

Run it while the package is still installed (docs/upgrading.md, "Removing khub-plugin").
"""

from django.core.management.base import BaseCommand, CommandError

from khub_plugin.communities import uninstall


class Command(BaseCommand):
    help = (
        "Report what stands in the way of removing khub-plugin; with --delete-pages and --unmigrate, delete "
        "its pages and unapply its migrations (drops its tables and everything in them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete-pages", action="store_true", help="Delete every community page and directory page."
        )
        parser.add_argument(
            "--unmigrate", action="store_true", help="Unapply khub's migrations, dropping its tables."
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, delete_pages=False, unmigrate=False, interactive=True, **options):
        found = uninstall.report()
        self._describe(found)
        if not (delete_pages or unmigrate):
            self._next_steps(found)
            return
        if interactive and not self._confirm(delete_pages, unmigrate):
            raise CommandError("Nothing was changed.")
        if delete_pages and found.pages:
            deleted = uninstall.delete_pages(found)
            self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} page(s)."))
            found = uninstall.report()
        if unmigrate:
            if found.page_count:
                raise CommandError(
                    f"{found.page_count} khub page(s) are still in the page tree: run again with "
                    "--delete-pages, or delete them in Wagtail admin, first."
                )
            if found.host_migrations:
                raise CommandError(
                    "Migrations of your own apps depend on khub's (listed above): unapplying khub's would "
                    "unapply them too. Remove those dependencies first (docs/upgrading.md)."
                )
            uninstall.unmigrate(found, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Unapplied the migrations of {', '.join(found.applied)}."))
        self._next_steps(uninstall.report())

    def _confirm(self, delete_pages, unmigrate):
        what = []
        if delete_pages:
            what.append("delete every community page, with its forum, news and memberships")
        if unmigrate:
            what.append("drop khub-plugin's tables and everything in them")
        try:
            answer = input(f"This will {' and '.join(what)}. It can't be undone. Type 'yes' to go on: ")
        except EOFError:  # no one to answer: never take silence for a yes
            return False
        return answer.strip().lower() == "yes"

    def _describe(self, found):
        write = self.stdout.write
        write(f"khub apps with migrations: {', '.join(found.labels) or 'none'}")
        write(f"  of which applied here: {', '.join(found.applied) or 'none'}")
        write(f"khub pages in the page tree: {found.page_count}")
        for page in found.pages:
            write(f"  {page.title} (id {page.pk}) and everything below it")
        if found.stream_fields:
            write("StreamFields of your models that offer khub's panels:")
            for line in found.stream_fields:
                write(f"  {line}")
        if found.host_files:
            write("Files of your apps that name khub_plugin (they stop importing once it is uninstalled):")
            for path, numbers in found.host_files:
                write(f"  {path}: line {', '.join(str(n) for n in numbers)}")
        if found.host_migrations:
            write("Migrations of your apps that depend on khub's migrations:")
            for name, needs in found.host_migrations:
                write(f"  {name} (needs {', '.join(needs)})")

    def _next_steps(self, found):
        steps = []
        if found.stream_fields or found.host_files or found.host_migrations:
            steps.append(
                "Take khub's blocks, imports and dependencies out of your own code and migrations "
                "(docs/upgrading.md, 'Your own code and migrations')."
            )
        if found.page_count:
            steps.append("manage.py khub_uninstall --delete-pages")
        if found.applied:
            steps.append("manage.py khub_uninstall --unmigrate")
        steps.append(
            "Remove KHUB_APPS, the khub URLs, KHUB_* settings and khub's beat tasks; "
            "pip uninstall khub-plugin; then manage.py remove_stale_contenttypes."
        )
        self.stdout.write("Next:")
        for number, step in enumerate(steps, 1):
            self.stdout.write(f"  {number}. {step}")
