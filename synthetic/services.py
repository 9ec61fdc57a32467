"""Writes for synthetic dummies and the linkage laboratory.

Each service checks permission, changes state, writes the audit event and schedules the worker on
commit. The long computations (``*_run``/``*_execute``, called by the Celery tasks) hold no
transaction while they compute: they claim the job with a compare-and-swap, report progress with
single-row updates, and save the result in one durable transaction.
"""

from __future__ import annotations

import logging
import traceback
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ask4mdp.audit.services import log_event
from ask4mdp.ui.translation import Message

from . import pipeline
from .models import JobStatus, LinkageRun, SyntheticDataset
from .permissions import can_manage
from .selectors import delivered_files

logger = logging.getLogger(__name__)


def source_columns(project, source: str) -> list[str]:
    """The column names of a delivered file, read from its header/schema only."""
    if source not in delivered_files(project):
        raise ValidationError({"source": _("Choose one of the project's delivered data files.")})
    path = Path(project.delivery_dir) / source
    try:
        return pipeline.read_columns(path)
    except pipeline.InputError as exc:
        raise ValidationError({"source": str(exc)}) from exc


def _check_columns(columns: list[str], names, field: str) -> None:
    unknown = [n for n in names if n not in columns]
    if unknown:
        raise ValidationError({field: _("Unknown column(s): %(names)s.") % {"names": ", ".join(unknown)}})


def synthetic_dataset_create(
    *,
    project,
    source: str,
    actor,
    seed: int = 1,
    target: str = "",
    quasi_identifiers=(),
    regression_outcome: str = "",
    regression_predictors=(),
) -> SyntheticDataset:
    """The expert (or datateam, administrator) asks for a synthetic dummy of one delivered file."""
    from .tasks import synthesize_dataset

    if not can_manage(actor, project):
        raise PermissionDenied(
            _("Only the request's expert, the datateam or an administrator can create synthetic data.")
        )
    columns = source_columns(project, source)
    _check_columns(columns, [target] if target else [], "target")
    _check_columns(columns, list(quasi_identifiers), "quasi_identifiers")
    _check_columns(columns, [regression_outcome] if regression_outcome else [], "regression_outcome")
    _check_columns(columns, list(regression_predictors), "regression_predictors")
    with transaction.atomic(durable=True):
        dataset = SyntheticDataset.objects.create(
            project=project,
            source=source,
            seed=seed,
            target=target,
            quasi_identifiers=list(quasi_identifiers),
            regression_outcome=regression_outcome,
            regression_predictors=list(regression_predictors),
            created_by=actor,
        )
        log_event(
            "synthetic.dataset_requested",
            actor=actor,
            obj=dataset,
            data={"project": project.reference, "source": source, "seed": seed, "target": target},
        )
        transaction.on_commit(partial(synthesize_dataset.delay, dataset.pk))
    return dataset


def _claim(model, pk: int):
    """Compare-and-swap queued → running: a task delivered twice runs once."""
    with transaction.atomic(durable=True):
        claimed = model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), progress=0
        )
    return model.objects.select_related("project").get(pk=pk) if claimed else None


def _progress(model, pk: int):
    last = {"value": -1}

    def update(value: int) -> None:
        value = max(0, min(99, int(value)))
        if value >= last["value"] + 5:  # a row update every 5 %, not every tick
            last["value"] = value
            model.objects.filter(pk=pk, status=JobStatus.RUNNING).update(progress=value)

    return update


def _fail(job, exc: Exception, action: str) -> None:
    """Record why the job failed: in English (the record) and translatable, for whoever reads the page."""
    if isinstance(exc, pipeline.InputError):
        message = exc.message
    else:
        message = Message(gettext_noop("The computation failed: %(error)s"), error=exc.__class__.__name__)
        logger.error("synthetic job %s failed\n%s", job.pk, traceback.format_exc())
    with transaction.atomic(durable=True):
        type(job).objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            error=message.english(),
            error_message=message.as_json(),
            finished_at=timezone.now(),
        )
        log_event(action, actor=None, obj=job, data={"error": message.english()})


def synthetic_dataset_run(*, synthetic_dataset_id: int) -> SyntheticDataset | None:
    """The worker's part: synthesise, evaluate, write the file and its report into the desktop folder."""
    dataset = _claim(SyntheticDataset, synthetic_dataset_id)
    if dataset is None:
        return None
    try:
        df = pipeline.read_table(dataset.source_path)
        synthetic, report = pipeline.run_synthesis(
            df,
            report_dir=dataset.folder,
            seed=dataset.seed,
            target=dataset.target or None,
            quasi_identifiers=dataset.quasi_identifiers or None,
            regression_outcome=dataset.regression_outcome or None,
            regression_predictors=dataset.regression_predictors or None,
            min_leaf_size=settings.SYNTHETIC.get("min_leaf_size", 20),
            permutations=settings.SYNTHETIC.get("permutations", 20),
            settings_synthetic=settings.SYNTHETIC,
            title=f"{dataset.project.reference} — {dataset.source}",
            progress=_progress(SyntheticDataset, dataset.pk),
        )
        pipeline.write_table(synthetic, dataset.output_file)
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the job, never lost
        _fail(dataset, exc, "synthetic.dataset_failed")
        return SyntheticDataset.objects.get(pk=dataset.pk)
    with transaction.atomic(durable=True):
        SyntheticDataset.objects.filter(pk=dataset.pk).update(
            status=JobStatus.DONE,
            progress=100,
            report=report,
            finished_at=timezone.now(),
            error="",
            error_message=None,
        )
        dataset.refresh_from_db()
        log_event(
            "synthetic.dataset_created",
            actor=None,
            obj=dataset,
            data={
                "S_pMSE": report["S_pMSE"],
                "exact_copies": report["exact_copies"],
                "exact_copies_holdout": report["exact_copies_holdout"],
                "file": dataset.output_file.name,
            },
        )
    return dataset


def linkage_run_create(*, project, source: str, common, part_a, part_b, actor, seed: int = 1) -> LinkageRun:
    from .tasks import run_linkage_lab

    if not can_manage(actor, project):
        raise PermissionDenied(
            _("Only the request's expert, the datateam or an administrator can run the linkage laboratory.")
        )
    columns = source_columns(project, source)
    common, part_a, part_b = list(common), list(part_a), list(part_b)
    for field, names in (("common", common), ("part_a", part_a), ("part_b", part_b)):
        if not names:
            raise ValidationError({field: _("Choose at least one variable.")})
        _check_columns(columns, names, field)
    overlap = (set(common) & set(part_a)) | (set(common) & set(part_b)) | (set(part_a) & set(part_b))
    if overlap:
        raise ValidationError(
            {
                "part_b": _("A variable may be in only one group: %(names)s.")
                % {"names": ", ".join(sorted(overlap))}
            }
        )
    with transaction.atomic(durable=True):
        run = LinkageRun.objects.create(
            project=project,
            source=source,
            seed=seed,
            common=common,
            part_a=part_a,
            part_b=part_b,
            created_by=actor,
        )
        log_event(
            "synthetic.linkage_requested",
            actor=actor,
            obj=run,
            data={
                "project": project.reference,
                "source": source,
                "common": common,
                "part_a": part_a,
                "part_b": part_b,
                "seed": seed,
            },
        )
        transaction.on_commit(partial(run_linkage_lab.delay, run.pk))
    return run


def linkage_run_execute(*, linkage_run_id: int) -> LinkageRun | None:
    from .linkage import run_linkage_lab

    run = _claim(LinkageRun, linkage_run_id)
    if run is None:
        return None
    try:
        df = pipeline.read_table(run.source_path)
        report = run_linkage_lab(
            df,
            common=run.common,
            part_a=run.part_a,
            part_b=run.part_b,
            report_dir=run.folder,
            seed=run.seed,
            min_leaf_size=settings.SYNTHETIC.get("min_leaf_size", 20),
            title=f"{run.project.reference} — {run.source}",
            progress=_progress(LinkageRun, run.pk),
        )
    except Exception as exc:  # noqa: BLE001
        _fail(run, exc, "synthetic.linkage_failed")
        return LinkageRun.objects.get(pk=run.pk)
    with transaction.atomic(durable=True):
        LinkageRun.objects.filter(pk=run.pk).update(
            status=JobStatus.DONE,
            progress=100,
            report=report,
            finished_at=timezone.now(),
            error="",
            error_message=None,
        )
        run.refresh_from_db()
        log_event(
            "synthetic.linkage_done",
            actor=None,
            obj=run,
            data={
                "accuracy_exact": report["accuracy_exact"],
                "accuracy_nearest_neighbour": report["accuracy_nearest_neighbour"],
                "accuracy_propensity_score": report["accuracy_propensity_score"],
            },
        )
    return run


def _files_for_checking(dataset: SyntheticDataset) -> list[Path]:
    """The synthetic file (a CSV copy when it is Stata: output checking takes CSV/Parquet) and its report."""
    data = dataset.output_file
    if data.suffix == ".dta":
        csv = data.with_suffix(".csv")
        if not csv.exists():
            pipeline.write_table(pipeline.read_table(data), csv)
        data = csv
    return [data, dataset.folder / "report.pdf", dataset.folder / "report.json"]


def synthetic_submit_for_checking(*, dataset: SyntheticDataset, actor):
    """The only way out of the desktop for a synthetic file: an output request, with its report attached
    so that the checker sees it. Calls ``outputs.services.output_request_create`` (its own durable
    transaction), then records the link in ours."""
    from outputs.services import output_request_create

    if dataset.status != JobStatus.DONE:
        raise ValidationError(_("Only a finished synthetic dataset can be submitted."))
    if dataset.output_request_id:
        raise ValidationError(_("This synthetic dataset has already been submitted for output checking."))
    report = dataset.report
    statuses = ", ".join(f"{t['name']} {t['status']}" for t in report.get("thresholds", []))
    description = _(
        "Synthetic dummy of %(source)s — SYNTHETIC, NOT VALID FOR INFERENCE. Sequential CART, seed %(seed)s. "
        "S_pMSE %(s_pmse).3f; exact copies %(copies).4f (real holdout %(holdout).4f). "
        "Thresholds: %(statuses)s. "
        "The utility and privacy report (PDF and JSON) is attached."
    ) % {
        "source": dataset.source,
        "seed": dataset.seed,
        "s_pmse": report.get("S_pMSE") or 0,
        "copies": report.get("exact_copies") or 0,
        "holdout": report.get("exact_copies_holdout") or 0,
        "statuses": statuses,
    }
    output_request = output_request_create(
        project=dataset.project,
        actor=actor,
        title=_("Synthetic data (not valid for inference): %(name)s") % {"name": Path(dataset.source).name},
        description=description,
        files=[{"file": path, "kind": "document"} for path in _files_for_checking(dataset)],
    )
    with transaction.atomic(durable=True):
        claimed = SyntheticDataset.objects.filter(pk=dataset.pk, output_request=None).update(
            output_request=output_request
        )
        if not claimed:  # submitted twice at once: the output request exists, the link is the first one's
            raise ValidationError(_("This synthetic dataset has already been submitted for output checking."))
        dataset.output_request = output_request
        log_event(
            "synthetic.dataset_submitted",
            actor=actor,
            obj=dataset,
            data={"output_request": output_request.pk, "project": dataset.project.reference},
        )
    return output_request
