"""Helpers shared by every browser test.

``login(page, live_server, user)`` goes through the real login form and, for a staff role, through
the real two-factor form: it gives the user a confirmed TOTP device when they have none, then types
the code an authenticator app would show.
"""

import time

from django.urls import reverse
from django_otp import oath
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator would show now, skipping steps the device has already used.

    django-otp refuses a code whose time step is not after ``last_t`` (replay protection), so a
    second login within the same 30 seconds uses the next step, which the device's tolerance allows.
    """
    device.refresh_from_db()
    current = int((time.time() - device.t0) // device.step) + device.drift
    target = max(current, device.last_t + 1)
    code = oath.totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + (target - current),
    )
    return f"{code:0{device.digits}d}"


def ensure_totp_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="browser test", confirmed=True)
    return device


def login(page, live_server, user, password: str = PASSWORD, screenshot=None):
    """Log ``user`` in through the login form (and the TOTP form for a staff role).

    Pass the ``screenshot`` fixture to keep a picture of each page visited.
    """
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    if screenshot:
        screenshot(page, "login")
    page.get_by_role("button", name="Log in").last.click()
    page.wait_for_load_state()
    if user.is_staff_role:
        device = ensure_totp_device(user)
        if reverse("accounts:otp_verify") not in page.url:
            page.goto(live_server.url + reverse("accounts:otp_verify"))
        page.get_by_label("Code", exact=True).fill(totp_code(device))
        if screenshot:
            screenshot(page, "two-factor")
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
    return page


def logout(page):
    """Log out with the navigation bar's button (logging out is a POST)."""
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state()
    return page
