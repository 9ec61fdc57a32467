"""Celery tasks of the implementation phase: thin (ids in, one service call).

``generate_contract`` goes to the ``documents`` queue (route in settings); ``close_expired_projects``
runs daily from Celery beat (``CELERY_BEAT_SCHEDULE``).
"""

from celery import shared_task


@shared_task(name="requests_app.implementation.tasks.generate_contract", acks_late=True)
def generate_contract(contract_id: int) -> str:
    from .services import contract_render

    return contract_render(contract_id=contract_id).status


@shared_task(name="requests_app.implementation.tasks.close_expired_projects")
def close_expired_projects() -> list[str]:
    from .services import close_expired_projects as close

    return close()
