"""The implementation demo after the real demo data of accounts, dictionary and the life cycle."""

import io

from requests_app.models import DataRequest, State


def test_it_follows_the_life_cycle_demo(db):
    from ask4mdp.accounts import demo as accounts_demo
    from dictionary import demo as dictionary_demo
    from requests_app import demo as requests_demo
    from requests_app.implementation import demo

    out = io.StringIO()
    for module in (accounts_demo, dictionary_demo, requests_demo, demo):
        module.load(stdout=out)
    states = dict(DataRequest.objects.values_list("acronym", "state"))
    assert states["CLD"] == State.ACTIVE
    assert states.get("TRAJ_XB_FR") == State.IMPLEMENTATION
    assert states.get("CASiNO") == State.CLOSED
    demo.load(stdout=out)  # idempotent
    assert dict(DataRequest.objects.values_list("acronym", "state")) == states
