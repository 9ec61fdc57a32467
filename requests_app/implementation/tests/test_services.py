import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.shortcuts import get_perms

from ask4mdp.notifications.models import Notification
from requests_app.implementation import services
from requests_app.implementation.models import ImplementationTask, RoleAssignment
from requests_app.models import State
from requests_app.tests import factories as f

from .helpers import do_contract, do_desktop, do_extraction, fresh, in_implementation, roles_for


def test_it_saves_the_table_of_roles_and_starts_the_implementation(
    alice, erin, dana, paul, pia, ian, desmond
):
    request = f.confirmed(alice, erin, dana)
    services.roles_save(
        request=request,
        actor=erin,
        assignments=roles_for(paul=paul, pia=pia, ian=ian, desmond=desmond, erin=erin),
    )
    request = fresh(request)
    assert request.state == State.IMPLEMENTATION
    assert RoleAssignment.objects.filter(request=request).count() == 5
    tasks = services.tasks_of(request)
    assert set(tasks) == {"desktop", "extraction", "contract"}
    assert (
        tasks["desktop"].owner == desmond
        and tasks["extraction"].owner == paul
        and tasks["contract"].owner == erin
    )
    assert "view_datarequest" in get_perms(paul, request)
    assert "manage_project_inputs" in get_perms(ian, request.project)
    assert Notification.objects.filter(recipient=desmond, event="implementation_role_assigned").exists()


def test_it_refuses_a_table_without_required_roles_or_with_the_wrong_people(
    alice, erin, dana, paul, pia, ian, desmond
):
    request = f.confirmed(alice, erin, dana)
    with pytest.raises(ValidationError) as exc:
        services.roles_save(
            request=request,
            actor=erin,
            assignments=roles_for(paul=paul, pia=pia, ian=ian, desmond=desmond) | {"pseudonymiser": []},
        )
    assert "pseudonymiser" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.roles_save(
            request=request,
            actor=erin,
            assignments=roles_for(paul=desmond, pia=pia, ian=ian, desmond=desmond),
        )
    assert "principal_extractor" in exc.value.message_dict
    assert fresh(request).state == State.CONFIRMED


def test_it_lets_only_the_requests_expert_fill_in_the_roles(alice, erin, hugo, dana, paul, pia, ian, desmond):
    request = f.confirmed(alice, erin, dana)
    for intruder in (hugo, paul, alice):
        with pytest.raises(PermissionDenied):
            services.roles_save(
                request=request,
                actor=intruder,
                assignments=roles_for(paul=paul, pia=pia, ian=ian, desmond=desmond),
            )


def test_it_removes_the_rights_of_people_taken_off_the_table(alice, erin, dana, paul, pia, ian, desmond):
    from ask4mdp.accounts.roles import Role
    from tests.factories import staff

    other = staff(Role.DESKTOP_PREPARER, "dora@igss.lu", full_name="Dora Prep")
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    services.roles_save(
        request=request, actor=erin, assignments=roles_for(paul=paul, pia=pia, ian=ian, desmond=other)
    )
    assert "view_datarequest" not in get_perms(desmond, request)
    assert services.tasks_of(request)["desktop"].owner == other
    with pytest.raises(PermissionDenied):
        services.desktop_step(request=request, item="desktop_created", note="x", actor=desmond)


def test_it_records_the_desktop_steps_through_the_provisioner(
    alice, erin, dana, paul, pia, ian, desmond, ralph
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, members=[ralph])
    with pytest.raises(ValidationError):
        services.desktop_step(request=request, item="accounts_created", note="too early", actor=desmond)
    with pytest.raises(ValidationError):  # a manual step needs the operator's note
        services.desktop_step(request=request, item="desktop_created", note="", actor=desmond)
    with pytest.raises(PermissionDenied):
        services.desktop_step(request=request, item="desktop_created", note="x", actor=paul)
    do_desktop(request, desmond, validate=False)
    project = fresh(request).project
    logins = dict(project.memberships.values_list("user__email", "desktop_login"))
    assert set(logins) == {"alice@liser.lu", "ralph@liser.lu"}
    assert all(project.reference.lower().replace("-", "") in login for login in logins.values())
    assert project.desktop.steps.filter(action="create_account").count() == 2
    assert project.desktop.software == ["R", "Stata"]
    with pytest.raises(PermissionDenied):
        services.desktop_validate(request=request, actor=paul)
    services.desktop_validate(request=request, actor=desmond)
    project.desktop.refresh_from_db()
    assert project.desktop.status == "ready"
    assert services.tasks_of(request)["desktop"].is_validated


def test_it_refuses_to_validate_an_incomplete_desktop(alice, erin, dana, paul, pia, ian, desmond):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    services.desktop_step(request=request, item="desktop_created", note="created", actor=desmond)
    with pytest.raises(ValidationError):
        services.desktop_validate(request=request, actor=desmond)


def test_it_lets_only_the_principal_extractor_validate_a_complete_extraction(
    alice, erin, dana, paul, pia, ian, desmond
):
    from ask4mdp.accounts.roles import Role
    from tests.factories import staff

    adhoc = staff(Role.ADHOC_EXTRACTOR, "ada@igss.lu", full_name="Ada Hoc")
    request = f.confirmed(alice, erin, dana)
    services.roles_save(
        request=request,
        actor=erin,
        assignments=roles_for(paul=paul, pia=pia, ian=ian, desmond=desmond, adhoc=[adhoc]),
    )
    rows = services.extraction_checklist(services.current_manifest(request).data)
    assert rows and any(r["differs_from_default"] for r in rows)
    services.extraction_check(request=request, keys=[rows[0]["key"]], actor=adhoc)
    with pytest.raises(ValidationError):
        services.extraction_validate(request=request, actor=paul)  # not every variable checked
    with pytest.raises(ValidationError):
        services.extraction_check(request=request, keys=["NOPE.x"], actor=paul)
    do_extraction(request, paul, validate=False)
    with pytest.raises(PermissionDenied):
        services.extraction_validate(request=request, actor=adhoc)
    services.extraction_validate(request=request, actor=paul)
    assert services.tasks_of(request)["extraction"].validated_by == paul


@pytest.mark.parametrize(
    "order",
    [
        ("desktop", "extraction", "contract"),
        ("contract", "desktop", "extraction"),
        ("extraction", "contract", "desktop"),
        ("desktop", "contract", "extraction"),
    ],
)
def test_it_finalises_only_when_the_last_of_the_three_tasks_is_validated(
    order, alice, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    steps = {
        "desktop": lambda: do_desktop(request, desmond),
        "extraction": lambda: do_extraction(request, paul),
        "contract": lambda: do_contract(request, alice, erin),
    }
    for i, kind in enumerate(order):
        steps[kind]()
        request = fresh(request)
        validated = {t.kind for t in ImplementationTask.objects.filter(request=request, status="validated")}
        assert validated == set(order[: i + 1])
        assert request.state == (State.FINALISED if i == 2 else State.IMPLEMENTATION)
    contract = services.latest_contract(request)
    assert contract.status == "signed"
    assert Notification.objects.filter(recipient=alice, event="implementation_finalised").count() == 1


def test_it_sends_the_contract_when_the_last_of_the_other_tasks_is_validated(
    alice, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    do_contract(request, alice, erin, sign=False)
    contract = services.latest_contract(request)
    assert contract.status == "generated" and contract.sent_at is None
    do_desktop(request, desmond)
    contract.refresh_from_db()
    assert contract.status == "generated"
    do_extraction(request, paul)
    contract.refresh_from_db()
    assert contract.status == "sent" and contract.sent_at is not None
    assert Notification.objects.filter(recipient=alice, event="implementation_contract_sent").exists()


def test_it_sends_a_contract_generated_after_the_other_tasks_at_once(
    alice, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    do_desktop(request, desmond)
    do_extraction(request, paul)
    do_contract(request, alice, erin, sign=False)
    assert services.latest_contract(request).status == "sent"


def test_it_runs_the_extraction_engine_and_accepts_its_delivery(alice, erin, dana, paul, pia, ian, desmond):
    from extraction.models import Extraction
    from extraction.permissions import can_run

    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    assert services.extraction_engine_available()
    assert (
        can_run(paul, request.project)
        and can_run(pia, request.project)
        and not can_run(desmond, request.project)
    )
    extraction = services.extraction_run(request=request, actor=paul)
    task = services.tasks_of(request)["extraction"]
    assert task.extraction_id == extraction.pk and extraction.status == Extraction.Status.QUEUED
    assert extraction.manifest == services.current_manifest(request).data
    rows = services.extraction_checklist(services.current_manifest(request).data)
    services.extraction_check(request=request, keys=[r["key"] for r in rows], actor=paul)
    with pytest.raises(ValidationError):  # not delivered yet
        services.extraction_validate(request=request, actor=paul)
    Extraction.objects.filter(pk=extraction.pk).update(status=Extraction.Status.SUCCEEDED, progress=100)
    services.extraction_validate(request=request, actor=paul)
    assert services.tasks_of(request)["extraction"].is_validated
