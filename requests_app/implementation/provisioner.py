"""The virtual desktop provisioner: a small interface in front of whatever creates desktops.

Seed 000: one project ⇒ one virtual desktop ⇒ one login per researcher. The desktops themselves are
run by another system (at IGSS, the State's IT centre); this application only tells it what to do
and records what was done. ``ManualProvisioner`` (the default) does nothing by itself: it records
the step an operator performed by hand, with their note. A real system is plugged in with the
``ASK4MDP_DESKTOP_PROVISIONER`` setting (a dotted path to a class implementing ``Provisioner``).

Every method receives plain values, returns a ``StepResult`` and must be idempotent: the services
may call it again after a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_PROVISIONER = "requests_app.implementation.provisioner.ManualProvisioner"


@dataclass(frozen=True)
class StepResult:
    """What a provisioner did: ``done`` False means the step is still to be performed by someone."""

    done: bool
    detail: str = ""
    data: dict = field(default_factory=dict)


@runtime_checkable
class Provisioner(Protocol):
    """The operations the platform asks of a virtual desktop system."""

    name: str
    #: True when the steps are performed by a person and only recorded here.
    manual: bool

    def create_desktop(self, *, project_reference: str, delivery_dir: str, note: str = "") -> StepResult: ...

    def create_account(
        self, *, project_reference: str, login: str, full_name: str, email: str, note: str = ""
    ) -> StepResult: ...

    def install_software(
        self, *, project_reference: str, software: list[str], note: str = ""
    ) -> StepResult: ...

    def mount_delivery(self, *, project_reference: str, delivery_dir: str, note: str = "") -> StepResult: ...

    def remove_access(self, *, project_reference: str, logins: list[str], reason: str) -> StepResult: ...

    def destroy(self, *, project_reference: str, reason: str) -> StepResult: ...


class ManualProvisioner:
    """Records what an operator did by hand; the note is the operator's own account of the step."""

    name = "manual"
    manual = True

    def _recorded(self, what: str, note: str, **data) -> StepResult:
        return StepResult(done=True, detail=note or what, data={"recorded_by_hand": True, **data})

    def create_desktop(self, *, project_reference, delivery_dir, note=""):
        return self._recorded("desktop created", note, desktop=f"BV-{project_reference}")

    def create_account(self, *, project_reference, login, full_name, email, note=""):
        return self._recorded("account created", note, login=login)

    def install_software(self, *, project_reference, software, note=""):
        return self._recorded("software installed", note, software=list(software))

    def mount_delivery(self, *, project_reference, delivery_dir, note=""):
        return self._recorded("delivery folder mounted", note, delivery_dir=delivery_dir)

    def remove_access(self, *, project_reference, logins, reason):
        # Nobody can be trusted to remember: closing is recorded as *to be done* until an operator
        # confirms it, unless a real provisioner removes the access itself.
        return StepResult(done=False, detail=reason, data={"logins": list(logins), "recorded_by_hand": True})

    def destroy(self, *, project_reference, reason):
        return StepResult(done=False, detail=reason, data={"recorded_by_hand": True})


def get_provisioner() -> Provisioner:
    path = getattr(settings, "ASK4MDP_DESKTOP_PROVISIONER", "") or DEFAULT_PROVISIONER
    provisioner = import_string(path)()
    if not isinstance(provisioner, Provisioner):
        raise TypeError(f"{path} does not implement the Provisioner protocol")
    return provisioner


def desktop_login(email: str, project_reference: str) -> str:
    """One login per researcher *and* project: the same person has a different login per desktop."""
    local = re.sub(r"[^a-z0-9]", "", email.split("@")[0].lower())[:20] or "user"
    project = re.sub(r"[^a-z0-9]", "", project_reference.lower())[-12:]
    return f"{local}.{project}"
