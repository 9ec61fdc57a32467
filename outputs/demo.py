"""Demo data: for each active demo project with a team, a few output requests in various states.

Idempotent (a project that already has output requests is left alone) and harmless when there is no
active project yet.
"""

import numpy as np
import pandas as pd
from django.core.files.base import ContentFile

from ask4mdp.accounts.roles import Role
from ask4mdp.accounts.selectors import users_with_role
from ask4mdp.projects.models import Project

from . import services
from .models import OutputRequest


def _demo_extract(project) -> str:
    rng = np.random.default_rng(7)
    n = 600
    df = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], n),
            "region": rng.choice(["Centre", "North", "South"], n, p=[0.5, 0.3, 0.2]),
            "sector": rng.choice(["Industry", "Services", "Agriculture"], n, p=[0.3, 0.68, 0.02]),
            "wage": rng.gamma(4.0, 900.0, n).round(2),
            "age": rng.integers(18, 65, n),
        }
    )
    folder = project.delivery_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    df.to_csv(folder / "outputs_demo.csv", index=False)
    return "demo/outputs_demo.csv"


def load(*, stdout) -> None:
    checkers = list(users_with_role(Role.OUTPUT_CHECKER)[:2])
    projects = [p for p in Project.objects.filter(status=Project.Status.ACTIVE) if p.is_active]
    if not projects:
        stdout.write("outputs: no active project, no demo output request")
        return
    for project in projects:
        member = project.memberships.filter(access_removed_at=None).select_related("user").first()
        if member is None or OutputRequest.objects.filter(project=project).exists():
            continue
        data = _demo_extract(project)
        released = services.output_request_create(
            project=project,
            actor=member.user,
            title="Employment by sex and region",
            description="Counts for the descriptive chapter.",
            files=[
                {
                    "file": ContentFile(b"sex,count\nF,300\nM,300\n", name="employment_by_sex.csv"),
                    "kind": "table",
                    "spec": {"data": data, "statistic": "count", "index": ["sex"]},
                }
            ],
        )
        failing = services.output_request_create(
            project=project,
            actor=member.user,
            title="Mean wages by region and sector",
            description="Wages for the sector comparison.",
            files=[
                {
                    "file": ContentFile(
                        b"region,Agriculture,Industry,Services\n", name="wages_by_sector.csv"
                    ),
                    "kind": "table",
                    "spec": {
                        "data": data,
                        "statistic": "mean",
                        "index": ["region"],
                        "columns": ["sector"],
                        "values": "wage",
                    },
                }
            ],
        )
        released.refresh_from_db()
        failing.refresh_from_db()
        if checkers and released.status == OutputRequest.Status.AWAITING_REVIEW:
            services.output_file_decide(
                output_file=released.files.get(),
                action="approve",
                comment="Counts well above the threshold.",
                actor=checkers[0],
            )
        if failing.status == OutputRequest.Status.AWAITING_REVIEW:
            services.output_file_request_exception(
                output_file=failing.files.get(),
                actor=member.user,
                justification=(
                    "Agriculture is merged with Industry in the publication; this table is for the checker."
                ),
            )
        stdout.write(f"outputs: 2 demo output requests for {project.reference}")
