import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ask4mdp.accounts.models import Organisation, Sanction, add_years
from ask4mdp.accounts.selectors import is_excluded
from ask4mdp.notifications.models import Notification
from ask4mdp.projects.models import Project
from pseudonym.services import is_key_destroyed, project_key_ensure
from requests_app import services as request_services
from requests_app.implementation import services
from requests_app.implementation.models import Breach, ExpiryReminder
from requests_app.models import DataRequest, State
from requests_app.tests import factories as f

from .helpers import finalised, fresh, roles_for

TODAY = timezone.localdate()
END = TODAY + datetime.timedelta(days=40)


def at(day: datetime.date, hour: int = 2):
    """A frozen clock on that day, in the platform's time zone."""
    return time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour))), tick=False
    )


@pytest.fixture
def team(alice, ralph, erin, dana, paul, pia, ian, desmond):
    return {
        "alice": alice,
        "ralph": ralph,
        "erin": erin,
        "dana": dana,
        "paul": paul,
        "pia": pia,
        "ian": ian,
        "desmond": desmond,
    }


def _active(team, start=None, end=datetime.date(2027, 12, 31)):
    start = start or TODAY
    t = team
    request = finalised(
        t["alice"], t["erin"], t["dana"], t["paul"], t["pia"], t["ian"], t["desmond"], members=[t["ralph"]]
    )
    assert request.state == State.FINALISED
    services.project_open(request=request, start=start, end=end, actor=t["erin"])
    return fresh(request)


def test_it_opens_the_finalised_project_for_a_possibly_shortened_period(team):
    request = _active(team, end=datetime.date(2027, 6, 30))
    project = request.project
    assert request.state == State.ACTIVE
    assert project.status == Project.Status.ACTIVE and project.is_active
    assert project.end == datetime.date(2027, 6, 30) and project.opened_at is not None
    assert project.memberships.count() == 2
    assert team["ralph"].has_perm("projects.submit_outputs", project)
    assert Notification.objects.filter(
        recipient=team["ralph"], event="implementation_project_opened"
    ).exists()


def test_it_refuses_to_extend_the_period_or_to_let_others_open_it(team):
    t = team
    request = finalised(t["alice"], t["erin"], t["dana"], t["paul"], t["pia"], t["ian"], t["desmond"])
    with pytest.raises(ValidationError) as exc:
        services.project_open(request=request, start=TODAY, end=datetime.date(2028, 6, 30), actor=t["erin"])
    assert "end" in exc.value.message_dict
    for intruder in (t["alice"], t["paul"], t["desmond"]):
        with pytest.raises(PermissionDenied):
            services.project_open(
                request=request, start=TODAY, end=datetime.date(2027, 6, 30), actor=intruder
            )
    assert fresh(request).state == State.FINALISED


def test_it_closes_expired_projects_with_a_frozen_clock(team):
    request = _active(team, end=END)
    project = request.project
    project_key_ensure(project=project, actor=None)
    assert services.close_expired_projects() == []
    # 30 days before: one reminder, sent once however often the job runs
    with at(END - datetime.timedelta(days=30)):
        services.close_expired_projects()
        services.close_expired_projects()
        assert ExpiryReminder.objects.filter(project=project, days_before=30).count() == 1
        assert (
            Notification.objects.filter(
                recipient=team["ralph"], event="implementation_expiry_reminder"
            ).count()
            == 1
        )
    with at(END - datetime.timedelta(days=7)):
        services.close_expired_projects()
        assert ExpiryReminder.objects.filter(project=project, days_before=7).count() == 1
    # the last day is still open
    with at(END, hour=22):
        assert services.close_expired_projects() == []
        assert fresh(request).state == State.ACTIVE
    with at(END + datetime.timedelta(days=1)):
        from requests_app.implementation.tasks import close_expired_projects

        assert close_expired_projects.delay().get() == [project.reference]
    request = fresh(request)
    project.refresh_from_db()
    assert request.state == State.CLOSED
    assert project.status == Project.Status.CLOSED and project.ended_at is not None
    assert not project.memberships.filter(access_removed_at=None).exists()
    assert not team["ralph"].has_perm("projects.submit_outputs", project)
    assert is_key_destroyed(project)
    assert project.desktop.status == "removal_pending"  # the manual provisioner: an operator confirms
    assert project.desktop.steps.filter(action="remove_access", done=False).exists()
    assert Notification.objects.filter(
        recipient=team["desmond"], event="implementation_remove_desktop"
    ).exists()
    assert Notification.objects.filter(
        recipient=team["alice"], event="implementation_project_closed"
    ).exists()
    services.desktop_confirm_removed(request=request, note="accounts disabled", actor=team["desmond"])
    project.desktop.refresh_from_db()
    assert project.desktop.status == "closed"


def test_it_tells_a_real_provisioner_to_remove_access(team, settings):
    settings.ASK4MDP_DESKTOP_PROVISIONER = (
        "requests_app.implementation.tests.fake_provisioner.RecordingProvisioner"
    )
    from .fake_provisioner import RecordingProvisioner

    RecordingProvisioner.calls.clear()
    request = _active(team, end=END)
    with at(END + datetime.timedelta(days=2)):
        services.close_expired_projects()
    actions = [c[0] for c in RecordingProvisioner.calls]
    assert actions[:1] == ["create_desktop"] and actions[-2:] == ["remove_access", "destroy"]
    assert set(RecordingProvisioner.calls[-2][1]["logins"]) == set(
        fresh(request).project.memberships.values_list("desktop_login", flat=True)
    )
    assert fresh(request).project.desktop.status == "closed"


def test_it_takes_an_amendment_through_processing_again_and_regenerates_the_contract(team):
    t = team
    request = _active(team, end=datetime.date(2027, 6, 30))
    with pytest.raises(PermissionDenied):
        services.amendment_start(request=request, reason="extension", actor=t["paul"])
    services.amendment_start(request=request, reason="An extension of six months", actor=t["alice"])
    request = fresh(request)
    assert request.state == State.PROCESSING and request.version == 2
    # the project stays open meanwhile
    assert request.project.status == Project.Status.ACTIVE
    DataRequest.objects.filter(pk=request.pk).update(end_date=datetime.date(2028, 6, 30))
    request = fresh(request)
    request_services.processing_send_to_datateam(request=request, actor=t["erin"])
    request_services.datateam_validate(request=fresh(request), actor=t["dana"])
    request_services.request_confirm(request=fresh(request), actor=t["alice"])
    request = fresh(request)
    assert request.state == State.ACTIVE
    # the daily job catches up with a confirmed amendment (the expert also has a button for it)
    assert services.apply_pending_amendments() in ([request.reference], [])
    contract = services.latest_contract(request)
    contract = services.contract_render(contract_id=contract.pk)
    assert contract.number == 2 and contract.request_version == 2
    assert contract.data["period"]["end"] == "2028-06-30"
    assert contract.status == "sent"  # the other tasks are long validated
    assert fresh(request).project.end == datetime.date(2028, 6, 30)
    assert services.amendment_confirmed(request=fresh(request), actor=t["erin"]) is None  # idempotent


def test_it_revokes_the_whole_project_on_a_breach_and_applies_the_sanctions(team, adam, charlie):
    t = team
    request = _active(team)
    project = request.project
    project_key_ensure(project=project, actor=None)
    other = f.submitted(t["ralph"], acronym="OTH")  # another open request of the person in breach
    with pytest.raises(PermissionDenied):
        services.breach_record(
            request=request, description="copied data", persons=[t["ralph"]], actor=t["erin"]
        )
    with pytest.raises(ValidationError):
        services.breach_record(request=request, description="copied data", persons=[charlie], actor=adam)
    with pytest.raises(ValidationError):
        services.breach_record(
            request=request, description="copied data", persons=[t["ralph"]], actor=adam, exclusion_years=2
        )
    breach = services.breach_record(
        request=request,
        description="Ralph photographed a table of microdata",
        persons=[t["ralph"]],
        actor=adam,
        withdraw_organisation_until=TODAY + datetime.timedelta(days=365),
    )
    request = fresh(request)
    project.refresh_from_db()
    assert request.state == State.REVOKED
    assert project.status == Project.Status.REVOKED
    # at once, for the whole team: Alice too
    assert not project.memberships.filter(access_removed_at=None).exists()
    assert not t["alice"].has_perm("projects.submit_outputs", project)
    assert is_key_destroyed(project)
    assert is_excluded(t["ralph"]) and not is_excluded(t["alice"])
    sanction = Sanction.objects.get(user=t["ralph"], kind="exclusion")
    assert sanction.is_breach and sanction.end == add_years(TODAY, 3)
    assert sanction.reference == request.reference
    liser = Organisation.objects.get(name="LISER")
    assert not liser.is_authorised()
    assert breach.exclusion_until == add_years(TODAY, 3)
    other = fresh(other)
    assert other.reference in breach.blocked_requests
    assert other.state in (State.REJECTED, State.REVOKED) or "Blocked" in other.decision_note
    assert Breach.objects.filter(project=project).count() == 1
    assert Notification.objects.filter(recipient=t["alice"], event="implementation_project_revoked").exists()


def test_it_blocks_the_implementation_of_a_request_whose_team_has_an_excluded_person(team, adam):
    from ask4mdp.accounts.services import person_exclude

    t = team
    request = f.confirmed(t["alice"], t["erin"], t["dana"], members=[t["ralph"]])
    person_exclude(
        user=t["ralph"],
        start=TODAY,
        end=add_years(TODAY, 3),
        reason="breach elsewhere",
        is_breach=True,
        actor=adam,
    )
    with pytest.raises(ValidationError, match="Ralph Weber"):
        services.roles_save(
            request=request,
            actor=t["erin"],
            assignments=roles_for(paul=t["paul"], pia=t["pia"], ian=t["ian"], desmond=t["desmond"]),
        )
    assert fresh(request).state == State.CONFIRMED
