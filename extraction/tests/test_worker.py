"""A real extraction worker killed in the middle of a run: no partial delivery, and the broker
hands the task (acks late) to the next worker, which delivers the same bytes."""

import hashlib
import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings

from conftest import ROOT, wait_for
from extraction import engine
from extraction.models import Extraction
from extraction.permissions import grant_extraction_roles
from extraction.services import delivery_dir, extraction_start
from pseudonym.services import pseudonymise_distinct


def _start_worker(env, name):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ask4mdp",
            "worker",
            "-Q",
            "extraction",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_survives_a_worker_killed_mid_run(project, manifest, paul, warehouse, master_secret):
    from ask4mdp.celery import app

    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": "3",  # the broker hands an unacknowledged task on after 3 s
        "ASK4MDP_WAREHOUSE_DIR": str(warehouse),
        "ASK4MDP_DELIVERY_ROOT": str(settings.DELIVERY_ROOT),
        "ASK4MDP_MASTER_SECRET": master_secret,
    }
    manifest["output_formats"] = ["parquet", "csv", "dta"]
    app.control.purge()
    grant_extraction_roles(project, [paul])
    first = _start_worker(env, "doomed")
    second = None
    try:
        extraction = extraction_start(project=project, manifest=manifest, actor=paul)
        target = delivery_dir(extraction)

        def mid_run():
            e = Extraction.objects.get(pk=extraction.pk)
            assert e.status != Extraction.Status.SUCCEEDED, "finished before the kill"
            return e.status == Extraction.Status.RUNNING and e.progress >= 15

        wait_for(mid_run, timeout=120, interval=0.02, message="the extraction to be under way")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        assert not target.exists()  # nothing half-written is visible
        assert Extraction.objects.get(pk=extraction.pk).status == Extraction.Status.RUNNING

        second = _start_worker(env, "rescuer")
        done = wait_for(
            lambda: (e := Extraction.objects.get(pk=extraction.pk)).is_finished and e,
            timeout=180,
            message="the re-run to finish",
        )
        assert done.status == Extraction.Status.SUCCEEDED, done.error
        assert done.attempts == 2 and done.progress == 100
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
    assert not list(target.parent.glob(".*partial*"))
    # The same manifest run again here gives byte-identical data files.
    reference = engine.run(
        manifest,
        warehouse=warehouse,
        out_dir=target.parent / "reference",
        pseudonymise=lambda d, s, v: pseudonymise_distinct(project=project, domain=d, values=v, stage=s),
        memory_limit="512MB",
        threads=2,
    )
    for f in reference.files:
        if f.kind == "data":
            assert hashlib.sha256((target / f.name).read_bytes()).hexdigest() == f.sha256, f.name
    assert {f["name"] for f in done.files} == {f.name for f in reference.files}
