"""Views of the request life cycle: fetch the request *and* check access, one form, one service call.

A request a user may not see is a 404 (``selectors.get_visible_request``); one they may see but not
act on is a 403. When a service reports that someone else acted first (``RequestChanged``), the
page is rendered again with the user's bound form and the message (HTTP 409): nothing typed is lost.
"""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ask4mdp.accounts.roles import Role
from dictionary.models import Padlock, Register, Variable

from . import forms, selectors, services, validation
from .models import (
    DOCUMENT_SECTIONS,
    ArchivedDocument,
    DataRequest,
    Manifest,
    RequestVariable,
    RequestVersion,
    State,
)
from .timeinstate import clock_days, time_in_states

STEPS = [
    ("project", _("Project")),
    ("eligibility", _("Eligibility")),
    ("team", _("Team, external data, software")),
    ("variables", _("Variables")),
]


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not (request.user.is_superuser or request.user.has_role(*roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _owner_editing(req: DataRequest, user) -> None:
    if req.researcher_id != user.pk:
        raise PermissionDenied
    if not req.is_editable_by_researcher:
        raise PermissionDenied


def _context(req: DataRequest, user, **extra) -> dict:
    return {"req": req, "steps": STEPS, "is_owner": req.researcher_id == user.pk, **extra}


# --- researcher ---------------------------------------------------------------------------------


@login_required
def dashboard(request):
    qs = selectors.researcher_requests(request.user).order_by("-updated_at")
    return render(request, "requests_app/dashboard.html", {"requests": qs, "form": forms.CreateForm()})


@role_required(Role.RESEARCHER)
def create(request):
    form = forms.CreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        req = services.request_create(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Request %(ref)s created: fill in each step, and save as you go.") % {"ref": req.reference},
        )
        return redirect("requests_app:edit", pk=req.pk, step="project")
    return render(request, "requests_app/create.html", {"form": form})


@login_required
def edit(request, pk: int, step: str):
    req = selectors.get_visible_request(request.user, pk)
    _owner_editing(req, request.user)
    if step == "variables":
        return redirect("requests_app:variables", pk=pk)
    if step not in forms.STEP_FORMS:
        raise Http404
    form_class = forms.STEP_FORMS[step]
    kwargs = {"instance": req}
    if step == "team":
        kwargs["researcher"] = req.researcher
    form = form_class(request.POST or None, **kwargs)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.request_save_step(request=req, step=step, data=data, actor=request.user)
            except services.RequestChanged as exc:
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                if "continue" in request.POST:
                    keys = [k for k, _label in STEPS]
                    return redirect("requests_app:edit", pk=pk, step=keys[keys.index(step) + 1])
                return redirect("requests_app:edit", pk=pk, step=step)
        else:
            status = 422 if request.headers.get("HX-Request") else 200
    return render(
        request,
        "requests_app/edit.html",
        _context(req, request.user, form=form, step=step, problems=validation.problems(req)),
        status=status,
    )


def _picker_results(request):
    from django.db.models import Q

    query = (request.GET.get("q") or "").strip()
    register = request.GET.get("register") or None
    try:
        from dictionary.selectors import search_variables

        qs = search_variables(query=query, register=register)
    except ImportError:  # the dictionary helper's selector is not there yet
        qs = (
            Variable.objects.active().select_related("register").prefetch_related("granularities__modalities")
        )
        if register:
            qs = qs.filter(register__code=register)
        if query:
            qs = qs.filter(
                Q(name__icontains=query) | Q(label__icontains=query) | Q(label_fr__icontains=query)
            )
    return Paginator(qs, 25).get_page(request.GET.get("page"))


@login_required
def variables(request, pk: int):
    """The variable picker (screenshot 2): browse or search the dictionary by register."""
    req = selectors.get_visible_request(request.user, pk)
    _owner_editing(req, request.user)
    page = _picker_results(request)
    chosen = req.variables.select_related("variable__register", "granularity")
    ctx = _context(
        req,
        request.user,
        step="variables",
        page=page,
        chosen=chosen,
        chosen_ids=set(chosen.values_list("variable_id", flat=True)),
        registers=Register.objects.all(),
        q=request.GET.get("q", ""),
        register=request.GET.get("register", ""),
        padlocks=Padlock.choices,
        problems=validation.problems(req),
    )
    if request.headers.get("HX-Request"):
        return render(request, "requests_app/variables.html#results", ctx)
    return render(request, "requests_app/variables.html", ctx)


@login_required
def variable_edit(request, pk: int, variable_pk: int):
    req = selectors.get_visible_request(request.user, pk)
    _owner_editing(req, request.user)
    variable = get_object_or_404(
        Variable.objects.select_related("register").prefetch_related("granularities__modalities"),
        pk=variable_pk,
    )
    existing = req.variables.filter(variable=variable).first()
    initial = {}
    if existing:
        initial = {
            f: getattr(existing, f)
            for f in (
                "justification",
                "wants_change",
                "change_justification",
                "wanted_modalities",
                "need_to_know",
            )
        }
    form = forms.VariableForm(request.POST or None, variable=variable, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.request_variable_save(
                request=req, variable=variable, actor=request.user, **form.cleaned_data
            )
        except services.RequestChanged as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is in your request.") % {"name": variable.name})
            return redirect("requests_app:variables", pk=pk)
    return render(
        request,
        "requests_app/variable_edit.html",
        _context(
            req,
            request.user,
            step="variables",
            variable=variable,
            form=form,
            existing=existing,
            default=variable.default_granularity,
        ),
        status=status,
    )


@require_POST
@login_required
def variable_remove(request, pk: int, rv_pk: int):
    req = selectors.get_visible_request(request.user, pk)
    _owner_editing(req, request.user)
    rv = get_object_or_404(RequestVariable, pk=rv_pk, request=req)
    try:
        services.request_variable_remove(request_variable=rv, actor=request.user)
    except (services.RequestChanged, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("requests_app:variables", pk=pk)


@login_required
def submit(request, pk: int):
    """A summary with what is still missing; POST submits (or resubmits a returned request)."""
    req = selectors.get_visible_request(request.user, pk)
    _owner_editing(req, request.user)
    problems = validation.problems(req)
    if request.method == "POST":
        try:
            if req.state == State.DRAFT:
                services.request_submit(request=req, actor=request.user)
                messages.success(
                    request, _("Your request is submitted. You will be told when an expert has processed it.")
                )
            else:
                services.request_resubmit(request=req, actor=request.user)
                messages.success(
                    request,
                    _("Version %(v)s of your request is sent to the expert.") % {"v": req.version + 1},
                )
            return redirect("requests_app:detail", pk=pk)
        except services.RequestChanged as exc:
            messages.error(request, str(exc))
        except ValidationError:
            messages.error(request, _("The request is not complete yet: see below."))
    return render(
        request,
        "requests_app/submit.html",
        _context(
            req,
            request.user,
            step="submit",
            problems=problems,
            complete=not any(problems.values()),
            chosen=req.variables.select_related("variable__register"),
        ),
    )


def _field_label(name: str) -> str:
    try:
        return str(DataRequest._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - "members" and other non-field keys of a snapshot
        return name


def _diff(old: dict, new: dict) -> dict:
    fields = [
        (_field_label(k), old.get("fields", {}).get(k, ""), v)
        for k, v in new.get("fields", {}).items()
        if old.get("fields", {}).get(k, "") != v
    ]
    ov, nv = old.get("variables", {}), new.get("variables", {})
    return {
        "fields": fields,
        "added": sorted(set(nv) - set(ov)),
        "removed": sorted(set(ov) - set(nv)),
        "changed": sorted(k for k in set(nv) & set(ov) if nv[k] != ov[k]),
    }


@login_required
def detail(request, pk: int):
    req = selectors.get_visible_request(request.user, pk)
    user = request.user
    versions = list(req.versions.all())
    diff = _diff(versions[-2].snapshot, versions[-1].snapshot) if len(versions) > 1 else None
    rows = req.variables.select_related(
        "variable__register", "granularity", "approved_granularity"
    ).prefetch_related("messages__author")
    show_decisions = req.state in (
        State.RESEARCHER_CONFIRMATION,
        State.CONFIRMED,
        State.IMPLEMENTATION,
        State.FINALISED,
        State.ACTIVE,
        State.CLOSED,
    ) or not (user.pk == req.researcher_id or req.members.filter(pk=user.pk).exists())
    return render(
        request,
        "requests_app/detail.html",
        _context(
            req,
            user,
            rows=rows,
            history=req.state_changes.select_related("actor"),
            versions=versions,
            diff=diff,
            thread=req.messages.filter(variable=None).select_related("author"),
            message_form=forms.MessageForm(),
            can_write=selectors.can_take_part(user, req) and not req.is_final,
            show_decisions=show_decisions,
            days=time_in_states(req),
            clock=clock_days(req),
            documents=req.archived_documents.all() if _may_download(user, req) else [],
            manifests=req.manifests.all(),
            can_withdraw=services.may_fire(req, "withdraw", user),
            is_staff_viewer=user.has_role(Role.EXPERT, Role.DATATEAM, Role.ADMINISTRATOR),
        ),
    )


@login_required
def version(request, pk: int, number: int):
    req = selectors.get_visible_request(request.user, pk)
    current = get_object_or_404(RequestVersion, request=req, number=number)
    previous = req.versions.filter(number__lt=number).order_by("-number").first()
    return render(
        request,
        "requests_app/version.html",
        _context(
            req,
            request.user,
            version=current,
            previous=previous,
            diff=_diff(previous.snapshot, current.snapshot) if previous else None,
        ),
    )


@require_POST
@login_required
def message_post(request, pk: int):
    req = selectors.get_visible_request(request.user, pk)
    if not selectors.can_take_part(request.user, req):
        raise PermissionDenied
    form = forms.MessageForm(request.POST)
    variable = None
    if form.is_valid():
        if form.cleaned_data.get("variable"):
            variable = get_object_or_404(RequestVariable, pk=form.cleaned_data["variable"], request=req)
        try:
            services.message_post(
                request=req, body=form.cleaned_data["body"], actor=request.user, variable=variable
            )
            messages.success(request, _("Message sent."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Write a message."))
    anchor = f"#var-{variable.pk}" if variable else "#messages"
    back = request.POST.get("next") or reverse("requests_app:detail", kwargs={"pk": pk})
    if not back.startswith("/"):
        back = reverse("requests_app:detail", kwargs={"pk": pk})
    return redirect(back + anchor)


@require_POST
@login_required
def withdraw(request, pk: int):
    req = selectors.get_visible_request(request.user, pk)
    if not services.may_fire(req, "withdraw", request.user):
        raise PermissionDenied
    try:
        services.request_withdraw(request=req, reason=request.POST.get("reason", ""), actor=request.user)
        messages.success(request, _("The request is withdrawn."))
    except (services.RequestChanged, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("requests_app:detail", pk=pk)


@login_required
def confirmation(request, pk: int):
    """The researcher sees every decision and the final list, then confirms or flags decisions."""
    req = selectors.get_visible_request(request.user, pk)
    if req.researcher_id != request.user.pk and not req.members.filter(pk=request.user.pk).exists():
        raise PermissionDenied
    flag_form = forms.FlagForm(request.POST if "flag" in request.POST else None, request=req)
    status = 200
    if request.method == "POST":
        if req.state != State.RESEARCHER_CONFIRMATION or not services.may_fire(req, "confirm", request.user):
            raise PermissionDenied
        try:
            if "confirm" in request.POST:
                services.request_confirm(request=req, actor=request.user)
                messages.success(
                    request, _("Confirmed. The list of variables is closed; the implementation starts.")
                )
                return redirect("requests_app:detail", pk=pk)
            if flag_form.is_valid():
                services.request_flag_decisions(
                    request=req,
                    comment=flag_form.cleaned_data["comment"],
                    flagged=[int(v) for v in flag_form.cleaned_data["variables"]],
                    actor=request.user,
                )
                messages.success(request, _("Your comment is sent to the expert."))
                return redirect("requests_app:detail", pk=pk)
        except services.RequestChanged as exc:
            flag_form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _apply_errors(flag_form, exc)
    rows = req.variables.select_related(
        "variable__register", "granularity", "approved_granularity"
    ).prefetch_related("messages__author")
    return render(
        request,
        "requests_app/confirmation.html",
        _context(
            req,
            request.user,
            rows=rows,
            flag_form=flag_form,
            thread=req.messages.filter(variable=None),
            may_act=req.state == State.RESEARCHER_CONFIRMATION and req.researcher_id == request.user.pk,
        ),
        status=status,
    )


# --- expert -----------------------------------------------------------------------------------------


@role_required(Role.EXPERT)
def expert_dashboard(request):
    return render(
        request, "requests_app/expert_dashboard.html", {"lists": selectors.expert_todo(request.user)}
    )


def _processing_context(req, user, **forms_):
    rows = list(
        req.variables.select_related(
            "variable__register", "variable__replaced_by", "variable__changed_in", "granularity"
        ).prefetch_related("variable__granularities__modalities", "messages__author")
    )
    for rv in rows:
        rv.form = forms_.get(f"v{rv.pk}") or forms.VariableDecisionForm(instance=rv)
    may_act = req.state == State.PROCESSING and (
        user.pk == req.expert_id or user.has_role(Role.ADMINISTRATOR)
    )
    sections = {k: req.section(k) or v for k, v in services.prefilled_document(req).items()}
    return _context(
        req,
        user,
        rows=rows,
        may_act=may_act,
        precedents=selectors.precedents(req),
        warnings=selectors.dictionary_warnings(req),
        eligibility_form=forms_.get("eligibility") or forms.EligibilityDecisionForm(instance=req),
        processing_form=forms_.get("processing") or forms.ProcessingForm(instance=req),
        document_form=forms_.get("document") or forms.DocumentForm(sections=sections),
        reason_form=forms.ReasonForm(),
        handover_form=forms.HandOverForm(exclude=req.expert_id),
        assign_form=forms.AssignForm(),
        thread=req.messages.filter(variable=None).select_related("author"),
        review_comments=req.review_comments.select_related("author"),
        sections=DOCUMENT_SECTIONS,
    )


@login_required
def processing(request, pk: int):
    """The expert's page (screenshots 3a/3b): eligibility, variables, measures, processing document."""
    req = selectors.get_visible_request(request.user, pk)
    user = request.user
    if not user.has_role(Role.EXPERT, Role.DATATEAM, Role.ADMINISTRATOR):
        raise PermissionDenied
    bound = {}
    status = 200
    if request.method == "POST":
        part = request.POST.get("part")
        if req.state != State.PROCESSING or not (
            user.pk == req.expert_id or user.has_role(Role.ADMINISTRATOR)
        ):
            raise PermissionDenied
        if part == "eligibility":
            form = bound["eligibility"] = forms.EligibilityDecisionForm(request.POST, instance=req)
            data = lambda f: {k: f.cleaned_data[k] for k in f.Meta.fields}  # noqa: E731
        elif part == "processing":
            form = bound["processing"] = forms.ProcessingForm(request.POST, instance=req)
            data = lambda f: f.service_data()  # noqa: E731
        elif part == "document":
            form = bound["document"] = forms.DocumentForm(request.POST, sections={})
            data = lambda f: {"document": dict(f.cleaned_data)}  # noqa: E731
        else:
            raise Http404
        # ModelForms validated against ``req`` mutate it: re-read what the services compare.
        if form.is_valid():
            fresh = DataRequest.objects.get(pk=req.pk)
            try:
                services.processing_save(request=_seen(req, request), data=data(form), actor=user)
            except services.RequestChanged as exc:
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("requests_app:processing", kwargs={"pk": pk}) + f"#{part}")
            req = fresh
    return render(
        request, "requests_app/processing.html", _processing_context(req, user, **bound), status=status
    )


def _seen(req: DataRequest, request) -> DataRequest:
    """The request as the user saw it when the page was rendered (hidden ``seen_state``/``seen_version``).

    Lets a service detect that someone else acted in between, even for a slow typist.
    """
    state = request.POST.get("seen_state")
    version = request.POST.get("seen_version")
    expert = request.POST.get("seen_expert")
    if state or version:
        seen = DataRequest.objects.get(pk=req.pk)
        type(seen).state.field.set_state(seen, state or seen.state)  # bypass the protected descriptor
        seen.version = int(version) if version and version.isdigit() else seen.version
        seen.expert_id = (
            int(expert) if expert and expert.isdigit() else (None if expert == "" else seen.expert_id)
        )
        return seen
    return req


@login_required
def variable_decide(request, pk: int, rv_pk: int):
    req = selectors.get_visible_request(request.user, pk)
    if req.state != State.PROCESSING or not (
        request.user.pk == req.expert_id or request.user.has_role(Role.ADMINISTRATOR)
    ):
        raise PermissionDenied
    rv = get_object_or_404(RequestVariable, pk=rv_pk, request=req)
    if request.method != "POST":
        return redirect(reverse("requests_app:processing", kwargs={"pk": pk}) + f"#var-{rv.pk}")
    form = forms.VariableDecisionForm(request.POST, instance=RequestVariable.objects.get(pk=rv.pk))
    status = 200
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.variable_decide(
                request_variable=rv,
                actor=request.user,
                justification_decision=d.get("justification_decision", ""),
                justification_comment=d.get("justification_comment", ""),
                granularity_decision=d.get("granularity_decision", ""),
                granularity_comment=d.get("granularity_comment", ""),
                new_modalities=d.get("new_modalities", ""),
                outcome=d.get("outcome", ""),
            )
        except services.RequestChanged as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            if not request.headers.get("HX-Request"):
                messages.success(request, _("Decision on %(name)s saved.") % {"name": rv.variable.name})
                return redirect(reverse("requests_app:processing", kwargs={"pk": pk}) + f"#var-{rv.pk}")
            form = None
    if request.headers.get("HX-Request"):
        ctx = _processing_context(req, request.user, **({f"v{rv.pk}": form} if form else {}))
        ctx["rv"] = next(r for r in ctx["rows"] if r.pk == rv.pk)
        ctx["saved"] = form is None
        return render(request, "requests_app/processing.html#variable", ctx, status=status)
    return render(
        request,
        "requests_app/processing.html",
        _processing_context(req, request.user, **{f"v{rv.pk}": form}),
        status=status,
    )


ACTIONS = {
    # name: (service, form, success message)
    "start": ("request_start_processing", None, _("You are processing the request.")),
    "take": ("request_take", None, _("You now coordinate this request.")),
    "assign": ("request_assign", forms.AssignForm, _("The request is assigned.")),
    "hand_over": ("request_hand_over", forms.HandOverForm, _("The request is handed over.")),
    "return": (
        "request_return_to_researcher",
        forms.ReasonForm,
        _("The request is returned to the researcher."),
    ),
    "reject": ("request_reject", forms.ReasonForm, _("The request is rejected.")),
    "reclassify": (
        "request_reclassify",
        forms.ReasonForm,
        _("The request is reclassified as a request for aggregate statistics."),
    ),
    "send_to_datateam": ("processing_send_to_datateam", None, _("The processing is sent to the datateam.")),
}
ACTION_TRANSITIONS = {
    "start": "start_processing",
    "take": "take",
    "assign": "assign",
    "hand_over": "hand_over",
    "return": "return_to_researcher",
    "reject": "reject",
    "reclassify": "reclassify",
    "send_to_datateam": "send_to_datateam",
}


@require_POST
@login_required
def action(request, pk: int, name: str):
    """The expert's buttons: each one a transition through its service."""
    if name not in ACTIONS:
        raise Http404
    req = selectors.get_visible_request(request.user, pk)
    transition_name = ACTION_TRANSITIONS[name]
    if name == "take" and req.state == State.SUBMITTED:
        transition_name = "assign"
    if not services.may_fire(req, transition_name, request.user):
        raise PermissionDenied
    service_name, form_class, success = ACTIONS[name]
    service = getattr(services, service_name)
    kwargs = {}
    form = None
    if form_class is not None:
        form = form_class(
            request.POST, **({"exclude": req.expert_id} if form_class is forms.HandOverForm else {})
        )
        if not form.is_valid():
            messages.error(request, " ".join(f"{e}" for errs in form.errors.values() for e in errs))
            return redirect(request.POST.get("next") or reverse("requests_app:processing", kwargs={"pk": pk}))
        if form_class is forms.ReasonForm:
            kwargs["reason"] = form.cleaned_data["reason"]
        elif form_class is forms.HandOverForm:
            kwargs.update(to_expert=form.cleaned_data["expert"], reason=form.cleaned_data["reason"])
        elif form_class is forms.AssignForm:
            kwargs["expert"] = form.cleaned_data["expert"]
    try:
        service(request=_seen(req, request), actor=request.user, **kwargs)
        messages.success(request, success)
    except services.RequestChanged as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    target = "processing" if name in ("start", "take", "assign") else "detail"
    if name == "send_to_datateam" or name == "hand_over":
        target = "detail"
    return redirect(f"requests_app:{target}", pk=pk)


# --- datateam ---------------------------------------------------------------------------------------


@role_required(Role.DATATEAM)
def datateam_queue(request):
    return render(
        request,
        "requests_app/datateam_queue.html",
        {"requests": selectors.datateam_queue(request.user), "user_id": request.user.pk},
    )


@role_required(Role.DATATEAM)
def review(request, pk: int):
    """Four eyes: comments per section, then validate or send back to the expert."""
    req = selectors.get_visible_request(request.user, pk)
    user = request.user
    may_act = req.state == State.DATATEAM_REVIEW and req.expert_id != user.pk
    comment_form = forms.ReviewCommentForm(request.POST if "comment" in request.POST else None)
    send_back_form = forms.SendBackForm(request.POST if "send_back" in request.POST else None)
    status = 200
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        try:
            if "comment" in request.POST and comment_form.is_valid():
                services.review_comment_add(request=req, actor=user, **comment_form.cleaned_data)
                messages.success(request, _("Comment added."))
                return redirect(
                    reverse("requests_app:review", kwargs={"pk": pk})
                    + "#sec-"
                    + comment_form.cleaned_data["section"]
                )
            if "validate" in request.POST:
                services.datateam_validate(request=_seen(req, request), actor=user)
                messages.success(
                    request,
                    _("Validated: the researcher is asked to confirm; the processing document is archived."),
                )
                return redirect("requests_app:datateam_queue")
            if "send_back" in request.POST and send_back_form.is_valid():
                services.datateam_send_back(
                    request=_seen(req, request), actor=user, comment=send_back_form.cleaned_data["comment"]
                )
                messages.success(request, _("Sent back to the expert."))
                return redirect("requests_app:datateam_queue")
        except services.RequestChanged as exc:
            (send_back_form if "send_back" in request.POST else comment_form).add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _apply_errors(send_back_form if "send_back" in request.POST else comment_form, exc)
    comments = {}
    for c in req.review_comments.select_related("author"):
        comments.setdefault(c.section, []).append(c)
    sections = [(key, label, req.section(key), comments.get(key, [])) for key, label in DOCUMENT_SECTIONS]
    return render(
        request,
        "requests_app/review.html",
        _context(
            req,
            user,
            sections=sections,
            comment_form=comment_form,
            send_back_form=send_back_form,
            may_act=may_act,
            rows=req.variables.select_related("variable__register", "approved_granularity"),
        ),
        status=status,
    )


# --- administrators and documents -----------------------------------------------------------------


@role_required(Role.ADMINISTRATOR)
def admin_dashboard(request):
    from .dashboards import admin_data

    form = forms.AdminFilterForm(request.GET or None)
    data = admin_data(form)
    return render(request, "requests_app/admin_dashboard.html", {"form": form, **data})


def _may_download(user, req: DataRequest) -> bool:
    return (
        user.has_role(Role.ADMINISTRATOR)
        or user.pk in (req.researcher_id, req.expert_id)
        or user.has_role(Role.DATATEAM)
        or req.members.filter(pk=user.pk).exists()
    )


@login_required
def document_download(request, pk: int, doc_pk: int):
    req = selectors.get_visible_request(request.user, pk)
    doc = get_object_or_404(ArchivedDocument, pk=doc_pk, request=req)
    if not _may_download(request.user, req):
        raise PermissionDenied
    if (
        doc.kind == ArchivedDocument.Kind.PROCESSING
        and request.user.has_role(Role.RESEARCHER)
        and not (request.user.has_role(Role.ADMINISTRATOR, Role.EXPERT, Role.DATATEAM))
    ):
        raise PermissionDenied
    if not doc.full_path.exists():
        raise Http404
    return FileResponse(doc.full_path.open("rb"), as_attachment=True, filename=doc.filename)


@login_required
def manifest_json(request, pk: int, version: int):
    req = selectors.get_visible_request(request.user, pk)
    manifest = get_object_or_404(Manifest, request=req, version=version)
    response = JsonResponse(manifest.data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{req.reference}-v{version}-manifest.json"'
    return response


@role_required(Role.ADMINISTRATOR)
def archive(request):
    docs = ArchivedDocument.objects.select_related("request", "created_by")
    results = {}
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("doc") if i.isdigit()]
        for doc in docs.filter(pk__in=ids):
            results[doc.pk] = doc.is_intact()
        from ask4mdp.audit.services import log_event

        log_event(
            "archive.verified",
            actor=request.user,
            data={"checked": len(results), "broken": [k for k, v in results.items() if not v]},
        )
    page = Paginator(docs, 50).get_page(request.GET.get("page"))
    for doc in page:
        doc.check_result = results.get(doc.pk)
    return render(request, "requests_app/archive.html", {"page": page, "checked": bool(results)})


@role_required(Role.ADMINISTRATOR)
def archive_download(request, doc_pk: int):
    doc = get_object_or_404(ArchivedDocument, pk=doc_pk)
    if not doc.full_path.exists():
        raise Http404
    return FileResponse(doc.full_path.open("rb"), as_attachment=True, filename=doc.filename)


__all__ = ["json", "HttpResponse", "Prefetch"]
