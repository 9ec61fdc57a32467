"""Pages: a project's synthetic dummies and linkage runs, their reports, the creation forms.

Each view fetches the object and checks access (404 when it may not be seen, 403 when it may be seen
but not acted on), makes one service call and redirects. There is deliberately no view that sends a
synthetic *data* file: it leaves the desktop only through output checking."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ask4mdp.projects.models import Project

from . import selectors, services
from .forms import LinkageRunForm, SyntheticDatasetForm, names
from .models import LinkageRun, SyntheticDataset
from .permissions import can_manage, can_read_reports, can_view
from .pipeline import InputError, read_columns

FIGURES = {"distributions", "associations", "tradeoff", "accuracy", "influence", "cross_associations"}


def _project_for(user, pk) -> Project:
    project = get_object_or_404(Project, pk=pk)
    if not can_view(user, project):
        raise Http404
    return project


def _job_for(model, user, pk, *, reports: bool = False):
    job = get_object_or_404(model.objects.select_related("project", "created_by"), pk=pk)
    if not can_view(user, job.project):
        raise Http404
    if reports and not can_read_reports(user, job.project):
        raise PermissionDenied
    return job


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _file_columns(project, files) -> dict[str, list[str]]:
    columns = {}
    for f in files:
        try:
            columns[f] = read_columns(Path(project.delivery_dir) / f)
        except InputError:
            columns[f] = []
    return columns


@login_required
def index(request):
    projects = selectors.visible_projects(request.user).order_by("reference")
    return render(request, "synthetic/index.html", {"projects": projects})


@login_required
def project_detail(request, pk):
    project = _project_for(request.user, pk)
    manager = can_manage(request.user, project)
    files = selectors.delivered_files(project) if manager else []
    columns = _file_columns(project, files)
    form = SyntheticDatasetForm(files_available=files) if manager else None
    return render(
        request,
        "synthetic/project_detail.html",
        {
            "project": project,
            "manager": manager,
            "files": columns,
            "form": form,
            "datasets": selectors.datasets_of(project),
            "runs": selectors.linkage_runs_of(project),
            "reports": can_read_reports(request.user, project),
        },
    )


@login_required
@require_POST
def dataset_create(request, pk):
    project = _project_for(request.user, pk)
    if not can_manage(request.user, project):
        raise PermissionDenied
    form = SyntheticDatasetForm(request.POST, files_available=selectors.delivered_files(project))
    if form.is_valid():
        data = form.cleaned_data
        try:
            dataset = services.synthetic_dataset_create(
                project=project,
                source=data["source"],
                seed=data["seed"],
                target=data["target"].strip(),
                quasi_identifiers=names(data["quasi_identifiers"]),
                regression_outcome=data["regression_outcome"].strip(),
                regression_predictors=names(data["regression_predictors"]),
                actor=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The synthetic dummy is being created."))
            return redirect("synthetic:dataset", pk=dataset.pk)
    files = selectors.delivered_files(project)
    return render(
        request,
        "synthetic/project_detail.html",
        {
            "project": project,
            "manager": True,
            "files": _file_columns(project, files),
            "form": form,
            "datasets": selectors.datasets_of(project),
            "runs": selectors.linkage_runs_of(project),
            "reports": True,
        },
        status=400,
    )


@login_required
def dataset_detail(request, pk):
    dataset = _job_for(SyntheticDataset, request.user, pk)
    reports = can_read_reports(request.user, dataset.project)
    context = {
        "job": dataset,
        "project": dataset.project,
        "reports": reports,
        "can_submit": _can_submit(request.user, dataset),
    }
    if reports and dataset.status == "done":
        context.update(_report_context(dataset.report))
    if request.htmx and not dataset.is_finished:
        return render(request, "synthetic/dataset_detail.html#progress", context)
    if request.htmx:  # finished while the page polled: reload the whole page
        response = render(request, "synthetic/dataset_detail.html#progress", context)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "synthetic/dataset_detail.html", context)


def _report_context(report: dict) -> dict:
    """Rows for the report page's tables and the distance chart."""
    distances = report.get("utility", {}).get("distribution_distance", {})
    reference = report.get("reference", {}).get("distribution_distance", {})
    # the report's names of measures, for the reader (names it does not know are shown as they are)
    labels = {"total_variation": _("total variation"), "exact_copies": _("Exact copies of a training record")}
    rows = [
        {
            "name": name,
            "measure": labels.get(d["measure"], d["measure"]),
            "synthetic": d["value"],
            "reference": reference.get(name, {}).get("value"),
        }
        for name, d in distances.items()
    ]
    chart = {
        "labels": [r["name"] for r in rows],
        "datasets": [
            {"label": _("synthetic vs. real holdout"), "data": [round(r["synthetic"], 4) for r in rows]},
            {
                "label": _("real training sample vs. real holdout"),
                "data": [round(r["reference"] or 0, 4) for r in rows],
            },
        ],
        "options": {"indexAxis": "y"},
    }
    privacy = report.get("privacy", {})
    return {
        "r": report,
        "thresholds": [{**t, "label": labels.get(t["name"], t["name"])} for t in report.get("thresholds", [])],
        "distance_rows": rows,
        "distance_chart": chart,
        "privacy": privacy,
        "disco": privacy.get("DiSCO") or {},
        "disco_holdout": privacy.get("DiSCO_holdout") or {},
        "regression": report.get("utility", {}).get("regression", {}),
        "reference_regression": report.get("reference", {}).get("regression", {}),
    }


def _can_submit(user, dataset) -> bool:
    from outputs.permissions import can_submit_outputs

    return (
        dataset.status == "done"
        and not dataset.output_request_id
        and can_submit_outputs(user, dataset.project)
    )


@login_required
@require_POST
def dataset_submit(request, pk):
    dataset = _job_for(SyntheticDataset, request.user, pk)
    try:
        output_request = services.synthetic_submit_for_checking(dataset=dataset, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("synthetic:dataset", pk=dataset.pk)
    messages.success(request, _("Submitted for output checking: the checker will see the report."))
    return redirect("outputs:request_detail", pk=output_request.pk)


def _model(kind: str):
    try:
        return {"dataset": SyntheticDataset, "linkage": LinkageRun}[kind]
    except KeyError:
        raise Http404 from None


@login_required
def report_pdf(request, kind, pk):
    job = _job_for(_model(kind), request.user, pk, reports=True)
    path = job.report_pdf
    if job.status != "done" or not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{job.folder.name}-report-synthetic.pdf",
        content_type="application/pdf",
    )


@login_required
def figure(request, kind, pk, name):
    job = _job_for(_model(kind), request.user, pk, reports=True)
    path = job.folder / f"{name}.png"
    if name not in FIGURES or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="image/png")


@login_required
def linkage_create(request, pk):
    project = _project_for(request.user, pk)
    if not can_manage(request.user, project):
        raise PermissionDenied
    files = selectors.delivered_files(project)
    form = LinkageRunForm(request.POST or None, files_available=files)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.linkage_run_create(
                project=project,
                source=data["source"],
                seed=data["seed"],
                common=names(data["common"]),
                part_a=names(data["part_a"]),
                part_b=names(data["part_b"]),
                actor=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The linkage laboratory is running."))
            return redirect("synthetic:linkage", pk=run.pk)
    columns = _file_columns(project, files)
    return render(
        request,
        "synthetic/linkage_form.html",
        {"project": project, "form": form, "files": columns},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def linkage_detail(request, pk):
    run = _job_for(LinkageRun, request.user, pk, reports=True)
    context = {"job": run, "project": run.project, "reports": True}
    if request.htmx:
        response = render(request, "synthetic/linkage_detail.html#progress", context)
        if run.is_finished:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "synthetic/linkage_detail.html", context)
