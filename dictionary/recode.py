"""Recode rules: how a granularity's codes are derived from the detailed coding.

A rule is plain JSON, stored on ``Granularity.recode`` and copied into the manifest, so that every
engine (this reference implementation, the DuckDB pipeline in ``extraction``) applies the same
rule. The golden vectors in ``dictionary/tests/test_recode.py`` pin the behaviour; an engine that
implements a rule must pass them.

Rules (``None`` in gives ``None`` out, always):

``{"type": "identity"}``
    the value unchanged.
``{"type": "map", "map": {"<detailed>": "<code>", …}, "default": "<code>"|null}``
    a recode table; keys are compared as strings; values not in the table give ``default``.
``{"type": "intervals", "breaks": [b1, …, bn], "codes": [c0, …, cn]}``
    numeric classes closed on the left: ``v < b1`` → c0; ``b(i) <= v < b(i+1)`` → ci; ``v >= bn`` → cn.
``{"type": "prefix", "length": n}``
    the first n characters of the string (e.g. a NACE division from a 4-digit class).
``{"type": "round", "base": b}``
    the nearest multiple of b, halves rounded away from zero (DuckDB's ``round``; not Polars'
    half-to-even), as a number.
``{"type": "date_trunc", "unit": "year"|"month"}``
    an ISO date cut to ``YYYY`` or ``YYYY-MM`` (a string).
"""

import datetime
import decimal
from typing import Any

RULE_TYPES = ("identity", "map", "intervals", "prefix", "round", "date_trunc")


class RecodeError(ValueError):
    pass


def validate_rule(rule: dict) -> dict:
    """Return the rule when it is well formed, else raise ``RecodeError`` saying what is wrong."""
    if not isinstance(rule, dict):
        raise RecodeError("a recode rule must be a mapping")
    kind = rule.get("type", "identity") if rule else "identity"
    if kind not in RULE_TYPES:
        raise RecodeError(f"unknown recode type {kind!r} (expected one of {', '.join(RULE_TYPES)})")
    if kind == "map":
        table = rule.get("map")
        if not isinstance(table, dict) or not table:
            raise RecodeError("a map rule needs a non-empty 'map' table")
    elif kind == "intervals":
        breaks, codes = rule.get("breaks"), rule.get("codes")
        if not isinstance(breaks, list) or not isinstance(codes, list) or not breaks:
            raise RecodeError("an intervals rule needs 'breaks' and 'codes' lists")
        if len(codes) != len(breaks) + 1:
            raise RecodeError(
                f"an intervals rule needs one more code than breaks ({len(breaks)} breaks, "
                f"{len(codes)} codes)"
            )
        if any(not isinstance(b, int | float) for b in breaks) or sorted(breaks) != breaks:
            raise RecodeError("the breaks of an intervals rule must be increasing numbers")
    elif kind == "prefix":
        if not isinstance(rule.get("length"), int) or rule["length"] < 1:
            raise RecodeError("a prefix rule needs a positive integer 'length'")
    elif kind == "round":
        if not isinstance(rule.get("base"), int | float) or rule["base"] <= 0:
            raise RecodeError("a round rule needs a positive 'base'")
    elif kind == "date_trunc" and rule.get("unit") not in ("year", "month"):
        raise RecodeError("a date_trunc rule needs 'unit' year or month")
    return rule


def apply(rule: dict, value: Any) -> Any:
    """Recode one value (the reference semantics; engines recode whole columns)."""
    if value is None:
        return None
    kind = rule.get("type", "identity") if rule else "identity"
    if kind == "identity":
        return value
    if kind == "map":
        return rule["map"].get(str(value), rule.get("default"))
    if kind == "intervals":
        v = float(value)
        for i, b in enumerate(rule["breaks"]):
            if v < b:
                return rule["codes"][i]
        return rule["codes"][-1]
    if kind == "prefix":
        return str(value)[: rule["length"]]
    if kind == "round":
        base = decimal.Decimal(str(rule["base"]))
        q = (decimal.Decimal(str(value)) / base).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP)
        result = q * base
        return int(result) if result == result.to_integral_value() else float(result)
    if kind == "date_trunc":
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
        return f"{day.year:04d}" if rule["unit"] == "year" else f"{day.year:04d}-{day.month:02d}"
    raise RecodeError(f"unknown recode type {kind!r}")
