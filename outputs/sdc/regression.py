"""Linear, logit and probit regressions: the residual degrees of freedom (ACRO's MinimumDoFCheck)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .params import SDCParams
from .result import CheckResult

REGRESSIONS = ("ols", "logit", "probit")


class RegressionError(ValueError):
    """The model cannot be fitted from this spec (formula error, unknown variable…)."""


def fit(df: pd.DataFrame, *, statistic: str, formula: str):
    """Fit the model with statsmodels' formula interface, as ``acro.olsr/logitr/probitr`` do."""
    import statsmodels.formula.api as smf

    if statistic not in REGRESSIONS:
        raise RegressionError(f"unknown regression {statistic!r} (one of {', '.join(REGRESSIONS)})")
    if not formula or "~" not in formula:
        raise RegressionError("a regression needs a 'formula' such as \"y ~ x1 + x2\"")
    factory = {"ols": smf.ols, "logit": smf.logit, "probit": smf.probit}[statistic]
    try:
        model = factory(formula=formula, data=df)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = model.fit(disp=0) if statistic != "ols" else model.fit()
    except Exception as exc:  # patsy and statsmodels raise many kinds of errors for a bad formula
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise RegressionError(f"the formula {formula!r} cannot be fitted: {message}") from exc
    return model, results


def check_regression(df: pd.DataFrame, *, statistic: str, formula: str,
                     params: SDCParams | None = None) -> CheckResult:
    params = params or SDCParams.from_settings()
    model, results = fit(df, statistic=statistic, formula=formula)
    dof = int(model.df_resid)
    result = CheckResult(statistic=statistic, parameters=params.as_dict(), dof=dof)
    result.definition = {"statistic": statistic, "formula": formula}
    failing = dof < params.safe_dof_threshold
    result.checks["dof"] = 1 if failing else 0
    result.status = "fail" if failing else "pass"
    comparator = "<" if failing else ">="
    result.summary = f"{result.status}; dof={dof} {comparator} {params.safe_dof_threshold}"
    coefficients = pd.DataFrame({"coef": results.params, "std_err": results.bse, "p_value": results.pvalues})
    result.table = {
        "index_names": ["term"], "column_names": ["estimate"],
        "rows": [[str(name)] for name in coefficients.index],
        "columns": [["coef"], ["std_err"], ["p_value"]],
        "values": [[_num(v) for v in row] for row in coefficients.to_numpy()],
        "counts": None, "flags": None,
        "nobs": int(results.nobs),
    }
    return result


def _num(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value
