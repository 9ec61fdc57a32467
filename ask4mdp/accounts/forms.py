"""Forms of the account pages: every error shows next to its field."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User


class BootstrapMixin:
    """Bootstrap classes on the widgets; each error is shown under its own field."""

    template_name = "accounts/form.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.template_name = "accounts/field.html"
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct e-mail address and password. Both are case-sensitive."),
        "inactive": _(
            "This account is not active yet: an administrator activates it after you have "
            "verified your e-mail address."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            # A right password on an account that is not active yet deserves the real reason.
            email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            user = User.objects.filter(email__iexact=email or "").first()
            if user is not None and not user.is_active and password and user.check_password(password):
                raise forms.ValidationError(self.error_messages["inactive"], code="inactive") from None
            raise


def _organisation_choices():
    return Organisation.objects.filter(authorisation_status=Organisation.Status.AUTHORISED).order_by("name")


class SignupForm(BootstrapMixin, forms.Form):
    """A researcher's sign-up.

    Either an authorised organisation from the list, or a foreign organisation (typed in) together
    with the authorised domestic organisation that takes responsibility for the researcher (seed 002).
    """

    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password and not entirely numeric."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— my organisation is foreign and not listed —"),
        help_text=_("Only authorised organisations are listed."),
    )
    foreign_organisation = forms.CharField(
        label=_("Foreign organisation"),
        max_length=200,
        required=False,
        help_text=_("Only if your organisation is abroad and not listed above."),
    )
    foreign_country = forms.CharField(
        label=_("Country of the foreign organisation (ISO code, e.g. FR)"),
        max_length=2,
        min_length=2,
        required=False,
    )
    sponsor = forms.ModelChoiceField(
        label=_("Responsible domestic organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_(
            "A foreign researcher joins only through an authorised domestic organisation that "
            "takes responsibility for them."
        ),
    )
    position = forms.CharField(label=_("Position"), max_length=200)
    qualifications = forms.CharField(
        label=_("Qualifications and experience with personal data"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        authorised = [
            o.pk for o in _organisation_choices().prefetch_related("sanctions") if o.is_authorised(today)
        ]
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=authorised, country__iexact=settings.PLATFORM_COUNTRY
        ) | Organisation.objects.exclude(country__iexact=settings.PLATFORM_COUNTRY).exclude(
            authorisation_status__in=[Organisation.Status.REFUSED]
        )
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.order_by("name")
        self.fields["sponsor"].queryset = Organisation.objects.filter(
            pk__in=authorised, country__iexact=settings.PLATFORM_COUNTRY
        ).order_by("name")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists. Log in or reset your password."),
                code="duplicate",
            )
        return email

    def clean_foreign_country(self):
        country = self.cleaned_data["foreign_country"].strip().upper()
        if country and not country.isalpha():
            raise forms.ValidationError(_("Enter a two-letter country code."), code="invalid")
        return country

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)

        organisation = data.get("organisation")
        foreign = data.get("foreign_organisation", "").strip()
        country = data.get("foreign_country", "")
        sponsor = data.get("sponsor")
        if organisation and foreign:
            self.add_error(
                "foreign_organisation",
                _("Choose an organisation from the list or type a foreign one, not both."),
            )
        elif not organisation and not foreign:
            self.add_error(
                "organisation", _("Choose your organisation, or type your foreign organisation below.")
            )
        if foreign:
            if not country:
                self.add_error("foreign_country", _("Give the country of the foreign organisation."))
            elif country == settings.PLATFORM_COUNTRY.upper():
                self.add_error(
                    "foreign_country",
                    _(
                        "A domestic organisation must be authorised first: ask it "
                        "to apply, or choose it from the list."
                    ),
                )
        is_foreign = bool(foreign) or (organisation is not None and not organisation.is_domestic)
        if is_foreign and sponsor is None:
            self.add_error(
                "sponsor",
                _(
                    "A foreign researcher must name the authorised domestic organisation "
                    "that takes responsibility for them."
                ),
            )
        if not is_foreign and sponsor is not None:
            self.add_error(
                "sponsor",
                _("Only a researcher of a foreign organisation names a responsible domestic organisation."),
            )
        return data


class OTPTokenForm(BootstrapMixin, forms.Form):
    token = forms.CharField(
        label=_("Code"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
        help_text=_("The six-digit code shown by your authenticator app."),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code has only digits."), code="invalid")
        return token


class ProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language", "qualifications"]
        widgets = {"qualifications": forms.Textarea(attrs={"rows": 4})}


class ExclusionForm(forms.Form):
    """Admin's intermediate page: exclude the selected persons."""

    start = forms.DateField(
        label=_("Start"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until lifted."),
    )
    is_breach = forms.BooleanField(
        label=_("Breach of the rules"),
        required=False,
        help_text=_("A breach excludes the person for at least three years."),
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        from .models import MIN_BREACH_EXCLUSION_YEARS, add_years

        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end cannot be before the start."))
        elif start and end and data.get("is_breach") and end < add_years(start, MIN_BREACH_EXCLUSION_YEARS):
            self.add_error(
                "end",
                _("A breach excludes for at least three years (until %(date)s or later).")
                % {"date": add_years(start, MIN_BREACH_EXCLUSION_YEARS)},
            )
        return data


class WithdrawalForm(forms.Form):
    start = forms.DateField(
        label=_("Start"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: until lifted."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data


class AuthorisationForm(forms.Form):
    valid_from = forms.DateField(
        label=_("Authorised from"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Authorised until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", _("The end cannot be before the start."))
        return data
