"""Writes for output checking, the release log, API tokens and input checking.

Each service is one durable transaction that checks permission, changes state, writes the audit event
and schedules side effects (worker tasks, e-mails) on commit. The checks themselves run in the worker.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import partial
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ask4mdp.accounts.roles import Role
from ask4mdp.accounts.selectors import users_with_role
from ask4mdp.audit.services import log_event
from ask4mdp.notifications.services import notify
from ask4mdp.ui.translation import SEPARATOR, Message, english, store, stored

from . import inputs as input_checks
from .models import (
    ApiToken,
    CheckStatus,
    InputFile,
    OutputFile,
    OutputRequest,
    ReleasedTable,
    ReleaseLogEntry,
    Review,
)
from .permissions import (
    can_download_released,
    can_manage_inputs,
    can_submit_outputs,
    is_output_checker,
    is_researcher_of,
)

OUTPUT_EXTENSIONS = {
    OutputFile.Kind.TABLE: {".csv", ".xlsx"},
    OutputFile.Kind.FIGURE: {".png", ".jpg", ".jpeg", ".pdf"},
    OutputFile.Kind.REGRESSION: {".csv", ".xlsx", ".txt", ".html"},
    OutputFile.Kind.DOCUMENT: {".pdf", ".txt", ".md", ".docx", ".csv", ".xlsx", ".html", ".json", ".parquet"},
}
SUPPORTING_TABLE_EXTENSIONS = {".csv", ".xlsx"}


def _max_output_size() -> int:
    return getattr(settings, "OUTPUTS_MAX_FILE_SIZE", 20 * 1024 * 1024)


def _max_input_size() -> int:
    return getattr(settings, "INPUTS_MAX_FILE_SIZE", 500 * 1024 * 1024)


def _sha256_file(f) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    if hasattr(f, "seek"):
        f.seek(0)
    for chunk in f.chunks() if hasattr(f, "chunks") else iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    if hasattr(f, "seek"):
        f.seek(0)
    return digest.hexdigest(), size


def _as_file(obj) -> File:
    if isinstance(obj, File):
        return obj
    if isinstance(obj, (str, Path)):
        path = Path(obj)
        return File(path.open("rb"), name=path.name)
    raise TypeError(f"not a file: {obj!r}")


def _url(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs)


def _checkers(project):
    return list(users_with_role(Role.OUTPUT_CHECKER))


def _team(project):
    return [m.user for m in project.memberships.select_related("user").filter(access_removed_at=None)]


# --- output requests -----------------------------------------------------------------------------


def _validate_output_file(kind: str, file: File, supporting_table) -> None:
    name = PurePosixPath(file.name or "").name
    suffix = Path(name).suffix.lower()
    if kind not in OUTPUT_EXTENSIONS:
        raise ValidationError(_("Unknown kind of output: %(kind)s") % {"kind": kind})
    if suffix not in OUTPUT_EXTENSIONS[kind]:
        raise ValidationError(
            _("%(name)s: files of type %(suffix)s are not accepted as %(kind)s (allowed: %(allowed)s).")
            % {
                "name": name,
                "suffix": suffix or "?",
                "kind": OutputFile.Kind(kind).label,
                "allowed": ", ".join(sorted(OUTPUT_EXTENSIONS[kind])),
            }
        )
    if file.size is not None and file.size > _max_output_size():
        raise ValidationError(
            _("%(name)s is larger than the limit of %(limit)s MB.")
            % {"name": name, "limit": _max_output_size() // (1024 * 1024)}
        )
    if kind == OutputFile.Kind.FIGURE:
        if supporting_table is None:
            raise ValidationError(_("%(name)s: a figure needs the table behind it.") % {"name": name})
        if Path(supporting_table.name).suffix.lower() not in SUPPORTING_TABLE_EXTENSIONS:
            raise ValidationError(_("The table behind a figure must be a CSV or XLSX file."))


def output_request_create(
    *, project, actor, title: str, description: str, files=(), acro_bundle=None, via_api: bool = False
) -> OutputRequest:
    """A researcher of an active project asks to take files out of the desktop.

    ``files`` is a list of dicts ``{"file": File | path, "kind": "table"|"figure"|"regression"|"document",
    "spec": dict | None, "supporting_table": File | path | None}`` (a bare File or path is a document);
    ``acro_bundle`` is a zip of the folder that ``acro.finalise()`` wrote. Must be called outside any
    other transaction. The checks run in the worker once the request is committed.
    """
    from .sdc.acro_bundle import BundleError, read_bundle
    from .sdc.spec import SpecError, validate_spec
    from .tasks import run_output_checks

    if not can_submit_outputs(actor, project):
        raise PermissionDenied(_("Only the researchers of an active project can submit outputs."))
    if not (title or "").strip():
        raise ValidationError(_("Give the output request a title."))
    if not (description or "").strip():
        raise ValidationError(_("Describe the outputs and what they are for."))
    items = []
    for item in files:
        if not isinstance(item, dict):
            item = {"file": item, "kind": OutputFile.Kind.DOCUMENT}
        file = _as_file(item["file"])
        kind = item.get("kind") or OutputFile.Kind.TABLE
        support = _as_file(item["supporting_table"]) if item.get("supporting_table") else None
        _validate_output_file(kind, file, support)
        spec = item.get("spec") or None
        if spec is not None:
            try:
                spec = validate_spec(spec)
            except SpecError as exc:
                raise ValidationError(
                    _("%(name)s: invalid spec: %(error)s")
                    % {"name": PurePosixPath(file.name).name, "error": exc}
                ) from exc
        items.append((kind, file, support, spec))
    bundle_outputs = []
    if acro_bundle is not None:
        bundle_file = _as_file(acro_bundle)
        if bundle_file.size is not None and bundle_file.size > _max_output_size() * 5:
            raise ValidationError(_("The ACRO bundle is too large."))
        bundle_file.seek(0)
        try:
            bundle_outputs, _config = read_bundle(bundle_file.read())
        except BundleError as exc:
            raise ValidationError(_("ACRO bundle refused: %(error)s") % {"error": exc}) from exc
    if not items and not bundle_outputs:
        raise ValidationError(_("Attach at least one file or an ACRO bundle."))

    with transaction.atomic(durable=True):
        request = OutputRequest.objects.create(
            project=project,
            created_by=actor,
            title=title.strip()[:200],
            description=description.strip(),
            via_api=via_api,
        )
        for kind, file, support, spec in items:
            sha, size = _sha256_file(file)
            output = OutputFile(
                output_request=request,
                kind=kind,
                name=PurePosixPath(file.name).name,
                sha256=sha,
                size=size,
                spec=spec,
            )
            output.file.save(output.name, file, save=False)
            if support is not None:
                output.supporting_table.save(PurePosixPath(support.name).name, support, save=False)
            output.save()
        for bundle_output in bundle_outputs:
            for bundle_file in bundle_output.files:
                output = OutputFile(
                    output_request=request,
                    kind=OutputFile.Kind.ACRO,
                    name=bundle_file.name,
                    sha256=bundle_file.sha256,
                    size=len(bundle_file.content),
                    acro_record={**bundle_output.record(), "checksum_ok": bundle_file.checksum_ok},
                    exception_justification=bundle_output.exception,
                    exception_requested_at=timezone.now() if bundle_output.exception else None,
                )
                output.file.save(bundle_file.name, ContentFile(bundle_file.content), save=False)
                output.save()
        log_event(
            "outputs.request_submitted",
            actor=actor,
            obj=request,
            data={
                "project": project.reference,
                "files": [f.name for f in request.files.all()],
                "via_api": via_api,
                "acro_bundle": acro_bundle is not None,
            },
        )
        transaction.on_commit(partial(run_output_checks.delay, output_request_id=request.pk))
    return request


def _check_one(output: OutputFile, project) -> tuple[str, dict]:
    """Run the disclosure checks for one file; returns (status, result).

    The result is read later by the researcher and the checkers: its texts are stored with
    ``translation.store``, to be shown in each reader's language.
    """
    from .sdc import SDCParams, SpecError, run_spec
    from .sdc.acro_bundle import flagged_cells
    from .sdc.differencing import TableCounts, counts_from_result, find_differencing
    from .sdc.result import summary_message

    params = SDCParams.from_settings()
    if output.kind == OutputFile.Kind.ACRO:
        record = output.acro_record or {}
        acro_status = status = record.get("status", "review")
        notes = []
        if record.get("checksum_ok") is False:
            notes.append(
                Message(gettext_noop("the file's checksum does not match the one ACRO wrote: review it"))
            )
            status = "fail" if status == "fail" else "review"
        result = {
            "status": acro_status,
            "source": "acro",
            "cells": flagged_cells(record.get("outcome")),
            "command": record.get("command", ""),
            "acro_type": record.get("type", ""),
            **store(summary=record.get("summary", ""), notes=notes),  # ACRO's summary is ACRO's own text
        }
        return status, result
    if not output.spec:
        note = Message(
            gettext_noop("no spec or ACRO record: the checker checks this output by hand")
            if output.kind != OutputFile.Kind.DOCUMENT
            else gettext_noop("document: the checker reads it")
        )
        summary = summary_message("review", [note])
        return "review", {"status": "review", "source": "manual", "cells": [], **store(summary=summary, notes=[note])}
    try:
        checked = run_spec(output.spec, base_dir=Path(project.delivery_dir), params=params, confine=True)
    except SpecError as exc:
        summary = Message(gettext_noop("the spec could not be checked: %(error)s"), error=exc.message)
        return "error", {
            "status": "error",
            "source": "spec",
            "cells": [],
            **store(summary=summary, notes=[exc.message]),
        }
    table = checked.table
    findings = []
    if table and table.get("counts"):
        from .selectors import released_tables_for

        definition = checked.definition
        variables = definition.get("index", []) + definition.get("columns", [])
        new = TableCounts(
            name=output.name, variables=variables, population=definition, cells=counts_from_result(table)
        )
        released = [
            TableCounts(
                name=r.output_file.name,
                variables=r.definition.get("index", []) + r.definition.get("columns", []),
                population=r.definition,
                cells=[tuple(c) for c in r.counts],
            )
            for r in released_tables_for(project, definition["data_sha256"])
        ]
        findings = find_differencing(new, released, params.safe_threshold)
    if findings:
        checked.checks["differencing"] = len(findings)
        checked.notes += [f["message"] for f in findings]
        if checked.status == "pass":
            checked.status = "review"
        checked.details.append(
            Message(gettext_noop("differencing: %(count)s cells revealed by released outputs"), count=len(findings))
        )
    result = checked.as_dict()
    result["source"] = "spec"
    if findings:
        result["differencing"] = [{**f, **store(message=f["message"])} for f in findings]
    return checked.status, result


def output_checks_run(*, output_request_id: int) -> OutputRequest:
    """The worker checks every file of a request, then hands it to the checkers."""
    request = OutputRequest.objects.select_related("project").get(pk=output_request_id)
    if request.status != OutputRequest.Status.CHECKING:
        return request
    outcomes = {}
    for output in request.files.filter(check_status=CheckStatus.PENDING):
        try:
            outcomes[output.pk] = _check_one(output, request.project)
        except Exception as exc:  # a checker must see a file that could not be checked, not a lost request
            outcomes[output.pk] = (
                "error",
                {
                    "status": "error",
                    "cells": [],
                    **store(
                        summary=Message(gettext_noop("internal error: %(error)s"), error=exc.__class__.__name__),
                        notes=[],
                    ),
                },
            )
    with transaction.atomic(durable=True):
        request = OutputRequest.objects.select_for_update().get(pk=output_request_id)
        if request.status != OutputRequest.Status.CHECKING:
            return request
        from .sdc import SDCParams

        parameters = SDCParams.from_settings().as_dict()
        for output in request.files.all():
            if output.pk in outcomes:
                status, result = outcomes[output.pk]
                output.check_status, output.check_result = status, result
                output.parameters = result.get("parameters") or parameters
                output.save(update_fields=["check_status", "check_result", "parameters"])
        request.checks_done()
        request.save()
        log_event(
            "outputs.request_checked",
            actor=None,
            obj=request,
            data={str(f.pk): f.check_status for f in request.files.all()},
        )
        url = _url("outputs:request_detail", pk=request.pk)
        notify(
            recipients=_checkers(request.project),
            event="outputs_to_check",
            context={"output_request": request, "project": request.project},
            url=url,
        )
        notify(
            recipients=[request.created_by],
            event="outputs_checked",
            context={"output_request": request, "project": request.project},
            url=url,
        )
    return request


def _lock_file(output_file) -> OutputFile:
    return (
        OutputFile.objects.select_for_update()
        .select_related("output_request__project")
        .get(pk=output_file.pk)
    )


def output_file_request_exception(*, output_file, justification: str, actor) -> OutputFile:
    """The researcher asks the checkers to release a file the rules flag, and says why."""
    project = output_file.output_request.project
    if not is_researcher_of(actor, project):
        raise PermissionDenied
    if not (justification or "").strip():
        raise ValidationError(_("Explain why an exception should be granted."))
    with transaction.atomic(durable=True):
        output = _lock_file(output_file)
        if output.decision != OutputFile.Decision.PENDING:
            raise ValidationError(_("This file has already been decided."))
        output.exception_justification = justification.strip()
        output.exception_requested_at = timezone.now()
        output.exception_first_approver = None
        output.save(
            update_fields=["exception_justification", "exception_requested_at", "exception_first_approver"]
        )
        log_event(
            "outputs.exception_requested",
            actor=actor,
            obj=output,
            data={"output_request": output.output_request_id},
        )
        notify(
            recipients=_checkers(project),
            event="outputs_exception_requested",
            context={"output_request": output.output_request, "output_file": output, "project": project},
            url=_url("outputs:request_detail", pk=output.output_request_id),
        )
    return output


def output_file_decide(*, output_file, action: str, comment: str = "", actor) -> OutputFile:
    """An output checker approves, rejects or asks for changes to one file.

    Approving a file that fails the rules is an exception: the researcher must have asked for it, and
    a second, different checker must confirm it (four eyes).
    """
    project = output_file.output_request.project
    if not is_output_checker(actor, project):
        raise PermissionDenied
    if action not in ("approve", "reject", "changes"):
        raise ValidationError(_("Unknown decision."))
    comment = (comment or "").strip()
    if action in ("reject", "changes") and not comment:
        raise ValidationError(_("Say why in a comment: the researcher will read it."))
    with transaction.atomic(durable=True):
        output = _lock_file(output_file)
        request = OutputRequest.objects.select_for_update().get(pk=output.output_request_id)
        if request.status != OutputRequest.Status.AWAITING_REVIEW:
            raise ValidationError(_("This request is not waiting for a checker."))
        if output.decision != OutputFile.Decision.PENDING:
            raise ValidationError(_("This file has already been decided."))
        now = timezone.now()
        event = {
            "approve": "outputs.file_released",
            "reject": "outputs.file_refused",
            "changes": "outputs.file_changes_requested",
        }[action]
        if action == "approve" and output.needs_exception:
            if not output.exception_justification:
                raise ValidationError(
                    _(
                        "This file fails the rules: it can only be released as an exception "
                        "that the researcher asks for."
                    )
                )
            if output.exception_first_approver_id is None:
                output.exception_first_approver = actor
                output.save(update_fields=["exception_first_approver"])
                Review.objects.create(
                    output_file=output, checker=actor, action="exception_approved", comment=comment
                )
                log_event(
                    "outputs.exception_first_approval", actor=actor, obj=output, data={"comment": comment}
                )
                return output
            if output.exception_first_approver_id == actor.pk:
                raise PermissionDenied(_("A second, different checker must confirm the exception."))
            event = "outputs.exception_confirmed_and_released"
        decision = {
            "approve": OutputFile.Decision.APPROVED,
            "reject": OutputFile.Decision.REJECTED,
            "changes": OutputFile.Decision.CHANGES,
        }[action]
        output.decision, output.decision_comment, output.decided_by, output.decided_at = (
            decision,
            comment,
            actor,
            now,
        )
        output.save(update_fields=["decision", "decision_comment", "decided_by", "decided_at"])
        Review.objects.create(output_file=output, checker=actor, action=action, comment=comment)
        if decision == OutputFile.Decision.APPROVED:
            _remember_released_table(output, project)
        log_event(
            event,
            actor=actor,
            obj=output,
            data={"output_request": request.pk, "comment": comment, "check_status": output.check_status},
        )
        if not request.files.filter(decision=OutputFile.Decision.PENDING).exists():
            request.close()
            request.save()
            log_event(
                "outputs.request_decided",
                actor=actor,
                obj=request,
                data={str(f.pk): f.decision for f in request.files.all()},
            )
            notify(
                recipients=[request.created_by],
                event="outputs_decided",
                context={"output_request": request, "project": project},
                url=_url("outputs:request_detail", pk=request.pk),
            )
    return output


def _remember_released_table(output: OutputFile, project) -> None:
    result = output.check_result or {}
    table, definition = result.get("table"), result.get("definition") or {}
    if not table or not table.get("counts") or not definition.get("data_sha256"):
        return
    from .sdc.differencing import counts_from_result

    ReleasedTable.objects.create(
        project=project,
        output_file=output,
        data_sha256=definition["data_sha256"],
        definition=definition,
        counts=[list(c) for c in counts_from_result(table)],
    )


def output_file_download(*, output_file, actor) -> ReleaseLogEntry:
    """Record a download: the project's researchers get released files, checkers any file."""
    project = output_file.output_request.project
    released = output_file.is_released
    if released and can_download_released(actor, project) or is_output_checker(actor, project):
        pass
    else:
        raise PermissionDenied
    with transaction.atomic(durable=True):
        entry = ReleaseLogEntry.objects.create(
            output_file=output_file,
            project=project,
            user=actor,
            file_name=output_file.name,
            sha256=output_file.sha256,
            released=released,
        )
        log_event(
            "outputs.file_downloaded",
            actor=actor,
            obj=output_file,
            data={"sha256": output_file.sha256, "released": released},
        )
    return entry


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "a4o_"  # noqa: S105 (a public prefix that makes tokens recognisable, not a secret)


def api_token_create(*, project, actor, name: str = "", days: int = 30) -> tuple[ApiToken, str]:
    """A token for one researcher on one project; the raw value is returned once and never stored."""
    if not can_submit_outputs(actor, project):
        raise PermissionDenied
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=max(1, min(int(days), 365)))
    if project.end:
        end_of_project = timezone.make_aware(
            timezone.datetime.combine(project.end, timezone.datetime.max.time())
        )
        expires = min(expires, end_of_project)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            project=project,
            user=actor,
            name=name[:100],
            prefix=raw[:12],
            token_hash=hashlib.sha256(raw.encode()).hexdigest(),
            expires_at=expires,
        )
        log_event(
            "outputs.api_token_created",
            actor=actor,
            obj=project,
            data={"token_prefix": token.prefix, "expires_at": expires.isoformat()},
        )
    return token, raw


def api_token_revoke(*, token, actor) -> ApiToken:
    if token.user_id != actor.pk and not is_researcher_of(actor, token.project):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
        log_event("outputs.api_token_revoked", actor=actor, obj=token.project, data={"prefix": token.prefix})
    token.refresh_from_db()
    return token


def tokens_revoke_for_project(project, actor=None) -> int:
    """Revoke every API token of the project (its end or a breach). Safe inside another transaction."""
    with transaction.atomic():
        count = ApiToken.objects.filter(project=project, revoked_at=None).update(revoked_at=timezone.now())
        if count:
            log_event("outputs.api_tokens_revoked", actor=actor, obj=project, data={"count": count})
    return count


# --- input checking ------------------------------------------------------------------------------


def input_file_upload(*, project, actor, file, legal_basis: str, description: str = "") -> InputFile:
    """An input checker or administrator brings an external file for the project; checks follow."""
    from .tasks import run_input_checks

    if not can_manage_inputs(actor, project):
        raise PermissionDenied
    file = _as_file(file)
    if not (legal_basis or "").strip():
        raise ValidationError(_("Record the legal basis for this file."))
    try:
        kind = input_checks.file_type(file.name)
        if file.size is not None and file.size > _max_input_size():
            raise input_checks.InputError(
                gettext_noop("The file is larger than the limit of %(limit)s MB."),
                limit=_max_input_size() // (1024 * 1024),
            )
        if not file.size:
            raise input_checks.InputError(gettext_noop("The file is empty."))
        file.seek(0)
        input_checks.sniff(kind, file.read(8192))
        file.seek(0)
    except input_checks.InputError as exc:
        raise ValidationError(str(exc)) from exc
    sha, size = _sha256_file(file)
    with transaction.atomic(durable=True):
        item = InputFile(
            project=project,
            uploaded_by=actor,
            original_name=PurePosixPath(file.name).name,
            legal_basis=legal_basis.strip(),
            description=(description or "").strip(),
            size=size,
            sha256=sha,
            file_type=kind,
        )
        item.file.save(item.original_name, file, save=False)
        item.save()
        log_event(
            "inputs.file_uploaded",
            actor=actor,
            obj=item,
            data={"project": project.reference, "sha256": sha, "size": size, "legal_basis": item.legal_basis},
        )
        transaction.on_commit(partial(run_input_checks.delay, input_file_id=item.pk))
    return item


def input_file_check(*, input_file_id: int) -> InputFile:
    """The worker reads the file, profiles it and looks for direct identifiers.

    A refused file's problems are stored translatable (``InputFile.refusal_text`` shows them in the
    reader's language); ``refusal_reason`` keeps them in English, as the audit log does.
    """
    item = InputFile.objects.get(pk=input_file_id)
    problems, profile, identifiers = [], {}, {}
    try:
        df = input_checks.read_input(Path(item.file.path), item.file_type)
        if df.empty or not len(df.columns):
            raise input_checks.InputError(gettext_noop("the file has no rows or no columns"))
        profile = input_checks.profile(df)
        identifiers = input_checks.detect_identifiers(df)
        for column in profile["columns"]:  # never show an identifier's values, not even its range
            if column["name"] in identifiers:
                column.pop("min", None)
                column.pop("max", None)
    except input_checks.InputError as exc:
        problems.append(exc.message)
    with transaction.atomic(durable=True):
        item = InputFile.objects.select_for_update().get(pk=input_file_id)
        if item.status != InputFile.Status.UPLOADED:
            return item
        item.profile, item.identifiers, item.problems = profile, identifiers, stored(problems)
        item.status = InputFile.Status.REFUSED if problems else InputFile.Status.CHECKED
        item.refusal_reason = SEPARATOR.join(english(problems))
        item.checked_at = timezone.now()
        item.save()
        log_event(
            "inputs.file_checked",
            actor=None,
            obj=item,
            data={
                "status": item.status,
                "identifiers": identifiers,
                "problems": english(problems),
                "rows": profile.get("rows"),
            },
        )
    return item


TREATMENTS = ("keep", "drop", "pseudonymise", "link")


def input_file_validate(*, input_file, treatment: dict, link_column: str = "", actor) -> InputFile:
    """The checker decides, column by column: every direct identifier is dropped or pseudonymised, and
    the linking identifier is pseudonymised with the project's key; the worker then delivers the file.
    """
    from .tasks import deliver_input_file

    project = input_file.project
    if not can_manage_inputs(actor, project):
        raise PermissionDenied
    columns = [c["name"] for c in (input_file.profile or {}).get("columns", [])]
    treatment = {str(k): v for k, v in (treatment or {}).items() if v in TREATMENTS}
    if link_column:
        if link_column not in columns:
            raise ValidationError(_("The linking identifier must be one of the file's columns."))
        treatment[link_column] = "link"
    untreated = [c for c in input_file.identifiers if treatment.get(c, "keep") == "keep"]
    if untreated:
        raise ValidationError(
            _("Direct identifiers must be removed or pseudonymised: %(columns)s")
            % {"columns": ", ".join(untreated)}
        )
    with transaction.atomic(durable=True):
        item = InputFile.objects.select_for_update().get(pk=input_file.pk)
        if item.status != InputFile.Status.CHECKED:
            raise ValidationError(_("Only a checked file can be validated."))
        item.treatment, item.link_column, item.status = treatment, link_column, InputFile.Status.VALIDATING
        item.validated_by = actor
        item.save(update_fields=["treatment", "link_column", "status", "validated_by"])
        log_event("inputs.validation_requested", actor=actor, obj=item, data={"treatment": treatment})
        transaction.on_commit(partial(deliver_input_file.delay, input_file_id=item.pk))
    return item


def input_file_refuse(*, input_file, reason: str, actor) -> InputFile:
    if not can_manage_inputs(actor, input_file.project):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError(_("Say why the file is refused."))
    with transaction.atomic(durable=True):
        item = InputFile.objects.select_for_update().get(pk=input_file.pk)
        if item.status not in (InputFile.Status.UPLOADED, InputFile.Status.CHECKED):
            raise ValidationError(_("This file can no longer be refused."))
        item.status, item.refusal_reason = InputFile.Status.REFUSED, reason.strip()
        item.save(update_fields=["status", "refusal_reason"])
        log_event("inputs.file_refused", actor=actor, obj=item, data={"reason": item.refusal_reason})
    return item


def input_file_deliver(*, input_file_id: int) -> InputFile:
    """(Extraction worker) drop, pseudonymise, and write the file into the project's delivery folder."""
    from pseudonym.services import pseudonymise_values

    item = InputFile.objects.select_related("project").get(pk=input_file_id)
    if item.status != InputFile.Status.VALIDATING:
        return item
    project = item.project
    df = input_checks.read_input(Path(item.file.path), item.file_type)
    for column, action in item.treatment.items():
        if column not in df.columns:
            continue
        if action == "drop":
            df = df.drop(columns=[column])
        elif action in ("pseudonymise", "link"):
            domain = "person" if action == "link" else "external"
            values = df[column].astype("string")
            mapping = pseudonymise_values(
                project=project, domain=domain, values=values.dropna().unique(), stage=1
            )
            df[column] = values.map(mapping).astype("string")
    target_dir = Path(project.delivery_dir) / "external"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / (Path(item.original_name).stem + ".parquet")
    df.columns = [str(c) for c in df.columns]
    df = df.astype({c: "string" for c in df.columns if df[c].dtype == object})
    df.to_parquet(target, index=False)
    with target.open("rb") as handle:
        sha, _size = _sha256_file(handle)
    with transaction.atomic(durable=True):
        item = InputFile.objects.select_for_update().get(pk=input_file_id)
        item.status, item.delivered_path, item.delivered_sha256 = InputFile.Status.VALIDATED, str(target), sha
        item.validated_at = timezone.now()
        item.save(update_fields=["status", "delivered_path", "delivered_sha256", "validated_at"])
        log_event(
            "inputs.file_delivered",
            actor=item.validated_by,
            obj=item,
            data={"path": str(target), "sha256": sha, "rows": int(len(df)), "treatment": item.treatment},
        )
    return item
