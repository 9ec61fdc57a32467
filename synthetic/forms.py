from django import forms
from django.utils.translation import gettext_lazy as _


def names(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class _SourceForm(forms.Form):
    source = forms.ChoiceField(label=_("Delivered file"))
    seed = forms.IntegerField(
        label=_("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        initial=1,
        help_text=_("The same seed gives the same synthetic data."),
    )

    def __init__(self, *args, files_available=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(f, f) for f in files_available]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name == "source" else "form-control"
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-help"
            if self.is_bound and name in self.errors:
                field.widget.attrs["class"] += " is-invalid"
                field.widget.attrs["aria-invalid"] = "true"


class SyntheticDatasetForm(_SourceForm):
    target = forms.CharField(
        label=_("Target variable for DiSCO"),
        required=False,
        max_length=200,
        help_text=_("The sensitive variable an intruder would try to learn (default: guessed)."),
    )
    quasi_identifiers = forms.CharField(
        label=_("Quasi-identifiers"),
        required=False,
        max_length=1000,
        help_text=_(
            "Comma-separated. Records unique on them are removed before fitting "
            "(default: guessed from the names)."
        ),
    )
    regression_outcome = forms.CharField(
        label=_("Regression outcome"),
        required=False,
        max_length=200,
        help_text=_("Default: the first numeric variable."),
    )
    regression_predictors = forms.CharField(
        label=_("Regression predictors"),
        required=False,
        max_length=1000,
        help_text=_("Comma-separated. Default: all other variables."),
    )


class LinkageRunForm(_SourceForm):
    common = forms.CharField(
        label=_("Shared variables"),
        max_length=1000,
        help_text=_("Comma-separated: the variables both institutions hold."),
    )
    part_a = forms.CharField(label=_("Variables of part A"), max_length=1000, help_text=_("Comma-separated."))
    part_b = forms.CharField(label=_("Variables of part B"), max_length=1000, help_text=_("Comma-separated."))
