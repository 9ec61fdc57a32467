"""Differencing between a new table and the tables already released from the same data.

Every released table is kept with its definition and its cell counts. For a new table and each
released table computed from the same data file (same SHA-256), both are summed down to the
variables they have in common (down to the grand total when they share none); where their
populations differ (other filters, one category more or fewer), the difference between two matching
cells is the count of a population nobody has checked. A difference between 1 and threshold − 1
reveals a small cell: the new output is flagged for review. Identical populations (same filters and
categories) give identical margins and are not compared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message


@dataclass
class TableCounts:
    """A table's definition and its counts: ``cells`` is ``[(row labels, column labels, count)]``."""

    name: str
    variables: list[str]
    population: dict
    cells: list[tuple[list[str], list[str], int]]


def counts_from_result(table: dict) -> list[tuple[list[str], list[str], int]]:
    cells = []
    for i, row in enumerate(table["rows"]):
        for j, col in enumerate(table["columns"]):
            cells.append((list(row), list(col), int(table["counts"][i][j])))
    return cells


def _project(table: TableCounts, common: list[str]) -> dict[tuple, int]:
    totals: dict[tuple, int] = defaultdict(int)
    for row, col, count in table.cells:
        labels = dict(zip(table.variables, list(row) + list(col), strict=False))
        totals[tuple(labels[v] for v in common)] += count
    return totals


def find_differencing(new: TableCounts, released: list[TableCounts], threshold: int) -> list[dict]:
    findings = []
    for old in released:
        if _normal(new.population) == _normal(old.population) and sorted(new.variables) == sorted(
            old.variables
        ):
            continue
        common = [v for v in new.variables if v in old.variables]
        if _normal(new.population) == _normal(old.population):
            # Same population: margins agree whatever the variables, nothing new is revealed.
            continue
        new_totals, old_totals = _project(new, common), _project(old, common)
        for key in sorted(set(new_totals) & set(old_totals)):
            difference = abs(new_totals[key] - old_totals[key])
            if 0 < difference < threshold:
                findings.append(
                    {
                        "released": old.name,
                        "variables": common,
                        "cell": list(key),
                        "difference": difference,
                        "message": Message(
                            gettext_noop(
                                "combined with released output %(output)s, the cell %(cell)s differs by "
                                "%(difference)s (< %(threshold)s)"
                            ),
                            output=old.name,
                            cell=", ".join(f"{v}={k}" for v, k in zip(common, key, strict=True))
                            # Translators: the cell of a table summed down to its grand total
                            or Message(gettext_noop("total")),
                            difference=difference,
                            threshold=threshold,
                        ),
                    }
                )
    return findings


def _normal(population: dict) -> str:
    import json

    filters = sorted(json.dumps(f, sort_keys=True, default=str) for f in population.get("filters", []))
    categories = {k: sorted(map(str, v)) for k, v in (population.get("categories") or {}).items()}
    return json.dumps({"filters": filters, "categories": categories}, sort_keys=True)
