"""granularity_add_custom: the coding an expert approves on a request."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ask4mdp.audit.models import AuditEvent
from dictionary.models import Granularity, Variable
from dictionary.services import granularity_add_custom

AGE_60_64 = {
    "type": "intervals",
    "breaks": [20, 25, 30, 35, 40, 45, 50, 55, 60, 65],
    "codes": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
}
AGE_60_64_MODS = (
    [("0", "less than 20 years")]
    + [(str(i), f"{15 + 5 * i}-{19 + 5 * i} years") for i in range(1, 10)]
    + [("10", "65 years and more")]
)


def test_it_adds_an_approved_coding(demo_dictionary, erin):
    age = Variable.objects.get(name="I_age")

    granularity = granularity_add_custom(
        variable=age,
        code="",
        label="5-year groups up to 64",
        modalities=AGE_60_64_MODS,
        recode=AGE_60_64,
        origin="ASK-2026-0001",
        actor=erin,
    )

    assert granularity.kind == Granularity.Kind.CUSTOM and granularity.code == "custom1"
    assert [m.code for m in granularity.modalities.all()][-2:] == ["9", "10"]
    event = AuditEvent.objects.get(action="dictionary.granularity_added")
    assert event.actor == erin and event.data["origin"] == "ASK-2026-0001"


def test_it_numbers_custom_codings(demo_dictionary, erin):
    age = Variable.objects.get(name="I_age")
    for _ in range(2):
        last = granularity_add_custom(
            variable=age,
            code="",
            label="x",
            modalities=AGE_60_64_MODS,
            recode=AGE_60_64,
            origin="",
            actor=erin,
        )

    assert last.code == "custom2"


def test_it_checks_the_recode_against_the_detailed_modalities(demo_dictionary, erin):
    nationality = Variable.objects.get(name="I_nationality")

    with pytest.raises(ValidationError, match="keys that are not detailed modalities: XX"):
        granularity_add_custom(
            variable=nationality,
            code="lu",
            label="Luxembourg or not",
            modalities=[("0", "Luxembourg"), ("1", "Other")],
            recode={"type": "map", "map": {"LU": "0", "XX": "1"}, "default": "1"},
            origin="",
            actor=erin,
        )
    with pytest.raises(ValidationError, match="not modalities of this granularity: 2"):
        granularity_add_custom(
            variable=nationality,
            code="lu",
            label="Luxembourg or not",
            modalities=[("0", "Luxembourg"), ("1", "Other")],
            recode={"type": "map", "map": {"LU": "0"}, "default": 2},
            origin="",
            actor=erin,
        )
    with pytest.raises(ValidationError, match="unknown recode type"):
        granularity_add_custom(
            variable=nationality,
            code="lu",
            label="x",
            modalities=[("0", "x")],
            recode={"type": "guess"},
            origin="",
            actor=erin,
        )
    assert not nationality.granularities.filter(kind="custom").exists()


def test_it_accepts_a_valid_map_with_integer_codes(demo_dictionary, erin):
    nationality = Variable.objects.get(name="I_nationality")

    g = granularity_add_custom(
        variable=nationality,
        code="lu",
        label="Luxembourg or not",
        modalities=[{"code": 0, "label": "Luxembourg"}, {"code": 1, "label": "Other"}],
        recode={"type": "map", "map": {"LU": 0}, "default": 1},
        origin="",
        actor=erin,
    )

    assert g.recode == {"type": "map", "map": {"LU": "0"}, "default": "1"}


def test_it_refuses_a_taken_code_and_duplicate_modalities(demo_dictionary, erin):
    age = Variable.objects.get(name="I_age")

    with pytest.raises(ValidationError, match="already has a coding 'default'"):
        granularity_add_custom(
            variable=age,
            code="default",
            label="x",
            modalities=AGE_60_64_MODS,
            recode=AGE_60_64,
            origin="",
            actor=erin,
        )
    with pytest.raises(ValidationError, match="duplicate modality codes: 1"):
        granularity_add_custom(
            variable=age,
            code="c",
            label="x",
            modalities=[("1", "a"), ("1", "b")],
            recode=AGE_60_64,
            origin="",
            actor=erin,
        )


def test_it_lets_only_experts_datateam_and_administrators_add_codings(demo_dictionary, alice, dana, adam):
    age = Variable.objects.get(name="I_age")
    kwargs = {
        "variable": age,
        "code": "",
        "label": "x",
        "modalities": AGE_60_64_MODS,
        "recode": AGE_60_64,
        "origin": "",
    }

    with pytest.raises(PermissionDenied):
        granularity_add_custom(**kwargs, actor=alice)
    assert granularity_add_custom(**kwargs, actor=dana).code == "custom1"
    assert granularity_add_custom(**kwargs, actor=adam).code == "custom2"
