"""Celery tasks (default queue): primary keys in, one service call."""

from celery import shared_task


@shared_task
def synthesize_dataset(synthetic_dataset_id: int) -> None:
    from .services import synthetic_dataset_run

    synthetic_dataset_run(synthetic_dataset_id=synthetic_dataset_id)


@shared_task
def run_linkage_lab(linkage_run_id: int) -> None:
    from .services import linkage_run_execute

    linkage_run_execute(linkage_run_id=linkage_run_id)
