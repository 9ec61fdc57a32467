"""Account pages: log in and out, two-factor, sign-up and verification, profile, password reset."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ask4mdp.audit.services import log_event

from . import services
from .forms import LoginForm, OTPTokenForm, ProfileForm, SignupForm
from .models import User
from .selectors import is_excluded, valid_affiliations


def _apply_language(response, language: str):
    """The person's preferred language, for this response and the next ones (the language cookie)."""
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        log_event("account.logged_in", actor=user, obj=user)
        return _apply_language(response, user.language)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's): a link cannot log anybody out."""


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignupForm(request.POST or None, initial={"language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_signup(
                email=data["email"],
                full_name=data["full_name"],
                password=data["password1"],
                language=data["language"],
                qualifications=data["qualifications"],
                position=data["position"],
                organisation=data["organisation"],
                foreign_organisation=data["foreign_organisation"],
                foreign_country=data["foreign_country"],
                sponsor=data["sponsor"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except IntegrityError:  # the same address signed up at the same moment
            form.add_error("email", _("An account with this e-mail address already exists."))
        else:
            return _apply_language(redirect("accounts:signup_done"), data["language"])
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html", {"days": services.verification_max_age() // 86400})


def verify_email(request, token: str):
    try:
        user = services.user_verify_email(token=token)
    except services.InvalidToken as error:
        return render(request, "accounts/verify_email.html", {"problem": error.reason}, status=400)
    return render(request, "accounts/verify_email.html", {"person": user})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    # the form works on its own copy: the service compares it with the saved person
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=user.pk))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.user_update_profile(
            user=user,
            full_name=data["full_name"],
            language=data["language"],
            qualifications=data["qualifications"],
        )
        with translation.override(data["language"]):
            messages.success(request, _("Your profile is saved."))
        return _apply_language(redirect("accounts:profile"), data["language"])
    valid = {a.pk for a in valid_affiliations(user)}
    affiliations = [(a, a.pk in valid) for a in user.affiliations.select_related("organisation", "sponsor")]
    from .roles import Role

    roles = [Role(name).label for name in sorted(user.role_names) if name in Role.values]
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "affiliations": affiliations,
            "roles": roles,
            "domains": [d.get_domain_display() for d in user.expert_domains.all()],
            "has_device": user_has_device(user),
            "is_verified": user.is_verified(),
            "excluded": is_excluded(user),
            "sanctions": user.sanctions.order_by("-start"),
        },
    )


def _qr_svg(data: str) -> str:
    """The provisioning URL as an inline SVG, drawn on the server (no image request, no script)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration
    return svg.replace("<svg", '<svg role="img" aria-labelledby="qr-title" class="qr-code"', 1).replace(
        ">", '><title id="qr-title">' + _("QR code for your authenticator app") + "</title>", 1
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Set up (or replace) the TOTP device: a QR code and the secret in text, confirmed by a code.

    A person who already has a device must first prove they hold it before replacing it.
    """
    user = request.user
    if user_has_device(user) and not user.is_verified():
        return redirect(f"{reverse('accounts:otp_verify')}?next={reverse('accounts:otp_setup')}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_device_confirm(device=device, token=form.cleaned_data["token"], actor=user):
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is set up."))
            return HttpResponseRedirect(_safe_next(request, reverse("accounts:profile")))
        form.add_error(
            "token", _("This code is not right. Check the time on your phone and try the next code.")
        )
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 – our own SVG
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": request.GET.get("next", ""),
            "replacing": user_has_device(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if not user_has_device(user):
        return redirect(f"{reverse('accounts:otp_setup')}?next={request.GET.get('next', '')}")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None and device in list(devices_for_user(user)):
            otp_login(request, device)
            log_event("account.otp_verified", actor=user, obj=user)
            return HttpResponseRedirect(_safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
        form.add_error("token", _("This code is not right, or it was already used. Wait for the next code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response
