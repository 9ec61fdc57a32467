"""Pages of the implementation phase: thin views (fetch and check access, a form, one service call).

A request the user may not see is a 404; an action they may not take on a request they see is a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ask4mdp.accounts.models import User
from requests_app.models import DataRequest, State

from . import services
from .forms import (
    AmendmentForm,
    BreachForm,
    ContractDetailsForm,
    DeliveryForm,
    DesktopStepForm,
    NoteForm,
    OpenProjectForm,
    RolesForm,
    SignatureForm,
)
from .models import Contract, ContractDetails, ContractSignature, Desktop, ImplementationTask, SignatureParty

DASHBOARD_STATES = [State.CONFIRMED, State.IMPLEMENTATION, State.FINALISED, State.ACTIVE]


def _get_request(request, pk: int) -> DataRequest:
    data_request = get_object_or_404(
        DataRequest.objects.select_related("researcher", "expert", "project"), pk=pk
    )
    if not services.can_view(request.user, data_request):
        raise Http404
    return data_request


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _nav(data_request: DataRequest, current: str) -> dict:
    return {"req": data_request, "current": current}


@login_required
def dashboard(request):
    """Every active implementation the user has a part in (all of them for administrators)."""
    user = request.user
    qs = DataRequest.objects.filter(state__in=DASHBOARD_STATES).select_related(
        "researcher", "expert", "project"
    )
    if not services.is_administrator(user):
        qs = qs.filter(Q(expert=user) | Q(role_assignments__user=user)).distinct()
    rows = []
    for data_request in qs.order_by("project__end", "-pk"):
        tasks = services.tasks_of(data_request)
        rows.append({"req": data_request, "tasks": [tasks.get(k) for k in ImplementationTask.Kind.values]})
    return render(
        request,
        "requests_app/implementation/dashboard.html",
        {"rows": rows, "kinds": ImplementationTask.Kind.choices},
    )


@login_required
def roles(request, pk: int):
    data_request = _get_request(request, pk)
    if not services.is_coordinator(request.user, data_request):
        raise PermissionDenied
    current = {}
    for a in data_request.role_assignments.all():
        current.setdefault(a.role, []).append(a.user_id)
    initial = {role: (pks[0] if role == "principal_extractor" else pks) for role, pks in current.items()}
    form = RolesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.roles_save(request=data_request, assignments=form.assignments(), actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The table of roles is saved; the people chosen are notified."))
            return redirect("requests_app:implementation_detail", pk=data_request.pk)
    editable = data_request.state in services.ROLES_EDITABLE_STATES
    return render(
        request,
        "requests_app/implementation/roles.html",
        {**_nav(data_request, "roles"), "form": form, "editable": editable},
    )


@login_required
def detail(request, pk: int):
    data_request = _get_request(request, pk)
    user = request.user
    tasks = services.tasks_of(data_request)
    project = data_request.project
    context = {
        **_nav(data_request, "detail"),
        "tasks": [tasks.get(k) for k in ImplementationTask.Kind.values],
        "kinds": ImplementationTask.Kind,
        "assignments": data_request.role_assignments.select_related("user").order_by(
            "role", "user__full_name"
        ),
        "is_coordinator": services.is_coordinator(user, data_request),
        "is_admin": services.is_administrator(user),
        "is_owner": user.pk == data_request.researcher_id,
        "contract": services.latest_contract(data_request),
        "project": project,
        "desktop": Desktop.objects.filter(project=project).first() if project else None,
        "breaches": project.breaches.all() if project else [],
        "amendment_pending": False,
    }
    if data_request.state == State.FINALISED and context["is_coordinator"]:
        today = timezone.localdate()
        start = max(data_request.start_date or today, today)
        context["open_form"] = OpenProjectForm(initial={"start": start, "end": data_request.end_date})
    if data_request.state == State.ACTIVE:
        if context["is_coordinator"] or context["is_owner"]:
            context["amend_form"] = AmendmentForm()
        latest = Contract.objects.filter(request=data_request).order_by("-number").first()
        context["amendment_pending"] = bool(latest and latest.request_version < data_request.version)
    return render(request, "requests_app/implementation/detail.html", context)


@login_required
@require_POST
def take(request, pk: int, kind: str):
    data_request = _get_request(request, pk)
    if kind not in ImplementationTask.Kind.values:
        raise Http404
    try:
        services.task_take(request=data_request, kind=kind, actor=request.user)
        messages.success(request, _("You own this task now."))
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("requests_app:implementation_detail", pk=data_request.pk)


@login_required
def desktop(request, pk: int):
    data_request = _get_request(request, pk)
    user = request.user
    may_act = services._has(user, data_request, "desktop_preparer")
    if not (may_act or services.is_coordinator(user, data_request)):
        raise PermissionDenied
    task = services.tasks_of(data_request).get(ImplementationTask.Kind.DESKTOP)
    if task is None:
        raise Http404
    failed_form = None
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        action = request.POST.get("action", "step")
        try:
            if action == "validate":
                services.desktop_validate(request=data_request, actor=user)
                messages.success(request, _("The desktop task is validated."))
                return redirect("requests_app:implementation_detail", pk=data_request.pk)
            if action == "confirm_removed":
                note_form = NoteForm(request.POST)
                if note_form.is_valid():
                    services.desktop_confirm_removed(
                        request=data_request, note=note_form.cleaned_data["note"], actor=user
                    )
                    messages.success(request, _("The removal of the desktop's access is recorded."))
                    return redirect("requests_app:implementation_desktop", pk=data_request.pk)
                failed_form = note_form
            else:
                form = DesktopStepForm(request.POST)
                if form.is_valid():
                    try:
                        services.desktop_step(
                            request=data_request,
                            item=form.cleaned_data["item"],
                            note=form.cleaned_data["note"],
                            actor=user,
                        )
                    except ValidationError as exc:
                        _apply_errors(form, exc)
                        failed_form = form
                    else:
                        messages.success(request, _("Step recorded."))
                        return redirect("requests_app:implementation_desktop", pk=data_request.pk)
                else:
                    failed_form = form
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        task.refresh_from_db()
    project = data_request.project
    desktop_obj = Desktop.objects.filter(project=project).first() if project else None
    items = []
    for key, label in services.DESKTOP_ITEMS:
        entry = (task.checklist or {}).get(key, {})
        form = (
            failed_form
            if (failed_form is not None and failed_form.data.get("item") == key)
            else DesktopStepForm(initial={"item": key}, prefix=None)
        )
        items.append({"key": key, "label": label, "entry": entry, "form": form})
    members = list(project.memberships.select_related("user")) if project else []
    return render(
        request,
        "requests_app/implementation/desktop.html",
        {
            **_nav(data_request, "desktop"),
            "task": task,
            "items": items,
            "may_act": may_act,
            "desktop": desktop_obj,
            "steps": desktop_obj.steps.select_related("performed_by") if desktop_obj else [],
            "members": members,
            "software": services.software_list(data_request),
            "inputs_validated": services.inputs_validated(project) if project else None,
            "provisioner": services.get_provisioner(),
            "removal_form": failed_form if isinstance(failed_form, NoteForm) else NoteForm(),
        },
    )


@login_required
def extraction(request, pk: int):
    data_request = _get_request(request, pk)
    user = request.user
    is_extractor = services._extractor(user, data_request)
    is_principal = services._has(user, data_request, "principal_extractor")
    if not (is_extractor or services.is_coordinator(user, data_request)):
        raise PermissionDenied
    task = services.tasks_of(data_request).get(ImplementationTask.Kind.EXTRACTION)
    if task is None:
        raise Http404
    delivery_form = DeliveryForm()
    if request.method == "POST":
        if not is_extractor:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "check":
                services.extraction_check(
                    request=data_request, keys=request.POST.getlist("variables"), actor=user
                )
                messages.success(request, _("The checklist is saved."))
                return redirect("requests_app:implementation_extraction", pk=data_request.pk)
            if action == "run":
                services.extraction_run(request=data_request, actor=user)
                messages.success(request, _("The extraction has started."))
                return redirect("requests_app:implementation_extraction", pk=data_request.pk)
            if action == "delivery":
                delivery_form = DeliveryForm(request.POST)
                if delivery_form.is_valid():
                    services.extraction_record_delivery(
                        request=data_request, note=delivery_form.cleaned_data["note"], actor=user
                    )
                    messages.success(request, _("The delivery is recorded."))
                    return redirect("requests_app:implementation_extraction", pk=data_request.pk)
            elif action == "validate":
                services.extraction_validate(request=data_request, actor=user)
                messages.success(request, _("The extraction task is validated."))
                return redirect("requests_app:implementation_detail", pk=data_request.pk)
        except ValidationError as exc:
            if action == "delivery":
                _apply_errors(delivery_form, exc)
            else:
                _errors_to_messages(request, exc)
        task.refresh_from_db()
    manifest = services.current_manifest(data_request)
    rows = services.extraction_checklist(manifest.data if manifest else None)
    for row in rows:
        row["checked"] = task.item_done(f"var:{row['key']}")
    run = services.extraction_of(task)
    project = data_request.project
    return render(
        request,
        "requests_app/implementation/extraction.html",
        {
            **_nav(data_request, "extraction"),
            "task": task,
            "rows": rows,
            "manifest": manifest,
            "changed_count": sum(1 for r in rows if r["differs_from_default"]),
            "is_extractor": is_extractor,
            "is_principal": is_principal,
            "delivery_form": delivery_form,
            "engine": services.extraction_engine_available(),
            "run": run,
            "delivered": (task.checklist or {}).get("delivered"),
            "files": services.delivery_files(project) if project else [],
        },
    )


@login_required
def contract(request, pk: int):
    data_request = _get_request(request, pk)
    user = request.user
    is_owner = user.pk == data_request.researcher_id
    details = ContractDetails.objects.filter(request=data_request).first()
    details_form = ContractDetailsForm(
        instance=details, initial=None if details else services.contract_details_initial(data_request)
    )
    signature_form = SignatureForm()
    latest = services.latest_contract(data_request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "details":
                if not is_owner:
                    raise PermissionDenied
                details_form = ContractDetailsForm(request.POST, instance=details)
                if details_form.is_valid():
                    try:
                        services.contract_details_save(
                            request=data_request, data=details_form.cleaned_data, actor=user
                        )
                    except ValidationError as exc:
                        _apply_errors(details_form, exc)
                    else:
                        messages.success(
                            request, _("The contract details are saved; the contract is being generated.")
                        )
                        return redirect("requests_app:implementation_contract", pk=data_request.pk)
            elif action == "generate":
                services.contract_generate(request=data_request, actor=user)
                messages.success(request, _("A new version of the contract is being generated."))
                return redirect("requests_app:implementation_contract", pk=data_request.pk)
            elif action == "sign":
                signature_form = SignatureForm(request.POST, request.FILES)
                if latest is None:
                    raise ValidationError(_("There is no contract to sign yet."))
                if signature_form.is_valid():
                    party = signature_form.cleaned_data["party"]
                    if not services.can_sign_for(user, data_request, party):
                        raise PermissionDenied
                    upload = signature_form.cleaned_data["file"]
                    try:
                        services.signature_upload(
                            contract=latest,
                            party=party,
                            signer_name=signature_form.cleaned_data["signer_name"],
                            content=upload.read(),
                            actor=user,
                        )
                    except ValidationError as exc:
                        _apply_errors(signature_form, exc)
                    else:
                        messages.success(request, _("The signed copy is stored."))
                        return redirect("requests_app:implementation_contract", pk=data_request.pk)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
    contracts = list(
        Contract.objects.filter(request=data_request).order_by("-number").prefetch_related("signatures")
    )
    parties = []
    if latest is not None:
        signed = {s.party: s for s in latest.signatures.all()}
        parties = [
            {
                "value": v,
                "label": label,
                "signature": signed.get(v),
                "may_sign": services.can_sign_for(user, data_request, v),
            }
            for v, label in SignatureParty.choices
        ]
    signature_form.fields["party"].choices = [
        (p["value"], p["label"]) for p in parties if p["may_sign"] and not p["signature"]
    ]
    return render(
        request,
        "requests_app/implementation/contract.html",
        {
            **_nav(data_request, "contract"),
            "details": details,
            "details_form": details_form,
            "is_owner": is_owner,
            "is_coordinator": services.is_coordinator(user, data_request),
            "contracts": contracts,
            "latest": latest,
            "parties": parties,
            "signature_form": signature_form,
            "may_edit_details": is_owner
            and data_request.state in (State.IMPLEMENTATION, State.FINALISED, State.ACTIVE),
            "task": services.tasks_of(data_request).get(ImplementationTask.Kind.CONTRACT),
        },
    )


@login_required
def contract_download(request, pk: int, number: int, fmt: str):
    data_request = _get_request(request, pk)
    contract_obj = get_object_or_404(Contract, request=data_request, number=number)
    field = {"docx": contract_obj.docx, "pdf": contract_obj.pdf}.get(fmt)
    if not field:
        raise Http404
    return FileResponse(
        field.open("rb"), as_attachment=True, filename=f"{data_request.reference}-contract-{number}.{fmt}"
    )


@login_required
def signature_download(request, pk: int, number: int, party: str):
    data_request = _get_request(request, pk)
    signature = get_object_or_404(
        ContractSignature, contract__request=data_request, contract__number=number, party=party
    )
    return FileResponse(
        signature.file.open("rb"),
        as_attachment=True,
        filename=f"{data_request.reference}-contract-{number}-signed-{party}.pdf",
    )


@login_required
@require_POST
def open_project(request, pk: int):
    data_request = _get_request(request, pk)
    if not services.is_coordinator(request.user, data_request):
        raise PermissionDenied
    form = OpenProjectForm(request.POST)
    if form.is_valid():
        try:
            services.project_open(
                request=data_request,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                actor=request.user,
            )
            messages.success(request, _("The project is open."))
        except ValidationError as exc:
            _errors_to_messages(request, exc)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("requests_app:implementation_detail", pk=data_request.pk)


@login_required
@require_POST
def amend(request, pk: int):
    data_request = _get_request(request, pk)
    if not (
        request.user.pk == data_request.researcher_id or services.is_coordinator(request.user, data_request)
    ):
        raise PermissionDenied
    action = request.POST.get("action", "start")
    try:
        if action == "apply":
            if not services.is_coordinator(request.user, data_request):
                raise PermissionDenied
            services.amendment_confirmed(request=data_request, actor=request.user)
            messages.success(request, _("The amendment is applied: the contract is being regenerated."))
        else:
            form = AmendmentForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["reason"])
            services.amendment_start(
                request=data_request, reason=form.cleaned_data["reason"], actor=request.user
            )
            messages.success(
                request, _("The amendment has started: a new version of the request is processed.")
            )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("requests_app:implementation_detail", pk=data_request.pk)


@login_required
def breach(request, pk: int):
    data_request = _get_request(request, pk)
    if not services.is_administrator(request.user):
        raise PermissionDenied
    team = User.objects.filter(pk__in=[u.pk for u in services.researchers_of(data_request)]).order_by(
        "full_name"
    )
    form = BreachForm(request.POST or None, team=team)
    possible = data_request.state in services.IMPLEMENTATION_STATES
    if request.method == "POST" and possible and form.is_valid():
        try:
            services.breach_record(
                request=data_request,
                description=form.cleaned_data["description"],
                persons=list(form.cleaned_data["persons"]),
                exclusion_years=form.cleaned_data["exclusion_years"],
                withdraw_organisation_until=form.cleaned_data["withdraw_organisation_until"],
                actor=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.warning(request, _("The project is revoked for the whole team and the breach recorded."))
            return redirect("requests_app:implementation_detail", pk=data_request.pk)
    return render(
        request,
        "requests_app/implementation/breach.html",
        {**_nav(data_request, "breach"), "form": form, "possible": possible},
    )
