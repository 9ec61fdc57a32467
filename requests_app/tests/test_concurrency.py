"""Two people acting on the same request at once: exactly one wins, the other is told."""

import threading

import pytest
from django.db import connection

from requests_app import services
from requests_app.models import DataRequest, State
from requests_app.tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_datateam_members_win(alice, erin, dana):
    from tests.factories import staff

    david = staff("datateam", "david@igss.lu", full_name="David Datateam")
    req = f.in_review(alice, erin)
    # Each reviewer loaded the page (the same state) before either clicked.
    seen_by_dana = DataRequest.objects.get(pk=req.pk)
    seen_by_david = DataRequest.objects.get(pk=req.pk)
    barrier = threading.Barrier(2)
    results = {}

    def act(name, call):
        try:
            barrier.wait(timeout=30)
            call()
            results[name] = "won"
        except services.RequestChanged as exc:
            results[name] = f"lost: {exc}"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[name] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act, args=("dana", lambda: services.datateam_validate(request=seen_by_dana, actor=dana))
        ),
        threading.Thread(
            target=act,
            args=(
                "david",
                lambda: services.datateam_send_back(
                    request=seen_by_david, comment="Look again at the zipcode", actor=david
                ),
            ),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    outcomes = sorted(v.split(":")[0] for v in results.values())
    assert outcomes == ["lost", "won"], results
    req = DataRequest.objects.get(pk=req.pk)
    winner = next(k for k, v in results.items() if v == "won")
    assert req.state == (State.RESEARCHER_CONFIRMATION if winner == "dana" else State.PROCESSING)
    assert req.state_changes.filter(from_state=State.DATATEAM_REVIEW).count() == 1
    loser = next(v for v in results.values() if v.startswith("lost"))
    assert "Someone else has just changed this request" in loser


def test_it_refuses_a_stale_copy(alice, erin):
    req = f.processing(alice, erin)
    first, second = DataRequest.objects.get(pk=req.pk), DataRequest.objects.get(pk=req.pk)
    services.request_return_to_researcher(request=first, reason="More detail", actor=erin)
    with pytest.raises(services.RequestChanged):
        services.request_reject(request=second, reason="No", actor=erin)
    assert DataRequest.objects.get(pk=req.pk).state == State.RETURNED
