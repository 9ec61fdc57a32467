import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ask4mdp.audit.models import AuditEvent
from requests_app.implementation import contract as contract_doc
from requests_app.implementation import services
from requests_app.implementation.models import ContractSignature, ContractTemplate, SignatureParty
from tests.factories import AffiliationFactory, OrganisationFactory, researcher

from .helpers import CONTRACT_DATA, docx_text, in_implementation, pdf_text, tiny_pdf


def _generated(request, alice):
    services.contract_details_save(request=request, data=CONTRACT_DATA, actor=alice)
    return services.contract_render(contract_id=services.latest_contract(request).pk)


def test_it_mail_merges_the_docx_and_the_pdf_with_names_dates_and_variables(
    alice, ralph, erin, dana, paul, pia, ian, desmond, tmp_path
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, members=[ralph])
    contract = _generated(request, alice)
    assert contract.status == "generated"
    docx = contract.docx.read()
    pdf = contract.pdf.read()
    assert (
        contract_doc.sha256(docx) == contract.docx_sha256 and contract_doc.sha256(pdf) == contract.pdf_sha256
    )
    project = request.project
    for text in (docx_text(docx), " ".join(pdf_text(pdf, tmp_path).split())):
        assert "Luxembourg Institute of Socio-Economic Research" in text
        assert "Sonia Director" in text and "Alice Martin" in text and "Ralph Weber" in text
        assert project.reference in text
        # the access period (January 1, 2026 – December 31, 2027 in English dates)
        assert "2026" in text and "2027" in text and "Dec" in text
        # the closed list of variables as the annex, a non-default coding marked
        assert "i_age" in text and "sex" in text and "SOCIO" in text
        assert "immediate closure of the virtual desktop" in text.replace("\n", " ")
        assert "{{" not in text and "{%" not in text
    assert "Responsibility for associated researchers" not in docx_text(docx)


def test_it_adds_the_responsibility_clause_for_a_foreign_researcher(
    alice, erin, dana, paul, pia, ian, desmond, liser, tmp_path
):
    foreign = researcher(
        "frank@univ.fr",
        organisation=OrganisationFactory(foreign=True, name="Université de Lille"),
        full_name="Frank Dubois",
    )
    foreign.affiliations.all().delete()
    AffiliationFactory(
        user=foreign,
        organisation=OrganisationFactory(foreign=True, name="Université de Lille"),
        sponsor=liser,
    )
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, members=[foreign])
    text = docx_text(_generated(request, alice).docx.read())
    assert "Responsibility for associated researchers" in text
    assert "Frank Dubois" in text and "Luxembourg Institute of Socio-Economic Research" in text


def test_it_uses_an_administrators_template_for_the_organisation_type(
    alice, erin, dana, paul, pia, ian, desmond, tmp_path
):
    ContractTemplate.objects.create(
        name="Universities",
        org_type="university",
        clauses="Special care: The university keeps a register of its users.",
    )
    ContractTemplate.objects.create(
        name="Enterprises", org_type="enterprise", clauses="Other: never used here."
    )
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    contract = _generated(request, alice)
    assert contract.template.name == "Universities"
    text = docx_text(contract.docx.read())
    assert "The university keeps a register of its users." in text and "never used here" not in text
    assert "Special care" in " ".join(pdf_text(contract.pdf.read(), tmp_path).split())


def test_it_renders_the_contract_in_french(alice, erin, dana, paul, pia, ian, desmond, tmp_path):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    services.contract_details_save(request=request, data={**CONTRACT_DATA, "language": "fr"}, actor=alice)
    contract = services.contract_render(contract_id=services.latest_contract(request).pk)
    assert "Accord de confidentialité" in docx_text(contract.docx.read())


def test_it_schedules_the_generation_after_the_commit(
    alice, erin, dana, paul, pia, ian, desmond, django_capture_on_commit_callbacks
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_details_save(request=request, data=CONTRACT_DATA, actor=alice)
    assert services.latest_contract(request).status == "generated"  # eager Celery ran the task


def test_it_lets_only_the_researcher_fill_in_the_contract_details(
    alice, ralph, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, members=[ralph])
    for intruder in (ralph, erin, paul):
        with pytest.raises(PermissionDenied):
            services.contract_details_save(request=request, data=CONTRACT_DATA, actor=intruder)


def test_it_refuses_details_with_a_bad_email(alice, erin, dana, paul, pia, ian, desmond):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    with pytest.raises(ValidationError) as exc:
        services.contract_details_save(
            request=request, data={**CONTRACT_DATA, "signatory_email": "nope"}, actor=alice
        )
    assert "signatory_email" in exc.value.message_dict


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello, this is not a PDF",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",  # no trailer
        b"%PDF-1.7\n1 0 obj\n<< /Root 1 0 R >>\nendobj\nstartxref\n999999\n%%EOF\n",  # outside the file
        b"%PDF-1.4\n" + b"x" * 100 + b"\nstartxref\n20\n%%EOF\n",  # points at garbage
        b"PK\x03\x04 a zip renamed .pdf",
    ],
)
def test_it_refuses_a_signed_copy_that_is_not_a_real_pdf(content):
    assert contract_doc.pdf_problems(content)


def test_it_accepts_real_pdfs_and_refuses_oversized_ones():
    pdf = tiny_pdf()
    assert contract_doc.pdf_problems(pdf) == []
    assert contract_doc.pdf_problems(pdf, max_bytes=100)


def test_it_stores_each_partys_signed_copy_with_its_hash(
    alice, ralph, erin, hugo, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, members=[ralph])
    contract = _generated(request, alice)
    pdf = tiny_pdf("signed by Erin")
    with pytest.raises(PermissionDenied):
        services.signature_upload(
            contract=contract, party=SignatureParty.PLATFORM, signer_name="x", content=pdf, actor=alice
        )
    with pytest.raises(PermissionDenied):
        services.signature_upload(
            contract=contract, party=SignatureParty.RESEARCHER, signer_name="x", content=pdf, actor=ralph
        )
    with pytest.raises(ValidationError):
        services.signature_upload(
            contract=contract,
            party=SignatureParty.PLATFORM,
            signer_name="Erin",
            content=b"not a pdf",
            actor=erin,
        )
    signature = services.signature_upload(
        contract=contract, party=SignatureParty.PLATFORM, signer_name="Erin", content=pdf, actor=erin
    )
    assert (
        signature.sha256 == contract_doc.sha256(pdf) and signature.size == len(pdf) and signature.is_intact()
    )
    with pytest.raises(ValidationError):  # once per party
        services.signature_upload(
            contract=contract, party=SignatureParty.PLATFORM, signer_name="Erin", content=pdf, actor=erin
        )
    assert AuditEvent.objects.filter(action="implementation.contract_signed").exists()
    assert ContractSignature.objects.filter(contract=contract).count() == 1


def test_it_supersedes_an_unsigned_contract_when_regenerated(alice, erin, dana, paul, pia, ian, desmond):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    first = _generated(request, alice)
    with pytest.raises(PermissionDenied):
        services.contract_generate(request=request, actor=alice)
    second = services.contract_generate(request=request, actor=erin)
    first.refresh_from_db()
    assert first.status == "superseded" and second.number == 2
    assert services.latest_contract(request) == second


def test_it_lays_out_the_repository_template_reproducibly(tmp_path):
    from requests_app.contract_templates.build_templates import build

    built = build(tmp_path / "t.docx")
    assert docx_text(built.read_bytes()) == docx_text(contract_doc.REPOSITORY_TEMPLATE.read_bytes())
    assert datetime.date.today()  # the script needs nothing but python-docx
