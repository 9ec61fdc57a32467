"""search_variables, registers_with_counts and changes_since on the demo dictionary."""

from django.utils import translation

from dictionary import selectors
from dictionary.models import Register, Variable


def names(queryset) -> set[str]:
    return {v.name for v in queryset}


def test_it_searches_names_labels_and_descriptions_in_both_languages(demo_dictionary):
    assert "I_nationality" in names(selectors.search_variables("nationality"))
    assert "I_nationality" in names(selectors.search_variables("Nationalité"))  # the French label
    assert "W_gross_wage" in names(selectors.search_variables("exceptional payments"))  # a description
    assert "I_commune" in names(selectors.search_variables("frontaliers"))  # a French description
    assert names(selectors.search_variables("I_AGE")) == {"I_age"}


def test_it_requires_every_word(demo_dictionary):
    assert names(selectors.search_variables("wage gross")) == {"W_gross_wage", "W_hourly_wage"}


def test_it_filters_by_register_padlock_and_domain(demo_dictionary):
    mininc = selectors.search_variables(register="MININC")
    assert mininc and all(v.register.code == "MININC" for v in mininc)
    by_pk = selectors.search_variables(register=Register.objects.get(code="MININC").pk)
    assert names(by_pk) == names(mininc)
    two = selectors.search_variables(padlock=2)
    assert two and all(v.padlock == 2 for v in two)
    assert "R_amount" in names(two) and "A_diagnosis" in names(two)
    health = selectors.search_variables(domain="health")
    assert health and all(v.domain == "health" for v in health)
    assert names(selectors.search_variables("nationality", padlock=0)) == set()


def test_it_leaves_out_renamed_and_withdrawn_variables_unless_asked(demo_dictionary):
    assert "W_in_kind_benefits" not in names(selectors.search_variables(register="WAGES"))
    assert {"W_in_kind_benefits", "W_overtime_hours"} <= names(
        selectors.search_variables(register="WAGES", include_inactive=True)
    )


def test_it_prefetches_what_the_picker_shows(demo_dictionary, django_assert_num_queries):
    variables = selectors.search_variables(register="SOCIO")

    with django_assert_num_queries(3):  # variables with registers, granularities, modalities
        shown = [
            (
                v.register.code,
                v.default_granularity,
                [list(g.modalities.all()) for g in v.granularities.all()],
            )
            for v in variables
        ]

    assert len(shown) > 15 and all(codes for _, _, codes in shown)


def test_it_counts_the_variables_of_each_register(demo_dictionary):
    counts = {r.code: r.variable_count for r in selectors.registers_with_counts()}

    assert len(counts) == 9 and list(counts)[0] == "SOCIO"
    assert counts["WAGES"] == Variable.objects.active().filter(register__code="WAGES").count()
    assert sum(counts.values()) == Variable.objects.active().count()


def test_it_reports_variables_renamed_or_withdrawn_since_a_version(demo_dictionary):
    changes = selectors.changes_since(1, ["W_overtime_hours", "W_in_kind_benefits", "I_age"])

    assert [(c.name, c.status, c.version, c.renamed_to) for c in changes] == [
        ("W_in_kind_benefits", "withdrawn", 2, ""),
        ("W_overtime_hours", "renamed", 2, "W_paid_overtime_hours"),
    ]
    assert selectors.changes_since(2, ["W_overtime_hours", "W_in_kind_benefits"]) == []


def test_it_matches_register_and_name_pairs(demo_dictionary):
    assert [c.name for c in selectors.changes_since(1, [("WAGES", "W_overtime_hours")])] == [
        "W_overtime_hours"
    ]
    assert selectors.changes_since(1, [("JOBS", "W_overtime_hours")]) == []


def test_it_shows_labels_in_the_active_language(demo_dictionary):
    variable = selectors.get_variable("SOCIO", "I_nationality")

    with translation.override("fr"):
        assert variable.display_label == "Nationalité"
    with translation.override("en"):
        assert variable.display_label == "Nationality"
