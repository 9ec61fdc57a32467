from .models import Extraction
from .permissions import can_view, is_overseer


def extractions_for_user(user):
    qs = Extraction.objects.select_related("project").order_by("-created_at")
    if is_overseer(user):
        return qs
    return qs.filter(project__extraction_grants__user=user).distinct()


def get_visible_extraction(user, pk: int) -> Extraction | None:
    extraction = Extraction.objects.select_related("project", "created_by").filter(pk=pk).first()
    if extraction is None or not can_view(user, extraction.project):
        return None
    return extraction
