"""The contract is mail-merged by a real Celery worker (queue ``documents``) after the commit."""

import pytest

from conftest import wait_for
from requests_app.implementation import services
from requests_app.implementation.models import Contract

from .helpers import CONTRACT_DATA, in_implementation


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_generates_the_contract_in_the_worker_after_the_commit(
    celery_worker_process, alice, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    services.contract_details_save(request=request, data=CONTRACT_DATA, actor=alice)
    contract = services.latest_contract(request)

    def generated():
        contract.refresh_from_db()
        return contract.status in (Contract.Status.GENERATED, Contract.Status.FAILED)

    wait_for(generated, timeout=120, message="the worker to generate the contract")
    assert contract.status == Contract.Status.GENERATED, contract.error
    assert contract.docx_sha256 and contract.pdf_sha256
    assert contract.data["organisation"]["legal_name"] == CONTRACT_DATA["organisation_legal_name"]
