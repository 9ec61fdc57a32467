"""Input checking: type, size, readability, profile, direct identifiers, pseudonymised linking id."""

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from ask4mdp.audit.models import AuditEvent
from outputs import inputs, selectors, services
from outputs.models import InputFile

pytestmark = pytest.mark.django_db(transaction=True)

SURVEY = pd.DataFrame(
    {
        "matricule": ["1985031512345", "1990120154321", "1979070711111", "2001022922222", "1968111133333"],
        "full_name": ["Marie Muller", "Jean Schmit", "Anne Weber", "Paul Hoffmann", "Lea Wagner"],
        "email": [
            "marie@example.lu",
            "jean@example.lu",
            "anne@example.lu",
            "paul@example.lu",
            "lea@example.lu",
        ],
        "satisfaction": [3, 4, 5, 2, 4],
    }
)


def upload(project, actor, name="survey.csv", content=None, **kwargs):
    content = SURVEY.to_csv(index=False).encode() if content is None else content
    return services.input_file_upload(
        project=project,
        actor=actor,
        file=ContentFile(content, name=name),
        legal_basis=kwargs.pop("legal_basis", "Respondents' consent to linkage"),
        **kwargs,
    )


@pytest.mark.parametrize(
    "column,values,kind",
    [
        ("id", ["1985031512345", "1990120154321", "1979070711111"], "national_id"),  # LU matricule
        ("code", ["185057800608491", "2 84 12 76 451 089 93", "1850578006084"], "national_id"),  # French NIR
        ("contact", ["a.b@uni.lu", "x@y.fr", "me@example.org"], "email"),
        ("tel", ["+352 621 123 456", "+352 691 987 654", "26 12 34 56"], "phone"),
        (
            "domicile",
            ["12, rue de la Gare, L-1611 Luxembourg", "3 avenue Monterey", "7 route d'Arlon"],
            "address",
        ),
        (
            "who",
            ["Marie Muller", "Jean Schmit", "Anne Weber", "Paul Hoffmann", "Lea Wagner", "Tom Klein"],
            "name",
        ),
        ("nom", ["x", "y", "z"], "name"),
    ],
)
def test_it_detects_direct_identifiers(column, values, kind):
    assert inputs.detect_identifiers(pd.DataFrame({column: values})) == {column: kind}


def test_it_does_not_flag_ordinary_variables():
    df = pd.DataFrame(
        {
            "age": ["34", "51", "27"],
            "sector": ["A", "B", "C"],
            "wage": ["2500.5", "3100", "1999.9"],
            "year": ["2020", "2021", "2022"],
        }
    )
    assert inputs.detect_identifiers(df) == {}


def test_it_checks_profiles_and_finds_identifiers_in_the_worker(project, ian):
    item = upload(project, ian)
    item.refresh_from_db()
    assert item.status == InputFile.Status.CHECKED
    assert item.profile["rows"] == 5
    assert {c["name"] for c in item.profile["columns"]} == set(SURVEY.columns)
    assert item.identifiers == {"matricule": "national_id", "full_name": "name", "email": "email"}
    assert not selectors.project_inputs_all_validated(project)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("survey.exe", b"MZ...", "not allowed"),
        ("survey.xlsx", b"a,b\n1,2\n", "not a XLSX"),
        ("survey.parquet", b"garbage", "not a PARQUET"),
        ("survey.csv", b"", "empty"),
    ],
)
def test_it_refuses_bad_uploads_with_a_reason(project, ian, name, content, message):
    with pytest.raises(ValidationError, match=message):
        upload(project, ian, name=name, content=content)


def test_it_refuses_a_file_too_large(project, ian, settings):
    settings.INPUTS_MAX_FILE_SIZE = 10
    with pytest.raises(ValidationError, match="larger than"):
        upload(project, ian)


def test_it_refuses_a_corrupt_file_after_reading_it(project, ian):
    item = upload(project, ian, name="survey.dta", content=b"<stata_dta>this is not really stata")
    item.refresh_from_db()
    assert item.status == InputFile.Status.REFUSED
    assert "cannot be read" in item.refusal_reason


def test_it_never_lets_a_researcher_of_the_project_upload(project, alice, ian):
    with pytest.raises(PermissionDenied):
        upload(project, alice)


def test_it_requires_a_legal_basis(project, ian):
    with pytest.raises(ValidationError, match="legal basis"):
        upload(project, ian, legal_basis=" ")


def test_it_will_not_validate_while_identifiers_remain(project, ian):
    item = upload(project, ian)
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="full_name"):
        services.input_file_validate(
            input_file=item, treatment={"email": "drop"}, link_column="matricule", actor=ian
        )


def test_it_pseudonymises_the_linking_identifier_and_delivers(project, ian, monkeypatch):
    from pseudonym.services import project_key_ensure, pseudonymise_values

    monkeypatch.setenv("ASK4MDP_MASTER_SECRET", "test-master-secret-" + "x" * 32)
    project_key_ensure(project=project, actor=ian)
    item = upload(project, ian)
    item.refresh_from_db()
    services.input_file_validate(
        input_file=item, treatment={"full_name": "drop", "email": "drop"}, link_column="matricule", actor=ian
    )
    item.refresh_from_db()

    assert item.status == InputFile.Status.VALIDATED
    delivered = pd.read_parquet(item.delivered_path)
    assert item.delivered_path.startswith(str(project.delivery_dir / "external"))
    assert list(delivered.columns) == ["matricule", "satisfaction"]
    expected = pseudonymise_values(project=project, domain="person", values=SURVEY.matricule, stage=1)
    assert delivered.matricule.tolist() == [expected[m] for m in SURVEY.matricule]
    assert not set(SURVEY.matricule) & set(delivered.matricule)
    assert selectors.project_inputs_all_validated(project)
    assert AuditEvent.objects.filter(action="inputs.file_delivered").exists()


def test_it_records_a_refusal(project, ian):
    item = upload(project, ian)
    item.refresh_from_db()
    services.input_file_refuse(input_file=item, reason="No legal basis for linkage", actor=ian)
    item.refresh_from_db()
    assert item.status == InputFile.Status.REFUSED
    assert selectors.project_inputs_all_validated(project)
