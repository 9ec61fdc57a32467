from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dictionary.yaml"


@pytest.fixture
def demo_dictionary(db):
    """The demo dictionary of fixtures/dictionary.yaml, imported."""
    from dictionary.importer import import_dictionary

    return import_dictionary(FIXTURE)


@pytest.fixture
def make_variables(db):
    """``make_variables(n)``: n variables with a detailed and a default coding, in one register."""
    from dictionary.models import DictionaryVersion, Granularity, Modality, Register, Variable

    def make(n: int, register_code: str = "BULK"):
        DictionaryVersion.objects.get_or_create(number=1)
        register, _ = Register.objects.get_or_create(
            code=register_code,
            defaults={
                "label": f"Register {register_code}",
                "domain": "labour_market",
                "unit": "person × month",
            },
        )
        variables = Variable.objects.bulk_create(
            [
                Variable(
                    register=register,
                    name=f"X_var_{i:04d}",
                    label=f"Synthetic variable {i}",
                    format="character",
                    domain="labour_market",
                    padlock=i % 3,
                    order=i,
                )
                for i in range(n)
            ]
        )
        grans = Granularity.objects.bulk_create(
            [
                Granularity(
                    variable=v,
                    code=kind,
                    kind=kind,
                    label=kind,
                    recode={"type": "map", "map": {"a": "0", "b": "1"}} if kind == "default" else {},
                )
                for v in variables
                for kind in ("detailed", "default")
            ]
        )
        Modality.objects.bulk_create(
            [
                Modality(granularity=g, code=code, label=f"Value {code}", order=i)
                for g in grans
                for i, code in enumerate(("a", "b") if g.kind == "detailed" else ("0", "1"))
            ]
        )
        return variables

    return make
