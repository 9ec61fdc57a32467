"""The extraction worker's task: an id in, one service call (queue ``extraction``, acks late)."""

from celery import shared_task


@shared_task(name="extraction.tasks.run_extraction", acks_late=True, reject_on_worker_lost=True)
def run_extraction(extraction_id: int) -> None:
    from .services import extraction_run

    extraction_run(extraction_id=extraction_id)
