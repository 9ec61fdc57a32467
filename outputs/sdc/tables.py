"""Tables of counts, sums, means, medians, standard deviations, minima, maxima and modes.

The rules and their edge cases follow ACRO 1.0.2 at its default configuration (``acro/sdcchecks.py``,
``acro/sdc_agg_funcs.py``, the statbarn ontology in ``acro/analyses.json``) so that the verdicts and
the flagged cells agree with ``acro.crosstab``/``acro.pivot_table`` on the same data:

- the table has every combination of the observed categories (ACRO forces ``dropna=False``); rows
  whose row or column variables are missing are left out, as pandas does;
- counts: presence of zeros and the minimum threshold; sums and means: nk-dominance, p%-rule and
  the threshold; medians, minima and maxima: zeros and the threshold; modes: zeros only; standard
  deviations: the residual degrees of freedom of each cell (count − 1);
- negative values anywhere in a table of sums or means make dominance undefined: the cells with
  negative values are flagged for review instead of the dominance rules;
- p%-rule: (sum − largest − second largest) / largest < p fails; a cell whose largest value is 0
  compares the remainder itself (so a cell of zeros fails, as in ACRO);
- nk-rule: the n largest values make up ≥ k of the sum (``dominance_at_exactly_k_fails``; False
  gives the handbook's "more than k").

Instead of asking pandas for one crosstab per evidence table, everything is computed from one
group-by and a vectorised top-n sum, which is what makes it faster than ACRO on large extracts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message, MessageError

from .params import SDCParams
from .result import Cell, CheckResult, label

STATISTICS = ("count", "sum", "mean", "median", "std", "min", "max", "mode")
NUMERIC_STATISTICS = {"sum", "mean", "median", "std", "min", "max"}

# Which rules apply to which statistic (ACRO's statbarn ontology).
RULES_BY_STATISTIC = {
    "count": ("zeros", "threshold"),
    "sum": ("nk_dominance", "p_ratio", "threshold"),
    "mean": ("nk_dominance", "p_ratio", "threshold"),
    "median": ("zeros", "threshold"),
    "min": ("zeros", "threshold"),
    "max": ("zeros", "threshold"),
    "mode": ("zeros",),
    "std": ("dof",),
}
LINKED_TABLE_STATISTICS = {"count", "sum", "mean", "mode"}
RULE_STATUS = {
    "threshold": "fail",
    "nk_dominance": "fail",
    "p_ratio": "fail",
    "zeros": "fail",
    "negatives": "review",
    "missing": "review",
    "dof": "fail",
}


class TableError(MessageError):
    """The table cannot be computed from this data (unknown column, wrong type…)."""


def _top_sums(codes: np.ndarray, values: np.ndarray, ngroups: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the sum of the ``n`` largest values and of the 2 largest (missing values ignored)."""
    ok = ~np.isnan(values)
    codes, values = codes[ok], values[ok]
    order = np.lexsort((-values, codes))
    codes_sorted, values_sorted = codes[order], values[order]
    starts = np.searchsorted(codes_sorted, np.arange(ngroups))
    rank = np.arange(len(codes_sorted)) - starts[codes_sorted] if len(codes_sorted) else np.zeros(0, int)
    top_n = np.bincount(codes_sorted[rank < n], weights=values_sorted[rank < n], minlength=ngroups)
    top_2 = np.bincount(codes_sorted[rank < 2], weights=values_sorted[rank < 2], minlength=ngroups)
    return top_n, top_2


def _levels(series: pd.Series) -> list:
    return sorted(series.dropna().unique().tolist())


def compute_table(
    df: pd.DataFrame,
    *,
    statistic: str,
    index: list[str],
    columns: list[str] | None = None,
    values: str | None = None,
    params: SDCParams | None = None,
) -> CheckResult:
    params = params or SDCParams.from_settings()
    columns = list(columns or [])
    index = list(index or [])
    if statistic not in STATISTICS:
        raise TableError(
            gettext_noop("unknown statistic %(statistic)s for a table (one of %(choices)s)"),
            statistic=repr(statistic),
            choices=", ".join(STATISTICS),
        )
    if not index:
        raise TableError(gettext_noop("a table needs at least one row variable in 'index'"))
    keys = index + columns
    if len(set(keys)) != len(keys):
        raise TableError(gettext_noop("a variable appears twice in 'index' and 'columns'"))
    missing_columns = [k for k in keys + ([values] if values else []) if k not in df.columns]
    if missing_columns:
        raise TableError(
            gettext_noop("unknown column(s) %(columns)s; the data has: %(available)s"),
            columns=", ".join(map(repr, missing_columns)),
            available=", ".join(map(str, df.columns)),
        )
    if statistic != "count" and not values:
        raise TableError(
            gettext_noop("statistic %(statistic)s needs a 'values' variable to aggregate"),
            statistic=repr(statistic),
        )
    if statistic in NUMERIC_STATISTICS and not pd.api.types.is_numeric_dtype(df[values]):
        raise TableError(
            gettext_noop("column %(column)s is not numeric: statistic %(statistic)s cannot be computed"),
            column=repr(values),
            statistic=repr(statistic),
        )
    if values and values in keys:
        raise TableError(gettext_noop("%(column)s cannot be both a dimension and the values"), column=repr(values))

    data = df[keys + ([values] if values and statistic != "count" else [])].dropna(subset=keys)
    if data.empty:
        raise TableError(gettext_noop("no rows left once rows with missing row/column categories are removed"))
    grouped = data.groupby(keys, sort=True, observed=True, dropna=True)
    codes = grouped.ngroup().to_numpy()
    group_index = grouped.size().index
    ngroups = len(group_index)
    stats = pd.DataFrame({"count": np.bincount(codes, minlength=ngroups)}, index=group_index)

    rules = RULES_BY_STATISTIC[statistic]
    if statistic != "count":
        series = grouped[values]
        if statistic == "mode":
            stats["value"] = series.agg(
                lambda s: s.mode().sort_values().iloc[0] if s.notna().any() else np.nan
            )
        else:
            stats["value"] = series.agg(statistic)
        numeric = pd.api.types.is_numeric_dtype(data[values])
        if numeric:
            vals = data[values].to_numpy(dtype=float)
            if params.check_missing_values:
                stats["any_missing"] = np.bincount(codes, weights=np.isnan(vals), minlength=ngroups) > 0
            if "nk_dominance" in rules:
                clean = np.nan_to_num(vals, nan=0.0)
                stats["sum"] = np.bincount(codes, weights=clean, minlength=ngroups)
                stats["max"] = series.max().to_numpy()
                stats["negatives"] = np.bincount(codes, weights=vals < 0, minlength=ngroups)
                stats["top_n"], stats["top_2"] = _top_sums(codes, vals, ngroups, params.safe_nk_n)
        elif params.check_missing_values:
            stats["any_missing"] = series.agg(lambda s: s.isna().any()).to_numpy()

    # Every combination of the observed categories, as ACRO's crosstab(dropna=False) gives.
    level_lists = [_levels(data[k]) for k in keys]
    if len(keys) == 1:
        full_index = pd.Index(level_lists[0], name=keys[0])
    else:
        full_index = pd.MultiIndex.from_product(level_lists, names=keys)
    stats = stats.reindex(full_index)
    stats["count"] = stats["count"].fillna(0).astype(int)

    count = stats["count"].to_numpy()
    flags: dict[str, np.ndarray] = {}
    if "threshold" in rules:
        flags["threshold"] = count < params.safe_threshold
    if "zeros" in rules and params.zeros_are_disclosive:
        flags["zeros"] = count == 0
    if "dof" in rules:
        flags["dof"] = (count - 1) < params.safe_dof_threshold
    if "nk_dominance" in rules and "sum" in stats:
        negatives = stats["negatives"].fillna(0).to_numpy() > 0
        if negatives.any():
            flags["negatives"] = negatives
        else:
            total = stats["sum"].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                share = stats["top_n"].to_numpy() / total
                flags["nk_dominance"] = (
                    (share >= params.safe_nk_k)
                    if params.dominance_at_exactly_k_fails
                    else (share > params.safe_nk_k)
                )
                top1 = stats["max"].to_numpy(dtype=float)
                remainder = total - stats["top_2"].to_numpy()
                p_val = np.where(top1 == 0, remainder, remainder / np.where(top1 == 0, np.nan, top1))
            p_val = np.where(np.isnan(p_val), 1.0, p_val)
            flags["p_ratio"] = p_val < params.safe_pratio_p
    if "any_missing" in stats:
        # ACRO's mask counts an empty cell as missing too (its mask turns NaN into True).
        flags["missing"] = stats["any_missing"].fillna(True).to_numpy(dtype=bool)

    result = CheckResult(statistic=statistic, parameters=params.as_dict())
    result.definition = {"statistic": statistic, "index": index, "columns": columns, "values": values}
    cell_values = stats["value"].to_numpy() if "value" in stats else count.astype(float)
    row_labels, col_labels = [], []
    for key in stats.index:
        key = key if isinstance(key, tuple) else (key,)
        row_labels.append([label(v) for v in key[: len(index)]])
        col_labels.append([label(v) for v in key[len(index) :]])
    for position in range(len(stats)):
        failed = [rule for rule, mask in flags.items() if bool(mask[position])]
        if failed:
            value = cell_values[position]
            result.cells.append(
                Cell(
                    row=row_labels[position],
                    column=col_labels[position],
                    rules=failed,
                    count=int(count[position]),
                    value=_json_number(value),
                )
            )
    for rule, mask in flags.items():
        result.checks[rule] = int(np.count_nonzero(mask))
    result.table = _table_dict(index, columns, row_labels, col_labels, count, cell_values, flags)
    if statistic in LINKED_TABLE_STATISTICS:
        result.notes.append(
            Message(
                gettext_noop(
                    "linked tables: a manual review against other outputs for differencing is recommended; "
                    "variables defining the table: %(variables)s"
                ),
                variables=", ".join(keys),
            )
        )
    if statistic == "std":
        result.dof = int(count.min()) - 1
    return result.finish({rule: RULE_STATUS[rule] for rule in flags})


def _json_number(value):
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if np.isnan(number) else number


def _table_dict(index, columns, row_labels, col_labels, count, cell_values, flags) -> dict:
    """The table as rows × columns, with each cell's count and failed rules (for display)."""
    rows: list[list[str]] = []
    cols: list[list[str]] = []
    row_pos: dict[tuple, int] = {}
    col_pos: dict[tuple, int] = {}
    for r, c in zip(row_labels, col_labels, strict=True):
        if tuple(r) not in row_pos:
            row_pos[tuple(r)] = len(rows)
            rows.append(r)
        if tuple(c) not in col_pos:
            col_pos[tuple(c)] = len(cols)
            cols.append(c)
    grid_values = [[None] * len(cols) for _ in rows]
    grid_counts = [[0] * len(cols) for _ in rows]
    grid_flags = [[[] for _ in cols] for _ in rows]
    for position, (r, c) in enumerate(zip(row_labels, col_labels, strict=True)):
        i, j = row_pos[tuple(r)], col_pos[tuple(c)]
        grid_values[i][j] = _json_number(cell_values[position])
        grid_counts[i][j] = int(count[position])
        grid_flags[i][j] = [rule for rule, mask in flags.items() if bool(mask[position])]
    return {
        "index_names": index,
        "column_names": columns,
        "rows": rows,
        "columns": cols,
        "values": grid_values,
        "counts": grid_counts,
        "flags": grid_flags,
    }
