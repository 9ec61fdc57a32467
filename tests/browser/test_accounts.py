"""A researcher signs up, verifies their address, an administrator (with TOTP) activates them in
Django admin, and they log in and search the dictionary. Screenshots of every page visited."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from ask4mdp.accounts.models import User
from tests.browser.helpers import login

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a long and unusual passphrase 2026"


def _path_of_link(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match, f"no link matching {pattern} in:\n{body}"
    return match.group(0)


def test_it_signs_up_verifies_activates_and_searches(live_server, page, screenshot, liser, adam):
    # 1. sign-up, with one mistake first: the error shows next to its field
    page.goto(live_server.url + "/")
    screenshot(page, "home")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up as a researcher")
    page.get_by_label("E-mail address").fill("nora@liser.lu")
    page.get_by_label("Full name").fill("Nora Schiltz")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD + " typo")
    page.get_by_label("Organisation", exact=True).select_option(label="LISER")
    page.get_by_label("Position").fill("Post-doctoral researcher")
    page.get_by_label("Qualifications and experience with personal data").fill(
        "PhD in economics; four years of work on administrative social security data at LISER."
    )
    screenshot(page, "signup-filled")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#id_password2_error")).to_contain_text("The two passwords differ")
    expect(page.get_by_label("Password (again)")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "signup-error")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    screenshot(page, "signup-done")

    # 2. the verification link, read from the outbox
    [message] = [m for m in mail.outbox if m.to == ["nora@liser.lu"]]
    path = _path_of_link(message.body, r"/accounts/verify/[^/\s]+/")
    page.goto(live_server.url + path)
    expect(page.get_by_role("status")).to_contain_text("your e-mail address is confirmed")
    screenshot(page, "verified")
    nora = User.objects.get(email="nora@liser.lu")
    assert nora.email_verified_at is not None and not nora.is_active
    # administrators are told an account awaits activation
    assert any("adam@igss.lu" in m.to and "awaits activation" in m.subject for m in mail.outbox)

    # 3. the administrator logs in with TOTP and activates the account in Django admin
    login(page, live_server, adam, screenshot=screenshot)
    page.goto(live_server.url + "/admin/accounts/user/?status=pending")
    screenshot(page, "admin-pending")
    row = page.get_by_role("row").filter(has_text="nora@liser.lu")
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("activate_accounts")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("1 account(s) activated")
    screenshot(page, "admin-activated")
    nora.refresh_from_db()
    assert nora.is_active
    assert any(m.to == ["nora@liser.lu"] and "is active" in m.subject for m in mail.outbox)
    page.get_by_role("button", name="Log out").click()
    page.context.clear_cookies()

    # 4. the researcher logs in (no second factor for researchers) and searches the dictionary
    login(page, live_server, nora, password=NEW_PASSWORD, screenshot=screenshot)
    expect(page.get_by_role("link", name="Nora")).to_be_visible()
    screenshot(page, "researcher-home")
    page.goto(live_server.url + "/dictionary/")
    search = page.get_by_label("Search", exact=True)
    if search.count():
        search.first.fill("nationality")
        search.first.press("Enter")
        page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "dictionary")


def test_it_logs_staff_in_with_totp_through_the_helper(live_server, page, screenshot, dana):
    login(page, live_server, dana, screenshot=screenshot)
    page.goto(live_server.url + "/accounts/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    expect(page.get_by_text("You entered a code in this session.")).to_be_visible()
    screenshot(page, "profile")


def test_it_sets_up_two_factor_for_a_new_staff_member(live_server, page, screenshot, erin):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.browser.helpers import totp_code
    from tests.factories import PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("E-mail address").fill(erin.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    screenshot(page, "otp-setup")
    device = TOTPDevice.objects.get(user=erin, confirmed=False)
    import base64

    shown = page.locator("#otp-secret").inner_text().replace(" ", "")
    assert shown == base64.b32encode(device.bin_key).decode()
    page.get_by_label("Code", exact=True).fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor authentication is set up")
    screenshot(page, "otp-done")
    page.goto(live_server.url + "/accounts/profile/")
    expect(page.get_by_text("You entered a code in this session.")).to_be_visible()
    screenshot(page, "profile")


def test_it_locks_out_after_five_failed_logins(live_server, page, screenshot, alice):
    page.goto(live_server.url + "/accounts/login/")
    for attempt in range(5):
        page.get_by_label("E-mail address").fill(alice.email)
        page.get_by_label("Password", exact=True).fill(f"wrong password {attempt}")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        if attempt == 0:
            expect(page.get_by_role("alert")).to_contain_text("Please enter a correct e-mail address")
            screenshot(page, "login-error")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-ins")
    expect(page.get_by_role("alert")).to_contain_text("After 5 failed attempts")
    screenshot(page, "locked-out")
