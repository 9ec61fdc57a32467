"""Django admin for the dictionary: lists with filters and search, inlines."""

import pytest
from django.urls import reverse

from dictionary.importer import dump_dictionary
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


def _resubmitted(response) -> dict:
    """The POST data of an admin change form as it was shown (the main form and its inlines)."""
    from django import forms

    context = response.context
    shown = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        shown += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in shown:
        for name, field in form.fields.items():
            value = form[name].value()  # as the widget shows it
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[form[name].html_name] = "on"
            elif value is not None:
                data[form[name].html_name] = value
    return data


def _position(html: str, name: str) -> int:
    return html.index(f'name="{name}"')


def test_it_edits_the_french_unit_of_a_register_next_to_the_english_one(admin_in):
    from dictionary.models import Register

    register = Register.objects.create(code="NEW", label="New register", domain="health", unit="absence episode")
    url = reverse("admin:dictionary_register_change", args=[register.pk])
    page = admin_in.get(url)
    assert _position(page.text, "unit") < _position(page.text, "unit_fr") < _position(page.text, "source")

    response = admin_in.post(url, {**_resubmitted(page), "unit_fr": "épisode d'absence"})

    assert response.status_code == 302, list(response.context["errors"])
    register.refresh_from_db()
    assert register.unit == "absence episode" and register.unit_fr == "épisode d'absence"


def test_it_edits_the_french_comments_of_a_variable_next_to_the_english_ones(admin_in):
    variable = Variable.objects.get(name="J_end_date")
    url = reverse("admin:dictionary_variable_change", args=[variable.pk])
    page = admin_in.get(url)
    assert "Vide tant que l&#x27;emploi se poursuit." in page.text
    assert _position(page.text, "comments") < _position(page.text, "comments_fr") < _position(page.text, "domain")

    before = dump_dictionary()

    response = admin_in.post(url, {**_resubmitted(page), "comments_fr": "Vide tant que l'emploi dure."})

    assert response.status_code == 302, list(response.context["errors"])
    variable.refresh_from_db()
    assert variable.comments == "Empty while the job continues."
    assert variable.comments_fr == "Vide tant que l'emploi dure."
    # Nothing else changed (the variable, its codings, the rest of the dictionary).
    assert dump_dictionary() == before.replace("que l'emploi se poursuit.", "que l'emploi dure.", 1)
