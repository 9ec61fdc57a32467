"""``docs/permission-matrix.md`` and ``docs/fsm.md``, generated from the state machine itself.

The transitions' ``permission=Allowed(...)`` objects say which role (and which relation to the
request) may fire each transition; ``manage.py generate_docs`` writes both files, and a test fails
when the committed copies differ from what the code says.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django_fsm import State as ReturnState

from ask4mdp.accounts.roles import Role

from .models import FINAL_STATES, DataRequest, State

DOCS = Path(settings.BASE_DIR) / "docs"
MATRIX_PATH = DOCS / "permission-matrix.md"
FSM_PATH = DOCS / "fsm.md"


def transitions() -> list:
    field = DataRequest._meta.get_field("state")
    return sorted(field.get_all_transitions(DataRequest), key=lambda t: (t.name, str(t.source)))


def _targets(t) -> list[str]:
    if isinstance(t.target, ReturnState):
        return [str(s) for s in t.target.allowed_states]
    return [str(t.target)]


def _sources(t) -> list[str]:
    if t.source in ("*", "+"):
        return [s.value for s in State]
    return [str(t.source)]


def edges() -> list[tuple[str, str, str]]:
    out = set()
    for t in transitions():
        for source in _sources(t):
            for target in [source] if t.custom.get("keeps_state") else _targets(t):
                out.add((source, target, t.name))
    order = {s.value: i for i, s in enumerate(State)}
    return sorted(out, key=lambda e: (order[e[0]], order[e[1]], e[2]))


def render_fsm() -> str:
    lines = [
        "# The request's state machine",
        "",
        "Generated from `requests_app/models/request.py` by `manage.py generate_docs`; do not edit by hand.",
        "A test fails when this file differs from the code.",
        "",
        "```mermaid",
        "stateDiagram-v2",
        f"    [*] --> {State.DRAFT.value}",
    ]
    for source, target, name in edges():
        lines.append(f"    {source} --> {target}: {name}")
    for state in State:
        if state in FINAL_STATES:
            lines.append(f"    {state.value} --> [*]")
    lines += [
        "```",
        "",
        "## Transitions",
        "",
        "| transition | from | to | what it means |",
        "| --- | --- | --- | --- |",
    ]
    seen = {}
    for t in transitions():
        entry = seen.setdefault(
            t.name, {"sources": [], "targets": set(), "doc": (t.method.__doc__ or "").strip()}
        )
        entry["sources"] += _sources(t)
        entry["targets"].update(_sources(t) if t.custom.get("keeps_state") else _targets(t))
    for name, e in seen.items():
        doc = " ".join(e["doc"].split())
        lines.append(f"| `{name}` | {', '.join(e['sources'])} | {', '.join(sorted(e['targets']))} | {doc} |")
    lines.append("")
    return "\n".join(lines)


def render_matrix() -> str:
    roles = list(Role)
    header = "| state | " + " | ".join(r.value for r in roles) + " |"
    lines = [
        "# Permission matrix: who may do what, in which state",
        "",
        "Generated from the transitions' `permission=` in `requests_app/models/request.py` by",
        "`manage.py generate_docs`; do not edit by hand. A test fails when this file differs from the code.",
        "Each cell lists the transitions a role may fire in that state, with the relation to the request",
        "the role must also have (*own request*, *assigned expert*, *not the request's expert*: four eyes).",
        "Services check the same permission before firing a transition.",
        "",
        header,
        "| " + " | ".join(["---"] * (len(roles) + 1)) + " |",
    ]
    all_t = transitions()
    for state in State:
        cells = []
        for role in roles:
            actions = []
            for t in all_t:
                if state.value not in _sources(t) or t.permission is None:
                    continue
                relation = t.permission.describe(role.value)
                if relation is None:
                    continue
                actions.append(f"{t.name} ({relation})" if relation else t.name)
            cells.append("<br>".join(sorted(actions)) or "—")
        lines.append(f"| {state.value} | " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def outputs() -> dict[Path, str]:
    return {MATRIX_PATH: render_matrix(), FSM_PATH: render_fsm()}
