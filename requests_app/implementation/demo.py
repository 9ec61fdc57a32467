"""Demo data of the implementation phase, through the services (idempotent).

Takes the demo requests that ``requests_app.demo`` left *confirmed* through the implementation
(confirming two more of seed 000's Annex 1 projects with that demo's helpers when it left fewer
than three): the first (CLD) becomes an active project; the second stays in implementation with
its tasks in mixed states (desktop validated, extraction under way, contract generated and waiting
for signatures); the third becomes active and is then closed (its key destroyed). Requests already
past ``confirmed`` are left alone, so running it again changes nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ask4mdp.accounts.roles import Role
from ask4mdp.accounts.selectors import users_with_role
from requests_app.models import DataRequest, State

from . import services
from .models import Contract, ImplementationRole, SignatureParty


def _first(role):
    return users_with_role(role).order_by("pk").first()


def _signed_pdf(name: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>Signed</h1><p>{name}</p><p>{timezone.now():%Y-%m-%d}</p>").write_pdf()


def _roles(request: DataRequest) -> dict:
    return {
        ImplementationRole.THEMATIC_EXPERT: [u for u in [request.expert] if u],
        ImplementationRole.PRINCIPAL_EXTRACTOR: [_first(Role.PRINCIPAL_EXTRACTOR)],
        ImplementationRole.ADHOC_EXTRACTOR: [u for u in [_first(Role.ADHOC_EXTRACTOR)] if u],
        ImplementationRole.PSEUDONYMISER: [_first(Role.PSEUDONYMISER)],
        ImplementationRole.INPUT_CHECKER: [_first(Role.INPUT_CHECKER)],
        ImplementationRole.DESKTOP_PREPARER: [_first(Role.DESKTOP_PREPARER)],
    }


def _fresh(request: DataRequest) -> DataRequest:
    return DataRequest.objects.get(pk=request.pk)


def _contract_details(request: DataRequest) -> dict:
    initial = services.contract_details_initial(request)
    return {
        "organisation_legal_name": initial.get("organisation_legal_name")
        or str(request.organisation or "LISER"),
        "organisation_address": initial.get("organisation_address")
        or "11, Porte des Sciences, L-4366 Esch-sur-Alzette",
        "registration_number": initial.get("registration_number", ""),
        "signatory_name": initial.get("signatory_name") or "Aline Muller",
        "signatory_position": "Director",
        "signatory_email": initial.get("signatory_email") or "director@liser.lu",
        "contact_name": initial.get("contact_name", ""),
        "contact_email": initial.get("contact_email", ""),
        "language": request.researcher.language or "en",
    }


def _generated_contract(request: DataRequest) -> Contract:
    services.contract_details_save(request=request, data=_contract_details(request), actor=request.researcher)
    contract = services.latest_contract(request)
    if contract.status == Contract.Status.GENERATING:  # no worker: render it here (idempotent)
        contract = services.contract_render(contract_id=contract.pk)
    return contract


def _desktop(request: DataRequest, preparer) -> None:
    for key in services.DESKTOP_KEYS:
        services.desktop_step(
            request=_fresh(request), item=key, actor=preparer, note=f"Demo: {key.replace('_', ' ')} by hand."
        )
    services.desktop_validate(request=_fresh(request), actor=preparer)


def _extraction(request: DataRequest, extractor, validate: bool = True) -> None:
    manifest = services.current_manifest(request)
    keys = [r["key"] for r in services.extraction_checklist(manifest.data if manifest else None)]
    services.extraction_check(request=_fresh(request), keys=keys, actor=extractor)
    if validate:
        services.extraction_record_delivery(
            request=_fresh(request),
            actor=extractor,
            note="Demo delivery: one Parquet file per register, codebook, checksums.",
        )
        services.extraction_validate(request=_fresh(request), actor=extractor)


def _sign(request: DataRequest, contract: Contract) -> None:
    request = _fresh(request)
    details = request.contract_details
    for party, name, actor in (
        (SignatureParty.PLATFORM, request.expert.get_full_name(), request.expert),
        (SignatureParty.RESEARCHER, request.researcher.get_full_name(), request.researcher),
        (SignatureParty.ORGANISATION, details.signatory_name, request.researcher),
    ):
        services.signature_upload(
            contract=contract, party=party, signer_name=name, content=_signed_pdf(name), actor=actor
        )


def _active(request: DataRequest, roles: dict) -> DataRequest:
    _desktop(request, roles[ImplementationRole.DESKTOP_PREPARER][0])
    _extraction(request, roles[ImplementationRole.PRINCIPAL_EXTRACTOR][0])
    _sign(request, _generated_contract(_fresh(request)))
    request = _fresh(request)
    today = timezone.localdate()
    end = (
        request.end_date
        if request.end_date and request.end_date > today
        else today + datetime.timedelta(days=365)
    )
    services.project_open(
        request=request, start=max(today, request.start_date or today), end=end, actor=request.expert
    )
    return _fresh(request)


# Extra confirmed requests (seed 000, Annex 1) when the life cycle's demo leaves fewer than three.
EXTRA = [
    (
        "TRAJ_XB_FR",
        "Career paths of French cross border workers",
        [("SOCIO", "I_age"), ("SOCIO", "I_gender"), ("JOBS", None)],
    ),
    (
        "CASiNO",
        "Impact of employer location on worker mobility",
        [("SOCIO", "I_age"), ("JOBSEEK", "U_measure")],
    ),
]
TARGETS = ["active", "mixed", "closed"]


def _confirmed() -> list[DataRequest]:
    qs = DataRequest.objects.filter(state=State.CONFIRMED, expert__isnull=False).order_by("pk")
    # the showcase request of the life cycle's demo first: it becomes the active project
    return sorted(qs, key=lambda r: (r.acronym != "CLD", r.pk))


def _create_extras(stdout, wanted: int) -> None:
    """Confirmed requests made with the life cycle demo's own helpers (skipped if unavailable)."""
    from django.contrib.auth import get_user_model

    try:
        from requests_app.demo import RESEARCHER, _draft, _drive
    except ImportError:
        return
    user_model = get_user_model()
    researcher = user_model.objects.filter(email=RESEARCHER).first()
    datateam = _first(Role.DATATEAM)
    if researcher is None or datateam is None:
        return
    for acronym, title, pairs in EXTRA[:wanted]:
        if DataRequest.objects.filter(researcher=researcher, acronym=acronym).exists():
            continue
        try:
            request = _drive(
                _draft(researcher, acronym, title, pairs),
                "confirmed",
                researcher=researcher,
                datateam=datateam,
            )
        except Exception as exc:  # noqa: BLE001 - the demo must not stop the others
            stdout.write(f"implementation: could not confirm {acronym} for the demo ({exc})")
            continue
        stdout.write(f"implementation: {request.reference} {acronym} confirmed for the demo")


def load(*, stdout) -> None:
    candidates = _confirmed()
    if len(candidates) < len(TARGETS):
        _create_extras(stdout, len(TARGETS) - len(candidates))
        candidates = _confirmed()
    if not candidates:
        stdout.write("implementation: no confirmed demo request to take further")
        return
    for target, request in zip(TARGETS, candidates, strict=False):
        roles = _roles(request)
        required = (
            ImplementationRole.PRINCIPAL_EXTRACTOR,
            ImplementationRole.PSEUDONYMISER,
            ImplementationRole.INPUT_CHECKER,
            ImplementationRole.DESKTOP_PREPARER,
        )
        if not all(roles[r] and all(roles[r]) for r in required):
            stdout.write("implementation: a staff role has no demo user; skipped")
            return
        services.roles_save(request=request, assignments=roles, actor=request.expert)
        request = _fresh(request)
        if target == "mixed":
            _desktop(request, roles[ImplementationRole.DESKTOP_PREPARER][0])
            _extraction(request, roles[ImplementationRole.PRINCIPAL_EXTRACTOR][0], validate=False)
            _generated_contract(_fresh(request))
            stdout.write(f"implementation: {request.reference} in implementation (tasks in mixed states)")
        elif target == "active":
            request = _active(request, roles)
            stdout.write(f"implementation: {request.reference} active until {request.project.end}")
        else:
            request = _active(request, roles)
            services.project_close(request=request, reason="Demo: the access period ended.", actor=None)
            stdout.write(f"implementation: {request.reference} closed")
