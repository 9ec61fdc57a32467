"""Building blocks for the implementation tests: a request taken to each step through the services."""

from __future__ import annotations

import io

from requests_app.implementation import services
from requests_app.implementation.models import ImplementationRole as IR
from requests_app.implementation.models import SignatureParty
from requests_app.models import DataRequest
from requests_app.tests import factories as f

CONTRACT_DATA = {
    "organisation_legal_name": "Luxembourg Institute of Socio-Economic Research",
    "organisation_address": "11, Porte des Sciences\nL-4366 Esch-sur-Alzette",
    "registration_number": "J 45",
    "signatory_name": "Sonia Director",
    "signatory_position": "Chief executive officer",
    "signatory_email": "director@liser.lu",
    "contact_name": "",
    "contact_email": "",
    "language": "en",
}


def fresh(request: DataRequest) -> DataRequest:
    return DataRequest.objects.get(pk=request.pk)


def roles_for(*, paul, pia, ian, desmond, erin=None, adhoc=()):
    return {
        IR.THEMATIC_EXPERT: [erin] if erin else [],
        IR.PRINCIPAL_EXTRACTOR: [paul],
        IR.ADHOC_EXTRACTOR: list(adhoc),
        IR.PSEUDONYMISER: [pia],
        IR.INPUT_CHECKER: [ian],
        IR.DESKTOP_PREPARER: [desmond],
    }


def in_implementation(alice, erin, dana, paul, pia, ian, desmond, **kw) -> DataRequest:
    request = f.confirmed(alice, erin, dana, **kw)
    services.roles_save(
        request=request,
        assignments=roles_for(paul=paul, pia=pia, ian=ian, desmond=desmond, erin=erin),
        actor=erin,
    )
    return fresh(request)


def do_desktop(request, desmond, validate=True):
    for key in services.DESKTOP_KEYS:
        services.desktop_step(request=request, item=key, note=f"done: {key}", actor=desmond)
    if validate:
        services.desktop_validate(request=request, actor=desmond)
    return fresh(request)


def do_extraction(request, paul, validate=True):
    rows = services.extraction_checklist(services.current_manifest(request).data)
    services.extraction_check(request=request, keys=[r["key"] for r in rows], actor=paul)
    services.extraction_record_delivery(request=request, note="3 Parquet files, 1,204 rows", actor=paul)
    if validate:
        services.extraction_validate(request=request, actor=paul)
    return fresh(request)


def tiny_pdf(text: str = "signed") -> bytes:
    """A small but real PDF (WeasyPrint), as a signed copy would be."""
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def do_contract(request, alice, erin, sign=True):
    services.contract_details_save(request=request, data=CONTRACT_DATA, actor=alice)
    contract = services.latest_contract(request)
    # What the worker does after the commit (unit tests run inside one transaction).
    contract = services.contract_render(contract_id=contract.pk)
    if sign:
        pdf = tiny_pdf()
        services.signature_upload(
            contract=contract,
            party=SignatureParty.PLATFORM,
            signer_name="Erin Schmit",
            content=pdf,
            actor=erin,
        )
        services.signature_upload(
            contract=contract,
            party=SignatureParty.RESEARCHER,
            signer_name="Alice Martin",
            content=pdf,
            actor=alice,
        )
        services.signature_upload(
            contract=contract,
            party=SignatureParty.ORGANISATION,
            signer_name="Sonia Director",
            content=pdf,
            actor=alice,
        )
    return fresh(request)


def finalised(alice, erin, dana, paul, pia, ian, desmond, **kw) -> DataRequest:
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, **kw)
    do_desktop(request, desmond)
    do_extraction(request, paul)
    return do_contract(request, alice, erin)


def docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def pdf_text(content: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
