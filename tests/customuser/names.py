"""A ``KHUB_PERSON_NAMES`` class for a model that keeps a ``name`` field (docs/reference/users.md)."""

from khub_plugin.common.names import PersonNames


class NameFieldNames(PersonNames):
    """Show, sort and search people by the model's ``name`` field, falling back to the defaults."""

    @property
    def name_fields(self):
        return ["name"] if self.has_field("name") else super().name_fields

    def display_name(self, user):
        return getattr(user, "name", "") or super().display_name(user)
