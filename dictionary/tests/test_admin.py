"""Django admin for the dictionary: lists with filters and search, inlines."""

import pytest
from django.urls import reverse

from dictionary.models import Granularity, Variable


@pytest.fixture
def admin_in(demo_dictionary, verified_client, django_user_model):
    root = django_user_model.objects.create_superuser(
        "root@igss.lu", "a long admin passphrase", full_name="Root", is_active=True
    )
    return verified_client(root)


def test_it_lists_and_filters_variables(admin_in):
    response = admin_in.get(
        reverse("admin:dictionary_variable_changelist"), {"padlock__exact": "2", "q": "income"}
    )

    assert response.status_code == 200
    assert "R_amount" in response.text and "I_age" not in response.text


def test_it_edits_a_variable_with_its_granularities_inline(admin_in):
    variable = Variable.objects.get(name="I_age")

    response = admin_in.get(reverse("admin:dictionary_variable_change", args=[variable.pk]))

    assert response.status_code == 200
    assert "5-year age groups" in response.text


def test_it_edits_a_granularity_with_its_modalities_inline(admin_in):
    granularity = Granularity.objects.get(variable__name="I_nationality", kind="default")

    response = admin_in.get(reverse("admin:dictionary_granularity_change", args=[granularity.pk]))

    assert response.status_code == 200
    assert "Other EU-28" in response.text


def test_it_refuses_a_malformed_recode_rule(admin_in):
    granularity = Granularity.objects.get(variable__name="I_nationality", kind="default")
    url = reverse("admin:dictionary_granularity_change", args=[granularity.pk])
    data = {
        "variable": granularity.variable_id,
        "code": "default",
        "kind": "default",
        "label": granularity.label,
        "label_fr": granularity.label_fr,
        "recode": '{"type": "intervals", "breaks": [1], "codes": ["a"]}',
        "origin": "",
        "modalities-TOTAL_FORMS": "0",
        "modalities-INITIAL_FORMS": "0",
    }

    response = admin_in.post(url, data)

    assert response.status_code == 200
    assert "one more code than breaks" in response.text


def test_it_lists_registers_with_their_counts(admin_in):
    response = admin_in.get(reverse("admin:dictionary_register_changelist"), {"q": "wages"})

    assert response.status_code == 200 and "WAGES" in response.text
