from pathlib import Path

import pytest

MASTER_SECRET = "test-master-secret-0123456789abcdef-not-for-production"
_CACHE: dict = {}


@pytest.fixture(autouse=True)
def master_secret(monkeypatch):
    monkeypatch.setenv("ASK4MDP_MASTER_SECRET", MASTER_SECRET)
    monkeypatch.delenv("ASK4MDP_MASTER_SECRET_FILE", raising=False)
    return MASTER_SECRET


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory) -> Path:
    """A 600-person warehouse from the demo dictionary, generated once per session."""
    from extraction.warehouse import default_dictionary_path, generate

    path = tmp_path_factory.mktemp("warehouse") / "wh"
    generate(path, persons=600, seed=7, chunk_size=300, dictionary_path=default_dictionary_path())
    return path


@pytest.fixture
def warehouse(small_warehouse, settings):
    settings.WAREHOUSE_DIR = small_warehouse
    return small_warehouse


@pytest.fixture
def project(db):
    from ask4mdp.projects.models import Project
    from tests.factories import OrganisationFactory

    return Project.objects.create(
        reference="PRJ-DEMO-001",
        acronym="DEMO",
        title="Demo project",
        organisation=OrganisationFactory(name="LISER"),
    )


@pytest.fixture
def manifest(warehouse):
    from extraction import sample_manifest
    from extraction.warehouse import read_meta

    return sample_manifest.build(read_meta(warehouse), project_ref="PRJ-DEMO-001")
