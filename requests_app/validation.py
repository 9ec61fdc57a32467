"""What a request still lacks before it can be submitted, step by step (pure reads, no writes)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from ask4mdp.accounts.selectors import eligibility_problems

from .models import MAX_PROBLEM_WORDS, DataRequest
from .models.request import DICTIONARY_START

STEPS = ["project", "eligibility", "team", "variables"]


def count_words(text: str) -> int:
    """Counted as the live counter in static/js/ask4mdp.js counts: runs of non-blanks."""
    return len(re.findall(r"\S+", text or ""))


def member_problems(user) -> list[str]:
    return eligibility_problems(user)


def problems(request: DataRequest) -> dict[str, list[str]]:
    """Step → what is missing or wrong; empty lists everywhere when the request may be submitted."""
    out: dict[str, list[str]] = {step: [] for step in STEPS}
    p = out["project"]
    if not request.acronym.strip():
        p.append(_("The project acronym is required."))
    if not request.title.strip():
        p.append(_("The project title is required."))
    if not request.start_date or not request.end_date:
        p.append(_("The project start and end dates are required."))
    elif request.end_date < request.start_date:
        p.append(_("The project cannot end before it starts."))
    if not request.research_problem.strip():
        p.append(_("Describe the research problem."))
    elif count_words(request.research_problem) > MAX_PROBLEM_WORDS:
        p.append(_("The research problem has more than %(limit)s words.") % {"limit": MAX_PROBLEM_WORDS})
    if not request.population.strip():
        p.append(_("Describe the population concerned."))
    if not request.period_from or not request.period_to:
        p.append(_("The period covered by the data is required."))
    else:
        if request.period_to < request.period_from:
            p.append(_("The period covered cannot end before it starts."))
        if request.period_from < DICTIONARY_START:
            p.append(_("The data start in January 2002."))
    e = out["eligibility"]
    if not request.purpose.strip():
        e.append(_("State the statistical or scientific purpose."))
    if not request.microdata_need.strip():
        e.append(_("Explain why microdata are needed."))
    if not request.experience.strip():
        e.append(_("Describe the researchers' experience."))
    t = out["team"]
    if request.organisation_id is None:
        t.append(_("Choose the organisation responsible for the project."))
    elif not request.organisation.is_authorised():
        t.append(_("The organisation is not authorised."))
    for user in [request.researcher, *request.members.all()]:
        for problem in member_problems(user):
            t.append(_("%(person)s: %(problem)s.") % {"person": user.get_full_name(), "problem": problem})
    if request.external_data.strip() and not request.external_legal_basis.strip():
        t.append(_("Give the legal basis of the external data (e.g. the survey consent)."))
    v = out["variables"]
    rows = list(request.variables.select_related("variable"))
    if not rows:
        v.append(_("Choose at least one variable."))
    for rv in rows:
        if not rv.justification.strip():
            v.append(_("%(variable)s: the justification is required.") % {"variable": rv.variable.name})
        if rv.wants_change and not rv.change_justification.strip():
            v.append(_("%(variable)s: justify the change of values.") % {"variable": rv.variable.name})
        if rv.variable.padlock == 2 and not rv.need_to_know.strip():
            v.append(
                _("%(variable)s: two padlocks — state how need-to-know is respected.")
                % {"variable": rv.variable.name}
            )
    return out


def is_complete(request: DataRequest) -> bool:
    return not any(problems(request).values())
