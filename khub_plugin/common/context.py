"""Template context every khub page needs."""

import functools
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import resolve_url

from khub_plugin.conf import khub_settings

TEXT_SIZE_COOKIE = "khub_text_size"
#: The text sizes a reader can choose, as the original platform offered.
TEXT_SIZES = ("standard", "large", "larger")

#: The blocks of the host's base template that ``khub_plugin/base.html`` fills (KHUB_BASE_TEMPLATE_BLOCKS maps
#: them to the host's own names). A page without "title" or "content" is broken; the other two only add to it.
KHUB_BLOCKS = ("title", "content", "extra_css", "extra_js")
REQUIRED_BLOCKS = ("title", "content")
#: The blocks whose host content khub keeps and adds to (``{{ block.super }}``); the others it replaces.
APPENDED_BLOCKS = ("extra_css", "extra_js")

_BLOCK_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Characters that could end the string literal of {% extends "..." %} or start template syntax.
_UNSAFE_TEMPLATE_NAME = re.compile(r"[\"'{}%#\\\x00-\x1f\x7f]")


def block_mapping(value=None):
    """KHUB_BASE_TEMPLATE_BLOCKS (or ``value``) as a complete ``{khub block: host block}`` dict: khub's names
    that it leaves out map to themselves. Raises ImproperlyConfigured when it is not a dict of khub's block
    names to identifiers, or two khub blocks would share a host block."""
    if value is None:
        value = khub_settings.BASE_TEMPLATE_BLOCKS
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"KHUB_BASE_TEMPLATE_BLOCKS must be a dict, not {value!r}.")
    unknown = sorted(str(key) for key in value if key not in KHUB_BLOCKS)
    if unknown:
        raise ImproperlyConfigured(
            f"KHUB_BASE_TEMPLATE_BLOCKS has unknown keys {unknown}: "
            f"its keys are khub's blocks {list(KHUB_BLOCKS)}."
        )
    mapping = {block: value.get(block, block) for block in KHUB_BLOCKS}
    for block, target in mapping.items():
        if not isinstance(target, str) or not _BLOCK_NAME.match(target):
            raise ImproperlyConfigured(
                f"KHUB_BASE_TEMPLATE_BLOCKS[{block!r}] is {target!r}: a block name must be letters, digits "
                "and underscores, not starting with a digit."
            )
        if target != block and target in KHUB_BLOCKS:
            raise ImproperlyConfigured(
                f"KHUB_BASE_TEMPLATE_BLOCKS maps {block!r} to {target!r}, which is another of khub's own "
                "block names: khub cannot fill two blocks of the same name."
            )
    targets = list(mapping.values())
    shared = sorted({target for target in targets if targets.count(target) > 1})
    if shared:
        raise ImproperlyConfigured(
            f"KHUB_BASE_TEMPLATE_BLOCKS maps two khub blocks to the same block {shared}."
        )
    return mapping


def check_template_name(name):
    """``name`` if it is a template name that can be written into ``{% extends "..." %}`` safely; raises
    ImproperlyConfigured otherwise (quotes, braces, percent signs, backslashes, control characters)."""
    if not isinstance(name, str) or not name or _UNSAFE_TEMPLATE_NAME.search(name):
        raise ImproperlyConfigured(
            f"KHUB_BASE_TEMPLATE is {name!r}: a template name must not contain quotes, braces, '%', '#', "
            "backslashes or control characters."
        )
    return name


def _django_engine():
    from django.template import engines
    from django.template.backends.django import DjangoTemplates

    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            return engine
    raise ImproperlyConfigured("khub-plugin needs a DjangoTemplates engine in TEMPLATES.")


@functools.lru_cache(maxsize=16)
def _bridge(engine, name, pairs):
    """A compiled template that extends the host's base template ``name`` and puts each khub block inside
    the host block it maps to. ``pairs``: ``((khub block, host block), ...)`` of the blocks that differ."""
    source = ['{% extends "' + name + '" %}']
    for block, target in pairs:
        keep = "{{ block.super }}" if block in APPENDED_BLOCKS else ""
        source.append(f"{{% block {target} %}}{keep}{{% block {block} %}}{{% endblock %}}{{% endblock %}}")
    return engine.from_string("".join(source))


def base_template():
    """What ``khub_plugin/base.html`` extends (``khub_base_template``): the name in KHUB_BASE_TEMPLATE when
    the host's block names are khub's, else a small bridge template, compiled once per setting value, that
    extends it and maps the blocks as KHUB_BASE_TEMPLATE_BLOCKS says."""
    name = khub_settings.BASE_TEMPLATE
    mapping = block_mapping()
    pairs = tuple((block, target) for block, target in mapping.items() if block != target)
    if not pairs:
        return name
    return _bridge(_django_engine().engine, check_template_name(name), pairs)


def khub_context(request):
    """The context ``khub_plugin/base.html`` relies on: the host template to extend, sign-in, text size."""
    size = request.COOKIES.get(TEXT_SIZE_COOKIE) if request is not None else None
    return {
        "khub_base_template": base_template(),
        "khub_login_url": resolve_url(settings.LOGIN_URL),
        "khub_text_size": size if size in TEXT_SIZES else "standard",
        "khub_text_sizes": TEXT_SIZES,
    }
