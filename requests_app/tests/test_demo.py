"""The demo requests: every state of the first half of the life cycle, through the services."""

import io

from requests_app import demo
from requests_app.models import DataRequest


def test_it_loads_requests_in_every_state_idempotently(db, django_capture_on_commit_callbacks):
    from ask4mdp.accounts import demo as accounts_demo
    from dictionary import demo as dictionary_demo

    out = io.StringIO()
    accounts_demo.load(stdout=out)
    dictionary_demo.load(stdout=out)
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(stdout=out)
    states = set(DataRequest.objects.values_list("state", flat=True))
    assert states == {
        "draft",
        "submitted",
        "assigned",
        "processing",
        "datateam_review",
        "researcher_confirmation",
        "confirmed",
        "returned",
        "rejected",
        "reclassified",
        "withdrawn",
    }, out.getvalue()
    eval_cai = DataRequest.objects.get(acronym="Eval_CAI")
    assert eval_cai.version == 2 and eval_cai.versions.count() == 2
    cld = DataRequest.objects.get(acronym="CLD")
    assert cld.manifests.exists() and cld.project is not None
    count = DataRequest.objects.count()
    demo.load(stdout=out)
    assert DataRequest.objects.count() == count
