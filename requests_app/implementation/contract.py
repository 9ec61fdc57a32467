"""The confidentiality agreement: its wording, its mail-merge into DOCX and PDF, and signed-PDF checks.

Seed 000 ("Contractual guarantees"): the agreement is with the researcher's Luxembourg organisation,
states the researcher's obligations, says that failing them closes the virtual desktop at once for
the whole project, and always carries the closed list of variables as its annex. Seed 002 adds the
foreign researcher affiliated through an authorised domestic organisation, which takes
responsibility for them (its clause is added automatically), and exclusion for at least three years.

Everything here works on one plain ``dict`` (the *merge data*, stored with each generated contract):
the DOCX (docxtpl, from the template in ``requests_app/contract_templates/``) and the PDF (WeasyPrint,
from an HTML rendering) are both rendered from it, so they can never say different things.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

REPOSITORY_TEMPLATE = (
    Path(__file__).resolve().parent.parent / "contract_templates" / "confidentiality_agreement.docx"
)
PDF_TEMPLATE = "requests_app/implementation/contract_pdf.html"

# The default wording; an administrator's ContractTemplate may replace or extend it.
DEFAULT_CLAUSES: list[tuple[str, str]] = [
    (
        _("Confidentiality"),
        _(
            "The data made available for the project are confidential. They may be used only for the "
            "statistical or scientific purpose of the project described in the request, by the researchers "
            "named in this agreement."
        ),
    ),
    (
        _("Virtual desktop only"),
        _(
            "The data may be processed only inside the project's virtual desktop. The researchers shall not "
            "copy, download, photograph, print or otherwise take out of the desktop the data or any data set "
            "derived from them."
        ),
    ),
    (
        _("Personal logins"),
        _(
            "Each researcher's login to the virtual desktop is strictly personal and shall not be passed on "
            "to anyone, including another member of the team."
        ),
    ),
    (
        _("Output checking"),
        _(
            "Every result that a researcher wishes to take out of the desktop is submitted to the platform's "
            "output checkers and leaves it only once released. Results must be aggregated so that no person "
            "or enterprise can be identified, directly or indirectly. Every transfer is logged."
        ),
    ),
    (
        _("No re-identification"),
        _(
            "The researchers shall make no attempt to identify a person or an enterprise, nor to link the "
            "data with any other data not authorised for the project."
        ),
    ),
    (
        _("Closed list of variables"),
        _(
            "Access is limited to the variables, granularities and period listed in the annex. Any change "
            "is a new version of the request, examined again, and gives rise to a new agreement."
        ),
    ),
    (
        _("Access period"),
        _(
            "Access is given for the period stated above. At its end, access to the virtual desktop is "
            "removed and the project's pseudonymisation key is destroyed."
        ),
    ),
    (
        _("Breach"),
        _(
            "Any breach of this agreement results in the immediate closure of the virtual desktop for the "
            "whole project, even when the project involves several researchers. The person in breach is "
            "excluded from the platform for at least three years, and the organisation's authorisation may "
            "be withdrawn for a period."
        ),
    ),
    (
        _("Responsibility of the organisation"),
        _(
            "The organisation makes its researchers aware of these obligations, supervises or appoints a "
            "person to supervise that they are observed, and ensures that its publications contain no "
            "information identifying a person or an enterprise."
        ),
    ),
    (
        _("Applicable law"),
        _(
            "This agreement is governed by the law of the Grand Duchy of Luxembourg; its courts have "
            "jurisdiction over any dispute."
        ),
    ),
]

SPONSOR_CLAUSE: tuple[str, str] = (
    _("Responsibility for associated researchers"),
    _(
        "%(sponsor)s, the authorised domestic organisation through which %(researchers)s take part in the "
        "project, assumes the responsibility that all rules governing access to microdata are observed "
        "by them, informs them of these rules, and appoints a contact person for all contact between "
        "them and the platform."
    ),
)


def labels() -> dict[str, str]:
    """The document's fixed words, in the active language."""
    return {
        "title": str(_("Confidentiality agreement")),
        "reference": str(_("Reference")),
        "parties": str(_("Parties")),
        "and": str(_("and")),
        "represented_by": str(_("represented by")),
        "sponsored_intro": str(
            _(
                "Some researchers of the team belong to a foreign organisation and take "
                "part through the authorised domestic organisation above, which "
                "answers for them."
            )
        ),
        "project": str(_("Project")),
        "access_period": str(_("Access period")),
        "researchers": str(_("Researchers")),
        "name": str(_("Name")),
        "email": str(_("E-mail")),
        "organisation": str(_("Organisation")),
        "clauses": str(_("Obligations")),
        "signatures": str(_("Signatures")),
        "party": str(_("Party")),
        "date_signature": str(_("Date and signature")),
        "annex": str(_("Annex: closed list of variables")),
        "annex_intro": str(_("Only the following variables, at the granularity stated, are made available.")),
        "register": str(_("Register")),
        "variable": str(_("Variable")),
        "label": str(_("Label")),
        "granularity": str(_("Granularity")),
        "annex_note": str(_("* a coding that differs from the data dictionary's default.")),
        "generated": str(_("Generated")),
    }


def clauses_for(
    *, template_clauses: str = "", sponsor: str = "", sponsored_researchers: list[str] = ()
) -> list[dict]:
    """The numbered clauses: the template's own (``Title: text`` per paragraph) or the defaults."""
    pairs: list[tuple[str, str]] = []
    if template_clauses.strip():
        for block in re.split(r"\n\s*\n", template_clauses.strip()):
            title, sep, text = block.strip().partition(":")
            pairs.append((title.strip(), text.strip()) if sep else ("", block.strip()))
    else:
        pairs = [(str(t), str(x)) for t, x in DEFAULT_CLAUSES]
    if sponsor:
        title, text = SPONSOR_CLAUSE
        pairs.append(
            (str(title), str(text) % {"sponsor": sponsor, "researchers": ", ".join(sponsored_researchers)})
        )
    return [{"number": i, "title": t, "text": x} for i, (t, x) in enumerate(pairs, start=1)]


def render_docx(data: dict, template_path: Path | str | None = None) -> bytes:
    """Mail-merge the DOCX template with the merge data (docxtpl escapes every value)."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template_path or REPOSITORY_TEMPLATE))
    doc.render(data, autoescape=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_pdf(data: dict, language: str = "en") -> bytes:
    """The same merge data through HTML into a PDF (WeasyPrint, Debian's DejaVu fonts)."""
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(PDF_TEMPLATE, {"data": data, "language": language})
    return HTML(string=html).write_pdf()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- signed documents --------------------------------------------------------------------------------

MAX_SIGNED_PDF_BYTES = 20 * 1024 * 1024
_HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_OBJECT = re.compile(rb"\s*\d+\s+\d+\s+obj\b")


def pdf_problems(content: bytes, max_bytes: int = MAX_SIGNED_PDF_BYTES) -> list[str]:
    """Why this upload is not an acceptable signed PDF (empty list when it is).

    Checks the magic bytes, then the file's structure: the last ``startxref`` must point at a
    cross-reference table or stream inside the file, and a document catalogue must exist. If pypdf
    is installed it must also parse the file and find at least one page.
    """
    if not content:
        return [str(_("The file is empty."))]
    if len(content) > max_bytes:
        return [str(_("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)})]
    if not _HEADER.match(content[:8]):
        return [str(_("This is not a PDF file."))]
    tail = content[-2048:]
    match = _STARTXREF.search(tail)
    if not match:
        return [str(_("The PDF file is incomplete (no end-of-file marker)."))]
    offset = int(match.group(1))
    if offset <= 0 or offset >= len(content):
        return [str(_("The PDF file is damaged (its cross-reference offset is outside the file)."))]
    at = content[offset : offset + 40]
    if not (at.startswith(b"xref") or _OBJECT.match(at)):
        return [str(_("The PDF file is damaged (no cross-reference table where it should be)."))]
    if b"/Root" not in content:
        return [str(_("The PDF file is damaged (no document catalogue)."))]
    try:
        from pypdf import PdfReader  # optional: a full parse when available
    except ImportError:
        return []
    try:  # pragma: no cover - pypdf is not a dependency today
        if len(PdfReader(io.BytesIO(content), strict=True).pages) < 1:
            return [str(_("The PDF file has no page."))]
    except Exception:  # noqa: BLE001 - any parse error means a bad file
        return [str(_("The PDF file cannot be read."))]
    return []
