"""Celery tasks: primary keys in, one service call."""

from celery import shared_task


@shared_task
def run_output_checks(output_request_id: int) -> None:
    from .services import output_checks_run

    output_checks_run(output_request_id=output_request_id)


@shared_task
def run_input_checks(input_file_id: int) -> None:
    from .services import input_file_check

    input_file_check(input_file_id=input_file_id)


# Pseudonymising needs the master secret, which only the extraction worker holds: routed to the
# ``extraction`` queue in settings.CELERY_TASK_ROUTES.
@shared_task
def deliver_input_file(input_file_id: int) -> None:
    from .services import input_file_deliver

    input_file_deliver(input_file_id=input_file_id)
