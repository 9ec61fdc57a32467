import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OutputFile


class OutputRequestForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the outputs show and what they are for."),
    )
    acro_bundle = forms.FileField(
        label=_("ACRO bundle (optional)"),
        required=False,
        help_text=_("A zip of the folder that acro.finalise() wrote (results.json and the output files)."),
    )


class OutputFileForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[c for c in OutputFile.Kind.choices if c[0] != "acro"],
        initial=OutputFile.Kind.TABLE,
    )
    spec = forms.CharField(
        label=_("Spec (JSON, optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'How the output was computed, e.g. {"data": "extract.parquet", "statistic": "count", '
            '"index": ["sex"], "columns": ["age_group"]}'
        ),
    )
    supporting_table = forms.FileField(label=_("Table behind the figure"), required=False)

    def clean_spec(self):
        text = self.cleaned_data["spec"].strip()
        if not text:
            return None
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("The spec is not valid JSON: %(error)s") % {"error": exc}) from exc
        if not isinstance(spec, dict):
            raise forms.ValidationError(_("The spec must be a JSON object."))
        return spec

    def clean(self):
        data = super().clean()
        if not data.get("file") and (data.get("spec") or data.get("supporting_table")):
            self.add_error("file", _("Attach the output file this spec or table belongs to."))
        return data


OutputFileFormSet = forms.formset_factory(OutputFileForm, extra=3, max_num=20)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("changes", _("Ask for changes"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExceptionForm(forms.Form):
    justification = forms.CharField(
        label=_("Why should an exception be granted?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("To recognise the token, e.g. the desktop it is used on."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=30)


class InputUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV, XLSX, Parquet or Stata (.dta)."))
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The law or the respondents' consent that allows the linkage."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InputRefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why is the file refused?"), widget=forms.Textarea(attrs={"rows": 2}))
