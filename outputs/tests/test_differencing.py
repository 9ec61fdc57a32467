"""The differencing detector on crafted pairs of tables."""

from outputs.sdc.differencing import TableCounts, find_differencing

ALL = {"filters": [], "categories": {}}


def table(name, variables, cells, population=ALL):
    return TableCounts(name=name, variables=variables, population=population, cells=cells)


BY_REGION = table("by_region.csv", ["region"], [(["north"], [], 120), (["south"], [], 45)])


def test_it_flags_the_same_table_with_one_category_fewer():
    # released: by region, everyone; new: by region without sector C → south differs by 3
    without_c = table(
        "by_region_no_c.csv",
        ["region"],
        [(["north"], [], 120), (["south"], [], 42)],
        {"filters": [], "categories": {"sector": ["A", "B"]}},
    )
    findings = find_differencing(without_c, [BY_REGION], threshold=10)
    assert [(f["cell"], f["difference"], f["released"]) for f in findings] == [
        (["south"], 3, "by_region.csv")
    ]


def test_it_flags_totals_that_subtract_to_a_small_cell():
    # released: by region (total 165); new: by sex for people under 65 (total 158) → 7 people aged 65+
    by_sex_young = table(
        "by_sex_young.csv",
        ["sex"],
        [(["F"], [], 80), (["M"], [], 78)],
        {"filters": [{"column": "age", "op": "<", "value": 65}], "categories": {}},
    )
    findings = find_differencing(by_sex_young, [BY_REGION], threshold=10)
    assert len(findings) == 1 and findings[0]["variables"] == [] and findings[0]["difference"] == 7


def test_it_does_not_flag_differences_at_or_above_the_threshold():
    bigger_gap = table(
        "t.csv",
        ["region"],
        [(["north"], [], 110), (["south"], [], 45)],
        {"filters": [{"column": "age", "op": ">=", "value": 18}], "categories": {}},
    )
    assert find_differencing(bigger_gap, [BY_REGION], threshold=10) == []  # 10 is not below 10


def test_it_does_not_compare_tables_of_the_same_population():
    by_region_and_sex = table(
        "t.csv",
        ["region", "sex"],
        [(["north"], ["F"], 60), (["north"], ["M"], 59), (["south"], ["F"], 45), (["south"], ["M"], 0)],
    )
    assert find_differencing(by_region_and_sex, [BY_REGION], threshold=10) == []


def test_it_compares_two_way_tables_on_the_variables_they_share():
    released = table(
        "r.csv",
        ["region", "sex"],
        [(["north"], ["F"], 60), (["north"], ["M"], 60), (["south"], ["F"], 25), (["south"], ["M"], 20)],
    )
    new = table(
        "n.csv",
        ["sex"],
        [(["F"], [], 84), (["M"], [], 80)],
        {"filters": [{"column": "sector", "op": "!=", "value": "C"}], "categories": {}},
    )
    findings = find_differencing(new, [released], threshold=10)
    assert sorted((f["cell"][0], f["difference"]) for f in findings) == [("F", 1)]
