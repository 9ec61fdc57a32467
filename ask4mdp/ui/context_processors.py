from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from ask4mdp.accounts.roles import Role

# (url name, label, roles that see it; empty = every signed-in user). Apps add their entries here:
# one list, so the navigation bar is defined in one place.
NAVIGATION = [
    ("requests_app:dashboard", _("My requests"), {Role.RESEARCHER}),
    ("requests_app:expert_dashboard", _("Processing"), {Role.EXPERT}),
    ("requests_app:datateam_queue", _("Datateam review"), {Role.DATATEAM}),
    ("requests_app:implementation_dashboard", _("Implementation"),
     {Role.EXPERT, Role.PRINCIPAL_EXTRACTOR, Role.ADHOC_EXTRACTOR, Role.PSEUDONYMISER, Role.INPUT_CHECKER,
      Role.DESKTOP_PREPARER, Role.ADMINISTRATOR}),
    ("outputs:my_projects", _("My projects"), {Role.RESEARCHER}),
    ("outputs:checker_queue", _("Output checking"), {Role.OUTPUT_CHECKER}),
    ("outputs:input_queue", _("Input checking"), {Role.INPUT_CHECKER, Role.ADMINISTRATOR}),
    ("outputs:release_log", _("Release log"), {Role.ADMINISTRATOR}),
    ("requests_app:admin_dashboard", _("All requests"), {Role.ADMINISTRATOR}),
    ("extraction:list", _("Extractions"),
     {Role.PRINCIPAL_EXTRACTOR, Role.ADHOC_EXTRACTOR, Role.PSEUDONYMISER, Role.EXPERT, Role.DATATEAM,
      Role.ADMINISTRATOR}),
    ("synthetic:index", _("Synthetic data"), {Role.EXPERT, Role.DATATEAM, Role.ADMINISTRATOR}),
]


def navigation(request):
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        roles = user.role_names
        for name, label, allowed in NAVIGATION:
            if allowed and not (roles & {str(r) for r in allowed}) and not user.is_superuser:
                continue
            try:
                items.append({"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))})
            except NoReverseMatch:  # the app providing it is not installed in this configuration
                continue
        unread = user.notifications.filter(read_at=None).count()
    else:
        unread = 0
    return {"nav_items": items, "unread_notifications": unread}
