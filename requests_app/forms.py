"""Forms of the request life cycle: every error is shown next to its field, never a 500."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ask4mdp.accounts.roles import Role
from ask4mdp.accounts.selectors import eligibility_problems, valid_affiliations

from .models import DOCUMENT_SECTIONS, MAX_PROBLEM_WORDS, DataRequest, Decision, Outcome, RequestVariable
from .models.request import DICTIONARY_START
from .validation import count_words

User = get_user_model()
MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class Styled:
    """Bootstrap classes on every widget (Django's widgets carry none)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = (
                    f"{self.auto_id % self.add_prefix(name)}_error" if self.auto_id else ""
                )


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (an ``<input type="month">``), stored as the first day of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return f"{value:%Y-%m}"
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(_("Give a month as YYYY-MM."), code="invalid")
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CreateForm(Styled, forms.Form):
    acronym = forms.CharField(label=_("Project acronym"), max_length=40)
    title = forms.CharField(label=_("Project title"), max_length=300, required=False)


class ProjectStepForm(Styled, forms.ModelForm):
    period_from = MonthField(label=_("Data from (month)"), required=False)
    period_to = MonthField(label=_("Data until (month)"), required=False)

    class Meta:
        model = DataRequest
        fields = [
            "acronym",
            "title",
            "start_date",
            "end_date",
            "research_problem",
            "population",
            "period_from",
            "period_to",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "research_problem": forms.Textarea(
                attrs={
                    "rows": 10,
                    "data-word-limit": MAX_PROBLEM_WORDS,
                    "data-word-counter": "problem-words",
                    "aria-describedby": "problem-words",
                }
            ),
            "population": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_research_problem(self):
        text = self.cleaned_data["research_problem"]
        n = count_words(text)
        if n > MAX_PROBLEM_WORDS:
            raise ValidationError(
                _("%(n)s words: the research problem is limited to %(limit)s words.")
                % {"n": n, "limit": MAX_PROBLEM_WORDS}
            )
        return text

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The project cannot end before it starts."))
        pf, pt = data.get("period_from"), data.get("period_to")
        if pf and pf < DICTIONARY_START:
            self.add_error("period_from", _("The data start in January 2002."))
        today = datetime.date.today()
        for field in ("period_from", "period_to"):
            if data.get(field) and data[field] > today:
                self.add_error(field, _("The data are not available beyond the current month."))
        if pf and pt and pt < pf:
            self.add_error("period_to", _("The period cannot end before it starts."))
        return data


class EligibilityStepForm(Styled, forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["purpose", "microdata_need", "experience"]
        widgets = {f: forms.Textarea(attrs={"rows": 4}) for f in fields}


class TeamStepForm(Styled, forms.ModelForm):
    members = forms.CharField(
        label=_("Team members who need a desktop account"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Their e-mail addresses, one per line. Each must have an active account affiliated to an "
            "authorised organisation."
        ),
    )

    class Meta:
        model = DataRequest
        fields = ["organisation", "external_data", "external_legal_basis", "software"]
        widgets = {
            "external_data": forms.Textarea(attrs={"rows": 3}),
            "external_legal_basis": forms.Textarea(attrs={"rows": 2}),
            "software": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, researcher, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = {a.responsible_organisation.pk for a in valid_affiliations(researcher)}
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.filter(pk__in=orgs)
        self.fields["organisation"].required = False
        self.researcher = researcher
        if self.instance.pk and not self.is_bound:
            self.initial["members"] = "\n".join(self.instance.members.values_list("email", flat=True))

    def clean_members(self):
        emails = [
            e.strip().lower() for e in re.split(r"[\s,;]+", self.cleaned_data["members"] or "") if e.strip()
        ]
        users, errors = [], []
        for email in dict.fromkeys(emails):
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                errors.append(_("%(email)s has no account.") % {"email": email})
                continue
            if user.pk == self.researcher.pk:
                continue
            problems = eligibility_problems(user)
            if problems:
                errors.append(
                    _("%(email)s: %(problems)s.") % {"email": email, "problems": "; ".join(problems)}
                )
            users.append(user)
        if errors:
            raise ValidationError(errors)
        return users

    def clean(self):
        data = super().clean()
        if (data.get("external_data") or "").strip() and not (data.get("external_legal_basis") or "").strip():
            self.add_error("external_legal_basis", _("Give the legal basis of the external data."))
        return data


STEP_FORMS = {"project": ProjectStepForm, "eligibility": EligibilityStepForm, "team": TeamStepForm}


class VariableForm(Styled, forms.Form):
    justification = forms.CharField(
        label=_("Justification of the variable"), widget=forms.Textarea(attrs={"rows": 3})
    )
    wants_change = forms.BooleanField(label=_("Request a change of the proposed values"), required=False)
    change_justification = forms.CharField(
        label=_("Justification of the change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    wanted_modalities = forms.CharField(
        label=_("Values wanted"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    need_to_know = forms.CharField(
        label=_("How is need-to-know respected?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, variable, **kwargs):
        super().__init__(*args, **kwargs)
        self.variable = variable
        if variable.padlock == 2:
            self.fields["need_to_know"].required = True
        else:
            del self.fields["need_to_know"]

    def clean(self):
        data = super().clean()
        if data.get("wants_change") and not (data.get("change_justification") or "").strip():
            self.add_error("change_justification", _("Justify the change of values."))
        return data


class EligibilityDecisionForm(Styled, forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = [
            "needs_microdata",
            "needs_microdata_comment",
            "is_legitimate",
            "is_legitimate_comment",
            "is_statistical",
            "is_statistical_comment",
        ]
        labels = {
            "needs_microdata": _("Does the project need microdata?"),
            "is_legitimate": _("Is it legitimate for this researcher to use microdata?"),
            "is_statistical": _("Is the project purely statistical?"),
            "needs_microdata_comment": _("Comment on the need for microdata"),
            "is_legitimate_comment": _("Comment on the legitimacy"),
            "is_statistical_comment": _("Comment on the statistical purpose"),
        }
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in fields if f.endswith("_comment")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("needs_microdata", "is_legitimate", "is_statistical"):
            widget = forms.NullBooleanSelect(attrs={"class": "form-select"})
            widget.choices = [("unknown", _("Not answered")), ("true", _("Yes")), ("false", _("No"))]
            self.fields[name] = forms.NullBooleanField(
                label=self._meta.labels[name], required=False, widget=widget
            )


class ProcessingForm(Styled, forms.ModelForm):
    approved_period_from = MonthField(label=_("Approved period from"), required=False)
    approved_period_to = MonthField(label=_("Approved period until"), required=False)
    pseudonymised_variables_text = forms.CharField(
        label=_("Variables pseudonymised as a protection measure"),
        required=False,
        help_text=_('"REGISTER.variable", one per line (e.g. the zipcode).'),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    double_registers = forms.MultipleChoiceField(
        label=_("Registers pseudonymised with a second key"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    filters = forms.CharField(
        label=_("Field of study filters"),
        required=False,
        help_text=_('One per line: "REGISTER.variable in code1,code2" (or "not_in", or "between low,high").'),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    derived_indicator = forms.CharField(
        label=_("Derived indicators delivered without their base variables"),
        required=False,
        help_text=_('One per line: "REGISTER;name;label;aggregate (count, sum, max, mean);of;base1,base2".'),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = DataRequest
        fields = [
            "field_of_study",
            "approved_period_from",
            "approved_period_to",
            "sample_fraction",
            "sample_justification",
            "other_measures",
        ]
        widgets = {
            "field_of_study": forms.Textarea(attrs={"rows": 2}),
            "sample_justification": forms.Textarea(attrs={"rows": 2}),
            "other_measures": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = sorted(
            {rv.variable.register.code for rv in self.instance.variables.select_related("variable__register")}
        )
        self.fields["double_registers"].choices = [(c, c) for c in codes]
        if not self.is_bound:
            self.initial["filters"] = "\n".join(
                f"{x['register']}.{x['variable']} {x['op']} {','.join(str(v) for v in x['values'])}"
                for x in self.instance.field_filters or []
            )
            self.initial["pseudonymised_variables_text"] = "\n".join(
                self.instance.pseudonymised_variables or []
            )
            self.initial["double_registers"] = self.instance.double_pseudonymised_registers
            self.initial["derived_indicator"] = "\n".join(
                ";".join(
                    [
                        d.get("register", ""),
                        d.get("name", ""),
                        d.get("label", ""),
                        d.get("aggregate", ""),
                        d.get("of") or "",
                        ",".join(d.get("base_variables", [])),
                    ]
                )
                for d in self.instance.derived_indicators or []
            )

    def clean_sample_fraction(self):
        value = self.cleaned_data.get("sample_fraction")
        if value is not None and not (Decimal("0") < value <= Decimal("1")):
            raise ValidationError(_("A fraction between 0 and 1 (e.g. 0.1 for 10 %)."))
        return value

    def clean_pseudonymised_variables_text(self):
        items = [
            line.strip()
            for line in self.cleaned_data["pseudonymised_variables_text"].splitlines()
            if line.strip()
        ]
        known = {
            f"{rv.variable.register.code}.{rv.variable.name}"
            for rv in self.instance.variables.select_related("variable__register")
        }
        unknown = [i for i in items if i not in known]
        if unknown:
            raise ValidationError(_("Not variables of this request: %(v)s.") % {"v": ", ".join(unknown)})
        return items

    def clean_filters(self):
        from dictionary.models import Variable

        out = []
        for n, line in enumerate(self.cleaned_data["filters"].splitlines(), start=1):
            if not line.strip():
                continue
            match = re.match(r"^\s*([\w-]+)\.(\w+)\s+(in|not_in|between)\s+(.+)$", line)
            if not match:
                raise ValidationError(_('Line %(n)s: write "REGISTER.variable in code1,code2".') % {"n": n})
            register, variable, op, values = match.groups()
            if not Variable.objects.filter(register__code=register, name=variable).exists():
                raise ValidationError(
                    _("Line %(n)s: %(v)s is not in the dictionary.") % {"n": n, "v": f"{register}.{variable}"}
                )
            items = [v.strip() for v in values.split(",") if v.strip()]
            if op == "between" and len(items) != 2:
                raise ValidationError(_("Line %(n)s: between needs two values.") % {"n": n})
            out.append({"register": register, "variable": variable, "op": op, "values": items})
        return out

    def clean_derived_indicator(self):
        out = []
        for n, line in enumerate(self.cleaned_data["derived_indicator"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) != 6 or not parts[1] or parts[3] not in ("count", "sum", "max", "mean"):
                raise ValidationError(
                    _('Line %(n)s: write "REGISTER;name;label;aggregate;of;base1,base2".') % {"n": n}
                )
            out.append(
                {
                    "register": parts[0],
                    "name": parts[1],
                    "label": parts[2] or parts[1],
                    "aggregate": parts[3],
                    "of": parts[4] or None,
                    "per": "person",
                    "base_variables": [b.strip() for b in parts[5].split(",") if b.strip()],
                }
            )
        return out

    def clean(self):
        data = super().clean()
        pf, pt = data.get("approved_period_from"), data.get("approved_period_to")
        req = self.instance
        if pf and req.period_from and pf < req.period_from:
            self.add_error("approved_period_from", _("The period may be shortened, not extended."))
        if pt and req.period_to and pt > req.period_to:
            self.add_error("approved_period_to", _("The period may be shortened, not extended."))
        if data.get("sample_fraction") is not None and not (data.get("sample_justification") or "").strip():
            self.add_error("sample_justification", _("Say why the full population is not justified."))
        return data

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "field_of_study": d["field_of_study"],
            "field_filters": d["filters"],
            "approved_period_from": d["approved_period_from"],
            "approved_period_to": d["approved_period_to"],
            "sample_fraction": d["sample_fraction"],
            "sample_justification": d["sample_justification"],
            "other_measures": d["other_measures"],
            "pseudonymised_variables": d["pseudonymised_variables_text"],
            "double_pseudonymised_registers": d["double_registers"],
            "derived_indicators": d["derived_indicator"],
        }


class DocumentForm(Styled, forms.Form):
    def __init__(self, *args, sections: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in DOCUMENT_SECTIONS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                initial=sections.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
            )


class VariableDecisionForm(Styled, forms.ModelForm):
    class Meta:
        model = RequestVariable
        fields = [
            "justification_decision",
            "justification_comment",
            "granularity_decision",
            "granularity_comment",
            "new_modalities",
            "outcome",
        ]
        widgets = {
            "justification_decision": forms.RadioSelect(choices=Decision.choices[1:]),
            "granularity_decision": forms.RadioSelect(choices=Decision.choices[1:]),
            "justification_comment": forms.Textarea(attrs={"rows": 2}),
            "granularity_comment": forms.Textarea(attrs={"rows": 2}),
            "new_modalities": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=f"v{kwargs['instance'].pk}", **kwargs)
        self.fields["justification_decision"].required = False
        self.fields["granularity_decision"].required = False
        self.fields["outcome"].required = False
        self.fields["outcome"].choices = [("", _("— waiting —")), *Outcome.choices[1:]]
        if not self.instance.wants_change:
            for name in ("granularity_decision", "granularity_comment", "new_modalities"):
                del self.fields[name]


class ReasonForm(Styled, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class HandOverForm(Styled, forms.Form):
    expert = forms.ModelChoiceField(label=_("Hand over to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Why hand it over?"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, exclude=None, **kwargs):
        super().__init__(*args, prefix="handover", **kwargs)
        qs = User.objects.filter(is_active=True, groups__name=str(Role.EXPERT)).distinct()
        if exclude:
            qs = qs.exclude(pk=exclude)
        self.fields["expert"].queryset = qs


class AssignForm(Styled, forms.Form):
    expert = forms.ModelChoiceField(
        label=_("Expert"),
        queryset=User.objects.filter(is_active=True, groups__name=str(Role.EXPERT)).distinct(),
    )


class MessageForm(Styled, forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}))
    variable = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReviewCommentForm(Styled, forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=DOCUMENT_SECTIONS)
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))


class SendBackForm(Styled, forms.Form):
    comment = forms.CharField(
        label=_("What should the expert look at again?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class FlagForm(Styled, forms.Form):
    comment = forms.CharField(
        label=_("Why do these decisions make the project impossible?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    variables = forms.MultipleChoiceField(
        label=_("Decisions flagged"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variables"].choices = [
            (str(rv.pk), rv.variable.name) for rv in request.variables.select_related("variable")
        ]


class AdminFilterForm(Styled, forms.Form):
    from ask4mdp.accounts.roles import Domain

    from .models import State

    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All"))] + list(State.choices)
    )
    domain = forms.ChoiceField(
        label=_("Domain"), required=False, choices=[("", _("All"))] + list(Domain.choices)
    )
    expert = forms.ModelChoiceField(
        label=_("Expert"),
        empty_label=_("All"),
        required=False,
        queryset=User.objects.filter(groups__name=str(Role.EXPERT)).distinct(),
    )
    submitted_from = forms.DateField(label=_("Submitted from"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=_("Submitted until"), required=False, widget=DateInput())
