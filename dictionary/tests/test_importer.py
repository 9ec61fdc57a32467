"""The dictionary file: import (all or nothing, idempotent, versions), errors with lines, export."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ask4mdp.audit.models import AuditEvent
from dictionary.importer import (
    HEADER,
    DictionaryFileError,
    dump_dictionary,
    export_dictionary,
    import_dictionary,
)
from dictionary.models import DictionaryVersion, Granularity, Modality, Padlock, Register, Variable

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "dictionary.yaml"

SMALL = """\
format: 1
versions:
- number: 1
  label: First
  released_on: 2024-01-01
registers:
- code: SOCIO
  label: Sociodemographic characteristics
  domain: labour_market
  unit: person × month
  source: CCSS
  variables:
  - name: I_person_id
    label: Person identifier
    format: identifier
    padlock: 0
    identifier_kind: person
    granularities:
    - code: detailed
      kind: detailed
      label: As held
  - name: I_gender
    label: Gender
    format: character
    padlock: 0
    granularities:
    - code: detailed
      kind: detailed
      label: As held
      modalities:
      - ['1', Man, Homme]
      - ['2', Woman, Femme]
  - name: I_nationality
    label: Nationality
    format: character
    padlock: 1
    granularities:
    - code: detailed
      kind: detailed
      label: Countries
      modalities:
      - [LU, Luxembourg]
      - [DE, Germany]
      - [CV, Cape Verde]
    - code: default
      kind: default
      label: Groups
      recode:
        type: map
        map: {LU: '0', DE: '1', CV: '6'}
      modalities:
      - ['0', Luxembourg]
      - ['1', Germany]
      - ['6', Other]
"""


def write(tmp_path: Path, text: str, name: str = "dictionary.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def problems(tmp_path, text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(DictionaryFileError) as exc:
        import_dictionary(write(tmp_path, text))
    return exc.value.problems


def test_it_imports_the_demo_dictionary(db):
    result = import_dictionary(FIXTURE)

    assert Register.objects.count() == 9
    assert Variable.objects.count() >= 120
    assert result.variables == Variable.objects.count()
    assert list(DictionaryVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
    nationality = Variable.objects.get(name="I_nationality")
    default = nationality.granularities.get(kind=Granularity.Kind.DEFAULT)
    assert [(m.code, m.label) for m in default.modalities.all()] == [
        ("0", "Luxembourg"),
        ("1", "Germany"),
        ("2", "Belgium"),
        ("3", "France"),
        ("4", "Portugal"),
        ("5", "Other EU-28"),
        ("6", "Other"),
    ]
    detailed = nationality.granularities.get(kind=Granularity.Kind.DETAILED)
    assert detailed.modalities.count() > 200
    assert default.recode["map"]["PT"] == "4" and default.recode["map"]["PL"] == "5"
    assert default.recode["map"]["CV"] == "6"
    age = Variable.objects.get(name="I_age").granularities.get(kind="default")
    labels = [f"{m.code} {m.label}" for m in age.modalities.all()]
    assert labels[0] == "0 less than 20 years" and labels[-1] == "9 60 years and more" and len(labels) == 10
    zipcode = Variable.objects.prefetch_related("granularities").get(name="I_zipcode")
    assert zipcode.padlock == Padlock.ONE and zipcode.default_granularity is None
    commune = Variable.objects.get(name="I_commune").granularities.get(kind="default")
    assert commune.modalities.count() == 15  # 12 cantons and the three neighbouring countries
    assert set(
        Variable.objects.filter(register__code__in=["MININC", "ABSENCE"])
        .exclude(identifier_kind="")
        .values_list("padlock", flat=True)
    ) == {0}
    assert set(
        Variable.objects.filter(
            register__code__in=["MININC", "ABSENCE"], identifier_kind="", format__in=["character", "numeric"]
        ).values_list("padlock", flat=True)
    ) == {2}
    assert {"person", "company", "job"} <= set(Variable.objects.values_list("identifier_kind", flat=True))
    assert not Register.objects.filter(unit_fr="").exists()
    assert Register.objects.get(code="ABSENCE").unit_fr == "épisode d'absence"
    commented = Variable.objects.exclude(comments="")
    assert commented.count() == 35 and not commented.filter(comments_fr="").exists()
    assert Variable.objects.get(name="J_end_date").comments_fr == "Vide tant que l'emploi se poursuit."


def test_it_records_renamed_and_withdrawn_variables(db):
    import_dictionary(FIXTURE)

    old = Variable.objects.get(name="W_overtime_hours")
    assert old.status == Variable.Status.RENAMED and old.changed_in.number == 2
    assert old.replaced_by.name == "W_paid_overtime_hours"
    assert Variable.objects.get(name="W_paid_overtime_hours").introduced_in.number == 2
    withdrawn = Variable.objects.get(name="W_in_kind_benefits")
    assert withdrawn.status == Variable.Status.WITHDRAWN and withdrawn.changed_in.number == 2


def test_it_changes_nothing_when_the_same_file_is_imported_twice(db):
    import_dictionary(FIXTURE)
    ids = set(Modality.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.count()

    result = import_dictionary(FIXTURE)

    assert not result.changed
    assert set(Modality.objects.values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.count() == events


def test_it_audits_an_import(db):
    import_dictionary(FIXTURE)

    event = AuditEvent.objects.get(action="dictionary.imported")
    assert event.data["created"]["variables"] >= 120


def test_it_exports_what_it_imported_byte_for_byte(db, tmp_path):
    import_dictionary(FIXTURE)

    out = export_dictionary(tmp_path / "export.yaml")

    assert out.read_text(encoding="utf-8") == FIXTURE.read_text(encoding="utf-8")


def test_it_round_trips_through_the_management_commands(db, tmp_path):
    call_command("import_dictionary", str(FIXTURE))
    call_command("export_dictionary", str(tmp_path / "a.yaml"))
    Modality.objects.filter(granularity__variable__name="I_gender").update(label="changed")
    Register.objects.filter(code="WAGES").update(unit_fr="changed")
    Variable.objects.filter(name="I_nationality").update(comments_fr="")
    call_command("import_dictionary", str(tmp_path / "a.yaml"))

    assert dump_dictionary() == FIXTURE.read_text(encoding="utf-8")


def test_it_updates_variables_and_withdraws_those_a_newer_file_drops(db, tmp_path):
    import_dictionary(write(tmp_path, SMALL))
    newer = SMALL.replace(
        "label: First\n  released_on: 2024-01-01",
        "label: First\n  released_on: 2024-01-01\n- number: 2\n  label: Second",
    )
    newer = newer.replace("label: Gender", "label: Sex")
    newer = newer[: newer.index("  - name: I_nationality")]

    result = import_dictionary(write(tmp_path, newer, "v2.yaml"))

    assert result.updated["variables"] == 1
    assert Variable.objects.get(name="I_gender").label == "Sex"
    dropped = Variable.objects.get(name="I_nationality")
    assert dropped.status == Variable.Status.WITHDRAWN and dropped.changed_in.number == 2
    assert dropped.granularities.count() == 2
    assert result.withdrawn == ["I_nationality"]


def test_it_replaces_changed_modalities_only(db, tmp_path):
    import_dictionary(write(tmp_path, SMALL))
    kept = Modality.objects.get(code="LU").pk
    changed = SMALL.replace("- [CV, Cape Verde]", "- [PT, Portugal]").replace("CV: '6'", "PT: '6'")

    result = import_dictionary(write(tmp_path, changed, "b.yaml"))

    assert result.created["modalities"] == 1 and result.deleted["modalities"] == 1
    assert Modality.objects.get(code="LU").pk == kept
    assert not Modality.objects.filter(code="CV").exists()


@pytest.mark.parametrize(
    ("change", "needle", "occurrence", "message"),
    [
        (
            lambda t: t.replace("  - name: I_gender", "  - name: I_person_id", 1),
            "- name: I_person_id",
            2,
            "duplicate variable I_person_id",
        ),
        (
            lambda t: t.replace("format: character", "format: text", 1),
            "format: text",
            1,
            "unknown format 'text'",
        ),
        (
            lambda t: t.replace("padlock: 1", "padlock: 3"),
            "padlock: 3",
            1,
            "padlock of variable I_nationality",
        ),
        (lambda t: t.replace("type: map", "type: lookup"), "recode:", 1, "unknown recode type 'lookup'"),
        (lambda t: t.replace("CV: '6'", "CV: '7'"), "recode:", 1, "not modalities of this granularity: 7"),
        (lambda t: t.replace(", CV: '6'", ""), "recode:", 1, "does not map the detailed modalities CV"),
        (lambda t: t.replace("      - ['6', Other]", "      - ['5', Other EU-28]\n      - ['6', Other]"),
         "recode:", 1, "produces none of the modalities 5"),
        (
            lambda t: t.replace("CV: '6'", "CV: '6', XX: '6'"),
            "recode:",
            1,
            "keys that are not detailed modalities: XX",
        ),
        (
            lambda t: t.replace("- ['2', Woman, Femme]", "- ['1', Woman, Femme]"),
            "['1', Woman",
            1,
            "duplicate modality code '1'",
        ),
        (
            lambda t: t.replace("    padlock: 0\n    identifier_kind: person\n", "    padlock: 0\n"),
            "format: identifier",
            1,
            "needs an identifier_kind",
        ),
        (
            lambda t: t.replace(
                "  - name: I_gender\n",
                "  - name: I_gender\n    status: renamed\n    changed_in: 1\n    renamed_to: OTHER.I_sex\n",
            ),
            "renamed_to: OTHER",
            1,
            "unknown register OTHER",
        ),
        (
            lambda t: t.replace("  - name: I_gender\n", "  - name: I_gender\n    introduced_in: 4\n"),
            "introduced_in: 4",
            1,
            "unknown dictionary version 4",
        ),
        (
            lambda t: t.replace("    padlock: 0\n    identifier_kind", "    padlok: 0\n    identifier_kind"),
            "padlok",
            1,
            "unknown key 'padlok'",
        ),
        (
            lambda t: t.replace(
                "  label: Sociodemographic characteristics\n",
                "  label: Sociodemographic characteristics\n  label: again\n",
            ),
            "label: again",
            1,
            "duplicate key 'label'",
        ),
        (
            lambda t: t.replace(
                "      kind: detailed\n      label: Countries", "      kind: custom\n      label: Countries"
            ),
            "granularities:",
            3,
            "exactly one detailed granularity",
        ),
        (lambda t: t.replace("- [DE, Germany]", "- [DE, Germany"), "- [CV, Cape Verde]", 1, "not valid YAML"),
        (
            lambda t: t.replace("  unit: person × month\n", "  unit: person × month\n  unit_fr: [personne, mois]\n"),
            "unit_fr:",
            1,
            "'unit_fr' of register SOCIO must be text",
        ),
        (
            lambda t: t.replace("    label: Gender\n", "    label: Gender\n    comments_fr: {fr: Deux modalités}\n"),
            "comments_fr:",
            1,
            "'comments_fr' of variable I_gender must be text",
        ),
        (
            lambda t: t.replace("    label: Gender\n", "    label: Gender\n    comments_fr: true\n"),
            "comments_fr:",
            1,
            "'comments_fr' of variable I_gender must be text",
        ),
        (
            lambda t: t.replace("    label: Gender\n", "    label: Gender\n    comment_fr: Deux modalités\n"),
            "comment_fr:",
            1,
            "unknown key 'comment_fr'",
        ),
        (
            lambda t: t.replace("  unit: person × month\n", "  unit: person × month\n  unite_fr: personne × mois\n"),
            "unite_fr:",
            1,
            "unknown key 'unite_fr'",
        ),
    ],
)
def test_it_names_the_file_line_and_problem(db, tmp_path, change, needle, occurrence, message):
    text = change(SMALL)

    found = problems(tmp_path, text)

    expected_line = line_of(text, needle, occurrence)
    assert any(message in problem and line == expected_line for line, problem in found), found
    assert not Variable.objects.exists() and not DictionaryVersion.objects.exists()


def test_it_names_the_file_in_the_message(db, tmp_path):
    path = write(tmp_path, SMALL.replace("padlock: 1", "padlock: 9"))

    with pytest.raises(DictionaryFileError) as exc:
        import_dictionary(path)

    assert str(exc.value).startswith(f"{path}:{line_of(SMALL, 'padlock: 1')}: ")


def test_it_imports_nothing_when_the_last_variable_is_wrong(db, tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    last = text.rindex("  - name: ")
    broken = text[:last] + text[last:].replace("padlock: 2", "padlock: two", 1)

    with pytest.raises(DictionaryFileError) as exc:
        import_dictionary(write(tmp_path, broken))

    assert exc.value.problems[0][0] > 5000  # near the end of the file
    assert Register.objects.count() == 0 and Variable.objects.count() == 0 and Modality.objects.count() == 0


def test_it_leaves_an_imported_dictionary_untouched_when_a_newer_file_is_wrong(db, tmp_path):
    import_dictionary(write(tmp_path, SMALL))
    broken = SMALL.replace("label: Gender", "label: Sex").replace("CV: '6'", "CV: '9'")

    with pytest.raises(DictionaryFileError):
        import_dictionary(write(tmp_path, broken, "broken.yaml"))

    assert Variable.objects.get(name="I_gender").label == "Gender"


def test_it_reports_every_problem_through_the_command(db, tmp_path, capsys):
    path = write(
        tmp_path, SMALL.replace("padlock: 1", "padlock: 5").replace("format: character", "format: x", 1)
    )

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_dictionary", str(path))

    err = capsys.readouterr().err
    assert f"{path}:{line_of(SMALL, 'padlock: 1')}:" in err
    assert f"{path}:{line_of(SMALL, 'format: character')}:" in err


def test_it_says_when_the_file_is_missing(db, tmp_path):
    with pytest.raises(DictionaryFileError, match="cannot read the file"):
        import_dictionary(tmp_path / "nope.yaml")


def test_it_loads_the_demo_idempotently(db):
    import io

    from dictionary import demo

    demo.load(stdout=io.StringIO())
    count = Variable.objects.count()
    out = io.StringIO()
    demo.load(stdout=out)

    assert Variable.objects.count() == count
    assert "already up to date" in out.getvalue()


def test_it_exports_custom_granularities(db, tmp_path):
    import_dictionary(write(tmp_path, SMALL))
    variable = Variable.objects.get(name="I_nationality")
    Granularity.objects.create(
        variable=variable,
        code="lu_other",
        kind="custom",
        label="Luxembourg or not",
        recode={"type": "map", "map": {"LU": "0"}, "default": "1"},
        origin="ASK-2026-0001",
    )
    text = dump_dictionary()

    assert "code: lu_other" in text and "origin: ASK-2026-0001" in text
    path = write(tmp_path, text, "with-custom.yaml")
    with pytest.raises(DictionaryFileError, match="map recode needs the modalities"):
        import_dictionary(path)


def test_it_documents_the_format_in_the_file_header(db, tmp_path):
    import_dictionary(write(tmp_path, SMALL))

    assert textwrap.dedent(dump_dictionary()).startswith("# ask4mdp data dictionary")
    assert "unit (of observation), unit_fr," in HEADER and "comments, comments_fr," in HEADER


FRENCH = SMALL.replace("  unit: person × month\n", "  unit: person × month\n  unit_fr: personne × mois\n").replace(
    "    label: Gender\n",
    "    label: Gender\n    comments: 'Two modalities: supplied as is.'\n"
    "    comments_fr: |-\n      Deux modalités : fourni tel quel.\n      Quasi-identifiant.\n",
)


def test_it_reads_and_writes_the_french_unit_and_comments(db, tmp_path):
    import_dictionary(write(tmp_path, FRENCH))

    assert Register.objects.get(code="SOCIO").unit_fr == "personne × mois"
    gender = Variable.objects.get(name="I_gender")
    assert gender.comments == "Two modalities: supplied as is."
    assert gender.comments_fr == "Deux modalités : fourni tel quel.\nQuasi-identifiant."
    exported = dump_dictionary()
    body = exported[len(HEADER) :]
    assert "\n  unit: person × month\n  unit_fr: personne × mois\n  source: CCSS\n" in body
    assert (
        "    comments: 'Two modalities: supplied as is.'\n"
        "    comments_fr: |-\n      Deux modalités : fourni tel quel.\n      Quasi-identifiant.\n"
        "    padlock: 0\n"
    ) in body

    result = import_dictionary(write(tmp_path, exported, "exported.yaml"))

    assert not result.changed
    assert dump_dictionary() == exported


def test_it_empties_the_french_unit_and_comments_a_newer_file_drops(db, tmp_path):
    import_dictionary(write(tmp_path, FRENCH))

    result = import_dictionary(write(tmp_path, SMALL, "plain.yaml"))

    assert result.updated["registers"] == 1 and result.updated["variables"] == 1
    assert Register.objects.get(code="SOCIO").unit_fr == ""
    assert Variable.objects.get(name="I_gender").comments_fr == ""
    body = dump_dictionary()[len(HEADER) :]
    assert "unit_fr" not in body and "comments_fr" not in body  # empty: left out, like the other keys
