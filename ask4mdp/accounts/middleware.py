"""Two-factor authentication for every staff role.

A user holding any role but the researcher's (or access to Django admin) must have verified a TOTP
device in this session before anything else; otherwise they are sent to set one up or to enter a
code. Only the demo accounts of the embedded default may skip it (settings.ASK4MDP_DEMO_ACCOUNTS_SKIP_2FA).
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

EXEMPT_PREFIXES = ("/static/", "/i18n/", "/favicon.ico")
ALLOWED_URL_NAMES = ("accounts:otp_setup", "accounts:otp_verify", "accounts:logout")


def needs_second_factor(user) -> bool:
    if not user.is_authenticated or not user.is_staff_role:
        return False
    if user.is_verified():
        return False
    return not (settings.ASK4MDP_DEMO_ACCOUNTS_SKIP_2FA and user.is_demo)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and needs_second_factor(user):
            allowed = {reverse(name) for name in ALLOWED_URL_NAMES}
            path = request.path_info
            if path not in allowed and not path.startswith(EXEMPT_PREFIXES):
                target = "accounts:otp_verify" if user_has_device(user) else "accounts:otp_setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
