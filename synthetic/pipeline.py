# ruff: noqa: E501 -- the report pages are laid out as text, one line per figure
"""Synthesis plus report, from a file to files: what the command and the Celery task both run."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop
from threadpoolctl import threadpool_limits

from ask4mdp.ui.translation import Message, MessageError

from . import figures
from .report import evaluate, thresholds
from .synthesis import NOT_VALID_LABEL, synthesise, synthesise_marginals, train_holdout_split

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".dta": "stata"}
NO_SUCH_FILE = gettext_noop("no such file: %(path)s")
CANNOT_READ = gettext_noop("cannot read %(name)s: %(error)s")
Progress = Callable[[int], None]


class InputError(MessageError):
    """A problem with what the user gave us (file, column names): shown to them in their language."""


def input_error(exc: ValueError) -> InputError:
    """The synthesiser's refusal of the data, for the user (a library's own message as it is)."""
    return InputError(exc.message if isinstance(exc, MessageError) else str(exc))


def file_format(path: Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(
            gettext_noop("unsupported file type %(suffix)s: use .csv, .parquet or .dta"),
            # Translators: the type of a file name without an extension
            suffix=Path(path).suffix or Message(gettext_noop("(none)")),
        )
    return fmt


def read_table(path: Path) -> pd.DataFrame:
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(NO_SUCH_FILE, path=str(path))
    try:
        if fmt == "csv":
            df = pd.read_csv(path)
            for col in df.columns:  # ISO dates back to dates
                if (
                    df[col].dtype == object
                    and df[col].dropna().astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
                    and df[col].notna().any()
                ):
                    df[col] = pd.to_datetime(df[col])
            return df
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_stata(path, convert_categoricals=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(CANNOT_READ, name=path.name, error=str(exc)) from exc


def read_columns(path: Path) -> list[str]:
    """Column names from the header or schema only (for forms: no need to load the data)."""
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise InputError(NO_SUCH_FILE, path=str(path))
    try:
        if fmt == "csv":
            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        import pyreadstat

        _, meta = pyreadstat.read_dta(str(path), metadataonly=True)
        return list(meta.column_names)
    except Exception as exc:  # noqa: BLE001 — any unreadable file is the user's input problem
        raise InputError(CANNOT_READ, name=path.name, error=str(exc)) from exc


def write_table(df: pd.DataFrame, path: Path) -> None:
    path = Path(path)
    fmt = file_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        df.to_csv(path, index=False, date_format="%Y-%m-%d")
    elif fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        out = df.copy()
        for col in out.columns:
            if str(out[col].dtype) in ("Int64", "Int32", "boolean"):
                out[col] = out[col].astype("float64")
            elif out[col].dtype == object:
                out[col] = out[col].where(out[col].notna(), "").astype(str)
        out.to_stata(path, write_index=False, data_label=NOT_VALID_LABEL[:80], version=118)


def _clean(value):
    """JSON without NaN/inf (a report must parse everywhere)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def check_columns(df: pd.DataFrame, names: Sequence[str], what: str | Message) -> None:
    """``what`` names the list: a command's option, or a ``Message`` such as "quasi-identifiers"."""
    unknown = [n for n in names if n not in df.columns]
    if unknown:
        raise InputError(
            gettext_noop("%(what)s: unknown column(s) %(unknown)s; the file has %(columns)s"),
            what=what,
            unknown=", ".join(unknown),
            columns=", ".join(map(str, df.columns)),
        )


def run_synthesis(*args, **kwargs) -> tuple[pd.DataFrame, dict]:
    """One BLAS/OpenMP thread: the machine is shared, and oversubscribed threads cost more than they give."""
    with threadpool_limits(1):
        return _run_synthesis(*args, **kwargs)


def _run_synthesis(
    df: pd.DataFrame,
    *,
    report_dir: Path,
    seed: int = 1,
    target: str | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    regression_outcome: str | None = None,
    regression_predictors: Sequence[str] | None = None,
    min_leaf_size: int = 20,
    permutations: int = 20,
    holdout: float = 0.3,
    settings_synthetic: dict | None = None,
    title: str = "",
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Split train/holdout (seeded), synthesise the training part with CART (and the marginals
    baseline), evaluate both against the holdout, write ``report.json``, ``report.pdf`` and PNGs."""
    if len(df) < 50:
        raise InputError(gettext_noop("at least 50 records are needed to synthesise and evaluate"))
    if target is not None:
        check_columns(df, [target], "--target")
    if quasi_identifiers is not None:
        check_columns(df, quasi_identifiers, Message(gettext_noop("quasi-identifiers")))
    if regression_outcome is not None:
        check_columns(df, [regression_outcome], Message(gettext_noop("regression outcome")))
    if regression_predictors is not None:
        check_columns(df, regression_predictors, Message(gettext_noop("regression predictors")))
    settings_synthetic = settings_synthetic or {}
    tick = progress or (lambda p: None)
    started = time.perf_counter()
    train, hold = train_holdout_split(df, seed=seed, holdout=holdout)
    try:
        cart = synthesise(
            train,
            seed=seed,
            min_leaf_size=min_leaf_size,
            n=len(df),
            quasi_identifiers=quasi_identifiers,
            progress=lambda p: tick(p * 25 // 100),
        )
    except ValueError as exc:
        raise input_error(exc) from exc
    if len(cart.data) < len(df) // 2:
        raise InputError(
            gettext_noop(
                "the synthesiser could only copy real records that are unique (too few variables or "
                "too little variation): no synthetic file is produced"
            )
        )
    synthesis_seconds = time.perf_counter() - started
    baseline = synthesise_marginals(
        train, seed=seed, n=len(df), quasi_identifiers=cart.quasi_identifiers, min_leaf_size=min_leaf_size
    )
    options = {
        "seed": seed,
        "quasi_identifiers": cart.quasi_identifiers,
        "target": target,
        "regression_outcome": regression_outcome,
        "regression_predictors": regression_predictors,
    }
    result = evaluate(
        train,
        hold,
        cart.data,
        permutations=permutations,
        progress=lambda p: tick(25 + p * 55 // 100),
        **options,
    )
    base = evaluate(train, hold, baseline.data, permutations=max(5, permutations // 4), full=False, **options)
    tick(85)
    report = {
        "label": NOT_VALID_LABEL,
        "pMSE": result["pMSE"],
        "S_pMSE": result["S_pMSE"],
        "exact_copies": result["exact_copies"],
        "exact_copies_holdout": result["exact_copies_holdout"],
        "synthesis": {
            **cart.summary(),
            "records_input": len(df),
            "records_train": len(train),
            "records_holdout": len(hold),
            "holdout_share": holdout,
            "seconds": round(synthesis_seconds, 3),
        },
        "utility": result["utility"],
        "privacy": result["privacy"],
        "reference": result["reference"],
        "baseline": {
            "method": "independent marginals",
            "pMSE": base["pMSE"],
            "S_pMSE": base["S_pMSE"],
            "exact_copies": base["exact_copies"],
            "mean_abs_association_difference": base["utility"]["associations"]["mean_abs_difference"],
            "mean_ci_overlap": base["utility"]["regression"].get("mean_ci_overlap"),
        },
    }
    report["thresholds"] = thresholds(report, settings_synthetic)
    report["seconds"] = round(time.perf_counter() - started, 3)
    report = _clean(report)
    write_report(
        report, cart.data, hold, report_dir, title=title or "Synthetic data: utility and privacy report"
    )
    tick(100)
    return cart.data, report


def _summary_lines(report: dict) -> list[str]:
    s = report["synthesis"]
    p = report["privacy"]
    ref = report["reference"]["propensity"]
    reg = report["utility"]["regression"]
    disco = p.get("DiSCO") or {}
    lines = [
        f"Method: sequential CART (synthpop style), seed {s['seed']}, minimum leaf size {s['min_leaf_size']}.",
        f"Records: {s['records_input']} in, {s['records_train']} used for training, {s['records_holdout']} kept as "
        f"the real holdout; {s['removed_unique_records']} training records unique on the quasi-identifiers "
        f"({', '.join(s['quasi_identifiers']) or 'none'}) removed before fitting.",
        "",
        "UTILITY (synthetic vs. real holdout; in brackets the real training sample vs. the same holdout)",
        f"  pMSE     {report['pMSE']:.6f}   [{ref['pMSE']:.6f}]",
        f"  S_pMSE   {report['S_pMSE']:.3f}      [{ref['S_pMSE']:.3f}]",
        f"  mean |association difference|  {report['utility']['associations']['mean_abs_difference']:.4f}   "
        f"[{report['reference']['associations']['mean_abs_difference']:.4f}]",
    ]
    if reg.get("available"):
        lines.append(
            f"  regression {reg['outcome']} ~ {', '.join(reg['predictors'])[:120]}: mean CI overlap "
            f"{(reg['mean_ci_overlap'] or 0):.3f}   [{(report['reference']['regression'].get('mean_ci_overlap') or 0):.3f}]"
        )
    lines += ["", "  Per-variable distance (total variation for categories, KS for numbers):"]
    for col, d in report["utility"]["distribution_distance"].items():
        ref_d = report["reference"]["distribution_distance"][col]["value"]
        lines.append(f"    {str(col)[:30]:30s} {d['measure']:16s} {d['value']:.4f}   [{ref_d:.4f}]")
    lines += [
        "",
        "PRIVACY (synthetic vs. training; in brackets the real holdout vs. training)",
        f"  exact copies of a training record   {100 * report['exact_copies']:.3f} %   [{100 * report['exact_copies_holdout']:.3f} %]",
        f"  DCR median                          {p['DCR_synthetic_train_median']:.4f}   [{p['DCR_holdout_train_median']:.4f}]",
        f"  DCR 5th percentile                  {p['DCR_synthetic_train_p05']:.4f}   [{p['DCR_holdout_train_p05']:.4f}]",
    ]
    if "repU" in p:
        lines.append(
            f"  repU (%)                            {p['repU']:.3f}   [{p['repU_holdout']:.3f}]   UiO {p['UiO']:.3f} %"
        )
    if disco:
        lines.append(
            f"  DiSCO (%) target {disco['target']}: {disco['DiSCO']:.3f}   "
            f"[{p['DiSCO_holdout']['DiSCO']:.3f}]   DiSO {disco['DiSO']:.3f}"
        )
    if p.get("TCAP"):
        lines.append(
            f"  TCAP target {disco.get('target')}: {p['TCAP']['TCAP']:.3f}   [{p['TCAP_holdout']['TCAP']:.3f}]   "
            f"(guessing the most common value: {p['TCAP']['baseline']:.3f})"
        )
    b = report["baseline"]
    lines += [
        "",
        f"BASELINE (independent marginals): S_pMSE {b['S_pMSE']:.3f}, exact copies {100 * b['exact_copies']:.3f} %",
        "",
        "THRESHOLDS (configured by the platform)",
    ]
    for t in report["thresholds"]:
        lines.append(
            f"  {t['name']:14s} {t['value']:.4f} {t['rule']} {t['threshold']:.4f}   {t['status'].upper()}"
        )
    lines += ["", "These data are synthetic: use them to write and test code, never to draw conclusions."]
    return lines


def write_report(
    report: dict, synthetic: pd.DataFrame, holdout: pd.DataFrame, report_dir: Path, title: str
) -> None:
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    points = [
        {"name": "CART synthetic", "S_pMSE": report["S_pMSE"] or 0, "exact_copies": report["exact_copies"]},
        {
            "name": "marginals baseline",
            "S_pMSE": report["baseline"]["S_pMSE"] or 0,
            "exact_copies": report["baseline"]["exact_copies"],
        },
        {
            "name": "real training sample",
            "S_pMSE": report["reference"]["propensity"]["S_pMSE"] or 0,
            "exact_copies": report["exact_copies_holdout"],
        },
    ]
    report["figures"] = figures.write(
        {
            "_summary": figures.text_page(title, _summary_lines(report)),
            "distributions": figures.distributions_figure(holdout, synthetic),
            "associations": figures.associations_figure(report["utility"]["associations"]),
            "tradeoff": figures.tradeoff_figure(points, report["privacy"]),
        },
        report_dir,
        title=title,
    )
    (report_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
