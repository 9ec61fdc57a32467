"""The spec of a statistical output (``manage.py sdc_check SPEC.json``, and each output request file).

A spec says how an output was computed, so that the platform can recompute it on the project's data
and check it; see ``docs/sdc-spec.md``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import MessageError

from .histogram import HistogramError, check_histogram
from .params import SDCParams
from .regression import REGRESSIONS, RegressionError, check_regression
from .result import CheckResult
from .tables import STATISTICS, TableError, compute_table

ALL_STATISTICS = (*STATISTICS, *REGRESSIONS, "histogram")
KNOWN_KEYS = {
    "data",
    "statistic",
    "index",
    "columns",
    "values",
    "formula",
    "bins",
    "filters",
    "categories",
    "name",
}
DATA_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".dta": "stata"}
FILTER_OPS = {"==", "!=", "<", "<=", ">", ">=", "in", "not in"}
CANNOT_READ = gettext_noop("cannot read the data file %(name)s: %(error)s")


class SpecError(MessageError):
    """Anything wrong with a spec: the message says what, for the researcher."""


def load_spec_file(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise SpecError(gettext_noop("spec file not found: %(path)s"), path=str(path))
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(gettext_noop("the spec is not valid JSON: %(error)s"), error=str(exc)) from exc
    return spec


def validate_spec(spec) -> dict:
    """Check the spec's shape (not the data); return a normalised copy."""
    if not isinstance(spec, dict):
        raise SpecError(gettext_noop("the spec must be a JSON object"))
    unknown = set(spec) - KNOWN_KEYS
    if unknown:
        raise SpecError(gettext_noop("unknown key(s) in the spec: %(keys)s"), keys=", ".join(sorted(unknown)))
    statistic = spec.get("statistic")
    if statistic not in ALL_STATISTICS:
        raise SpecError(
            gettext_noop("unknown statistic %(statistic)s; one of: %(choices)s"),
            statistic=repr(statistic),
            choices=", ".join(ALL_STATISTICS),
        )
    if not isinstance(spec.get("data"), str) or not spec["data"]:
        raise SpecError(gettext_noop("'data' must name the data file (CSV, Parquet or Stata)"))
    normal = dict(spec)
    for key in ("index", "columns"):
        value = spec.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise SpecError(gettext_noop("'%(key)s' must be a list of variable names"), key=key)
        normal[key] = value
    if "values" in spec and spec["values"] is not None and not isinstance(spec["values"], str):
        raise SpecError(gettext_noop("'values' must be one variable name"))
    if statistic in REGRESSIONS:
        if not isinstance(spec.get("formula"), str) or "~" not in spec["formula"]:
            raise SpecError(
                gettext_noop("statistic %(statistic)s needs a 'formula' such as \"y ~ x1 + x2\""),
                statistic=repr(statistic),
            )
    elif statistic == "histogram":
        if not spec.get("values") and len(normal["index"]) != 1:
            raise SpecError(gettext_noop("a histogram needs the variable in 'values'"))
        normal.setdefault("bins", 10)
    elif not normal["index"]:
        raise SpecError(
            gettext_noop("statistic %(statistic)s needs at least one row variable in 'index'"),
            statistic=repr(statistic),
        )
    filters = spec.get("filters", [])
    if not isinstance(filters, list):
        raise SpecError(gettext_noop('\'filters\' must be a list of {"column", "op", "value"} objects'))
    for item in filters:
        if (
            not isinstance(item, dict)
            or set(item) - {"column", "op", "value"}
            or item.get("op") not in FILTER_OPS
        ):
            raise SpecError(
                gettext_noop('invalid filter %(filter)s: use {"column": …, "op": one of %(ops)s, "value": …}'),
                filter=repr(item),
                ops=", ".join(sorted(FILTER_OPS)),
            )
    categories = spec.get("categories", {})
    if not isinstance(categories, dict) or not all(isinstance(v, list) for v in categories.values()):
        raise SpecError(gettext_noop("'categories' must map a variable to the list of its categories kept"))
    normal["filters"], normal["categories"] = filters, categories
    return normal


def resolve_data_path(data: str, base_dir: Path, *, confine: bool = False) -> Path:
    path = Path(data)
    if not path.is_absolute():
        path = base_dir / path
    path = path.resolve()
    if confine and not path.is_relative_to(base_dir.resolve()):
        raise SpecError(gettext_noop("the data file must be inside the project's folder"))
    if not path.is_file():
        raise SpecError(gettext_noop("data file not found: %(data)s"), data=data)
    if path.suffix.lower() not in DATA_SUFFIXES:
        raise SpecError(
            gettext_noop("unsupported data file type %(suffix)s: use CSV, Parquet or Stata (.dta)"),
            suffix=repr(path.suffix),
        )
    return path


def read_data(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    kind = DATA_SUFFIXES[path.suffix.lower()]
    try:
        if kind == "csv":
            return pd.read_csv(path, usecols=columns)
        if kind == "parquet":
            return pd.read_parquet(path, columns=columns)
        return pd.read_stata(path, columns=columns, convert_categoricals=False)
    except ValueError as exc:
        if columns and (
            "not in list" in str(exc)
            or "Usecols" in str(exc)
            or "not found" in str(exc)
            or "do not match" in str(exc)
        ):
            raise SpecError(gettext_noop("unknown column in the spec: %(error)s"), error=str(exc)) from exc
        raise SpecError(CANNOT_READ, name=path.name, error=str(exc)) from exc
    except Exception as exc:  # corrupt files raise a variety of library errors
        raise SpecError(CANNOT_READ, name=path.name, error=str(exc)) from exc


def data_identity(path: Path) -> str:
    """A data file's identity for the differencing detector: its SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _compare(column: pd.Series, op: str, value) -> pd.Series:
    if op in ("in", "not in"):
        inside = column.isin(value if isinstance(value, list) else [value])
        return inside if op == "in" else ~inside
    return {
        "==": column.__eq__,
        "!=": column.__ne__,
        "<": column.__lt__,
        "<=": column.__le__,
        ">": column.__gt__,
        ">=": column.__ge__,
    }[op](value)


def apply_population(df: pd.DataFrame, spec: dict) -> pd.DataFrame:
    for name in [f["column"] for f in spec["filters"]] + list(spec["categories"]):
        if name not in df.columns:
            raise SpecError(gettext_noop("unknown column %(column)s in the filters"), column=repr(name))
    for item in spec["filters"]:
        column, op, value = df[item["column"]], item["op"], item["value"]
        try:
            mask = _compare(column, op, value)
        except TypeError as exc:
            raise SpecError(
                gettext_noop("filter on %(column)s cannot compare with %(value)s"),
                column=repr(item["column"]),
                value=repr(value),
            ) from exc
        df = df[mask]
    for name, kept in spec["categories"].items():
        df = df[df[name].isin(kept) | df[name].astype(str).isin([str(k) for k in kept])]
    return df


def needed_columns(spec: dict) -> list[str] | None:
    if spec["statistic"] in REGRESSIONS:
        return None  # the formula decides (it may use functions of variables)
    names = spec["index"] + spec["columns"] + ([spec["values"]] if spec.get("values") else [])
    names += [f["column"] for f in spec["filters"]] + list(spec["categories"])
    return list(dict.fromkeys(names))


def run_spec(
    spec: dict,
    *,
    base_dir: Path,
    params: SDCParams | None = None,
    confine: bool = False,
    frame: pd.DataFrame | None = None,
) -> CheckResult:
    """Validate the spec, read its data, compute the output and check it."""
    spec = validate_spec(spec)
    params = params or SDCParams.from_settings()
    path = resolve_data_path(spec["data"], Path(base_dir), confine=confine)
    df = frame if frame is not None else read_data(path, needed_columns(spec))
    df = apply_population(df, spec)
    statistic = spec["statistic"]
    try:
        if statistic in REGRESSIONS:
            result = check_regression(df, statistic=statistic, formula=spec["formula"], params=params)
        elif statistic == "histogram":
            column = spec.get("values") or spec["index"][0]
            result = check_histogram(df, column=column, bins=spec.get("bins", 10), params=params)
        else:
            result = compute_table(
                df,
                statistic=statistic,
                index=spec["index"],
                columns=spec["columns"],
                values=spec.get("values"),
                params=params,
            )
    except (TableError, RegressionError, HistogramError) as exc:
        raise SpecError(exc.message) from exc
    result.definition.update(
        {
            "data": spec["data"],
            "data_sha256": data_identity(path),
            "filters": spec["filters"],
            "categories": spec["categories"],
        }
    )
    return result
