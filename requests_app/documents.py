"""The processing document and the closed list of variables: pre-filling, rendering, archiving.

PDFs are rendered with WeasyPrint by the ``documents`` worker after commit; each file is written
under ``settings.ARCHIVE_ROOT`` with its SHA-256 recorded, so an audit can re-check it later.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import DOCUMENT_SECTIONS, ArchivedDocument, DataRequest, Outcome


def prefill_sections(request: DataRequest) -> dict[str, str]:
    """What the decisions already say, section by section; the expert completes the rest."""
    period_from, period_to = request.effective_period
    rows = list(request.variables.select_related("variable__register", "approved_granularity"))
    lines = []
    for rv in rows:
        line = f"{rv.variable.register.code}.{rv.variable.name}: {rv.get_outcome_display()}"
        if rv.justification_comment:
            line += f" — {rv.justification_comment}"
        if rv.granularity_comment:
            line += f" ({rv.granularity_comment})"
        lines.append(line)
    measures = []
    if request.pseudonymised_variables:
        measures.append(
            _("Pseudonymised variables: %(v)s.") % {"v": ", ".join(request.pseudonymised_variables)}
        )
    if request.double_pseudonymised_registers:
        measures.append(
            _("Registers pseudonymised with a second key: %(v)s.")
            % {"v": ", ".join(request.double_pseudonymised_registers)}
        )
    for ind in request.derived_indicators or []:
        measures.append(
            _("Derived indicator %(name)s delivered without its base variables (%(base)s).")
            % {"name": ind.get("name"), "base": ", ".join(ind.get("base_variables", []))}
        )
    if request.sample_fraction is not None:
        measures.append(
            _("A sample of %(p)s of the persons instead of the full population.")
            % {"p": f"{float(request.sample_fraction):.0%}"}
        )
    if request.other_measures:
        measures.append(request.other_measures)
    registers = sorted({rv.variable.register.code for rv in rows if rv.is_approved})
    return {
        "description": f"{request.acronym} — {request.title}\n\n{request.research_problem}",
        "legitimacy": "\n".join(
            filter(None, [request.is_legitimate_comment, request.is_statistical_comment])
        ),
        "purpose": "\n".join(
            filter(
                None,
                [
                    request.needs_microdata_comment,
                    request.field_of_study,
                    _("Period: %(a)s – %(b)s")
                    % {
                        "a": f"{period_from:%m/%Y}" if period_from else "?",
                        "b": f"{period_to:%m/%Y}" if period_to else "?",
                    },
                ],
            )
        ),
        "proportionality": "\n".join(lines),
        "external_data": "\n".join(filter(None, [request.external_data, request.external_legal_basis]))
        or _("No external data."),
        "protection": "\n".join(measures)
        or _("No ad hoc measure beyond the dictionary's default granularities."),
        "pseudonymisation": _(
            "Person, company and job identifiers are pseudonymised with the project's own key (HMAC-SHA256)."
        ),
        "desktop": "\n".join(
            filter(
                None,
                [
                    _("Software: %(s)s") % {"s": request.software or "—"},
                    _("Accounts: %(n)s") % {"n": 1 + request.members.count()},
                ],
            )
        ),
        "sources": ", ".join(registers),
    }


def archive_bytes(
    *, request: DataRequest, kind: str, content: bytes, filename: str, version: int, actor=None
) -> ArchivedDocument:
    relative = Path(request.reference) / f"v{version}" / filename
    full = Path(settings.ARCHIVE_ROOT) / relative
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_bytes(content)
    return ArchivedDocument.objects.create(
        request=request,
        kind=kind,
        version=version,
        path=str(relative),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        created_by=actor,
    )


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def processing_pdf(request: DataRequest) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        sections = [(key, label, request.section(key)) for key, label in DOCUMENT_SECTIONS]
        return _pdf(
            "requests_app/pdf/processing.html",
            {
                "req": request,
                "sections": sections,
                "variables": request.variables.select_related("variable__register", "approved_granularity"),
                "comments": request.review_comments.select_related("author"),
            },
        )


def approved_rows(request: DataRequest) -> list[dict]:
    rows = []
    for rv in request.variables.select_related("variable__register", "granularity", "approved_granularity"):
        if rv.outcome not in (Outcome.APPROVED, Outcome.APPROVED_OTHER):
            continue
        granularity = rv.approved_granularity or rv.granularity or rv.variable.default_granularity
        rows.append(
            {
                "register": rv.variable.register.code,
                "variable": rv.variable.name,
                "label": rv.variable.label,
                "padlock": rv.variable.padlock,
                "granularity": granularity.code if granularity else "",
                "granularity_label": granularity.label if granularity else "",
                "outcome": rv.get_outcome_display(),
            }
        )
    return rows


def variable_list_csv(request: DataRequest) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=[
            "register",
            "variable",
            "label",
            "padlock",
            "granularity",
            "granularity_label",
            "outcome",
        ],
    )
    writer.writeheader()
    writer.writerows(approved_rows(request))
    return buffer.getvalue().encode("utf-8")


def variable_list_pdf(request: DataRequest) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _pdf("requests_app/pdf/variables.html", {"req": request, "rows": approved_rows(request)})
