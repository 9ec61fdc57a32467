from django import forms
from django.utils.translation import gettext_lazy as _

from ask4mdp.accounts.selectors import users_with_role

from . import contract as contract_doc
from .models import (
    REQUIRED_ROLES,
    ROLE_GROUP,
    SINGLE_ROLES,
    ContractDetails,
    ImplementationRole,
    SignatureParty,
)

# The rows of screenshot 4 that have a "select all" box.
SELECT_ALL_ROLES = {
    ImplementationRole.THEMATIC_EXPERT,
    ImplementationRole.PSEUDONYMISER,
    ImplementationRole.INPUT_CHECKER,
    ImplementationRole.DESKTOP_PREPARER,
}


class BootstrapMixin:
    """Bootstrap's classes on text inputs, selects and file inputs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class PersonSingleChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class RolesForm(forms.Form):
    """The table of roles: one field per row, each among the holders of that role."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in ImplementationRole:
            qs = users_with_role(ROLE_GROUP[role]).order_by("full_name")
            required = role in REQUIRED_ROLES
            if role in SINGLE_ROLES:
                field = PersonSingleChoice(
                    queryset=qs,
                    required=required,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    empty_label=None,
                    label=role.label,
                )
                field.help_text = _("Choose the principal extractor for this request among these users.")
            else:
                field = PersonChoice(
                    queryset=qs,
                    required=required,
                    label=role.label,
                    widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                )
            field.select_all = role in SELECT_ALL_ROLES
            self.fields[role.value] = field

    def assignments(self) -> dict:
        out = {}
        for role in ImplementationRole:
            value = self.cleaned_data.get(role.value)
            if value is None:
                out[role.value] = []
            elif role in SINGLE_ROLES:
                out[role.value] = [value]
            else:
                out[role.value] = list(value)
        return out


class DesktopStepForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("What was done"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeliveryForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("Delivery"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Files, number of rows, where they were put."),
    )


class ContractDetailsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ContractDetails
        fields = [
            "organisation_legal_name",
            "organisation_address",
            "registration_number",
            "signatory_name",
            "signatory_position",
            "signatory_email",
            "contact_name",
            "contact_email",
            "language",
        ]
        widgets = {"organisation_address": forms.Textarea(attrs={"rows": 3})}


class SignatureForm(BootstrapMixin, forms.Form):
    party = forms.ChoiceField(label=_("Party"), choices=SignatureParty.choices)
    signer_name = forms.CharField(label=_("Signed by"), max_length=200)
    file = forms.FileField(
        label=_("Signed PDF"), help_text=_("The signed agreement as a PDF file, 20 MB at most.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > contract_doc.MAX_SIGNED_PDF_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": contract_doc.MAX_SIGNED_PDF_BYTES // (1024 * 1024)}
            )
        return upload


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OpenProjectForm(BootstrapMixin, forms.Form):
    start = forms.DateField(label=_("Access from"), widget=DateInput())
    end = forms.DateField(
        label=_("Access until"), widget=DateInput(), help_text=_("The period may be shortened, not extended.")
    )


class AmendmentForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("What the amendment is for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("An extension of the period, an added variable…"),
    )


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class BreachForm(BootstrapMixin, forms.Form):
    description = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    persons = PersonChoice(
        label=_("Persons in breach"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Each is excluded for the period below (at least three years)."),
    )
    exclusion_years = forms.IntegerField(label=_("Exclusion (years)"), min_value=3, max_value=50, initial=3)
    withdraw_organisation_until = forms.DateField(
        label=_("Withdraw the organisation's authorisation until"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: leave empty to keep the organisation authorised."),
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = team
