from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .permissions import can_see_risk
from .selectors import extractions_for_user, get_visible_extraction


@login_required
def extraction_list(request):
    return render(request, "extraction/list.html", {"extractions": extractions_for_user(request.user)[:200]})


@login_required
def extraction_detail(request, pk: int):
    extraction = get_visible_extraction(request.user, pk)
    if extraction is None:
        raise Http404
    context = {"extraction": extraction, "show_risk": can_see_risk(request.user, extraction.project)}
    if request.htmx:
        return render(request, "extraction/detail.html#status", context)
    return render(request, "extraction/detail.html", context)
