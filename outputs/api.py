"""The token-authenticated JSON API used from inside a project's desktop (see docs/outputs-api.yaml).

A token belongs to one researcher on one project: it can submit that project's output requests and
read their status, nothing else. These views, and only these, are exempt from CSRF: they never read
a session cookie.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ask4mdp.ui.translation import shown

from . import selectors, services
from .models import ApiToken, OutputRequest
from .permissions import can_submit_outputs


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="ask4mdp outputs"'
    return response


def _token_required() -> JsonResponse:
    return _error(401, _("a valid, unexpired token is required (Authorization: Bearer …)"))


def _authenticate(request) -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = selectors.token_from_raw(header.removeprefix("Bearer ").strip())
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def _request_json(output_request: OutputRequest) -> dict:
    return {
        "id": output_request.pk,
        "project": output_request.project.reference,
        "title": output_request.title,
        "status": output_request.status,
        "url": reverse("outputs:request_detail", kwargs={"pk": output_request.pk}),
        "submitted_at": output_request.created_at.isoformat(),
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "kind": f.kind,
                "sha256": f.sha256,
                "check_status": f.check_status,
                "summary": shown(f.check_result, "summary"),
                "decision": f.decision,
            }
            for f in output_request.files.all()
        ],
    }


@csrf_exempt
@require_http_methods(["POST"])
def submit(request):
    token = _authenticate(request)
    if token is None:
        return _token_required()
    project = token.project
    if not can_submit_outputs(token.user, project):
        return _error(403, _("this token's researcher can no longer submit outputs for this project"))
    try:
        metadata = json.loads(request.POST.get("metadata") or "{}")
    except json.JSONDecodeError as exc:
        return _error(400, _("metadata is not valid JSON: %(error)s") % {"error": exc})
    if not isinstance(metadata, dict):
        return _error(
            400, _("metadata must be a JSON object mapping file names to {kind, spec, supporting_table}")
        )
    supporting = {f.name: f for f in request.FILES.getlist("supporting")}
    files = []
    for upload in request.FILES.getlist("files"):
        meta = metadata.get(upload.name) or {}
        if not isinstance(meta, dict):
            return _error(400, _("metadata for %(name)s must be an object") % {"name": upload.name})
        support_name = meta.get("supporting_table")
        if support_name and support_name not in supporting:
            return _error(
                400,
                _("supporting table %(name)s was not uploaded in 'supporting'") % {"name": support_name},
            )
        files.append(
            {
                "file": upload,
                "kind": meta.get("kind", "table"),
                "spec": meta.get("spec"),
                "supporting_table": supporting.get(support_name) if support_name else None,
            }
        )
    try:
        output_request = services.output_request_create(
            project=project,
            actor=token.user,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            files=files,
            acro_bundle=request.FILES.get("acro_bundle"),
            via_api=True,
        )
    except ValidationError as exc:
        return _error(400, " ".join(exc.messages))
    except PermissionDenied:
        return _error(403, _("not allowed"))
    output_request.refresh_from_db()
    return JsonResponse(_request_json(output_request), status=201)


@csrf_exempt
@require_GET
def detail(request, pk):
    token = _authenticate(request)
    if token is None:
        return _token_required()
    output_request = (
        OutputRequest.objects.filter(pk=pk, project=token.project).select_related("project").first()
    )
    if output_request is None:
        return _error(404, _("no such output request for this token's project"))
    return JsonResponse(_request_json(output_request))


@require_GET
def schema(request):
    path = Path(settings.BASE_DIR) / "docs" / "outputs-api.yaml"
    return HttpResponse(path.read_text(encoding="utf-8"), content_type="application/yaml; charset=utf-8")
