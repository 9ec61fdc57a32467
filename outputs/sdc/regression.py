"""Linear, logit and probit regressions: the residual degrees of freedom (ACRO's MinimumDoFCheck)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message, MessageError

from .params import SDCParams
from .result import CheckResult

REGRESSIONS = ("ols", "logit", "probit")


class RegressionError(MessageError):
    """The model cannot be fitted from this spec (formula error, unknown variable…)."""


CANNOT_FIT = gettext_noop("the formula %(formula)s cannot be fitted: %(reason)s")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _plain_terms(df: pd.DataFrame, formula: str) -> tuple[str, list[str]] | None:
    """``y ~ a + b`` with numeric columns only: the design matrix needs no patsy."""
    lhs, _, rhs = formula.partition("~")
    lhs, terms = lhs.strip(), [t.strip() for t in rhs.split("+")]
    names = [lhs, *terms]
    if not all(
        IDENTIFIER.match(n)
        and n in df.columns
        and pd.api.types.is_numeric_dtype(df[n])
        and not pd.api.types.is_bool_dtype(df[n])
        for n in names
    ):
        return None
    if len(set(terms)) != len(terms) or lhs in terms:
        return None
    return lhs, terms


def fit(df: pd.DataFrame, *, statistic: str, formula: str):
    """Fit the model as ``acro.olsr/logitr/probitr`` do (statsmodels, rows with missing values dropped).

    A plain formula of numeric columns is fitted from a numpy design matrix (the same model and the
    same residual degrees of freedom, without patsy's cost on large extracts); anything else goes
    through statsmodels' formula interface.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if statistic not in REGRESSIONS:
        raise RegressionError(
            gettext_noop("unknown regression %(statistic)s (one of %(choices)s)"),
            statistic=repr(statistic),
            choices=", ".join(REGRESSIONS),
        )
    if not formula or "~" not in formula:
        raise RegressionError(gettext_noop("a regression needs a 'formula' such as \"y ~ x1 + x2\""))
    plain = _plain_terms(df, formula)
    if plain is not None and statistic == "ols":
        lhs, terms = plain
        return _ols_normal_equations(df, lhs, terms)
    if plain is not None:
        lhs, terms = plain
        data = df[[lhs, *terms]].dropna()
        exog = data[terms].astype(float)
        exog.insert(0, "Intercept", 1.0)
        factory = {"ols": sm.OLS, "logit": sm.Logit, "probit": sm.Probit}[statistic]
        try:
            model = factory(data[lhs].astype(float), exog)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = model.fit(disp=0) if statistic != "ols" else model.fit()
        except Exception as exc:  # perfect separation, singular matrices, y outside [0, 1]…
            raise RegressionError(CANNOT_FIT, formula=repr(formula), reason=str(exc)) from exc
        return model, results
    factory = {"ols": smf.ols, "logit": smf.logit, "probit": smf.probit}[statistic]
    try:
        model = factory(formula=formula, data=df)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = model.fit(disp=0) if statistic != "ols" else model.fit()
    except Exception as exc:  # patsy and statsmodels raise many kinds of errors for a bad formula
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise RegressionError(CANNOT_FIT, formula=repr(formula), reason=message) from exc
    return model, results


class _OLSFit:
    """What the check needs of an OLS fit, from the normal equations (one pass over the data).

    The residual degrees of freedom are nobs − rank(X), as statsmodels computes them.
    """

    def __init__(self, nobs, rank, params, bse, pvalues):
        self.nobs, self.df_resid = nobs, nobs - rank
        self.params, self.bse, self.pvalues = params, bse, pvalues


def _ols_normal_equations(df: pd.DataFrame, lhs: str, terms: list[str]):
    from scipy import stats

    names = ["Intercept", *terms]
    columns = [df[name].to_numpy(dtype=float) for name in [lhs, *terms]]
    keep = np.ones(len(df), dtype=bool)
    for column in columns:
        keep &= ~np.isnan(column)
    everything = bool(keep.all())  # rows with a missing value are dropped, as statsmodels does
    y = columns[0] if everything else columns[0][keep]
    x = np.empty((len(y), len(names)))
    x[:, 0] = 1.0
    for i, column in enumerate(columns[1:], start=1):
        x[:, i] = column if everything else column[keep]
    xtx, xty = x.T @ x, x.T @ y
    rank = int(np.linalg.matrix_rank(xtx))
    inverse = np.linalg.pinv(xtx)
    params = inverse @ xty
    residuals = y - x @ params
    dof = len(y) - rank
    sigma2 = float(residuals @ residuals) / dof if dof > 0 else np.nan
    bse = np.sqrt(np.clip(np.diag(inverse) * sigma2, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        pvalues = 2 * stats.t.sf(np.abs(params / bse), dof) if dof > 0 else np.full(len(names), np.nan)
    fit = _OLSFit(
        len(y),
        rank,
        pd.Series(params, index=names),
        pd.Series(bse, index=names),
        pd.Series(pvalues, index=names),
    )
    return fit, fit


def check_regression(
    df: pd.DataFrame, *, statistic: str, formula: str, params: SDCParams | None = None
) -> CheckResult:
    params = params or SDCParams.from_settings()
    model, results = fit(df, statistic=statistic, formula=formula)
    dof = int(model.df_resid)
    result = CheckResult(statistic=statistic, parameters=params.as_dict(), dof=dof)
    result.definition = {"statistic": statistic, "formula": formula}
    failing = dof < params.safe_dof_threshold
    result.checks["dof"] = 1 if failing else 0
    result.status = "fail" if failing else "pass"
    result.details = [
        Message(
            gettext_noop("dof=%(dof)s %(comparator)s %(threshold)s"),
            dof=dof,
            comparator="<" if failing else ">=",
            threshold=params.safe_dof_threshold,
        )
    ]
    coefficients = pd.DataFrame({"coef": results.params, "std_err": results.bse, "p_value": results.pvalues})
    result.table = {
        "index_names": ["term"],
        "column_names": ["estimate"],
        "rows": [[str(name)] for name in coefficients.index],
        "columns": [["coef"], ["std_err"], ["p_value"]],
        "values": [[_num(v) for v in row] for row in coefficients.to_numpy()],
        "counts": None,
        "flags": None,
        "nobs": int(results.nobs),
    }
    return result


def _num(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value
