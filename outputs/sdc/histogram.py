"""Histograms: the count of each bin against the threshold (ACRO's ``hist`` check).

As in ACRO 1.0.2, the bins are numpy's (``np.histogram(values, bins)``) and a value is counted in the
bin found by ``np.digitize``: values equal to the upper edge of the last bin fall in no bin. That
makes the check a little more conservative than the plotted histogram; we keep it so that the
verdicts agree with ACRO's. Empty bins fail the threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message, MessageError

from .params import SDCParams
from .result import Cell, CheckResult, label


class HistogramError(MessageError):
    pass


def check_histogram(
    df: pd.DataFrame, *, column: str, bins=10, params: SDCParams | None = None
) -> CheckResult:
    params = params or SDCParams.from_settings()
    if column not in df.columns:
        raise HistogramError(
            gettext_noop("unknown column %(column)s; the data has: %(available)s"),
            column=repr(column),
            available=", ".join(map(str, df.columns)),
        )
    if not pd.api.types.is_numeric_dtype(df[column]):
        raise HistogramError(gettext_noop("column %(column)s is not numeric: no histogram"), column=repr(column))
    if isinstance(bins, bool) or not (
        isinstance(bins, int) and bins > 0 or isinstance(bins, list) and len(bins) >= 2
    ):
        raise HistogramError(gettext_noop("'bins' must be a positive integer or a list of at least two bin edges"))
    values = df[column].dropna().to_numpy(dtype=float)
    result = CheckResult(statistic="histogram", parameters=params.as_dict())
    result.definition = {"statistic": "histogram", "values": column, "bins": bins}
    if values.size == 0:
        result.status = "fail"
        result.details = [Message(gettext_noop("empty column after dropping missing values"))]
        return result
    try:
        counts_np, edges = np.histogram(values, bins)
    except ValueError as exc:
        raise HistogramError(gettext_noop("invalid bins: %(reason)s"), reason=str(exc)) from exc
    ids = np.digitize(values, edges)
    nbins = len(edges) - 1
    counts = np.bincount(ids[(ids >= 1) & (ids <= nbins)] - 1, minlength=nbins)
    failing = counts < params.safe_threshold
    rows = [[f"[{label(edges[i])}, {label(edges[i + 1])})"] for i in range(nbins)]
    for i in np.flatnonzero(failing):
        result.cells.append(
            Cell(row=rows[i], column=[], rules=["threshold"], count=int(counts[i]), value=float(counts[i]))
        )
    result.checks["threshold"] = int(failing.sum())
    result.table = {
        "index_names": ["bin"],
        "column_names": [],
        "rows": rows,
        "columns": [[]],
        "values": [[float(c)] for c in counts],
        "counts": [[int(c)] for c in counts],
        "flags": [[["threshold"] if f else []] for f in failing],
        "edges": [float(e) for e in edges],
    }
    result.notes.append(
        Message(gettext_noop("histogram: please also check that the extreme bin edges are not disclosive"))
    )
    return result.finish({"threshold": "fail"})
