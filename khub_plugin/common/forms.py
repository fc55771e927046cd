"""Form pieces shared by every feature."""

from django import forms


class ModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` that answers an id too big for the database with "not one of the choices".

    Django's own lets SQLite raise ``OverflowError`` for a posted id beyond 64 bits (a hand-made request),
    which would be a server error instead of a form error.
    """

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None
