"""Golden vectors for the recode rules of ``dictionary/recode.py``: ``(rule, input, expected)``.

Every engine that recodes (the reference ``recode.apply``, the DuckDB pipeline in ``extraction``)
must give exactly these results. Halves are rounded away from zero (DuckDB's ``round``, not Polars'
half-to-even); the rounding inputs are exact in binary floating point so that a float engine and a
decimal one agree. ``None`` in gives ``None`` out for every rule.
"""

AGE_GROUPS = {
    "type": "intervals",
    "breaks": [20, 25, 30, 35, 40, 45, 50, 55, 60],
    "codes": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
}
NATIONALITY = {
    "type": "map",
    "map": {"LU": "0", "DE": "1", "BE": "2", "FR": "3", "PT": "4", "IT": "5", "CV": "6"},
}
NATIONALITY_WITH_DEFAULT = {"type": "map", "map": {"LU": "0", "PT": "4"}, "default": "6"}
CANTON = {"type": "map", "map": {"0101": "01", "0704": "07", "FR": "15"}}

VECTORS = [
    # identity
    ({"type": "identity"}, "LU", "LU"),
    ({"type": "identity"}, 42, 42),
    ({"type": "identity"}, None, None),
    ({}, "as is", "as is"),
    # map: keys compared as strings; unknown values give the default (None when there is none)
    (NATIONALITY, "LU", "0"),
    (NATIONALITY, "PT", "4"),
    (NATIONALITY, "CV", "6"),
    (NATIONALITY, "XX", None),
    (NATIONALITY, None, None),
    (NATIONALITY_WITH_DEFAULT, "PT", "4"),
    (NATIONALITY_WITH_DEFAULT, "SY", "6"),
    (NATIONALITY_WITH_DEFAULT, None, None),
    (CANTON, "0101", "01"),
    (CANTON, "FR", "15"),
    ({"type": "map", "map": {"1": "yes", "0": "no"}}, 1, "yes"),
    ({"type": "map", "map": {"1": "yes", "0": "no"}}, "0", "no"),
    # intervals: closed on the left
    (AGE_GROUPS, 0, "0"),
    (AGE_GROUPS, 19, "0"),
    (AGE_GROUPS, 19.5, "0"),
    (AGE_GROUPS, 20, "1"),
    (AGE_GROUPS, 24, "1"),
    (AGE_GROUPS, 25, "2"),
    (AGE_GROUPS, 59, "8"),
    (AGE_GROUPS, 60, "9"),
    (AGE_GROUPS, 104, "9"),
    (AGE_GROUPS, -1, "0"),
    (AGE_GROUPS, None, None),
    ({"type": "intervals", "breaks": [0.5, 1.5], "codes": ["a", "b", "c"]}, 0.5, "b"),
    ({"type": "intervals", "breaks": [0.5, 1.5], "codes": ["a", "b", "c"]}, 1.499, "b"),
    # prefix
    ({"type": "prefix", "length": 1}, "24", "2"),
    ({"type": "prefix", "length": 2}, "4711", "47"),
    ({"type": "prefix", "length": 4}, "47", "47"),
    ({"type": "prefix", "length": 2}, None, None),
    # round: the nearest multiple of base, halves away from zero
    ({"type": "round", "base": 10}, 4304.99, 4300),
    ({"type": "round", "base": 10}, 4305, 4310),
    ({"type": "round", "base": 10}, 15, 20),
    ({"type": "round", "base": 10}, 25, 30),
    ({"type": "round", "base": 10}, -25, -30),
    ({"type": "round", "base": 10}, -4304, -4300),
    ({"type": "round", "base": 10}, 0, 0),
    ({"type": "round", "base": 100}, 149.99, 100),
    ({"type": "round", "base": 100}, 150, 200),
    ({"type": "round", "base": 100}, 250, 300),
    ({"type": "round", "base": 1}, 0.5, 1),
    ({"type": "round", "base": 1}, 2.5, 3),
    ({"type": "round", "base": 1}, -0.5, -1),
    ({"type": "round", "base": 1}, -2.5, -3),
    ({"type": "round", "base": 1}, 26.49, 26),
    ({"type": "round", "base": 0.5}, 1.25, 1.5),
    ({"type": "round", "base": 0.5}, 1.2, 1.0),
    ({"type": "round", "base": 10}, None, None),
    # date_trunc: ISO text in, YYYY or YYYY-MM out
    ({"type": "date_trunc", "unit": "month"}, "2019-03-17", "2019-03"),
    ({"type": "date_trunc", "unit": "month"}, "2002-01-01", "2002-01"),
    ({"type": "date_trunc", "unit": "year"}, "2019-03-17", "2019"),
    ({"type": "date_trunc", "unit": "month"}, "2019-12-31T23:59:59", "2019-12"),
    ({"type": "date_trunc", "unit": "year"}, None, None),
]
