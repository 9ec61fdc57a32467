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
