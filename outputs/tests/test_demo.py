import io

import pytest

from outputs import demo
from outputs.models import OutputFile, OutputRequest

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_does_nothing_without_an_active_project():
    out = io.StringIO()
    demo.load(stdout=out)
    assert "no active project" in out.getvalue()


def test_it_creates_requests_in_various_states_once(project, olga):
    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    assert OutputRequest.objects.filter(project=project).count() == 2
    assert OutputFile.objects.filter(decision=OutputFile.Decision.APPROVED).count() == 1
    assert OutputFile.objects.exclude(exception_justification="").count() == 1
