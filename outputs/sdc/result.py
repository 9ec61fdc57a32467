"""The result of checking one statistical output: what ``sdc_check`` prints and what is stored."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message, store

# The rules, in the order they are reported. ``linked`` is a warning that never changes the verdict.
RULES = ("threshold", "nk_dominance", "p_ratio", "zeros", "negatives", "missing", "dof")

# Our rule names and ACRO 1.0.2's check names, for the comparison and for ACRO bundles.
ACRO_CHECK_TO_RULE = {
    "MinimumThresholdCheck": "threshold",
    "NKCheck": "nk_dominance",
    "PPercentCheck": "p_ratio",
    "PresenceOfZeroCheck": "zeros",
    "MissingCheck": "missing",
    "MinimumDoFCheck": "dof",
}

STATUS_ORDER = {"pass": 0, "review": 1, "fail": 2}
STATUS_WORDS = {"pass": gettext_noop("pass"), "review": gettext_noop("review"), "fail": gettext_noop("fail")}


def summary_message(status: str, details=()) -> Message:
    """"fail; threshold: 2 cells fail; …": the verdict, then what decided it."""
    word = Message(STATUS_WORDS.get(status, status))
    if not details:
        return word
    return Message(gettext_noop("%(status)s; %(details)s"), status=word, details=list(details))


def worst(statuses) -> str:
    result = "pass"
    for status in statuses:
        if STATUS_ORDER.get(status, 1) > STATUS_ORDER[result]:
            result = status
    return result


def label(value: Any) -> str:
    """A category as text: integers stay integers, floats that are whole numbers lose '.0'."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Cell:
    row: list[str]
    column: list[str]
    rules: list[str]
    count: int | None = None
    value: float | None = None

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "rules": self.rules,
            "count": self.count,
            "value": self.value,
        }


@dataclass
class CheckResult:
    statistic: str
    status: str = "pass"
    details: list[Message] = field(default_factory=list)  # what the summary says after the verdict
    checks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    cells: list[Cell] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    # The table itself (for display and for the differencing detector).
    table: dict | None = None
    dof: int | None = None
    definition: dict = field(default_factory=dict)

    @property
    def summary(self) -> Message:
        return summary_message(self.status, self.details)

    def as_dict(self) -> dict:
        data = {
            "status": self.status,
            "statistic": self.statistic,
            "checks": self.checks,
            "cells": [c.as_dict() for c in self.cells],
            "parameters": self.parameters,
            **store(summary=self.summary, notes=self.notes),
        }
        if self.dof is not None:
            data["dof"] = self.dof
        if self.table is not None:
            data["table"] = self.table
        if self.definition:
            data["definition"] = self.definition
        return data

    def finish(self, rule_status: dict[str, str]) -> "CheckResult":
        """Set the verdict from each failing rule's status and write the summary."""
        failing = {rule: status for rule, status in rule_status.items() if self.checks.get(rule)}
        self.status = worst(failing.values())
        self.details = [
            Message(
                gettext_noop("%(rule)s: %(count)s cells fail")
                if status == "fail"
                else gettext_noop("%(rule)s: %(count)s cells need review"),
                rule=rule,
                count=self.checks[rule],
            )
            for rule, status in failing.items()
        ]
        return self
