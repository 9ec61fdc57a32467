"""An anonymous visitor browses the public data dictionary: searches "nationality" (live results),
filters by padlock, opens I_nationality and sees its seven default modalities, then reads it and
the dictionary's first page in French (the language switcher posts the visitor's own CSRF token
from a page served by the page cache). Screenshots of every page visited."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dictionary.yaml"
SEVEN = ["Luxembourg", "Germany", "Belgium", "France", "Portugal", "Other EU-28", "Other"]


@pytest.fixture
def dictionary(transactional_db):
    from dictionary.importer import import_dictionary

    import_dictionary(FIXTURE)


def test_it_lets_an_anonymous_visitor_search_filter_and_read_a_variable(
    live_server, page, screenshot, dictionary
):
    page.goto(live_server.url + "/dictionary/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data dictionary")
    expect(page.get_by_role("link", name="Individual sociodemographic characteristics")).to_be_visible()
    screenshot(page, "dictionary-index")

    # Live search: htmx replaces the results while the visitor types (no submit).
    page.get_by_label("Search", exact=True).fill("nationality")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="I_nationality")).to_be_visible()
    expect(results.get_by_role("link", name="W_gross_wage")).to_have_count(0)
    expect(page).to_have_url(live_server.url + "/dictionary/?q=nationality&register=&padlock=&domain=")
    screenshot(page, "search-nationality")

    # Filter by padlock: the nationality has one padlock, so "two padlocks" finds nothing.
    page.get_by_label("Padlock").select_option(label="Two padlocks")
    expect(results.get_by_text("0 variables found")).to_be_visible()
    screenshot(page, "filter-two-padlocks")
    page.get_by_label("Padlock").select_option(label="One padlock")
    expect(results.get_by_role("link", name="I_nationality")).to_be_visible()
    expect(results.get_by_text("1 variable found")).to_be_visible()
    screenshot(page, "filter-one-padlock")

    results.get_by_role("link", name="I_nationality").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("I_nationality")
    default = page.locator("section", has=page.get_by_role("heading", name="Seven groups of nationalities"))
    for code, label in enumerate(SEVEN):
        expect(default.locator("tbody tr").nth(code)).to_contain_text(f"{code}{label}")
    expect(default.locator("tbody tr")).to_have_count(7)
    expect(page.get_by_text("One padlock: supplied at an aggregated default granularity")).to_be_visible()
    expect(page.get_by_text("CCSS", exact=True)).to_be_visible()
    screenshot(page, "variable-nationality")

    # The register page, then French.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Individual sociodemographic"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SOCIO")
    screenshot(page, "register-socio")
    page.get_by_role("link", name="I_nationality").click()
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nationalité")
    default = page.locator("section", has=page.get_by_role("heading", name="Sept groupes de nationalités"))
    expect(default).to_contain_text("Autre UE-28")
    screenshot(page, "variable-nationality-fr")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Dictionnaire des données"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dictionnaire des données")
    expect(page.get_by_text("variables disponibles pour la recherche")).to_be_visible()
    screenshot(page, "dictionary-index-fr")


def test_it_shows_the_versions_and_a_renamed_variable(live_server, page, screenshot, dictionary):
    page.goto(live_server.url + "/dictionary/versions/")
    expect(page.get_by_role("heading", level=2, name="Version 2 — Telework and overtime")).to_be_visible()
    screenshot(page, "versions")
    page.get_by_role("link", name="W_overtime_hours").first.click()
    expect(page.get_by_text("Renamed in version 2 of the dictionary.")).to_be_visible()
    screenshot(page, "variable-renamed")
    page.get_by_role("link", name="See W_paid_overtime_hours.").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("W_paid_overtime_hours")
    screenshot(page, "variable-new-name")
