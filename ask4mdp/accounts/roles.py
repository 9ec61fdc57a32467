"""Roles are Groups; their names are constants here so that code never spells them twice.

Thematic experts also have domains (labour market, social protection, health): a request is
assigned to an expert of its domain.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESEARCHER = "researcher", _("Researcher")
    EXPERT = "expert", _("Thematic expert")
    DATATEAM = "datateam", _("Datateam")
    PRINCIPAL_EXTRACTOR = "principal_extractor", _("Principal extractor")
    ADHOC_EXTRACTOR = "adhoc_extractor", _("Ad hoc extractor")
    PSEUDONYMISER = "pseudonymiser", _("Pseudonymiser")
    INPUT_CHECKER = "input_checker", _("Input checker")
    DESKTOP_PREPARER = "desktop_preparer", _("Desktop preparer")
    OUTPUT_CHECKER = "output_checker", _("Output checker")
    ADMINISTRATOR = "administrator", _("Administrator")


# Every role but the researcher's is a staff role: it needs two-factor authentication.
STAFF_ROLES = frozenset(Role) - {Role.RESEARCHER}


class Domain(models.TextChoices):
    LABOUR_MARKET = "labour_market", _("Labour market")
    SOCIAL_PROTECTION = "social_protection", _("Social protection")
    HEALTH = "health", _("Health")


# What the administrators' group may do in Django admin: manage people, organisations and sanctions,
# read the audit log. (Per-object rights of the other roles are django-guardian permissions.)
ADMINISTRATOR_PERMISSIONS = {
    "accounts": None,  # every permission of the app
    "auth": {"view_group", "change_group"},
    "audit": {"view_auditevent"},
    "notifications": {"view_notification"},
    "otp_totp": {"view_totpdevice", "delete_totpdevice"},
}


def ensure_role_groups(sender=None, using="default", **kwargs):
    """Create the role groups (idempotent) and give the administrators' group its admin permissions."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    apps = kwargs.get("apps") or global_apps
    try:
        apps.get_model("auth", "Group")
    except LookupError:  # a migration state without auth
        return
    groups = {role: Group.objects.using(using).get_or_create(name=str(role))[0] for role in Role}
    wanted = []
    for app_label, codenames in ADMINISTRATOR_PERMISSIONS.items():
        qs = Permission.objects.using(using).filter(content_type__app_label=app_label)
        if codenames is not None:
            qs = qs.filter(codename__in=codenames)
        wanted.extend(qs)
    groups[Role.ADMINISTRATOR].permissions.add(*wanted)
