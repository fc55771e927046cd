"""System checks that catch host settings under which khub-plugin would be broken or unsafe.

They run with ``manage.py check`` (and so before ``migrate`` and ``runserver``). IDs are ``khub.E00n`` for
errors and ``khub.W00n`` for warnings; each is explained in ``docs/reference/settings.md``.
"""

import contextlib
import importlib.util
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

from khub_plugin import KHUB_CORE_APPS
from khub_plugin.conf import khub_settings


@register(Tags.compatibility)
def check_installed_apps(app_configs=None, **kwargs):
    """The core apps and the third-party apps the package builds on must be installed."""
    errors = []
    installed = {config.name for config in apps.get_app_configs()}
    required = [*KHUB_CORE_APPS, "taggit", "wagtail", "wagtail.search", "modelcluster"]
    for name in required:
        if name not in installed:
            errors.append(
                Error(
                    f"'{name}' must be in INSTALLED_APPS for khub-plugin to work.",
                    hint="Add khub_plugin.KHUB_APPS (at least its first two entries) after Wagtail's apps.",
                    id="khub.E001",
                )
            )
    return errors


@register(Tags.templates)
def check_base_template(app_configs=None, **kwargs):
    """KHUB_BASE_TEMPLATE must name a template the host can load."""
    name = khub_settings.BASE_TEMPLATE
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return [
            Error(
                f"KHUB_BASE_TEMPLATE is {name!r}, but no such template can be found.",
                hint="Set KHUB_BASE_TEMPLATE to the intranet's own base template, e.g. 'base.html'.",
                id="khub.E002",
            )
        ]
    except TemplateSyntaxError as error:
        return [
            Error(
                f"KHUB_BASE_TEMPLATE {name!r} cannot be compiled: {error}",
                hint="Fix the template (or a tag library it loads) so that pages extending it can render.",
                id="khub.E004",
            )
        ]
    return []


@register(Tags.templates)
def check_base_template_blocks(app_configs=None, **kwargs):
    """The host base template (after KHUB_BASE_TEMPLATE_BLOCKS) must render the blocks khub fills: without
    "title" or "content" khub pages are blank (an error); without "extra_css" or "extra_js" they are
    unstyled or lose their scripts (a warning)."""
    from khub_plugin.common.context import REQUIRED_BLOCKS, block_mapping, check_template_name

    name = khub_settings.BASE_TEMPLATE
    try:
        mapping = block_mapping()
        if any(block != target for block, target in mapping.items()):
            check_template_name(name)  # written into the bridge template's {% extends "..." %}
    except ImproperlyConfigured as error:
        return [
            Error(
                str(error),
                hint="KHUB_BASE_TEMPLATE_BLOCKS maps khub's blocks (title, content, extra_css, extra_js) to "
                'the host base template\'s block names, e.g. {"content": "main"}.',
                id="khub.E008",
            )
        ]
    try:
        template = get_template(name)
    except (TemplateDoesNotExist, TemplateSyntaxError):
        return []  # khub.E002 / khub.E004
    blocks = rendered_blocks(getattr(template, "template", None))
    if blocks is None:
        return []  # not a Django template, or it extends a template chosen at run time: cannot tell
    messages = []
    for block, target in mapping.items():
        if target != block and block in blocks:
            messages.append(
                Warning(
                    f"KHUB_BASE_TEMPLATE {name!r} has a block {block!r} of its own, and khub's {block!r} "
                    f"goes into {target!r}: khub pages would put their {block!r} in both places.",
                    hint=f"Rename the template's own {block!r} block: khub's pages fill one of that name.",
                    id="khub.W004",
                )
            )
        if target in blocks:
            continue
        named = f"{target!r} (for khub's {block!r})" if target != block else repr(target)
        required = block in REQUIRED_BLOCKS
        messages.append(
            (Error if required else Warning)(
                f"KHUB_BASE_TEMPLATE {name!r} has no block {named}, so khub pages "
                + ("would be blank there." if required else "would lose what khub adds there.")
                + f" Its blocks are: {', '.join(sorted(blocks)) or 'none'}.",
                hint="Add the block to the base template, or map khub's block to the template's own name "
                'with KHUB_BASE_TEMPLATE_BLOCKS (e.g. {"content": "main"}).',
                id="khub.E006" if required else "khub.W003",
            )
        )
    return messages


def rendered_blocks(template, max_depth=20):
    """The names of the blocks that render when ``template`` (a ``django.template.base.Template``) does,
    following ``{% extends "..." %}`` to the top: the blocks of the topmost template, and the blocks nested in
    those that an extending template fills. None when that cannot be known (not a Django template, or it
    extends a name computed at run time)."""
    from django.template.base import Template
    from django.template.loader_tags import BlockNode, ExtendsNode

    chain = []
    while isinstance(template, Template):
        chain.append(template)
        extends = next((node for node in template.nodelist if isinstance(node, ExtendsNode)), None)
        if extends is None:
            break
        parent = extends.parent_name
        if len(chain) > max_depth or parent.filters or not isinstance(parent.var, str):
            return None
        try:
            template = template.engine.get_template(parent.var)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            return None
    else:
        return None
    rendered = {node.name for node in chain[-1].nodelist.get_nodes_by_type(BlockNode)}
    for level in reversed(chain[:-1]):
        extends = next(node for node in level.nodelist if isinstance(node, ExtendsNode))
        changed = True
        while changed:
            before = len(rendered)
            for block_name, node in extends.blocks.items():
                if block_name in rendered:
                    rendered.update(child.name for child in node.nodelist.get_nodes_by_type(BlockNode))
            changed = len(rendered) != before
    return rendered


@register(Tags.templates)
def check_request_context_processor(app_configs=None, **kwargs):
    """khub templates need ``request`` in the template context to show sign-in state and forms."""
    for engine in settings.TEMPLATES:
        if engine.get("BACKEND") != "django.template.backends.django.DjangoTemplates":
            continue
        processors = engine.get("OPTIONS", {}).get("context_processors", [])
        if "django.template.context_processors.request" not in processors:
            return [
                Warning(
                    "The 'django.template.context_processors.request' context processor is not enabled.",
                    hint="Add it to TEMPLATES[...]['OPTIONS']['context_processors'] (wagtail start does).",
                    id="khub.W001",
                )
            ]
    return []


@register(Tags.security)
def check_document_serve_method(app_configs=None, **kwargs):
    """Documents of private communities must be served through Wagtail's view, never straight from storage."""
    method = getattr(settings, "WAGTAILDOCS_SERVE_METHOD", None)
    if method == "direct":
        return [
            Warning(
                "WAGTAILDOCS_SERVE_METHOD is 'direct': document files are served straight from storage, so "
                "files of restricted and private communities can be downloaded by anyone who has the link.",
                hint="Use 'serve_view' (or 'redirect' with storage that signs its URLs). "
                "See docs/installation.md, 'Serving documents privately'.",
                id="khub.W002",
            )
        ]
    return []


@register(Tags.compatibility)
def check_anonymous_setting(app_configs=None, **kwargs):
    """KHUB_ALLOW_ANONYMOUS opens communities to the public: it must be a real boolean, not a string."""
    value = khub_settings.ALLOW_ANONYMOUS
    if not isinstance(value, bool):
        return [
            Error(
                f"KHUB_ALLOW_ANONYMOUS must be True or False, not {value!r}.",
                id="khub.E003",
            )
        ]
    return []


#: The Python library Celery (kombu) needs for each broker URL scheme. Other schemes are left alone.
BROKER_CLIENT_LIBRARIES = {
    "redis": "redis",
    "rediss": "redis",
    "redis+socket": "redis",
    "sentinel": "redis",
    "amqp": "amqp",
    "amqps": "amqp",
    "pyamqp": "amqp",
}


def _broker_urls():
    """The broker URLs the site will send tasks to: ``CELERY_BROKER_URL`` and the current Celery app's."""
    found = [getattr(settings, "CELERY_BROKER_URL", None)]
    eager = bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))
    with contextlib.suppress(Exception):  # a check must never crash `manage.py check`
        from celery import current_app

        conf = current_app.conf
        found += [conf.broker_write_url, conf.broker_url]
        eager = eager or bool(conf.task_always_eager)
    if eager:  # tasks run in-process: the broker is never used
        return []
    urls = []
    for value in found:
        for url in value if isinstance(value, list | tuple) else str(value or "").split(";"):
            if url.strip() and url.strip() not in urls:
                urls.append(url.strip())
    return urls


def _library_installed(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@register(Tags.compatibility)
def check_broker_client_library(app_configs=None, **kwargs):
    """A broker URL whose client library is missing: every task khub queues would be lost (khub.E009)."""
    errors, reported = [], set()
    for url in _broker_urls():
        scheme = urlsplit(url).scheme.lower()
        library = BROKER_CLIENT_LIBRARIES.get(scheme)
        if library is None or library in reported or _library_installed(library):
            continue
        reported.add(library)
        command = 'pip install "khub-plugin[redis]"' if library == "redis" else f"pip install {library}"
        errors.append(
            Error(
                f"The Celery broker is a {scheme}:// URL, but the {library!r} library that Celery needs to "
                "reach it is not installed, so no background task can be queued or run.",
                hint=f"Install it where the site and its Celery worker run: {command}.",
                id="khub.E009",
            )
        )
    return errors


@register(Tags.compatibility)
def check_email_links(app_configs=None, **kwargs):
    """In production, emails must link to the intranet's real address (khub.W006)."""
    if settings.DEBUG:
        return []
    from khub_plugin.common.links import base_url_problem

    problem = base_url_problem()
    if problem is None:
        return []
    return [
        Warning(
            problem,
            hint="Set KHUB_SITE_URL to the intranet's address (e.g. 'https://intranet.council.gov.uk'), "
            "or give the default Site its real host name in Wagtail admin (Settings > Sites).",
            id="khub.W006",
        )
    ]


@register(Tags.compatibility)
def check_email_sender(app_configs=None, **kwargs):
    """In production, emails must come from an address people recognise and can reply to (khub.W005)."""
    if settings.DEBUG or settings.DEFAULT_FROM_EMAIL != "webmaster@localhost":
        return []
    return [
        Warning(
            "DEFAULT_FROM_EMAIL is Django's placeholder 'webmaster@localhost': khub's emails would come "
            "from an address that does not exist, which mail servers often reject as spam.",
            hint="Set DEFAULT_FROM_EMAIL to the intranet's own address, e.g. "
            "'Anytown intranet <intranet@anytown.gov.uk>'.",
            id="khub.W005",
        )
    ]


@register(Tags.urls)
def check_urls_included(app_configs=None, **kwargs):
    """khub pages link to the package's own URLs, so ``khub_plugin.urls`` must be included once."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("khub:my_communities")
    except NoReverseMatch:
        return [
            Error(
                "khub_plugin.urls is not included in the site's URLs.",
                hint='Add path("khub/", include("khub_plugin.urls")) to urlpatterns, before Wagtail\'s '
                'path("", include(wagtail_urls)).',
                id="khub.E005",
            )
        ]
    return []


@register(Tags.urls)
def check_urls_not_shadowed(app_configs=None, **kwargs):
    """khub's URLs must reach khub: an earlier catch-all (Wagtail's ``include(wagtail_urls)``) would answer
    every /khub/... address itself, with a 404."""
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    try:
        path = reverse("khub:search")
    except NoReverseMatch:
        return []  # khub.E005
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.view_name == "khub:search":
        return []
    answered_by = f"{match.func.__module__}.{match.func.__qualname__}" if match else "nothing"
    return [
        Error(
            f"khub's URLs are shadowed: {path} is answered by {answered_by}, not by khub_plugin.urls.",
            hint='Put path("khub/", include("khub_plugin.urls")) before Wagtail\'s catch-all '
            'path("", include(wagtail_urls)) in urlpatterns: Wagtail\'s pages must come last.',
            id="khub.E007",
        )
    ]
