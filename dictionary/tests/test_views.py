"""The public dictionary browser."""

import pytest
from django.urls import reverse

INDEX = reverse("dictionary:index")


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
    with django_assert_max_num_queries(2):  # the variable exists; the tables' fingerprint
        assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        gender = Variable.objects.get(name="I_gender")
        gender.label = "Sex at birth"
        gender.save()

    assert "Sex at birth" in client.get(url).text
