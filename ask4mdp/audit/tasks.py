import logging

from celery import shared_task

from .services import verify_chain

logger = logging.getLogger(__name__)


@shared_task
def verify_audit_chain() -> int:
    """Nightly: report a broken chain loudly (an operator alert)."""
    problems = list(verify_chain())
    for problem in problems:
        logger.error("audit chain: %s", problem)
    return len(problems)
