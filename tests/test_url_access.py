"""Every URL, visited as an anonymous visitor and as each role, on the demo data.

The answer must be one a person can understand — 200, a redirect (to the login page for an
anonymous visitor), 403 (you may see this but not do it), 404 (you may not see it) or 405 (wrong
method) — and never a server error. A handful of pages are then checked precisely: each dashboard
for its own role, and the demo's active request and project for their owner and for an outsider.

A URL added without an entry in ``SAMPLE_KWARGS`` (when it takes arguments) fails the test.
"""

import io

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

PUBLIC = {
    "ui:home", "dictionary:index", "dictionary:versions", "dictionary:register", "dictionary:variable",
    "accounts:login", "accounts:signup", "accounts:signup_done", "accounts:password_reset",
    "accounts:password_reset_done", "accounts:password_reset_complete", "accounts:password_reset_confirm",
    "accounts:verify_email", "outputs:api_schema", "javascript-catalog", "set_language",
}
TOKEN_API = {"outputs:api_submit", "outputs:api_detail"}
SKIPPED = {"accounts:logout"}  # logging out mid-walk would change the persona

# persona -> demo account (ask4mdp/accounts/demo.py)
PERSONAS = {
    "researcher": "anna.becker@liser.lu",
    "outsider": "xavier.noel@uni.lu",
    "expert": "expert.labour@igss.lu",
    "datateam": "datateam@igss.lu",
    "principal_extractor": "extractor@igss.lu",
    "pseudonymiser": "pseudonymiser@igss.lu",
    "input_checker": "input.checker@igss.lu",
    "desktop_preparer": "desktop@igss.lu",
    "output_checker": "output.checker@igss.lu",
    "administrator": "admin@igss.lu",
}


def walk(patterns, ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, f"{ns}:{p.namespace}".strip(":") if p.namespace else ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{ns}:{p.name}" if ns else p.name), p


def first_pk(model, **filters):
    obj = model.objects.filter(**filters).order_by("pk").first()
    return obj.pk if obj else 999_999


@pytest.fixture
def demo(db, settings, tmp_path):
    """The demo data of every app, loaded through the apps' own loaders."""
    import importlib

    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    out = io.StringIO()
    for module_name in settings.ASK4MDP_DEMO_LOADERS:
        importlib.import_module(module_name).load(stdout=out)
    from requests_app.models import DataRequest

    active = DataRequest.objects.get(acronym="CLD")
    return {"request": active, "project": active.project}


def sample_kwargs(demo) -> dict:
    from dictionary.models import Variable
    from extraction.models import Extraction
    from outputs.models import ApiToken, InputFile, OutputFile, OutputRequest
    from requests_app.models import ArchivedDocument, RequestVariable
    from synthetic.models import LinkageRun, SyntheticDataset

    req, project = demo["request"], demo["project"]
    rv = first_pk(RequestVariable, request=req)
    doc = first_pk(ArchivedDocument, request=req)
    nationality = Variable.objects.select_related("register").get(name="I_nationality")
    dataset = first_pk(SyntheticDataset)
    r = {"pk": req.pk}
    p = {"pk": project.pk}
    return {
        "dictionary:register": {"code": nationality.register.code},
        "dictionary:variable": {"register": nationality.register.code, "name": nationality.name},
        "accounts:verify_email": {"token": "not-a-valid-token"},
        "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        "requests_app:archive_download": {"doc_pk": doc},
        "requests_app:detail": r,
        "requests_app:edit": {**r, "step": "project"},
        "requests_app:variables": r,
        "requests_app:variable_edit": {**r, "variable_pk": nationality.pk},
        "requests_app:variable_remove": {**r, "rv_pk": rv},
        "requests_app:submit": r,
        "requests_app:withdraw": r,
        "requests_app:version": {**r, "number": 1},
        "requests_app:message_post": r,
        "requests_app:processing": r,
        "requests_app:variable_decide": {**r, "rv_pk": rv},
        "requests_app:action": {**r, "name": "withdraw"},
        "requests_app:review": r,
        "requests_app:confirmation": r,
        "requests_app:document": {**r, "doc_pk": doc},
        "requests_app:manifest": {**r, "version": 1},
        "requests_app:implementation_detail": r,
        "requests_app:implementation_roles": r,
        "requests_app:implementation_take": {**r, "kind": "desktop"},
        "requests_app:implementation_desktop": r,
        "requests_app:implementation_extraction": r,
        "requests_app:implementation_contract": r,
        "requests_app:implementation_contract_download": {**r, "number": 1, "fmt": "pdf"},
        "requests_app:implementation_signature_download": {**r, "number": 1, "party": "researcher"},
        "requests_app:implementation_open": r,
        "requests_app:implementation_amend": r,
        "requests_app:implementation_breach": r,
        "outputs:project_detail": p,
        "outputs:request_create": p,
        "outputs:token_create": p,
        "outputs:token_revoke": {"pk": first_pk(ApiToken)},
        "outputs:request_detail": {"pk": first_pk(OutputRequest, project=project)},
        "outputs:file_decide": {"pk": first_pk(OutputFile)},
        "outputs:file_exception": {"pk": first_pk(OutputFile)},
        "outputs:file_download": {"pk": first_pk(OutputFile)},
        "outputs:input_upload": p,
        "outputs:input_detail": {"pk": first_pk(InputFile)},
        "outputs:api_detail": {"pk": first_pk(OutputRequest)},
        "extraction:detail": {"pk": first_pk(Extraction)},
        "synthetic:project": p,
        "synthetic:dataset_create": p,
        "synthetic:linkage_create": p,
        "synthetic:dataset": {"pk": dataset},
        "synthetic:dataset_submit": {"pk": dataset},
        "synthetic:linkage": {"pk": first_pk(LinkageRun)},
        "synthetic:report_pdf": {"kind": "dataset", "pk": dataset},
        "synthetic:figure": {"kind": "dataset", "pk": dataset, "name": "distributions"},
    }


def client_for(email: str | None) -> Client:
    from ask4mdp.accounts.models import User

    client = Client()
    if email is None:
        return client
    user = User.objects.get(email=email)
    client.force_login(user)
    if user.is_staff_role:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="url-test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def urls(demo):
    kwargs = sample_kwargs(demo)
    found = []
    for name, pattern in walk(get_resolver().url_patterns):
        if name.startswith("admin:") or name in SKIPPED:
            continue
        if pattern.pattern.converters or "<" in str(pattern.pattern):
            assert name in kwargs, f"{name} takes arguments: add it to SAMPLE_KWARGS in this test"
            found.append((name, reverse(name, kwargs=kwargs[name])))
        else:
            found.append((name, reverse(name)))
    return found


@pytest.mark.django_db
def test_it_answers_every_url_for_every_role(demo):
    login = reverse("accounts:login")
    problems = []
    visits = 0
    for persona, email in [("anonymous", None), *PERSONAS.items()]:
        client = client_for(email)
        for name, url in urls(demo):
            response = client.get(url)
            visits += 1
            status = response.status_code
            if status >= 500:
                problems.append(f"{persona} {name} {url}: server error {status}")
            elif persona == "anonymous":
                if name in PUBLIC:
                    expected = {400} if name == "accounts:verify_email" else {200, 302, 405}
                    if status not in expected:
                        problems.append(f"anonymous {name} {url}: {status}, expected {expected}")
                elif name in TOKEN_API:
                    if status not in (401, 403, 405):
                        problems.append(f"anonymous {name}: {status}, expected 401/403/405 without a token")
                elif status == 302:
                    if not response["Location"].startswith(login):
                        problems.append(f"anonymous {name}: redirected to {response['Location']}, not to login")
                elif status != 405:
                    problems.append(f"anonymous {name} {url}: {status}, expected a redirect to login")
            elif status not in (200, 302, 400, 401, 403, 404, 405):
                problems.append(f"{persona} {name} {url}: unexpected {status}")
    assert visits > 300
    assert problems == [], "\n".join(problems)


# (url name, persona, expected status): each dashboard for its role, and the demo's active request
EXPECTED = [
    ("requests_app:dashboard", "researcher", 200),
    ("requests_app:expert_dashboard", "expert", 200),
    ("requests_app:expert_dashboard", "researcher", 403),
    ("requests_app:datateam_queue", "datateam", 200),
    ("requests_app:datateam_queue", "researcher", 403),
    ("requests_app:admin_dashboard", "administrator", 200),
    ("requests_app:admin_dashboard", "expert", 403),
    ("requests_app:implementation_dashboard", "principal_extractor", 200),
    ("outputs:checker_queue", "output_checker", 200),
    ("outputs:checker_queue", "researcher", 403),
    ("outputs:input_queue", "input_checker", 200),
    ("outputs:input_queue", "researcher", 403),
    ("requests_app:detail", "researcher", 200),
    ("requests_app:detail", "expert", 200),
    ("requests_app:detail", "outsider", 404),
    ("requests_app:detail", "output_checker", 404),
    ("requests_app:processing", "researcher", 403),
    ("requests_app:implementation_detail", "principal_extractor", 200),
    ("requests_app:implementation_breach", "administrator", 200),
    ("requests_app:implementation_breach", "researcher", 403),
    ("outputs:project_detail", "researcher", 200),
    ("outputs:project_detail", "outsider", 404),
    ("outputs:request_create", "researcher", 200),
    ("outputs:request_create", "outsider", 404),
]


@pytest.mark.django_db
def test_each_page_answers_its_own_role_and_hides_from_outsiders(demo):
    kwargs = sample_kwargs(demo)
    wrong = []
    for name, persona, expected in EXPECTED:
        url = reverse(name, kwargs=kwargs.get(name))
        status = client_for(PERSONAS[persona]).get(url).status_code
        if status != expected:
            wrong.append(f"{persona} {name} {url}: {status}, expected {expected}")
    assert wrong == [], "\n".join(wrong)
