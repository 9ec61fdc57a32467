"""The reference recode implementation against the golden vectors, and rule validation."""

import datetime

import pytest

from dictionary import recode
from dictionary.tests.recode_vectors import VECTORS


@pytest.mark.parametrize(("rule", "value", "expected"), VECTORS)
def test_it_recodes_the_golden_vectors(rule, value, expected):
    result = recode.apply(rule, value)

    assert result == expected
    assert type(result) is type(expected) or isinstance(expected, float)


def test_it_covers_every_rule_type_with_vectors():
    assert {(rule or {}).get("type", "identity") for rule, _, _ in VECTORS} == set(recode.RULE_TYPES)


def test_it_gives_none_for_none_with_every_rule_type():
    covered = {
        (rule or {}).get("type", "identity")
        for rule, value, expected in VECTORS
        if value is None and expected is None
    }

    assert covered == set(recode.RULE_TYPES)


def test_it_rounds_halves_away_from_zero_unlike_python():
    assert round(2.5) == 2  # Python (and Polars) round half to even …
    assert recode.apply({"type": "round", "base": 1}, 2.5) == 3  # … the rules do not


def test_it_truncates_date_objects():
    assert recode.apply({"type": "date_trunc", "unit": "month"}, datetime.date(2020, 2, 29)) == "2020-02"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("map", "must be a mapping"),
        ({"type": "lookup"}, "unknown recode type"),
        ({"type": "map", "map": {}}, "non-empty 'map'"),
        ({"type": "intervals", "breaks": [20, 25], "codes": ["0", "1"]}, "one more code than breaks"),
        ({"type": "intervals", "breaks": [25, 20], "codes": ["0", "1", "2"]}, "increasing"),
        ({"type": "intervals", "breaks": ["a"], "codes": ["0", "1"]}, "increasing"),
        ({"type": "prefix", "length": 0}, "positive integer"),
        ({"type": "round", "base": -5}, "positive 'base'"),
        ({"type": "date_trunc", "unit": "week"}, "year or month"),
    ],
)
def test_it_rejects_malformed_rules(rule, message):
    with pytest.raises(recode.RecodeError, match=message):
        recode.validate_rule(rule)


@pytest.mark.parametrize("rule", [rule for rule, _, _ in VECTORS])
def test_it_accepts_the_rules_of_the_vectors(rule):
    assert recode.validate_rule(rule) == rule
