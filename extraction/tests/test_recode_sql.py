"""The SQL compilation of every recode rule passes the dictionary's golden vectors."""

# ruff: noqa: S608 - test queries over constants

import datetime

import duckdb
import pytest

from dictionary.recode import apply
from dictionary.tests.recode_vectors import VECTORS
from extraction.recode_sql import compile_rule


def _sql_type(value) -> str:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, datetime.date):
        return "DATE"
    return "VARCHAR"


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    yield c
    c.close()


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    VECTORS,
    ids=[f"{i}-{r.get('type', 'identity')}" for i, (r, _, _) in enumerate(VECTORS)],
)
def test_it_passes_the_golden_vectors(con, rule, value, expected):
    sql = compile_rule(rule, "x")
    got = con.execute(f"SELECT {sql} FROM (SELECT CAST(? AS {_sql_type(value)}) AS x)", [value]).fetchone()[0]
    assert got == expected
    assert (got is None) == (expected is None)
    if isinstance(expected, str):
        assert isinstance(got, str)


@pytest.mark.parametrize("base", [0.1, 0.5, 1, 5, 100, 0.25])
def test_it_rounds_like_the_reference_on_a_grid(con, base):
    rule = {"type": "round", "base": base}
    values = [round(i * 0.05, 2) for i in range(-400, 401)] + [2.675, 1234567.5, -0.125]
    sql = compile_rule(rule, "x")
    got = [
        r[0] for r in con.execute(f"SELECT {sql} FROM (SELECT unnest(?::DOUBLE[]) AS x)", [values]).fetchall()
    ]
    assert got == [apply(rule, v) for v in values]


def test_it_maps_intervals_on_a_grid(con):
    rule = {"type": "intervals", "breaks": [20, 25, 30, 60], "codes": ["0", "1", "2", "3", "4"]}
    values = [i / 4 for i in range(-40, 400)]
    sql = compile_rule(rule, "x")
    got = [
        r[0] for r in con.execute(f"SELECT {sql} FROM (SELECT unnest(?::DOUBLE[]) AS x)", [values]).fetchall()
    ]
    assert got == [apply(rule, v) for v in values]


def test_it_refuses_an_invalid_rule():
    from dictionary.recode import RecodeError

    with pytest.raises(RecodeError):
        compile_rule({"type": "intervals", "breaks": [1], "codes": ["a"]}, "x")
