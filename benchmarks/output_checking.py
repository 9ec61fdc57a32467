"""Output checking on a 1,000,000-row extract, side by side with ACRO 1.0.2 in the same run.

Two outputs: a two-way table of sums with about 1,000 cells (40 × 25), and an OLS regression with 10
covariates. Each is checked by our engine and by ``acro`` (crosstab with aggfunc="sum", olsr); the
script prints both timings and whether the verdicts (and, for the table, the flagged cells) agree.
The last line is one JSON object.

    .venv/bin/python benchmarks/output_checking.py [--rows 1000000]
"""

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ask4mdp.settings")
os.environ.setdefault("ASK4MDP_EMBEDDED", "1")


def make_extract(rows: int, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # Skewed categories so that some of the 1,000 cells are small, and a few dominated.
    sector = rng.zipf(1.6, rows) % 39
    sector[rng.choice(rows, 150, replace=False)] = 39  # a rare sector: cells below the threshold
    municipality = rng.integers(0, 25, rows)
    df = pd.DataFrame(
        {
            "sector": sector.astype(np.int16),
            "municipality": municipality.astype(np.int16),
            "wage": rng.gamma(3.0, 1000.0, rows).round(2),
        }
    )
    df.loc[df.index[(df.sector == 39) & (df.municipality == 0)][:1], "wage"] = 5_000_000.0  # a dominant one
    for i in range(10):
        df[f"x{i}"] = rng.normal(size=rows)
    df["y"] = df[[f"x{i}" for i in range(10)]].to_numpy() @ rng.normal(size=10) + rng.normal(size=rows)
    return df


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    from outputs.sdc import SDCParams
    from outputs.sdc.regression import check_regression
    from outputs.sdc.result import ACRO_CHECK_TO_RULE, label
    from outputs.sdc.tables import compute_table

    params = SDCParams()
    t = time.perf_counter()
    import scipy.stats  # noqa: F401  (imports are timed apart, as ACRO's are)
    import statsmodels.api  # noqa: F401
    import statsmodels.formula.api  # noqa: F401

    ours_import_s = time.perf_counter() - t
    t = time.perf_counter()
    df = make_extract(args.rows)
    print(f"extract: {len(df):,} rows generated in {time.perf_counter() - t:.1f} s")
    formula = "y ~ " + " + ".join(f"x{i}" for i in range(10))

    t = time.perf_counter()
    ours_table = compute_table(
        df, statistic="sum", index=["sector"], columns=["municipality"], values="wage", params=params
    )
    ours_table_s = time.perf_counter() - t
    t = time.perf_counter()
    ours_reg = check_regression(df, statistic="ols", formula=formula, params=params)
    ours_reg_s = time.perf_counter() - t
    cells = len(ours_table.table["rows"]) * len(ours_table.table["columns"])
    print(
        f"ours: table of sums ({cells} cells) {ours_table_s:.2f} s -> {ours_table.status}; "
        f"OLS (10 covariates) {ours_reg_s:.2f} s -> {ours_reg.status} (dof {ours_reg.dof})"
    )

    t = time.perf_counter()
    import acro

    logging.getLogger("acro").setLevel(logging.WARNING)
    session = acro.ACRO(suppress=False)
    logging.getLogger("acro").setLevel(logging.WARNING)
    acro_import_s = time.perf_counter() - t
    t = time.perf_counter()
    session.crosstab(df.sector, df.municipality, values=df.wage, aggfunc="sum")
    acro_table_s = time.perf_counter() - t
    acro_table = session.results.results[list(session.results.results)[-1]]
    t = time.perf_counter()
    session.olsr(formula, data=df)
    acro_reg_s = time.perf_counter() - t
    acro_reg = session.results.results[list(session.results.results)[-1]]
    print(
        f"acro: import {acro_import_s:.1f} s; table {acro_table_s:.2f} s -> {acro_table.status}; "
        f"OLS {acro_reg_s:.2f} s -> {acro_reg.status} (dof {acro_reg.properties['dof']})"
    )

    acro_flags = set()
    for row in acro_table.outcome.index:
        for col in acro_table.outcome.columns:
            for part in str(acro_table.outcome.loc[row, col]).split(";"):
                name = part.strip()
                if name in ACRO_CHECK_TO_RULE:
                    acro_flags.add(((label(row),), (label(col),), ACRO_CHECK_TO_RULE[name]))
    our_flags = {(tuple(c.row), tuple(c.column), rule) for c in ours_table.cells for rule in c.rules}
    table_agree = ours_table.status == acro_table.status and our_flags == acro_flags
    reg_agree = ours_reg.status == acro_reg.status and ours_reg.dof == acro_reg.properties["dof"]
    print(f"verdicts agree: table {table_agree} ({len(our_flags)} flags), regression {reg_agree}")
    print(
        json.dumps(
            {
                "rows": len(df),
                "table_cells": cells,
                "ours_table_s": round(ours_table_s, 3),
                "acro_table_s": round(acro_table_s, 3),
                "ours_regression_s": round(ours_reg_s, 3),
                "acro_regression_s": round(acro_reg_s, 3),
                "ours_import_s": round(ours_import_s, 1),
                "acro_import_s": round(acro_import_s, 1),
                "table_status": ours_table.status,
                "regression_status": ours_reg.status,
                "flagged_cells": len(ours_table.cells),
                "table_verdicts_agree": table_agree,
                "regression_verdicts_agree": reg_agree,
            }
        )
    )


if __name__ == "__main__":
    main()
