"""Pages for researchers (their projects and output requests), output checkers, input checkers and
administrators (the release log). Each view: fetch and check access, one service call, redirect."""

import csv
import io
from datetime import timedelta

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ask4mdp.projects.models import Project

from . import selectors, services
from .forms import (
    DecisionForm,
    ExceptionForm,
    InputRefuseForm,
    InputUploadForm,
    OutputFileFormSet,
    OutputRequestForm,
    TokenForm,
)
from .models import ApiToken, InputFile, OutputFile, OutputRequest, ReleaseLogEntry
from .permissions import (
    can_download_released,
    can_manage_inputs,
    can_submit_outputs,
    can_view_outputs,
    is_administrator,
    is_output_checker,
    is_researcher_of,
)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _project_for(user, pk) -> Project:
    project = get_object_or_404(Project, pk=pk)
    if not can_view_outputs(user, project):
        raise Http404
    return project


def _request_for(user, pk) -> OutputRequest:
    output_request = get_object_or_404(OutputRequest.objects.select_related("project", "created_by"), pk=pk)
    if not can_view_outputs(user, output_request.project):
        raise Http404
    return output_request


def _file_for(user, pk) -> OutputFile:
    output = get_object_or_404(OutputFile.objects.select_related("output_request__project"), pk=pk)
    if not can_view_outputs(user, output.output_request.project):
        raise Http404
    return output


# --- researchers ---------------------------------------------------------------------------------


@login_required
def my_projects(request):
    projects = selectors.projects_for_researcher(request.user)
    return render(request, "outputs/my_projects.html", {"projects": projects})


@login_required
def project_detail(request, pk):
    project = _project_for(request.user, pk)
    output_requests = project.output_requests.select_related("created_by").prefetch_related("files")
    is_member = is_researcher_of(request.user, project)
    tokens = (
        ApiToken.objects.filter(project=project, user=request.user) if is_member else ApiToken.objects.none()
    )
    return render(
        request,
        "outputs/project_detail.html",
        {
            "project": project,
            "output_requests": output_requests,
            "tokens": tokens,
            "can_submit": can_submit_outputs(request.user, project),
            "token_form": TokenForm(),
            "new_token": request.session.pop("outputs_new_token", None),
            "is_member": is_member,
            "now": timezone.now(),
        },
    )


@login_required
def request_create(request, pk):
    project = _project_for(request.user, pk)
    if not can_submit_outputs(request.user, project):
        raise PermissionDenied
    form = OutputRequestForm(request.POST or None, request.FILES or None)
    formset = OutputFileFormSet(request.POST or None, request.FILES or None, prefix="files")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        files = [
            {
                "file": f.cleaned_data["file"],
                "kind": f.cleaned_data["kind"],
                "spec": f.cleaned_data.get("spec"),
                "supporting_table": f.cleaned_data.get("supporting_table"),
            }
            for f in formset
            if f.cleaned_data.get("file")
        ]
        try:
            output_request = services.output_request_create(
                project=project,
                actor=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                files=files,
                acro_bundle=form.cleaned_data.get("acro_bundle"),
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(
                request, _("Your output request was submitted; the automatic checks are running.")
            )
            return redirect("outputs:request_detail", pk=output_request.pk)
    return render(
        request, "outputs/request_form.html", {"project": project, "form": form, "formset": formset}
    )


@login_required
@require_POST
def token_create(request, pk):
    project = _project_for(request.user, pk)
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The token could not be created: check the number of days."))
        return redirect("outputs:project_detail", pk=project.pk)
    try:
        _token, raw = services.api_token_create(
            project=project,
            actor=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
    except PermissionDenied:
        raise
    request.session["outputs_new_token"] = raw
    return redirect("outputs:project_detail", pk=project.pk)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("outputs:project_detail", pk=token.project_id)


def table_for_display(output: OutputFile) -> dict | None:
    """Rows of cells with their flags, from the check result or from the file itself."""
    result = output.check_result or {}
    table = result.get("table")
    if table and table.get("values") is not None:
        flags = table.get("flags") or [[[] for _ in table["columns"]] for _ in table["rows"]]
        header = [" / ".join(c) if c else (result.get("statistic") or "") for c in table["columns"]]
        rows = [
            {
                "label": " / ".join(r),
                "cells": [{"value": _fmt(v), "flags": flags[i][j]} for j, v in enumerate(row)],
            }
            for i, (r, row) in enumerate(zip(table["rows"], table["values"], strict=True))
        ]
        return {"index": " / ".join(table.get("index_names") or []), "header": header, "rows": rows}
    source = output.file
    if output.kind == OutputFile.Kind.FIGURE and output.supporting_table:
        source = output.supporting_table  # a figure is checked through the table behind it
    if not source.name.lower().endswith(".csv"):
        return None
    try:
        frame = pd.read_csv(source.path, index_col=0, nrows=200)
    except Exception:  # a CSV we cannot parse is shown as a download only
        return None
    marks = {}
    for cell in result.get("cells", []):
        marks[(" / ".join(cell["row"]), " / ".join(cell["column"]))] = cell["rules"]
    rows = []
    for label, row in frame.iterrows():
        rows.append(
            {
                "label": str(label),
                "cells": [
                    {"value": _fmt(v), "flags": marks.get((str(label), str(col)), [])}
                    for col, v in row.items()
                ],
            }
        )
    return {"index": str(frame.index.name or ""), "header": [str(c) for c in frame.columns], "rows": rows}


def _fmt(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value):,}"
    return value


@login_required
def request_detail(request, pk):
    output_request = _request_for(request.user, pk)
    project = output_request.project
    checker = is_output_checker(request.user, project)
    researcher = is_researcher_of(request.user, project)
    files = []
    for output in output_request.files.select_related("decided_by", "exception_first_approver"):
        files.append(
            {
                "obj": output,
                "table": table_for_display(output),
                "can_download": (output.is_released and can_download_released(request.user, project))
                or checker,
                "can_decide": checker
                and output.decision == OutputFile.Decision.PENDING
                and output_request.status == OutputRequest.Status.AWAITING_REVIEW
                and output.exception_first_approver_id != request.user.pk,
                "can_ask_exception": researcher
                and output.decision == OutputFile.Decision.PENDING
                and output.check_status != "pass",
                "reviews": output.reviews.select_related("checker"),
            }
        )
    return render(
        request,
        "outputs/request_detail.html",
        {
            "output_request": output_request,
            "project": project,
            "files": files,
            "is_checker": checker,
            "decision_form": DecisionForm(),
            "exception_form": ExceptionForm(),
        },
    )


@login_required
@require_POST
def file_decide(request, pk):
    output = _file_for(request.user, pk)
    if not is_output_checker(request.user, output.output_request.project):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.output_file_decide(
                output_file=output,
                action=form.cleaned_data["action"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            output.refresh_from_db()
            if output.decision == OutputFile.Decision.PENDING:
                messages.info(request, _("Exception approved: a second, different checker must confirm it."))
            else:
                messages.success(request, _("Decision recorded for %(name)s.") % {"name": output.name})
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("outputs:request_detail", pk=output.output_request_id)


@login_required
@require_POST
def file_exception(request, pk):
    output = _file_for(request.user, pk)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.output_file_request_exception(
                output_file=output, justification=form.cleaned_data["justification"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Your request for an exception was sent to the output checkers."))
    else:
        messages.error(request, _("Explain why an exception should be granted."))
    return redirect("outputs:request_detail", pk=output.output_request_id)


@login_required
def file_download(request, pk):
    output = _file_for(request.user, pk)
    services.output_file_download(output_file=output, actor=request.user)
    return FileResponse(output.file.open("rb"), as_attachment=True, filename=output.name)


# --- output checkers -----------------------------------------------------------------------------


@login_required
def checker_queue(request):
    if not is_output_checker(request.user):
        raise PermissionDenied
    now = timezone.now()
    queue = [{"obj": r, "waiting": now - r.waiting_since} for r in selectors.checker_queue(request.user)]
    decided = list(selectors.decided_requests(since=now - timedelta(days=90)))
    chart = selectors.turnaround_chart(decided)
    chart["datasets"][0]["label"] = _("Hours from submission to decision")
    return render(
        request,
        "outputs/checker_queue.html",
        {
            "queue": queue,
            "decided": decided,
            "chart": chart,
        },
    )


@login_required
def release_log(request):
    if not is_administrator(request.user):
        raise PermissionDenied
    entries = ReleaseLogEntry.objects.select_related("user", "project", "output_file")
    project = request.GET.get("project", "").strip()
    if project:
        entries = entries.filter(project__reference__icontains=project)
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["when", "who", "project", "file", "sha256", "released"])
        for e in entries:
            writer.writerow(
                [
                    e.at.isoformat(),
                    e.user.email,
                    e.project.reference,
                    e.file_name,
                    e.sha256,
                    "yes" if e.released else "no",
                ]
            )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="release-log.csv"'
        return response
    return render(request, "outputs/release_log.html", {"entries": entries[:500], "project": project})


# --- input checkers ------------------------------------------------------------------------------


@login_required
def input_queue(request):
    if not can_manage_inputs(request.user):
        raise PermissionDenied
    files = InputFile.objects.select_related("project", "uploaded_by")[:200]
    return render(
        request,
        "outputs/input_queue.html",
        {"projects": selectors.input_projects(request.user), "files": files},
    )


@login_required
def input_upload(request, pk):
    project = get_object_or_404(Project, pk=pk)
    if not can_manage_inputs(request.user, project):
        raise PermissionDenied
    form = InputUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.input_file_upload(
                project=project,
                actor=request.user,
                file=form.cleaned_data["file"],
                legal_basis=form.cleaned_data["legal_basis"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_error("file", _errors(exc))
        else:
            messages.success(request, _("The file was received; its checks are running."))
            return redirect("outputs:input_detail", pk=item.pk)
    return render(request, "outputs/input_form.html", {"project": project, "form": form})


@login_required
def input_detail(request, pk):
    item = get_object_or_404(InputFile.objects.select_related("project", "uploaded_by"), pk=pk)
    if not can_manage_inputs(request.user, item.project):
        raise Http404
    error = None
    if request.method == "POST" and request.POST.get("action") == "validate":
        treatment = {
            c["name"]: request.POST.get(f"treat-{i}", "keep")
            for i, c in enumerate(item.profile.get("columns", []))
        }
        try:
            services.input_file_validate(
                input_file=item,
                treatment=treatment,
                link_column=request.POST.get("link_column", ""),
                actor=request.user,
            )
        except ValidationError as exc:
            error = _errors(exc)
        else:
            messages.success(request, _("Validated: the file is being pseudonymised and delivered."))
            return redirect("outputs:input_detail", pk=item.pk)
    refuse_form = InputRefuseForm(request.POST if request.POST.get("action") == "refuse" else None)
    if request.method == "POST" and request.POST.get("action") == "refuse" and refuse_form.is_valid():
        try:
            services.input_file_refuse(
                input_file=item, reason=refuse_form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as exc:
            error = _errors(exc)
        else:
            messages.success(request, _("The file was refused."))
            return redirect("outputs:input_detail", pk=item.pk)
    kinds = {
        "name": _("personal name"),
        "national_id": _("national identification number"),
        "address": _("postal address"),
        "email": _("e-mail address"),
        "phone": _("telephone number"),
    }
    columns = [
        {
            **c,
            "index": i,
            "identifier": kinds.get(item.identifiers.get(c["name"], ""), ""),
            "treatment": (item.treatment or {}).get(c["name"], ""),
        }
        for i, c in enumerate(item.profile.get("columns", []))
    ]
    return render(
        request,
        "outputs/input_detail.html",
        {
            "item": item,
            "columns": columns,
            "error": error,
            "refuse_form": refuse_form,
            "treatments": [("keep", _("keep")), ("drop", _("remove")), ("pseudonymise", _("pseudonymise"))],
        },
    )
