"""Fixtures of the synthetic app's tests: a small person-level table and a project with a delivery."""

import datetime

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone


def person_table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, n)
    sex = rng.choice(["F", "M"], n)
    canton = rng.choice(["LUX", "ESC", "CAP"], n, p=[0.5, 0.3, 0.2])
    wage = np.round(1500 + 60 * age + np.where(sex == "M", 300, 0) + rng.normal(0, 400, n), 2)
    wage[rng.random(n) < 0.1] = np.nan
    sector = np.where(age > 45, rng.choice(["K", "O"], n), rng.choice(["F", "G", "K"], n))
    start = pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    return pd.DataFrame(
        {"age": age, "sex": sex, "canton": canton, "wage": wage, "sector": sector, "job_start": start}
    )


@pytest.fixture
def people():
    return person_table()


@pytest.fixture
def project(alice):
    from ask4mdp.projects.models import Project, ProjectMember

    today = timezone.localdate()
    project = Project.objects.create(
        reference="P-2026-007",
        acronym="SYNTH",
        title="Wages and careers",
        organisation=alice.affiliations.first().organisation,
        status=Project.Status.ACTIVE,
        start=today - datetime.timedelta(days=10),
        end=today + datetime.timedelta(days=300),
    )
    ProjectMember.objects.create(project=project, user=alice, is_lead=True)
    return project


@pytest.fixture
def delivered(project):
    """A file the extraction engine delivered into the project's folder."""
    folder = project.delivery_dir / "extraction-1"
    folder.mkdir(parents=True)
    person_table().to_csv(folder / "persons.csv", index=False)
    return "extraction-1/persons.csv"


@pytest.fixture
def project_expert(erin, project):
    from synthetic.permissions import grant_synthetic_managers

    grant_synthetic_managers(project, [erin])
    return erin


@pytest.fixture
def fast(settings):
    settings.SYNTHETIC = {**settings.SYNTHETIC, "permutations": 3}


@pytest.fixture
def done_dataset(project_expert, project, delivered, fast, django_capture_on_commit_callbacks):
    from synthetic.services import synthetic_dataset_create

    with django_capture_on_commit_callbacks(execute=True):
        dataset = synthetic_dataset_create(
            project=project, source=delivered, seed=5, target="sector", actor=project_expert
        )
    dataset.refresh_from_db()
    return dataset
