"""Recode rules (``dictionary/recode.py``) compiled to DuckDB SQL expressions.

The reference semantics are ``dictionary.recode.apply``; the golden vectors pin both. Every
expression maps NULL to NULL, like the reference.
"""
# ruff: noqa: S608 - DuckDB SQL over the warehouse, from identifiers checked against its columns (quote_ident)
# and quoted literals (literal); no text reaches it unquoted.

from __future__ import annotations

import decimal

from dictionary.recode import validate_rule


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _typed_codes(codes: list) -> tuple[list[str], str]:
    """Literals of the codes and their common SQL type (VARCHAR unless all are numbers)."""
    present = [c for c in codes if c is not None]
    if present and all(isinstance(c, int) and not isinstance(c, bool) for c in present):
        return [literal(c) for c in codes], "BIGINT"
    if present and all(isinstance(c, int | float) and not isinstance(c, bool) for c in present):
        return [literal(float(c)) if c is not None else "NULL" for c in codes], "DOUBLE"
    return [literal(None if c is None else str(c)) for c in codes], "VARCHAR"


def compile_rule(rule: dict, column: str) -> str:
    """A SQL expression applying ``rule`` to the SQL expression ``column``."""
    rule = validate_rule(rule or {"type": "identity"})
    kind = rule.get("type", "identity") if rule else "identity"
    x = column
    if kind == "identity":
        return x
    if kind == "map":
        keys = list(rule["map"])
        lits, sql_type = _typed_codes([rule["map"][k] for k in keys] + [rule.get("default")])
        whens = " ".join(
            f"WHEN {literal(str(k))} THEN CAST({v} AS {sql_type})"
            for k, v in zip(keys, lits[:-1], strict=True)
        )
        return (
            f"CASE WHEN {x} IS NULL THEN NULL ELSE (CASE CAST({x} AS VARCHAR) {whens} "
            f"ELSE CAST({lits[-1]} AS {sql_type}) END) END"
        )
    if kind == "intervals":
        lits, sql_type = _typed_codes(list(rule["codes"]))
        v = f"CAST({x} AS DOUBLE)"
        whens = " ".join(
            f"WHEN {v} < {literal(float(b))} THEN CAST({c} AS {sql_type})"
            for b, c in zip(rule["breaks"], lits[:-1], strict=True)
        )
        return f"CASE WHEN {x} IS NULL THEN NULL {whens} ELSE CAST({lits[-1]} AS {sql_type}) END"
    if kind == "prefix":
        return f"substring(CAST({x} AS VARCHAR), 1, {int(rule['length'])})"
    if kind == "round":
        # Exact decimal arithmetic, halves away from zero (the reference uses Decimal ROUND_HALF_UP).
        # v is read as an integer V at 6 decimals (9 for large values); base = B / 10^d;
        # q = round_half_away(V·10^d / (B·10^scale)). BIGINT for ordinary magnitudes (fast), HUGEINT
        # for |v| ≥ 10^9.
        base = decimal.Decimal(str(rule["base"]))
        d = max(0, -base.as_tuple().exponent)
        b_int = int(base * (10**d))

        def quotient(int_type: str, scale: int) -> str:
            num = (
                f"(CAST(round(CAST({x} AS DOUBLE) * {10**scale}.0) AS {int_type}) * {10**d})"
                if int_type == "BIGINT"
                else f"(CAST(round(CAST({x} AS DECIMAL(38, 9)) * 1000000000) AS HUGEINT) * {10**d})"
            )
            den = b_int * 10**scale
            return f"(sign({num}) * ((abs({num}) * 2 + {den}) // {2 * den}))"

        fast, slow = quotient("BIGINT", 6), quotient("HUGEINT", 9)
        q = f"(CASE WHEN abs(CAST({x} AS DOUBLE)) < 1e9 THEN CAST({fast} AS HUGEINT) ELSE {slow} END)"
        if d == 0:
            return f"CAST({q} * {b_int} AS BIGINT)"
        return f"CAST(CAST({q} AS DECIMAL(38, 0)) * CAST({literal(str(base))} AS DECIMAL(38, {d})) AS DOUBLE)"
    if kind == "date_trunc":
        fmt = "%Y" if rule["unit"] == "year" else "%Y-%m"
        return f"strftime(CAST(substring(CAST({x} AS VARCHAR), 1, 10) AS DATE), '{fmt}')"
    raise ValueError(f"unknown recode type {kind!r}")
