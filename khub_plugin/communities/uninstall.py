"""Taking khub-plugin out of a site cleanly: what still depends on it, and removing its pages and tables.

``manage.py khub_uninstall`` reports and acts; docs/upgrading.md walks a developer through the whole removal.
Everything here runs while the package is still installed: once its apps leave ``INSTALLED_APPS`` Django can
no longer reverse their migrations, and the host's own migrations that name khub's blocks no longer import.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

from khub_plugin import KHUB_APPS

#: How the host's files name the package: imports, dotted paths, and khub models named by app label (as
#: older block definitions wrote ``"khub_communities.CommunityPage"`` into migrations).
PACKAGE_NAME = re.compile(r"\bkhub_plugin\.|[\'\"]khub_[a-z]+\.[A-Za-z]+[\'\"]")


@dataclass
class Report:
    """What a site still has of khub-plugin, and what stands in the way of removing it."""

    labels: list = field(default_factory=list)  # khub app labels with migrations, in removal order
    applied: list = field(default_factory=list)  # those of them with migrations applied
    pages: list = field(default_factory=list)  # top-most khub pages in the page tree
    page_count: int = 0  # every khub page, the top-most ones and all below them
    stream_fields: list = field(default_factory=list)  # "app.Model.field: block names" using khub blocks
    host_files: list = field(default_factory=list)  # (path, line numbers) of host files naming the package
    host_migrations: list = field(default_factory=list)  # host migrations that depend on khub's migrations

    @property
    def blocking(self):
        """Whether unapplying khub's migrations now would break the site or take host migrations with it."""
        return bool(self.page_count or self.host_migrations)


def khub_labels():
    """The installed khub app labels that have migrations, dependants first (the order to unapply them in)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = []
    for name in reversed(KHUB_APPS):
        config = next((c for c in apps.get_app_configs() if c.name == name), None)
        if config is not None and config.label in loader.migrated_apps:
            labels.append(config.label)
    return labels


def report():
    """Look at the site as it is: khub's pages, tables, and the host's code and migrations that use them."""
    from wagtail.models import Page

    labels = khub_labels()
    result = Report(labels=labels)
    loader = MigrationLoader(connection)
    result.applied = [label for label in labels if any(app == label for app, _ in loader.applied_migrations)]
    if "wagtailcore" in {app for app, _ in loader.applied_migrations}:
        khub_pages = Page.objects.filter(content_type__app_label__in=labels)
        result.page_count = khub_pages.count()
        # The top-most ones: deleting them deletes everything below.
        paths = sorted(khub_pages.values_list("path", flat=True))
        tops = []
        for path in paths:
            if not any(path.startswith(top) for top in tops):
                tops.append(path)
        result.pages = list(Page.objects.filter(path__in=tops).order_by("path"))
    khub_names = set(KHUB_APPS)
    for config in apps.get_app_configs():
        if config.name in khub_names or config.name.startswith("khub_plugin."):
            continue
        result.stream_fields.extend(_stream_fields_using_khub(config))
        result.host_files.extend(_files_naming_khub(config))
    for (app, name), migration in loader.disk_migrations.items():
        if app in labels:
            continue
        needs = sorted({dep_app for dep_app, _ in migration.dependencies if dep_app in labels})
        if needs:
            result.host_migrations.append((f"{app}.{name}", needs))
    return result


def _stream_fields_using_khub(config):
    from wagtail.fields import StreamField

    for model in config.get_models():
        for model_field in model._meta.get_fields():
            if not isinstance(model_field, StreamField):
                continue
            names = [
                name
                for name, block in model_field.stream_block.child_blocks.items()
                if type(block).__module__.startswith("khub_plugin.")
            ]
            if names:
                yield f"{model._meta.label}.{model_field.name}: {', '.join(names)}"


def _files_naming_khub(config):
    """Python files of a host app (its migrations included) that name the package, with the line numbers."""
    root = Path(config.path)
    if "site-packages" in root.parts or "dist-packages" in root.parts:
        return
    for path in sorted(root.rglob("*.py")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        numbers = [number for number, line in enumerate(lines, 1) if PACKAGE_NAME.search(line)]
        if numbers:
            yield path, numbers


def delete_pages(found):
    """Delete khub's pages (each top-most one with everything below it). Returns how many pages went."""
    from wagtail.models import Page

    deleted = 0
    with transaction.atomic():
        for page in found.pages:
            page = Page.objects.get(pk=page.pk)  # the tree changes as pages go
            deleted += page.get_descendant_count() + 1
            page.delete()
    return deleted


def unmigrate(found, stdout=None):
    """Unapply every khub migration, dependants first, and drop khub's rows in Wagtail's search index."""
    from django.contrib.contenttypes.models import ContentType

    if found.blocking:
        raise RuntimeError("khub pages or host migrations still depend on khub-plugin")
    types = list(ContentType.objects.filter(app_label__in=found.labels).values_list("pk", flat=True))
    if types and apps.is_installed("wagtail.search"):
        from wagtail.search.models import IndexEntry

        IndexEntry.objects.filter(content_type_id__in=types).delete()
    for label in found.applied:
        call_command("migrate", label, "zero", interactive=False, verbosity=0, stdout=stdout)
