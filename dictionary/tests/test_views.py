"""The public dictionary browser."""

import re

import pytest
from django.urls import reverse

from dictionary import cache

INDEX = reverse("dictionary:index")
NATIONALITY = reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_nationality"})
WAGES = reverse("dictionary:register", kwargs={"code": "WAGES"})


def test_it_is_public(demo_dictionary, client):
    response = client.get(INDEX)

    assert response.status_code == 200
    assert "Individual sociodemographic characteristics" in response.text
    assert response.text.count("<h1") == 1


def test_it_searches_and_filters(demo_dictionary, client):
    response = client.get(INDEX, {"q": "nationality"})
    assert "I_nationality" in response.text and "W_gross_wage" not in response.text

    response = client.get(INDEX, {"padlock": "2", "register": "ABSENCE"})
    assert "A_diagnosis" in response.text and "I_nationality" not in response.text
    assert "A_start_date" in response.text

    response = client.get(INDEX, {"domain": "health"})
    assert "A_diagnosis" in response.text and "I_age" not in response.text


def test_it_answers_htmx_with_the_results_fragment(demo_dictionary, client):
    response = client.get(INDEX, {"q": "nationality"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results">')
    assert "<html" not in response.text and "I_nationality" in response.text


def test_it_reports_bad_filter_values_next_to_the_field(demo_dictionary, client):
    response = client.get(INDEX, {"padlock": "7", "register": "NOPE", "q": "age"})

    assert response.status_code == 200
    assert 'id="id_padlock-errors"' in response.text and 'id="id_register-errors"' in response.text
    assert "I_age" in response.text  # the valid part of the search still applies


def test_it_paginates_and_keeps_the_filters(demo_dictionary, client):
    response = client.get(INDEX, {"domain": "labour_market"})
    assert "Page 1 of" in response.text
    assert "?domain=labour_market&amp;page=2" in response.text

    page2 = client.get(INDEX, {"domain": "labour_market", "page": "2"})
    assert "Page 2 of" in page2.text
    assert client.get(INDEX, {"page": "999"}).status_code == 200


def test_it_shows_a_variable_with_its_codings_and_padlock(demo_dictionary, client):
    response = client.get(
        reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_nationality"})
    )

    assert response.status_code == 200
    text = response.text
    for label in ("Luxembourg", "Germany", "Belgium", "France", "Portugal", "Other EU-28", "Other"):
        assert f"</code></td><td>{label}</td>" in text
    assert "One padlock: supplied at an aggregated default granularity" in text
    assert "Cabo Verde" in text or "Cape Verde" in text  # the detailed list, in the recode table
    assert "In cases of dual nationality" in text and "CCSS" in text


def test_it_shows_the_intervals_of_the_age_groups(demo_dictionary, client):
    response = client.get(reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_age"}))

    assert "less than 20 years" in response.text and "60 years and more" in response.text
    assert "from 20 to less than 25" in response.text and "60 or more" in response.text


def test_it_says_when_a_variable_is_not_proposed_by_default(demo_dictionary, client):
    response = client.get(reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_zipcode"}))

    assert "Available but not proposed by default" in response.text


def test_it_shows_renamed_variables(demo_dictionary, client):
    old = client.get(reverse("dictionary:variable", kwargs={"register": "WAGES", "name": "W_overtime_hours"}))
    assert "Renamed in version 2" in old.text and "W_paid_overtime_hours" in old.text

    new = client.get(
        reverse("dictionary:variable", kwargs={"register": "WAGES", "name": "W_paid_overtime_hours"})
    )
    assert "Called W_overtime_hours until version 2" in new.text


def test_it_answers_404_for_an_unknown_variable_or_register(demo_dictionary, client):
    assert (
        client.get(reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_nope"})).status_code
        == 404
    )
    assert (
        client.get(reverse("dictionary:variable", kwargs={"register": "NOPE", "name": "I_age"})).status_code
        == 404
    )
    assert client.get(reverse("dictionary:register", kwargs={"code": "NOPE"})).status_code == 404


def test_it_shows_a_register(demo_dictionary, client):
    response = client.get(reverse("dictionary:register", kwargs={"code": "WAGES"}))

    assert response.status_code == 200
    assert "W_gross_wage" in response.text and "job × month" in response.text
    assert "Withdrawn" in response.text


def test_it_shows_the_versions_and_their_changes(demo_dictionary, client):
    response = client.get(reverse("dictionary:versions"))

    assert response.status_code == 200
    assert "Version 2" in response.text and "renamed W_paid_overtime_hours" in response.text
    assert "W_in_kind_benefits" in response.text and "J_telework_agreement" in response.text


def test_it_speaks_french(demo_dictionary, client):
    client.cookies["django_language"] = "fr"

    response = client.get(
        reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_nationality"})
    )

    assert "Nationalité" in response.text and "Autre UE-28" in response.text


def test_it_shows_the_french_unit_and_comments_on_french_pages(demo_dictionary, client):
    client.cookies["django_language"] = "fr"

    variable = client.get(NATIONALITY).text
    register = client.get(WAGES).text

    assert "Cette variable se rapporte à la nationalité principale" in variable
    assert "En cas de double nationalité" in variable and "In cases of dual nationality" not in variable
    assert "(personne × mois)" in variable and "person × month" not in variable
    assert ">emploi × mois</dd>" in register and "job × month" not in register


def test_it_shows_the_english_unit_and_comments_on_english_pages(demo_dictionary, client):
    variable = client.get(NATIONALITY).text
    register = client.get(WAGES).text

    assert "In cases of dual nationality" in variable and "En cas de double nationalité" not in variable
    assert "(person × month)" in variable and "personne × mois" not in variable
    assert ">job × month</dd>" in register and "emploi × mois" not in register


def test_it_falls_back_to_the_english_unit_and_comments_without_a_french_one(make_variables, client):
    from dictionary.models import Register

    variable = make_variables(1)[0]
    variable.comments = "Only documented in English."
    variable.save()
    assert Register.objects.get(code="BULK").unit_fr == "" and variable.comments_fr == ""
    client.cookies["django_language"] = "fr"

    page = client.get(variable.get_absolute_url()).text
    register = client.get(reverse("dictionary:register", kwargs={"code": "BULK"})).text

    assert "Only documented in English." in page and "(person × month)" in page
    assert ">person × month</dd>" in register


def test_it_picks_the_unit_and_comments_in_the_active_language():
    from django.utils import translation

    from dictionary.models import Register, Variable

    register = Register(unit="job × month", unit_fr="emploi × mois")
    variable = Variable(comments="Empty while the job continues.", comments_fr="")
    with translation.override("fr"):
        assert register.display_unit == "emploi × mois"
        assert variable.display_comments == "Empty while the job continues."  # no French: the English
        variable.comments_fr = "Vide tant que l'emploi se poursuit."
        assert variable.display_comments == "Vide tant que l'emploi se poursuit."
    with translation.override("en"):
        assert register.display_unit == "job × month"
        assert variable.display_comments == "Empty while the job continues."


@pytest.mark.parametrize("n", [10, 100])
def test_it_lists_with_a_constant_number_of_queries(make_variables, client, django_assert_max_num_queries, n):
    make_variables(n)

    with django_assert_max_num_queries(8):
        response = client.get(INDEX, {"register": "BULK"})
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("dictionary:register", kwargs={"code": "BULK"})).status_code == 200


def test_it_shows_a_variable_with_a_constant_number_of_queries(
    demo_dictionary, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get(reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_zipcode"}))


def test_it_serves_a_cached_page_and_forgets_it_when_the_dictionary_changes(
    demo_dictionary,
    client,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    from dictionary.models import Variable

    url = reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_gender"})
    assert "Gender" in client.get(url).text
    with django_assert_max_num_queries(1):  # the tables' fingerprint
        assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        gender = Variable.objects.get(name="I_gender")
        gender.label = "Sex at birth"
        gender.save()

    assert "Sex at birth" in client.get(url).text


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_each_visitor_of_a_cached_page_gets_a_working_csrf_token_of_their_own(demo_dictionary):
    from django.test import Client

    url = reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_gender"})
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(url)  # rendered and stored

    page = second.get(url)  # from the page cache

    assert [t.name for t in page.templates] == ["ui/header.html"]  # only the header rendered for this visitor
    assert cache.CSRF_HOLE not in page.text
    token = _csrf_token(page.text)  # the language switcher's, in the header
    htmx_token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)  # htmx's, on <body>
    assert "Cookie" in page["Vary"] and "HX-Request" in page["Vary"]
    switched = second.post(reverse("set_language"), {"language": "fr", "next": url, "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    assert "Sexe" in second.get(url).text
    by_htmx = second.post(reverse("set_language"), {"language": "en", "next": url}, headers={"X-CSRFToken": htmx_token})
    assert by_htmx.status_code == 302
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(url)
    refused = stranger.post(reverse("set_language"), {"language": "fr", "csrfmiddlewaretoken": token})
    assert refused.status_code == 403  # a token is bound to its visitor's cookie


def test_each_user_gets_the_shared_page_under_their_own_header(
    demo_dictionary, client, verified_client, alice, ralph, django_assert_max_num_queries
):
    from django.test import Client

    url = reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_gender"})
    first = verified_client(alice).get(url)  # rendered and stored with Alice signed in
    assert "Alice" in first.text and "Log out" in first.text

    ralphs = Client()
    ralphs.force_login(ralph)
    with django_assert_max_num_queries(4):  # user, roles, fingerprint, unread notifications (session: cached)
        page = ralphs.get(url)
    anonymous = Client().get(url)

    assert [t.name for t in page.templates] == [t.name for t in anonymous.templates] == ["ui/header.html"]
    assert "Ralph" in page.text and "Alice" not in page.text and "Log out" in page.text
    assert "Alice" not in anonymous.text and "Log out" not in anonymous.text and "Sign up" in anonymous.text
    assert "Gender" in page.text and "Gender" in anonymous.text
    assert cache.HEADER_HOLE not in page.text + anonymous.text


def test_pending_messages_are_shown_not_cached(demo_dictionary, client):
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse
    from django.test import Client

    client.get(INDEX)  # the anonymous page, stored
    storage, response = CookieStorage(HttpRequest()), HttpResponse()
    storage.add(25, "Your password is changed.")
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value

    assert "Your password is changed." in client.get(INDEX).text
    assert "Your password is changed." not in client.get(INDEX).text  # shown once
    assert "Your password is changed." not in Client().get(INDEX).text  # to its visitor only


def test_it_caches_each_language_and_the_htmx_fragment_apart(demo_dictionary, client):
    client.get(INDEX, {"q": "wage"})
    client.get(INDEX, {"q": "wage"}, headers={"HX-Request": "true"})

    full = client.get(INDEX, {"q": "wage"})
    fragment = client.get(INDEX, {"q": "wage"}, headers={"HX-Request": "true"})
    client.cookies["django_language"] = "fr"
    french = client.get(INDEX, {"q": "wage"})

    assert "<html" in full.text and "<html" not in fragment.text and "variables found" in fragment.text
    assert 'lang="fr"' in french.text and 'lang="en"' in full.text
    assert "Se connecter" in french.text and "Log in" in full.text  # the header follows the language


def test_a_migration_forgets_every_cached_page(demo_dictionary, client, django_capture_on_commit_callbacks):
    from django.apps import apps
    from django.core.cache import cache as django_cache
    from django.db.models.signals import post_migrate

    url = reverse("dictionary:variable", kwargs={"register": "SOCIO", "name": "I_gender"})
    client.get(url)
    token = django_cache.get(cache.TOKEN_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        post_migrate.send(sender=apps.get_app_config("dictionary"), app_config=apps.get_app_config("dictionary"),
                          verbosity=0, interactive=False, using="default", apps=apps, plan=[])

    assert django_cache.get(cache.TOKEN_KEY) is None
    client.get(url)
    assert django_cache.get(cache.TOKEN_KEY) not in (None, token)
