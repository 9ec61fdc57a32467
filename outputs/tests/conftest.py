"""Fixtures for output and input checking: an active project with Alice (lead) and Ralph on its team.

The request life cycle that opens projects belongs to another app; here the project and its team are
created directly.
"""

import datetime

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone


@pytest.fixture
def project(alice, ralph, liser):
    from ask4mdp.projects.models import Project, ProjectMember

    today = timezone.localdate()
    project = Project.objects.create(
        reference="P-2026-007",
        acronym="WAGES",
        title="Wages and careers",
        organisation=liser,
        status=Project.Status.ACTIVE,
        start=today - datetime.timedelta(days=30),
        end=today + datetime.timedelta(days=300),
        opened_at=timezone.now(),
    )
    ProjectMember.objects.create(project=project, user=alice, is_lead=True)
    ProjectMember.objects.create(project=project, user=ralph)
    return project


@pytest.fixture
def other_project(charlie):
    from ask4mdp.projects.models import Project, ProjectMember
    from tests.factories import OrganisationFactory

    project = Project.objects.create(
        reference="P-2026-099",
        acronym="OTHER",
        title="Another team's project",
        organisation=OrganisationFactory(name="University of Luxembourg"),
        status=Project.Status.ACTIVE,
    )
    ProjectMember.objects.create(project=project, user=charlie, is_lead=True)
    return project


def extract_frame(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice(["north", "centre", "south"], n, p=[0.45, 0.45, 0.10]),
            "sector": rng.choice(["A", "B", "C"], n, p=[0.49, 0.49, 0.02]),
            "age": rng.integers(18, 65, n),
            "wage": rng.gamma(4.0, 900.0, n).round(2),
        }
    )
    return df


@pytest.fixture
def extract(project):
    """The project's delivered extract, as the desktop sees it."""
    folder = project.delivery_dir / "data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "extract.csv"
    extract_frame().to_csv(path, index=False)
    return path
