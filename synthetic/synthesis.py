"""Sequential CART synthesis in the style of synthpop (Nowok, Raab & Dibben 2016), on scikit-learn.

Why CART and not a deep generative model: SDV/CTGAN are under the Business Source License and pull
torch; synthpop's default method is transparent, fast (30 000 rows in well under a second) and the
reference of the disclosure measures used in ``report.py``.

The method (synthpop's ``syn(..., method="cart")``):

- the variables are visited in a *visit sequence* (default: the column order);
- the first variable is sampled with replacement from its observed marginal (synthpop ``sample``);
- every next variable ``Y_j`` gets a CART fitted on the observed previous variables
  ``Y_1 … Y_{j-1}``; each synthetic record is dropped down that tree with its already *synthetic*
  predictors, and its value is drawn at random from the observed ``Y_j`` values of the same leaf
  (leaf sampling — synthpop's ``syn.cart``), so the synthesiser never invents values;
- a minimum leaf size (default 20, ``settings.SYNTHETIC["min_leaf_size"]``) keeps leaves from
  pointing at single persons.

Dates are handled as day ordinals, categorical variables as integer codes, and missing values as
information: a missing category for categorical variables, a missingness indicator synthesised just
before a numeric/date variable otherwise (synthpop does the same with its ``cont.na`` handling).

Before fitting, the records that are unique on the quasi-identifiers are removed (they are the ones
whose leaf values could point at a person); how many is part of the result.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from ask4mdp.ui.translation import MessageError

NUMERIC, CATEGORICAL, DATE = "numeric", "categorical", "date"
MISSING = "__missing__"
NOT_VALID_LABEL = "synthetic — not valid for inference"

# Column names that usually carry quasi-identifiers in person-level administrative data.
QUASI_IDENTIFIER_PATTERN = re.compile(
    r"(^|_)(age|sex|gender|nationality|nation|canton|commune|municipality|residence|birth|zip|postcode|"
    r"postal|country)(_|$)",
    re.IGNORECASE,
)

Progress = Callable[[int], None]


def column_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return CATEGORICAL
    if pd.api.types.is_datetime64_any_dtype(series):
        return DATE
    if pd.api.types.is_numeric_dtype(series):
        return NUMERIC
    non_null = series.dropna()
    if len(non_null) and all(isinstance(v, __import__("datetime").date) for v in non_null.head(50)):
        return DATE
    return CATEGORICAL


def column_kinds(df: pd.DataFrame) -> dict[str, str]:
    return {c: column_kind(df[c]) for c in df.columns}


def default_quasi_identifiers(df: pd.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    """Columns whose names look like quasi-identifiers; else the first four low-cardinality categoricals.

    Only columns with at most 100 distinct values count by default: an exact birth date or an
    income makes almost every record unique, and removing them all would leave nothing to fit.
    Pass the quasi-identifiers explicitly to decide otherwise.
    """
    names = [
        c
        for c in df.columns
        if c not in exclude and QUASI_IDENTIFIER_PATTERN.search(str(c)) and df[c].nunique(dropna=False) <= 100
    ]
    if names:
        return names
    kinds = column_kinds(df)
    return [
        c
        for c in df.columns
        if c not in exclude and kinds[c] == CATEGORICAL and df[c].nunique(dropna=False) <= 20
    ][:4]


def unique_on(df: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Boolean mask: the records whose combination of ``columns`` occurs once."""
    if not columns:
        return pd.Series(False, index=df.index)
    sizes = df.groupby(list(columns), dropna=False, observed=True)[list(columns)[0]].transform("size")
    return sizes.fillna(1).astype(int).eq(1)


def uniqueness_keys(df: pd.DataFrame, columns: Sequence[str], bands: int = 20) -> pd.DataFrame:
    """The quasi-identifiers as an intruder would match them: a numeric or date quasi-identifier with
    more than ``bands`` distinct values is cut into ``bands`` quantile bands (an exact value makes nearly
    everyone unique; 20 bands of age are about the dictionary's 5-year groups)."""
    keys = {}
    for col in columns:
        s = df[col]
        kind = column_kind(s)
        if kind != CATEGORICAL and s.nunique() > bands:
            x = pd.Series(_as_number(s, kind), index=df.index)
            keys[col] = pd.qcut(x.rank(method="first"), bands, labels=False)
        else:
            keys[col] = s
    return pd.DataFrame(keys, index=df.index)


def _as_labels(series: pd.Series) -> pd.Series:
    return series.astype("object").where(series.notna(), MISSING).astype(str)


def _as_number(series: pd.Series, kind: str) -> np.ndarray:
    if kind == DATE and pd.api.types.is_datetime64_any_dtype(series):
        return ((series - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype="float64", na_value=np.nan)
    if kind == DATE:
        return (pd.to_datetime(series) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype="float64")
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")


def _row_hashes(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    kinds = column_kinds(df[list(columns)])
    # numbers hashed as float64 (an int 5 and a float 5.0 are the same value), categories as labels
    normalised = pd.DataFrame(
        {
            c: _as_labels(df[c]).to_numpy() if kinds[c] == CATEGORICAL else _as_number(df[c], kinds[c])
            for c in columns
        }
    )
    return pd.util.hash_pandas_object(normalised, index=False).to_numpy()


def _to_ordinal(series: pd.Series) -> pd.Series:
    return (pd.to_datetime(series) - pd.Timestamp("1970-01-01")).dt.days.astype("float64")


def _from_ordinal(values: np.ndarray, like: pd.Series) -> pd.Series:
    out = pd.Timestamp("1970-01-01") + pd.to_timedelta(values, unit="D")
    out = pd.Series(out)
    if not pd.api.types.is_datetime64_any_dtype(like):  # python date objects in, date objects out
        return out.dt.date.where(out.notna(), None)
    return out.astype(like.dtype) if str(like.dtype) != "datetime64[ns]" else out


@dataclasses.dataclass
class Encoded:
    """The data as numbers: one array per modelled column (missingness indicators included)."""

    columns: list[str]  # modelled columns in visit order (indicators ``col.__na``)
    kinds: dict[str, str]  # original column → kind
    values: dict[str, np.ndarray]
    categories: dict[str, np.ndarray]  # categorical column → labels (index = code)


def encode(
    df: pd.DataFrame,
    kinds: dict[str, str],
    visit: Sequence[str],
    categories: dict[str, np.ndarray] | None = None,
) -> Encoded:
    categories = dict(categories or {})
    columns: list[str] = []
    values: dict[str, np.ndarray] = {}
    for col in visit:
        kind = kinds[col]
        s = df[col]
        if kind == CATEGORICAL:
            labels = s.astype("object").where(s.notna(), MISSING).astype(str)
            if col not in categories:
                categories[col] = np.array(sorted(labels.unique()), dtype=object)
            lookup = {v: i for i, v in enumerate(categories[col])}
            values[col] = labels.map(lookup).fillna(-1).to_numpy(dtype="float64")
            columns.append(col)
        else:
            x = _to_ordinal(s) if kind == DATE else pd.to_numeric(s, errors="coerce").astype("float64")
            x = x.to_numpy()
            missing = np.isnan(x)
            if missing.any():
                values[f"{col}.__na"] = missing.astype("float64")
                columns.append(f"{col}.__na")
            values[col] = x
            columns.append(col)
    return Encoded(columns=columns, kinds=kinds, values=values, categories=categories)


@dataclasses.dataclass
class SynthesisResult:
    data: pd.DataFrame
    method: str
    seed: int
    min_leaf_size: int
    visit_sequence: list[str]
    quasi_identifiers: list[str]
    removed_unique: int
    n_fitted: int
    removed_copies: int = 0

    def summary(self) -> dict:
        return {
            "method": self.method,
            "seed": self.seed,
            "min_leaf_size": self.min_leaf_size,
            "visit_sequence": self.visit_sequence,
            "quasi_identifiers": self.quasi_identifiers,
            "removed_unique_records": self.removed_unique,
            "records_fitted": self.n_fitted,
            "removed_replicated_uniques": self.removed_copies,
            "records_synthesised": len(self.data),
            "label": NOT_VALID_LABEL,
        }


def _leaf_sample(
    obs_leaves: np.ndarray, obs_y: np.ndarray, syn_leaves: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each synthetic record, a random observed ``y`` from the same leaf (vectorised)."""
    order = np.argsort(obs_leaves, kind="stable")
    sorted_leaves = obs_leaves[order]
    leaf_ids, starts, counts = np.unique(sorted_leaves, return_index=True, return_counts=True)
    pos = np.searchsorted(leaf_ids, syn_leaves)
    pick = starts[pos] + np.floor(rng.random(len(syn_leaves)) * counts[pos]).astype(np.int64)
    return obs_y[order][pick]


def _decode(
    enc_syn: dict[str, np.ndarray], enc: Encoded, original: pd.DataFrame, visit: Sequence[str]
) -> pd.DataFrame:
    out = {}
    n = len(next(iter(enc_syn.values()))) if enc_syn else 0
    for col in visit:
        kind = enc.kinds[col]
        like = original[col]
        if kind == CATEGORICAL:
            labels = enc.categories[col][enc_syn[col].astype(np.int64)]
            series = pd.Series(labels, dtype=object)
            series = series.where(series != MISSING, None)
            if pd.api.types.is_bool_dtype(like):
                series = series.map({"True": True, "False": False})
            elif pd.api.types.is_numeric_dtype(like):
                series = pd.to_numeric(series)
            elif isinstance(like.dtype, pd.CategoricalDtype):
                series = series.astype(like.dtype)
            out[col] = series
        else:
            x = enc_syn[col].copy()
            indicator = enc_syn.get(f"{col}.__na")
            if indicator is not None:
                x[indicator > 0.5] = np.nan
            if kind == DATE:
                out[col] = _from_ordinal(x, like)
            elif pd.api.types.is_integer_dtype(like) and not np.isnan(x).any():
                out[col] = pd.Series(x.round().astype(like.dtype))
            elif pd.api.types.is_integer_dtype(like):
                out[col] = pd.Series(x).round().astype("Int64")
            else:
                out[col] = pd.Series(x.astype(like.dtype if like.dtype.kind == "f" else "float64"))
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    return frame[list(original.columns)]


def _prepare(
    df: pd.DataFrame, quasi_identifiers: Sequence[str] | None, remove_unique: bool, min_leaf_size: int
):
    quasi = list(default_quasi_identifiers(df) if quasi_identifiers is None else quasi_identifiers)
    missing = [q for q in quasi if q not in df.columns]
    if missing:
        raise MessageError(
            gettext_noop("unknown quasi-identifier columns: %(columns)s"), columns=", ".join(map(str, missing))
        )
    removed = 0
    fit = df
    if remove_unique and quasi:
        mask = unique_on(uniqueness_keys(df, quasi), quasi)
        removed = int(mask.sum())
        fit = df.loc[~mask.to_numpy()]
        if len(fit) < 2 * min_leaf_size:  # nothing sensible left to fit on
            raise MessageError(
                gettext_noop("too few records remain after removing the records unique on the quasi-identifiers")
            )
    return quasi, removed, fit.reset_index(drop=True)


def synthesise(
    df: pd.DataFrame,
    *,
    seed: int = 1,
    min_leaf_size: int = 20,
    n: int | None = None,
    visit_sequence: Sequence[str] | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    remove_unique: bool = True,
    remove_copies: bool = True,
    progress: Progress | None = None,
) -> SynthesisResult:
    """Sequential CART synthesis with leaf sampling; deterministic for a given ``seed``.

    With ``remove_copies`` the synthetic records that replicate a training record which is *unique*
    in the training data (on every column) are dropped — synthpop's ``sdc(..., rm.replicated.uniques
    = TRUE)``; a few extra records are drawn from the same trees so that ``n`` remain. Copies of
    common records (frequent in low-dimensional categorical data) stay: a real sample has them too.
    """
    if df.empty or len(df.columns) == 0:
        raise MessageError(gettext_noop("the input has no records or no columns"))
    visit = list(visit_sequence or df.columns)
    if sorted(map(str, visit)) != sorted(map(str, df.columns)):
        raise ValueError("the visit sequence must list every column once")
    quasi, removed, fit = _prepare(df, quasi_identifiers, remove_unique, min_leaf_size)
    wanted = int(n or len(df))
    rng = np.random.default_rng(seed)
    kinds = column_kinds(df)
    enc = encode(fit, kinds, visit)
    X_obs = np.empty((len(fit), len(enc.columns)))
    models: list[tuple] = []  # per modelled column: (pool) or (tree, observed leaves, observed values)
    for j, name in enumerate(enc.columns):
        y = enc.values[name]
        base = name[: -len(".__na")] if name.endswith(".__na") else name
        # a numeric value with missing values: modelled on the non-missing only
        modelled_on_observed = name == base and f"{base}.__na" in enc.values
        rows = ~np.isnan(y) if modelled_on_observed else np.ones(len(y), dtype=bool)
        if j == 0 or rows.sum() < 2 * min_leaf_size:
            models.append((y[rows] if rows.any() else np.array([np.nan]),))
        else:
            Xj = X_obs[rows, :j]
            is_cat = name.endswith(".__na") or kinds[base] == CATEGORICAL
            Tree = DecisionTreeClassifier if is_cat else DecisionTreeRegressor
            tree = Tree(min_samples_leaf=min_leaf_size, random_state=int(rng.integers(0, 2**31 - 1)))
            tree.fit(Xj, y[rows])
            models.append((tree, tree.apply(Xj), y[rows]))
        # missing predictors enter the trees as a value far outside the data (the indicator says why)
        X_obs[:, j] = np.where(np.isnan(y), -1e12, y)
        if progress:
            progress(int(90 * (j + 1) / len(enc.columns)))

    def draw(size: int) -> pd.DataFrame:
        X_syn = np.empty((size, len(enc.columns)))
        syn: dict[str, np.ndarray] = {}
        for j, (name, model) in enumerate(zip(enc.columns, models, strict=False)):
            if len(model) == 1:
                values = model[0][rng.integers(0, len(model[0]), size)]
            else:
                tree, leaves, observed = model
                values = _leaf_sample(leaves, observed, tree.apply(X_syn[:, :j]), rng)
            indicator = syn.get(f"{name}.__na")
            if indicator is not None:  # missing where the synthetic indicator says so, as in the observed X
                values = np.where(indicator > 0.5, np.nan, values)
            syn[name] = values
            X_syn[:, j] = np.where(np.isnan(values), -1e12, values)
        return _decode(syn, enc, df, visit)

    data = draw(wanted)
    copies = 0
    if remove_copies:
        fit_hashes, counts = np.unique(_row_hashes(fit, list(df.columns)), return_counts=True)
        unique_hashes = fit_hashes[counts == 1]
        keep = ~np.isin(_row_hashes(data, list(df.columns)), unique_hashes)
        copies = int((~keep).sum())
        data = data.loc[keep]
        for _ in range(20):  # replace the dropped records by fresh draws from the same trees
            if len(data) >= wanted:
                break
            extra = draw(max(10, 2 * (wanted - len(data))))
            extra = extra.loc[~np.isin(_row_hashes(extra, list(df.columns)), unique_hashes)]
            data = pd.concat([data, extra], ignore_index=True)
        data = data.head(wanted).reset_index(drop=True)
    if progress:
        progress(100)
    return SynthesisResult(
        data=data,
        method="cart",
        seed=seed,
        min_leaf_size=min_leaf_size,
        visit_sequence=[str(v) for v in visit],
        quasi_identifiers=[str(q) for q in quasi],
        removed_unique=removed,
        n_fitted=len(fit),
        removed_copies=copies,
    )


def synthesise_marginals(
    df: pd.DataFrame,
    *,
    seed: int = 1,
    n: int | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    remove_unique: bool = True,
    min_leaf_size: int = 20,
) -> SynthesisResult:
    """The baseline: every column sampled independently from its own marginal (no association kept)."""
    quasi, removed, fit = _prepare(df, quasi_identifiers, remove_unique, min_leaf_size)
    n = int(n or len(df))
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({c: fit[c].to_numpy()[rng.integers(0, len(fit), n)] for c in df.columns})
    for c in df.columns:
        if data[c].dtype != df[c].dtype:
            with contextlib.suppress(TypeError, ValueError):
                data[c] = data[c].astype(df[c].dtype)
    return SynthesisResult(
        data=data,
        method="marginals",
        seed=seed,
        min_leaf_size=min_leaf_size,
        visit_sequence=[str(c) for c in df.columns],
        quasi_identifiers=[str(q) for q in quasi],
        removed_unique=removed,
        n_fitted=len(fit),
    )


def train_holdout_split(
    df: pd.DataFrame, *, seed: int, holdout: float = 0.3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded random split: the holdout is the real sample that utility and privacy are judged against."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(df))
    cut = int(round(len(df) * (1 - holdout)))
    return df.iloc[order[:cut]].reset_index(drop=True), df.iloc[order[cut:]].reset_index(drop=True)
