"""The extraction's messages in French: the step and the problems are shown in the reader's language."""

import copy

import pytest
from django.urls import reverse
from django.utils.translation import gettext_noop, override

from ask4mdp.ui.translation import Message
from extraction import engine
from extraction.models import Extraction
from extraction.permissions import grant_extraction_roles
from extraction.services import extraction_start


def test_the_problems_of_a_manifest_speak_the_language_of_the_request(manifest):
    bad = copy.deepcopy(manifest)
    bad["period"]["from"], bad["period"]["to"] = "2020-01", "2019-01"
    with pytest.raises(engine.ManifestInvalid) as caught:
        engine.validate_manifest(bad)
    assert str(caught.value) == "the manifest is not valid: period: 'from' is after 'to'"
    with override("fr"):
        assert str(caught.value) == "le manifeste n'est pas valide : period : 'from' est postérieur à 'to'"


def test_a_failed_extraction_is_shown_in_each_readers_language(
    verified_client, project, manifest, paul, dana, django_capture_on_commit_callbacks
):
    grant_extraction_roles(project, [paul])
    manifest["registers"][0]["variables"].append({**manifest["registers"][0]["variables"][-1], "name": "I_shoe_size"})
    with override("fr"), django_capture_on_commit_callbacks(execute=True):  # started by a French reader
        extraction = extraction_start(project=project, manifest=manifest, actor=paul)
    extraction.refresh_from_db()
    assert extraction.status == Extraction.Status.FAILED
    assert "I_shoe_size: no such column in the warehouse" in extraction.error  # the English record

    url = reverse("extraction:detail", kwargs={"pk": extraction.pk})
    assert "I_shoe_size: no such column in the warehouse" in verified_client(dana).get(url).content.decode()
    client = verified_client(paul)
    client.cookies["django_language"] = "fr"
    page = client.get(url).content.decode()
    assert "I_shoe_size : cette colonne n&#x27;existe pas dans l&#x27;entrepôt de données" in page


def test_the_current_step_is_shown_in_the_readers_language(
    verified_client, project, manifest, paul, monkeypatch, django_capture_on_commit_callbacks
):
    grant_extraction_roles(project, [paul])

    def stops_after_the_first_step(manifest, *, progress, **kwargs):
        progress(1, Message(gettext_noop("field of study")))
        raise OSError("disk full")

    monkeypatch.setattr(engine, "run", stops_after_the_first_step)
    with django_capture_on_commit_callbacks(execute=True):
        extraction = extraction_start(project=project, manifest=manifest, actor=paul)
    extraction.refresh_from_db()
    assert extraction.step == "field of study" and extraction.error == "OSError: disk full"
    with override("fr"):
        assert extraction.step_text == "champ de l'étude"
        assert extraction.error_text == "OSError: disk full"  # a library's own text, as it is


def test_an_extraction_that_failed_before_shows_its_error_as_it_is(verified_client, project, manifest, dana):
    extraction = Extraction.objects.create(
        project=project, manifest=manifest, manifest_sha256="0" * 64, status=Extraction.Status.FAILED, error="old"
    )
    client = verified_client(dana)
    client.cookies["django_language"] = "fr"
    assert ">old</div>" in client.get(reverse("extraction:detail", kwargs={"pk": extraction.pk})).content.decode()
