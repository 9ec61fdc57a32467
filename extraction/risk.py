"""The re-identification risk report (seed 000: simultaneous tests on age × nationality × residence
× gender).

For the quasi-identifiers a delivered file contains, records are grouped by their combination of
values (equivalence classes). A record in a class of size *n* has a prosecutor risk of 1/*n*: the
chance that someone who knows a person is in the file and knows their quasi-identifiers picks the
right record. The report gives the records in classes smaller than k (k = 2, 3, 5, 10), the
smallest classes, and the risk summary (maximum, mean, share of records above the threshold).

Person × month registers are assessed on one snapshot, the last month delivered (one record per
person); other files on the distinct persons (when a person pseudonym is delivered) or records.
"""
# ruff: noqa: S608 - DuckDB SQL over the warehouse, from identifiers checked against its columns (quote_ident)
# and quoted literals (literal); no text reaches it unquoted.

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string

from .recode_sql import literal, quote_ident

K_VALUES = (2, 3, 5, 10)
RISK_THRESHOLD = 0.2
SMALLEST = 10


def class_sizes_sql(
    source: str, qis: list[str], *, person: str | None, period: str | None
) -> tuple[str, str]:
    q = ", ".join(quote_ident(c) for c in qis)
    if period:
        p = quote_ident(period)
        base = f"(SELECT * FROM {source} WHERE {p} = (SELECT max({p}) FROM {source}))"
        scope = "snapshot"
    elif person:
        base = f"(SELECT DISTINCT {quote_ident(person)}, {q} FROM {source})"
        scope = "persons"
    else:
        base = source
        scope = "records"
    return f"SELECT {q}, count(*) AS n FROM {base} GROUP BY ALL", scope


def assess(
    con, parquet: Path, qis: list[str], *, register: str, person: str | None = None, period: str | None = None
) -> dict:
    source = f"read_parquet({literal(str(parquet))})"
    classes, scope = class_sizes_sql(source, qis, person=person, period=period)
    con.execute(f"CREATE OR REPLACE TEMP TABLE __classes AS {classes}")
    total, n_classes, min_n = con.execute(
        "SELECT coalesce(sum(n), 0), count(*), min(n) FROM __classes"
    ).fetchone()
    below = {}
    for k in K_VALUES:
        records, cls = con.execute(
            f"SELECT coalesce(sum(n), 0), count(*) FROM __classes WHERE n < {k}"
        ).fetchone()
        below[str(k)] = {
            "records": int(records),
            "classes": int(cls),
            "share": (records / total) if total else 0.0,
        }
    limit_k = int(1 / RISK_THRESHOLD)  # risk > 0.2 ⇔ class size < 5
    at_risk = con.execute(f"SELECT coalesce(sum(n), 0) FROM __classes WHERE n < {limit_k}").fetchone()[0]
    order = ", ".join(quote_ident(c) for c in qis)
    smallest = [
        {
            "values": dict(zip(qis, [None if v is None else str(v) for v in row[:-1]], strict=True)),
            "size": int(row[-1]),
        }
        for row in con.execute(
            f"SELECT {order}, n FROM __classes ORDER BY n, {order} LIMIT {SMALLEST}"
        ).fetchall()
    ]
    con.execute("DROP TABLE __classes")
    snapshot = None
    if period:
        snapshot = con.execute(
            f"SELECT strftime(max({quote_ident(period)}), '%Y-%m') FROM {source}"
        ).fetchone()[0]
    return {
        "register": register,
        "quasi_identifiers": qis,
        "scope": scope,
        "snapshot": snapshot,
        "records": int(total),
        "classes": int(n_classes),
        "below_k": below,
        "smallest_classes": smallest,
        "prosecutor": {
            "max_risk": (1 / min_n) if min_n else 0.0,
            "mean_risk": (n_classes / total) if total else 0.0,
            "records_above_threshold": int(at_risk),
            "share_above_threshold": (at_risk / total) if total else 0.0,
            "unique_records": below["2"]["records"],
        },
    }


def render_html(report: dict) -> str:
    """The fragment shown on the extraction page (also delivered as ``risk_report.html``)."""
    return render_to_string("extraction/_risk_report.html", {"report": report})
