"""How khub names people: the one place that knows which fields a site's user model has.

A council's user model may be Django's own ``User`` (username, first and last name, email) or its own
(``AUTH_USER_MODEL``): an email-login model with no username, a single-sign-on model with a display name
field, and so on. Nothing else in the package names a user field. Everything that shows, sorts, searches,
emails or finds a person asks this module:

* :func:`display_name` -- what a page shows: ``get_full_name()`` when the model has it and it gives something,
  else ``get_username()``;
* :func:`ordering` -- ``order_by`` lookups that sort people by name, in the database;
* :func:`search_fields` and :func:`search_q` -- the lookups that "find a person by words" searches;
* :func:`email` -- the address to write to (``get_email_field_name()``), ``""`` when there is none;
* :func:`find_user` -- one person by their sign-in name or email address (the invitation form).

The defaults come from the model's real fields: ``USERNAME_FIELD``, ``EMAIL_FIELD``, and ``first_name`` and
``last_name`` only when the model has them. A site whose model keeps names elsewhere (a ``name`` or
``display_name`` field) subclasses :class:`PersonNames` and points ``KHUB_PERSON_NAMES`` at the subclass
(docs/reference/users.md).
"""

import functools

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.module_loading import import_string

from khub_plugin.conf import khub_settings

#: At most this many words of a search are matched (each word is one more condition on every field).
MAX_SEARCH_WORDS = 5


class PersonNames:
    """The default way of naming people, derived from the user model's fields. Subclass to change it.

    Lookups that take a ``prefix`` are relative to the model that holds the user foreign key:
    ``ordering("user__")`` sorts memberships by their person, ``ordering()`` sorts users.
    """

    def __init__(self, user_model=None):
        self.user_model = user_model or get_user_model()

    # -- the model's fields ------------------------------------------------------------------------------

    def has_field(self, name):
        try:
            self.user_model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return True

    @property
    def username_field(self):
        return self.user_model.USERNAME_FIELD

    @property
    def email_field(self):
        """The name of the email field, or ``None`` when the model has no such field."""
        getter = getattr(self.user_model, "get_email_field_name", None)
        name = getter() if getter else getattr(self.user_model, "EMAIL_FIELD", "email")
        return name if self.has_field(name) else None

    @property
    def name_fields(self):
        """The fields holding a name, in sorting order: ``first_name``, ``last_name`` if present."""
        return [name for name in ("first_name", "last_name") if self.has_field(name)]

    # -- what the package asks ---------------------------------------------------------------------------

    def display_name(self, user):
        """The name to show: ``get_full_name()`` if the model has it and it gives something, else
        ``get_username()``. ``""`` for no one."""
        if user is None:
            return ""
        full_name = getattr(user, "get_full_name", None)
        if callable(full_name):
            name = (full_name() or "").strip()
            if name:
                return name
        return str(user.get_username())

    def ordering(self, prefix=""):
        """``order_by`` lookups that sort people by name, then by sign-in name (which is unique)."""
        return [prefix + name for name in [*self.name_fields, self.username_field]]

    def search_fields(self, prefix=""):
        """The lookups that a search for a person looks in: names, sign-in name, email address."""
        names = [*self.name_fields, self.username_field]
        if self.email_field and self.email_field not in names:
            names.append(self.email_field)
        return [prefix + name for name in names]

    def search_q(self, text, prefix=""):
        """A ``Q`` matching people whose fields contain every word of ``text`` (each word in any field, case
        insensitive): "sam lee" finds Sam Lee. An empty ``Q`` for no words."""
        fields = self.search_fields(prefix)
        query = Q()
        for word in str(text).split()[:MAX_SEARCH_WORDS]:
            any_field = Q()
            for lookup in fields:
                any_field |= Q(**{f"{lookup}__icontains": word})
            query &= any_field
        return query

    def email(self, user):
        """The person's email address, or ``""`` when they or their model have none."""
        if user is None:
            return ""
        getter = getattr(user, "get_email_field_name", None)
        name = getter() if getter else getattr(user, "EMAIL_FIELD", "email")
        return str(getattr(user, name, "") or "")

    def find_user(self, text, queryset=None):
        """The one person whose sign-in name or email address is ``text`` (case insensitive), else ``None``
        (no one, or more than one)."""
        text = str(text).strip()
        if not text:
            return None
        query = Q(**{f"{self.username_field}__iexact": text})
        if self.email_field:
            query |= Q(**{f"{self.email_field}__iexact": text})
        if queryset is None:
            queryset = self.user_model._default_manager.all()
        matches = list(queryset.filter(query)[:2])
        return matches[0] if len(matches) == 1 else None

    def new_user_fields(self, login, first_name, last_name, email):
        """Field values for a user row the development seed writes directly (``khub_seed``): the sign-in name,
        email and name fields that this model has. The seed refuses models with other required fields."""
        fields = {self.username_field: email if self.username_field == self.email_field else login}
        if self.email_field:
            fields[self.email_field] = email
        for name, value in zip(("first_name", "last_name"), (first_name, last_name), strict=True):
            if self.has_field(name):
                fields[name] = value
        return fields

    def login_startswith(self, prefix):
        """A ``Q`` for users whose sign-in name starts with ``prefix`` (finding the seed's users again)."""
        return Q(**{f"{self.username_field}__startswith": prefix})

    def email_endswith(self, suffix):
        """A ``Q`` for users whose email address ends with ``suffix`` (none without an email field)."""
        if not self.email_field:
            return Q(pk__in=[])
        return Q(**{f"{self.email_field}__endswith": suffix})


@functools.lru_cache(maxsize=8)
def _load(path, user_model_label):
    cls = import_string(path)
    return cls(get_user_model())


def person_names():
    """The site's :class:`PersonNames`: the class ``KHUB_PERSON_NAMES`` names, one instance per setting value
    and user model (read when first asked, never at import time)."""
    from django.conf import settings

    return _load(khub_settings.PERSON_NAMES, settings.AUTH_USER_MODEL)


def display_name(user):
    return person_names().display_name(user)


def name_and_login(user):
    """ "Full Name (sign-in name)", or the sign-in name alone: how admin listings tell people apart."""
    if user is None:
        return ""
    name, login = display_name(user), str(user.get_username())
    return f"{name} ({login})" if name != login else login


def ordering(prefix=""):
    return person_names().ordering(prefix)


def search_fields(prefix=""):
    return person_names().search_fields(prefix)


def search_q(text, prefix=""):
    return person_names().search_q(text, prefix)


def email(user):
    return person_names().email(user)


def find_user(text, queryset=None):
    return person_names().find_user(text, queryset)
