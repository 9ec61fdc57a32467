"""The synthetic pipeline's messages in French: a failed job says why in the language of whoever reads it."""

import pytest
from django.urls import reverse
from django.utils.translation import override

from synthetic import pipeline, services
from synthetic.models import JobStatus, SyntheticDataset


def test_an_input_error_speaks_the_language_of_the_request(tmp_path):
    with pytest.raises(pipeline.InputError) as caught:
        pipeline.read_table(tmp_path / "missing.csv")
    assert str(caught.value).startswith("no such file: ")
    with override("fr"):
        assert str(caught.value).startswith("fichier introuvable : ")


def test_a_refusal_of_the_synthesiser_is_passed_on_translatable(people):
    from synthetic.synthesis import synthesise

    with pytest.raises(ValueError) as caught:
        synthesise(people, quasi_identifiers=["shoe_size"])
    error = pipeline.input_error(caught.value)
    with override("fr"):
        assert str(error) == "colonnes de quasi-identifiants inconnues : shoe_size"


def test_a_failed_job_is_shown_in_each_readers_language(
    verified_client, project, delivered, project_expert, alice, django_capture_on_commit_callbacks
):
    (project.delivery_dir / delivered).write_text("age,sex\n1,F\n")  # too small once the task runs
    with override("fr"), django_capture_on_commit_callbacks(execute=True):  # the expert reads French
        dataset = services.synthetic_dataset_create(project=project, source=delivered, actor=project_expert)
    dataset.refresh_from_db()
    assert dataset.status == JobStatus.FAILED
    assert dataset.error == "at least 50 records are needed to synthesise and evaluate"  # the English record

    url = reverse("synthetic:dataset", args=[dataset.pk])
    assert "at least 50 records are needed" in verified_client(alice).get(url).content.decode()
    client = verified_client(project_expert)
    client.cookies["django_language"] = "fr"
    assert "il faut au moins 50 enregistrements pour synthétiser et évaluer" in client.get(url).content.decode()


def test_an_unexpected_failure_is_translated_too(project, delivered, project_expert, monkeypatch):
    dataset = SyntheticDataset.objects.create(project=project, source=delivered, created_by=project_expert)

    def crash(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pipeline, "read_table", crash)
    services.synthetic_dataset_run(synthetic_dataset_id=dataset.pk)
    dataset.refresh_from_db()
    assert dataset.error == "The computation failed: MemoryError"
    with override("fr"):
        assert dataset.error_text == "Le calcul a échoué : MemoryError"


def test_an_error_stored_before_the_translation_is_shown_as_it_is(verified_client, project, delivered, alice):
    dataset = SyntheticDataset.objects.create(
        project=project, source=delivered, created_by=alice, status=JobStatus.FAILED, error="an older error"
    )
    client = verified_client(alice)
    client.cookies["django_language"] = "fr"
    assert "an older error" in client.get(reverse("synthetic:dataset", args=[dataset.pk])).content.decode()


def test_the_report_names_its_measures_in_the_readers_language(verified_client, project_expert, done_dataset):
    client = verified_client(project_expert)
    client.cookies["django_language"] = "fr"
    html = client.get(reverse("synthetic:dataset", args=[done_dataset.pk])).content.decode()
    assert "variation totale" in html and "Copies exactes d&#x27;un enregistrement d&#x27;apprentissage" in html
    assert "total_variation" not in html
