"""Demo organisations and one demo account per role (idempotent).

Every demo account has ``is_demo=True`` and the password ``DEMO_PASSWORD``. On the embedded default
(``ASK4MDP_EMBEDDED=1``) the demo staff accounts may skip two-factor authentication; anywhere else
they must set up TOTP like everybody else.

Emails other apps' demo data may rely on: ``DEMO_EMAILS`` below (e.g. ``DEMO_EMAILS["researcher"]``).
"""

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import (
    MIN_BREACH_EXCLUSION_YEARS,
    Affiliation,
    ExpertDomain,
    Organisation,
    Sanction,
    User,
    add_years,
)
from .roles import Domain, Role, ensure_role_groups

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 – printed by load_demo, demo accounts only

ORGANISATIONS = [
    # name, legal name, acronym, type, country, status
    ("LISER", "Luxembourg Institute of Socio-Economic Research", "LISER", "university", "LU", "authorised"),
    ("University of Luxembourg", "Université du Luxembourg", "UL", "university", "LU", "authorised"),
    (
        "STATEC",
        "Institut national de la statistique et des études économiques",
        "STATEC",
        "administration",
        "LU",
        "authorised",
    ),
    (
        "Ministry of Labour (MTEESS)",
        "Ministère du Travail, de l'Emploi et de l'Économie sociale et solidaire",
        "MTEESS",
        "administration",
        "LU",
        "authorised",
    ),
    (
        "Ministry of Family (MFAMIGR)",
        "Ministère de la Famille, de l'Intégration et à la Grande Région",
        "MFAMIGR",
        "administration",
        "LU",
        "authorised",
    ),
    ("KPMG Luxembourg", "KPMG Luxembourg S.A.", "KPMG", "consultancy", "LU", "authorised"),
    ("Université de Lorraine", "Université de Lorraine", "UL-FR", "university", "FR", "pending"),
    (
        "Institut Fictif d'Études Sociales",
        "Institut Fictif d'Études Sociales a.s.b.l.",
        "IFES",
        "non_profit",
        "LU",
        "pending",
    ),
]

# key: (email, full name, roles, expert domains, organisation, sponsor, position, language)
USERS = {
    "researcher": (
        "anna.becker@liser.lu",
        "Anna Becker",
        [Role.RESEARCHER],
        [],
        "LISER",
        None,
        "Research scientist",
        "en",
    ),
    "researcher_2": (
        "marc.feller@liser.lu",
        "Marc Feller",
        [Role.RESEARCHER],
        [],
        "LISER",
        None,
        "PhD candidate",
        "fr",
    ),
    "researcher_foreign": (
        "claire.dupont@univ-lorraine.fr",
        "Claire Dupont",
        [Role.RESEARCHER],
        [],
        "Université de Lorraine",
        "LISER",
        "Maîtresse de conférences",
        "fr",
    ),
    "researcher_excluded": (
        "xavier.noel@uni.lu",
        "Xavier Noël",
        [Role.RESEARCHER],
        [],
        "University of Luxembourg",
        None,
        "Research associate",
        "en",
    ),
    "expert": (
        "expert.labour@igss.lu",
        "Léa Schmit",
        [Role.EXPERT],
        [Domain.LABOUR_MARKET],
        None,
        None,
        "",
        "en",
    ),
    "expert_social": (
        "expert.social@igss.lu",
        "Tom Weber",
        [Role.EXPERT],
        [Domain.SOCIAL_PROTECTION],
        None,
        None,
        "",
        "fr",
    ),
    "expert_health": (
        "expert.health@igss.lu",
        "Nina Hoffmann",
        [Role.EXPERT],
        [Domain.HEALTH],
        None,
        None,
        "",
        "en",
    ),
    "datateam": ("datateam@igss.lu", "Paul Datateam", [Role.DATATEAM], [], None, None, "", "en"),
    "principal_extractor": (
        "extractor@igss.lu",
        "Eva Extractor",
        [Role.PRINCIPAL_EXTRACTOR],
        [],
        None,
        None,
        "",
        "en",
    ),
    "adhoc_extractor": (
        "adhoc.extractor@igss.lu",
        "Ali Adhoc",
        [Role.ADHOC_EXTRACTOR],
        [],
        None,
        None,
        "",
        "en",
    ),
    "pseudonymiser": ("pseudonymiser@igss.lu", "Pia Pseudo", [Role.PSEUDONYMISER], [], None, None, "", "en"),
    "input_checker": ("input.checker@igss.lu", "Ian Input", [Role.INPUT_CHECKER], [], None, None, "", "en"),
    "desktop_preparer": (
        "desktop@igss.lu",
        "Dora Desktop",
        [Role.DESKTOP_PREPARER],
        [],
        None,
        None,
        "",
        "en",
    ),
    "output_checker": (
        "output.checker@igss.lu",
        "Olga Output",
        [Role.OUTPUT_CHECKER],
        [],
        None,
        None,
        "",
        "en",
    ),
    "administrator": ("admin@igss.lu", "Adam Admin", [Role.ADMINISTRATOR], [], None, None, "", "en"),
}
DEMO_EMAILS = {key: spec[0] for key, spec in USERS.items()}


@transaction.atomic
def load(*, stdout) -> list[tuple[str, str, str]]:
    """Create or refresh the demo organisations and accounts; return one (role, e-mail, password) per role."""
    ensure_role_groups()
    today = timezone.localdate()
    orgs = {}
    for name, legal_name, acronym, org_type, country, status in ORGANISATIONS:
        authorised = status == "authorised"
        orgs[name], _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "legal_name": legal_name,
                "acronym": acronym,
                "org_type": org_type,
                "country": country,
                "authorisation_status": status,
                "authorised_from": datetime.date(today.year - 2, 1, 1) if authorised else None,
                "authorised_until": datetime.date(today.year + 3, 12, 31) if authorised else None,
            },
        )
    groups = {str(r): Group.objects.get(name=str(r)) for r in Role}
    now = timezone.now()
    users = {}
    for key, (email, full_name, roles, domains, org, sponsor, position, language) in USERS.items():
        is_admin = Role.ADMINISTRATOR in roles
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "language": language,
                "is_active": True,
                "is_demo": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "qualifications": "Demo account."
                if Role.RESEARCHER not in roles
                else "PhD; years of research on administrative labour-market and social-security data.",
            },
        )
        user.email_verified_at = user.email_verified_at or now
        user.activated_at = user.activated_at or now
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([groups[str(r)] for r in roles])
        for domain in domains:
            ExpertDomain.objects.get_or_create(user=user, domain=str(domain))
        if org:
            Affiliation.objects.get_or_create(
                user=user,
                organisation=orgs[org],
                defaults={
                    "sponsor": orgs[sponsor] if sponsor else None,
                    "position": position,
                    "start": datetime.date(today.year - 1, 1, 1),
                },
            )
        users[key] = user
    liser = orgs["LISER"]
    liser.signatory, liser.contact_person = users["researcher"], users["researcher"]
    liser.save(update_fields=["signatory", "contact_person"])
    excluded = users["researcher_excluded"]
    if not Sanction.objects.filter(user=excluded, kind=Sanction.Kind.EXCLUSION).exists():
        start = today - datetime.timedelta(days=60)
        Sanction.objects.create(
            kind=Sanction.Kind.EXCLUSION,
            user=excluded,
            start=start,
            end=add_years(start, MIN_BREACH_EXCLUSION_YEARS),
            is_breach=True,
            reference="DEMO-2026-001",
            reason="Demo: a result left the virtual desktop without output checking.",
            recorded_by=users["administrator"],
        )
    stdout.write(f"accounts: {len(orgs)} organisations, {len(users)} demo accounts\n")
    return [(str(Role(key).label), users[key].email, DEMO_PASSWORD) for key in Role.values]
