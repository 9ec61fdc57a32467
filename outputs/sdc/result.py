"""The result of checking one statistical output: what ``sdc_check`` prints and what is stored."""

from dataclasses import dataclass, field
from typing import Any

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
    summary: str = ""
    checks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    # The table itself (for display and for the differencing detector).
    table: dict | None = None
    dof: int | None = None
    definition: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {
            "status": self.status,
            "summary": self.summary,
            "statistic": self.statistic,
            "checks": self.checks,
            "cells": [c.as_dict() for c in self.cells],
            "notes": self.notes,
            "parameters": self.parameters,
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
        parts = [
            f"{rule}: {self.checks[rule]} cells {'fail' if status == 'fail' else 'need review'}"
            for rule, status in failing.items()
        ]
        self.summary = f"{self.status}; " + "; ".join(parts) if parts else self.status
        return self
