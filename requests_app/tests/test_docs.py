"""The committed permission matrix and FSM diagram are what the code says."""

from django.core.management import call_command

from requests_app.docgen import FSM_PATH, MATRIX_PATH, outputs


def test_it_matches_the_committed_docs_with_the_code():
    for path, text in outputs().items():
        assert path.read_text() == text, f"{path.name} is stale: run manage.py generate_docs"


def test_it_lists_every_transition_in_the_diagram_and_the_matrix():
    fsm, matrix = FSM_PATH.read_text(), MATRIX_PATH.read_text()
    for name in (
        "submit",
        "assign",
        "validate",
        "confirm",
        "start_implementation",
        "finalise",
        "activate",
        "close",
        "revoke",
        "start_amendment",
    ):
        assert f": {name}" in fsm
    assert "validate (not the request's expert)" in matrix
    assert "active --> processing: start_amendment" in fsm


def test_it_checks_with_the_command():
    call_command("generate_docs", "--check")
