import pytest

MASTER_SECRET = "test-master-secret-0123456789abcdef-not-for-production"


@pytest.fixture(autouse=True)
def master_secret(monkeypatch):
    """The extraction worker's secret, from its environment (never a setting)."""
    monkeypatch.setenv("ASK4MDP_MASTER_SECRET", MASTER_SECRET)
    monkeypatch.delenv("ASK4MDP_MASTER_SECRET_FILE", raising=False)
    return MASTER_SECRET


@pytest.fixture
def make_project(db):
    from ask4mdp.projects.models import Project
    from tests.factories import OrganisationFactory

    def make(reference="PRJ-2026-001"):
        return Project.objects.create(
            reference=reference,
            acronym=reference[-3:],
            title=f"Project {reference}",
            organisation=OrganisationFactory(name="LISER"),
        )

    return make
