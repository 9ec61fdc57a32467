"""With a real Celery worker: the notifications and the processing document leave after commit."""

import pytest

from conftest import wait_for
from requests_app import services
from requests_app.models import DataRequest
from requests_app.tests import factories as f


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_mails_and_archives_through_the_worker(celery_worker_process, alice, erin, dana, settings):
    mail_dir = celery_worker_process["mail_dir"]
    req = f.submitted(alice)
    wait_for(lambda: any(f"{req.reference} (CLD) submitted" in p.read_text() for p in mail_dir.glob("*.log")),
             message="the worker to e-mail the submission")
    services.request_start_processing(request=DataRequest.objects.get(pk=req.pk), actor=erin)
    req = f.decide_all(DataRequest.objects.get(pk=req.pk), erin)
    services.processing_send_to_datateam(request=req, actor=erin)
    services.datateam_validate(request=DataRequest.objects.get(pk=req.pk), actor=dana)
    doc = wait_for(lambda: req.archived_documents.filter(kind="processing").first(), timeout=120,
                   message="the worker to archive the processing document")
    assert len(doc.sha256) == 64 and doc.size > 1000
