"""Messages of the checks in French: made in one language, shown in the reader's.

A check's verdict is written once (by the worker, or in the request of whoever submitted) and read by
the researcher and the checkers: it is stored as its English msgid and parameters and translated when
each of them reads it. Rows written before that hold plain English text, shown as it is.
"""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_noop, override

from ask4mdp.ui.translation import Message, render, shown, store
from outputs import services
from outputs.models import InputFile
from outputs.sdc import SpecError, validate_spec

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_is_translated_when_it_is_rendered_not_when_it_is_made():
    message = Message(
        gettext_noop("%(status)s; %(details)s"),
        status=Message(gettext_noop("fail")),
        details=[Message(gettext_noop("%(rule)s: %(count)s cells fail"), rule="threshold", count=3)],
    )
    stored = json.loads(json.dumps(message.as_json()))  # as a JSON field keeps it
    with override("fr"):
        assert render(stored) == "non conforme ; threshold : 3 cellule(s) non conforme(s)"
        assert message.english() == "fail; threshold: 3 cells fail"
    assert render(stored) == "fail; threshold: 3 cells fail"
    with override("fr"):
        assert render("an older row's plain text") == "an older row's plain text"
        assert render(None, fallback="plain") == "plain"


def test_a_stored_record_keeps_the_english_text_and_shows_the_readers_language():
    record = store(summary=Message(gettext_noop("document: the checker reads it")), notes=[])
    assert record["summary"] == "document: the checker reads it"
    with override("fr"):
        assert shown(record, "summary") == "document : le contrôleur le lit"
        assert shown({"summary": "review; written before"}, "summary") == "review; written before"


def test_a_spec_error_speaks_the_language_of_the_request():
    with pytest.raises(SpecError) as caught:
        validate_spec({"data": "x.csv", "statistic": "count", "index": ["a"], "colour": "red"})
    assert str(caught.value) == "unknown key(s) in the spec: colour"
    with override("fr"):
        assert str(caught.value) == "clé(s) inconnue(s) dans la spécification : colour"


def _submit_in_french(project, alice, spec):
    with override("fr"):  # whoever triggers the check reads French: it must not matter
        return services.output_request_create(
            project=project,
            actor=alice,
            title="Counts",
            description="By sex",
            files=[{"file": ContentFile(b"sex,n\nF,200\nM,200\n", name="t.csv"), "kind": "table", "spec": spec}],
        )


def test_a_stored_verdict_is_shown_in_each_readers_language(verified_client, project, extract, alice, olga):
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["region"], "columns": ["sector"]}
    request = _submit_in_french(project, alice, spec)
    output = request.files.get()
    assert output.check_result["summary"].startswith("fail; threshold: ")  # the English record

    english = verified_client(olga).get(f"/projects/outputs/{request.pk}/").content.decode()
    assert "fail; threshold: " in english and "cells fail" in english
    assert "linked tables: a manual review" in english

    client = verified_client(alice)
    client.cookies["django_language"] = "fr"
    french = client.get(f"/projects/outputs/{request.pk}/").content.decode()
    assert "non conforme ; threshold : " in french and "cellule(s) non conforme(s)" in french
    assert "tableaux liés : un examen manuel" in french
    assert "cells fail" not in french


def test_an_error_of_the_spec_is_stored_translatable(verified_client, project, extract, alice, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("a\n1\n")
    request = _submit_in_french(project, alice, {"data": str(outside), "statistic": "count", "index": ["a"]})
    client = verified_client(alice)
    client.cookies["django_language"] = "fr"
    page = client.get(f"/projects/outputs/{request.pk}/").content.decode()
    assert "la spécification n&#x27;a pas pu être contrôlée : le fichier de données doit se trouver" in page


def test_a_verdict_written_before_the_translation_is_shown_as_it_is(verified_client, project, extract, alice):
    request = _submit_in_french(project, alice, {"data": "data/extract.csv", "statistic": "count", "index": ["sex"]})
    request.files.update(check_result={"status": "review", "summary": "review; an old English summary", "notes": []})
    client = verified_client(alice)
    client.cookies["django_language"] = "fr"
    assert "review; an old English summary" in client.get(f"/projects/outputs/{request.pk}/").content.decode()


def test_the_api_answers_in_the_language_the_desktop_asks_for(client, project, extract, alice):
    _token, raw = services.api_token_create(project=project, actor=alice)
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["sex"], "colour": "red"}
    response = client.post(
        "/projects/api/outputs/",
        {
            "title": "From the desktop",
            "description": "Tables",
            "files": [SimpleUploadedFile("t.csv", b"sex,n\nF,20\nM,20\n", "text/csv")],
            "metadata": json.dumps({"t.csv": {"kind": "table", "spec": spec}}),
        },
        headers={"Authorization": f"Bearer {raw}", "Accept-Language": "fr"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == (
        "t.csv : spécification invalide : clé(s) inconnue(s) dans la spécification : colour"
    )
    refused = client.get("/projects/api/outputs/1/", headers={"Accept-Language": "fr"})
    assert refused.status_code == 401 and refused.json()["error"].startswith("un jeton valide et non expiré")


def test_the_api_gives_a_stored_summary_in_the_language_of_its_reader(client, project, extract, alice):
    _token, raw = services.api_token_create(project=project, actor=alice)
    request = _submit_in_french(project, alice, {"data": "data/extract.csv", "statistic": "count", "index": ["sex"]})
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/projects/api/outputs/{request.pk}/", headers=auth).json()["files"][0]["summary"] == "pass"
    french = client.get(f"/projects/api/outputs/{request.pk}/", headers={**auth, "Accept-Language": "fr"})
    assert french.json()["files"][0]["summary"] == "conforme"


def test_a_refused_input_file_says_why_in_the_readers_language(verified_client, project, ian):
    with override("fr"):
        item = services.input_file_upload(
            project=project,
            actor=ian,
            file=ContentFile(b"<stata_dta>this is not really stata", name="survey.dta"),
            legal_basis="Consent",
        )
    item = InputFile.objects.get(pk=item.pk)
    assert item.status == InputFile.Status.REFUSED
    assert item.refusal_reason.startswith("the file cannot be read as STATA: ")  # the English record
    client, page = verified_client(ian), f"/projects/inputs/{item.pk}/"
    assert "the file cannot be read as STATA: " in client.get(page).content.decode()
    client.cookies["django_language"] = "fr"
    assert "le fichier ne peut pas être lu comme STATA : " in client.get(page).content.decode()
    with override("fr"):
        assert item.refusal_text.startswith("le fichier ne peut pas être lu comme STATA : ")


def test_an_upload_is_refused_in_the_language_of_the_uploader(project, ian):
    from django.core.exceptions import ValidationError

    with override("fr"), pytest.raises(ValidationError) as caught:
        services.input_file_upload(
            project=project, actor=ian, file=ContentFile(b"MZ...", name="survey.exe"), legal_basis="Consent"
        )
    assert caught.value.messages == [
        "le type de fichier .exe n'est pas autorisé : utilisez CSV, XLSX, Parquet ou Stata (.dta)"
    ]
