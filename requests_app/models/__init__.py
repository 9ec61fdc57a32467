"""The request life cycle's models; the implementation phase's models live in a sub-package."""

from .documents import ArchivedDocument, Manifest
from .processing import APPROVING_OUTCOMES, Decision, Message, Outcome, RequestVariable, ReviewComment
from .request import (
    DOCUMENT_SECTIONS,
    FINAL_STATES,
    MAX_PROBLEM_WORDS,
    SECTION_KEYS,
    WAITING_FOR_RESEARCHER,
    DataRequest,
    DataRequestGroupObjectPermission,
    DataRequestUserObjectPermission,
    RequestVersion,
    State,
    StateChange,
)

# isort: split
# The implementation phase's models, after ours (they refer to DataRequest).
from requests_app.implementation.models import *  # noqa: E402, F401, F403

__all__ = [
    "APPROVING_OUTCOMES",
    "DOCUMENT_SECTIONS",
    "FINAL_STATES",
    "MAX_PROBLEM_WORDS",
    "SECTION_KEYS",
    "WAITING_FOR_RESEARCHER",
    "ArchivedDocument",
    "DataRequest",
    "DataRequestGroupObjectPermission",
    "DataRequestUserObjectPermission",
    "Decision",
    "Manifest",
    "Message",
    "Outcome",
    "RequestVariable",
    "RequestVersion",
    "ReviewComment",
    "State",
    "StateChange",
]
