import io

from ask4mdp.projects.models import Project
from requests_app.implementation import demo, services
from requests_app.models import DataRequest, State
from requests_app.tests import factories as f


def test_it_takes_the_confirmed_demo_requests_through_the_implementation_idempotently(
    alice, erin, dana, paul, pia, ian, desmond
):
    requests = [f.confirmed(alice, erin, dana, acronym=a) for a in ("TWO", "CLD", "THREE")]
    out = io.StringIO()
    demo.load(stdout=out)
    states = [DataRequest.objects.get(pk=r.pk).state for r in requests]
    # CLD, the showcase, becomes the active project; then one in mixed states, one closed
    assert states == [State.IMPLEMENTATION, State.ACTIVE, State.CLOSED]
    mixed = {t.kind: t.status for t in services.tasks_of(requests[0]).values()}
    assert mixed == {"desktop": "validated", "extraction": "in_progress", "contract": "in_progress"}
    assert services.latest_contract(requests[0]).status == "generated"
    assert DataRequest.objects.get(pk=requests[1].pk).project.status == Project.Status.ACTIVE
    assert DataRequest.objects.get(pk=requests[2].pk).project.status == Project.Status.CLOSED
    demo.load(stdout=out)
    assert [DataRequest.objects.get(pk=r.pk).state for r in requests] == states
