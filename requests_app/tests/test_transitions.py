"""Every transition: where it goes from, where it lands, who may fire it, what it needs."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django_fsm import TransitionNotAllowed, can_proceed

from requests_app.models import DataRequest, State
from requests_app.models.request import (
    eligibility_positive,
    every_variable_decided,
    has_approved_variable,
    has_variables,
)
from requests_app.services import may_fire
from requests_app.tests import factories as f


def has_transition_perm(method, user) -> bool:
    """What the services check: the transition exists from this state and the user may fire it."""
    return may_fire(method.__self__, method.__name__, user)


S = State


def fresh(req):
    return DataRequest.objects.get(pk=req.pk)


TABLE = [
    # transition, from, kwargs, to
    ("submit", S.DRAFT, {}, S.SUBMITTED),
    ("start_processing", S.ASSIGNED, {}, S.PROCESSING),
    ("return_to_researcher", S.PROCESSING, {"note": "more"}, S.RETURNED),
    ("resubmit", S.RETURNED, {}, S.PROCESSING),
    ("reject", S.PROCESSING, {"note": "no"}, S.REJECTED),
    ("reclassify", S.ASSIGNED, {"note": "aggregates"}, S.RECLASSIFIED),
    ("withdraw", S.RESEARCHER_CONFIRMATION, {}, S.WITHDRAWN),
    ("send_back", S.DATATEAM_REVIEW, {}, S.PROCESSING),
    ("flag_decisions", S.RESEARCHER_CONFIRMATION, {}, S.PROCESSING),
    ("confirm", S.RESEARCHER_CONFIRMATION, {}, S.CONFIRMED),
    ("start_implementation", S.CONFIRMED, {}, S.IMPLEMENTATION),
    ("finalise", S.IMPLEMENTATION, {}, S.FINALISED),
    ("activate", S.FINALISED, {}, S.ACTIVE),
    ("close", S.ACTIVE, {}, S.CLOSED),
    ("revoke", S.ACTIVE, {"note": "breach"}, S.REVOKED),
    ("start_amendment", S.ACTIVE, {}, S.PROCESSING),
]


@pytest.mark.parametrize("name,source,kwargs,target", TABLE, ids=[t[0] for t in TABLE])
def test_it_moves_along_each_transition(alice, erin, name, source, kwargs, target):
    req = f.force_state(f.draft(alice), source)
    DataRequest.objects.filter(pk=req.pk).update(expert=erin)
    req = fresh(req)
    getattr(req, name)(**kwargs)
    assert req.state == target


@pytest.mark.parametrize("name,source,kwargs,target", TABLE, ids=[t[0] for t in TABLE])
def test_it_refuses_each_transition_from_a_final_state(alice, name, source, kwargs, target):
    req = f.force_state(f.draft(alice), S.WITHDRAWN)
    with pytest.raises(TransitionNotAllowed):
        getattr(req, name)(**kwargs)


def test_it_assigns_and_hands_over_keeping_the_state(alice, erin, hugo):
    req = f.force_state(f.draft(alice), S.SUBMITTED)
    req.assign(expert=erin)
    assert (req.state, req.expert) == (S.ASSIGNED, erin)
    req = f.force_state(req, S.PROCESSING)
    req.hand_over(expert=hugo)
    assert (req.state, req.expert) == (S.PROCESSING, hugo)
    req.take(expert=erin)
    assert (req.state, req.expert) == (S.PROCESSING, erin)


def test_it_confirms_an_amendment_back_to_active(alice):
    req = f.force_state(f.draft(alice), S.ACTIVE)
    req.start_amendment()
    assert (req.state, req.version, req.is_amendment) == (S.PROCESSING, 2, True)
    req = f.force_state(req, S.RESEARCHER_CONFIRMATION)
    DataRequest.objects.filter(pk=req.pk).update(is_amendment=True)
    req = fresh(req)
    req.confirm()
    assert req.state == S.ACTIVE and not req.is_amendment


def test_it_counts_a_new_version_on_resubmission(alice):
    req = f.force_state(f.draft(alice), S.RETURNED)
    req.resubmit()
    assert req.version == 2


def test_it_needs_variables_to_submit(alice):
    req = f.draft(alice, variables=[])
    req.variables.all().delete()
    assert not has_variables(req)
    assert not can_proceed(req.submit)


def test_it_needs_positive_eligibility_and_decided_variables_to_go_to_the_datateam(alice, erin):
    req = f.processing(alice, erin)
    assert (
        not eligibility_positive(req) and not every_variable_decided(req) and not has_approved_variable(req)
    )
    assert not can_proceed(req.send_to_datateam)
    req = f.decide_all(req, erin)
    assert eligibility_positive(req) and every_variable_decided(req) and has_approved_variable(req)
    assert can_proceed(req.send_to_datateam)


def test_it_does_not_change_state_directly(alice):
    req = f.draft(alice)
    with pytest.raises(AttributeError):
        req.state = S.CONFIRMED


class TestPermissions:
    """Alice owns the request; Erin is its expert; Hugo another expert; Dana the datateam; Adam admin."""

    def test_it_lets_only_the_owner_submit(self, alice, ralph, erin):
        req = f.draft(alice, members=[ralph])
        assert has_transition_perm(req.submit, alice)
        assert not has_transition_perm(req.submit, ralph)
        assert not has_transition_perm(req.submit, erin)
        assert not has_transition_perm(req.submit, AnonymousUser())

    def test_it_lets_only_the_assigned_expert_or_an_administrator_decide(self, alice, erin, hugo, adam, dana):
        req = f.processing(alice, erin)
        for name in ("reject", "reclassify", "return_to_researcher", "send_to_datateam", "hand_over"):
            method = getattr(req, name)
            assert has_transition_perm(method, erin), name
            assert has_transition_perm(method, adam), name
            assert not has_transition_perm(method, hugo), name
            assert not has_transition_perm(method, dana), name
            assert not has_transition_perm(method, alice), name

    def test_it_lets_experts_of_the_domains_take(self, alice, erin, hugo):
        req = f.processing(alice, erin, variables=["i_age", "sex", "diagnosis"])
        assert req.other_domains == ["health"]
        assert has_transition_perm(req.take, hugo)
        req2 = f.processing(alice, erin, acronym="EVAL_CP")
        assert not has_transition_perm(req2.take, hugo)  # labour market only

    def test_it_applies_four_eyes_to_the_datateam(self, alice, erin, dana):
        from django.contrib.auth.models import Group

        req = f.in_review(alice, erin)
        assert has_transition_perm(req.validate, dana)
        assert has_transition_perm(req.send_back, dana)
        erin.groups.add(Group.objects.get_or_create(name="datateam")[0])
        erin = type(erin).objects.get(pk=erin.pk)
        assert not has_transition_perm(req.validate, erin)
        assert not has_transition_perm(req.send_back, erin)

    def test_it_lets_only_the_owner_confirm_or_flag(self, alice, ralph, erin, dana):
        req = f.awaiting_confirmation(alice, erin, dana, members=[ralph])
        for name in ("confirm", "flag_decisions", "withdraw"):
            assert has_transition_perm(getattr(req, name), alice)
            assert not has_transition_perm(getattr(req, name), ralph)
            assert not has_transition_perm(getattr(req, name), erin)

    def test_it_lets_only_administrators_revoke(self, alice, erin, adam):
        req = f.force_state(f.draft(alice), S.ACTIVE)
        assert has_transition_perm(req.revoke, adam)
        assert not has_transition_perm(req.revoke, erin)
        assert not has_transition_perm(req.revoke, alice)

    def test_it_refuses_an_inactive_user(self, alice):
        req = f.draft(alice)
        alice.is_active = False
        assert not has_transition_perm(req.submit, alice)
