from django import forms
from django.utils.translation import gettext_lazy as _

from ask4mdp.accounts.roles import Domain

from .models import Padlock


class SearchForm(forms.Form):
    """The public browser's search: a GET form; invalid values are reported next to their field."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in a variable's name, label or description (English or French)."),
    )
    register = forms.ChoiceField(label=_("Register"), required=False)
    padlock = forms.TypedChoiceField(
        label=_("Padlock"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any protection")),
            (0, _("No padlock")),
            (1, _("One padlock")),
            (2, _("Two padlocks")),
        ],
    )
    domain = forms.ChoiceField(
        label=_("Domain"), required=False, choices=[("", _("Any domain")), *Domain.choices]
    )

    def __init__(self, *args, registers=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A callable: evaluated only when the field is validated or rendered (the page may be cached).
        self.fields["register"].choices = lambda: (
            [("", _("All registers"))] + [(r.code, f"{r.code} – {r.display_label}") for r in registers]
        )

    def filters(self) -> dict:
        """The valid filters only: a bad value in one field does not discard the others."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q", ""),
            "register": data.get("register") or None,
            "padlock": data.get("padlock"),
            "domain": data.get("domain") or None,
        }


PADLOCK_SHORT = {Padlock.NONE: _("No padlock"), Padlock.ONE: _("One padlock"), Padlock.TWO: _("Two padlocks")}
