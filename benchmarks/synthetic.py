"""Benchmark: synthesis plus the full utility and privacy report on a 30,000-row, 15-column table.

The table is a person-level snapshot (December 2023) built with the register warehouse's own
generators (``extraction.warehouse``): socio-demographics, the person's first job of the month and its
wage — numeric, categorical and date columns with missing values (persons without a job). Nationality
is in the dictionary's default 7 groups, as a one-padlock variable is delivered; age is exact.

Goals (issue 7): under 30 s on this machine, S_pMSE below 3, and an exact-copy rate no higher than the
real holdout's. Prints the figures; the last line is one JSON object.

    .venv/bin/python benchmarks/synthetic.py [--rows 30000] [--seed 1]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ask4mdp.settings")

COLUMNS = [
    "I_age",
    "I_gender",
    "I_nationality",
    "I_residence_country",
    "I_canton",
    "I_cross_border",
    "I_marital_status",
    "J_start_date",
    "J_employee_status",
    "J_contract_type",
    "J_working_time",
    "J_nace",
    "W_gross_wage",
    "W_paid_hours",
    "W_paid_overtime_hours",
]


def _frame(data: dict) -> pd.DataFrame:
    from extraction import warehouse as w

    return pd.DataFrame({k: (v.strings() if isinstance(v, w.Cat) else v) for k, v in data.items()})


def person_table(rows: int, seed: int) -> pd.DataFrame:
    """One row per person present in December 2023, with their first job of that month (if any)."""
    from extraction import warehouse as w

    persons = int(rows * 1.6)
    pop = w.make_population(seed, 0, 0, persons, persons)
    year, month = 2023, np.datetime64("2023-12-01")
    socio = _frame(w._socio(pop, year, w._rng(seed, 0, 1, year)))
    jobs = _frame(w._jobs(pop, year, w._rng(seed, 0, 2, year), seed))
    wages = _frame(w._wages(pop, year, w._rng(seed, 0, 3, year), seed))
    socio, jobs, wages = (t[t[w.PERIOD] == month] for t in (socio, jobs, wages))
    job = jobs.merge(wages, on=[w.JOB_ID, w.PERSON_ID, w.COMPANY_ID, w.PERIOD]).drop_duplicates(w.PERSON_ID)
    table = socio.merge(job, on=[w.PERSON_ID, w.PERIOD], how="left")
    table = table[table["I_age"] >= 16].head(rows)
    table["J_start_date"] = pd.to_datetime(table["J_start_date"])
    # nationality as delivered by default (one padlock): the dictionary's 7 groups
    nat = table["I_nationality"]
    table["I_nationality"] = np.where(
        nat.isin(["LU", "DE", "BE", "FR", "PT"]), nat, np.where(nat.isin(sorted(w.EU_OTHER)), "EU", "OTHER")
    )
    return table[COLUMNS].reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    from synthetic.pipeline import run_synthesis

    t0 = time.perf_counter()
    df = person_table(args.rows, args.seed)
    generate_s = time.perf_counter() - t0
    print(
        f"table: {len(df):,} rows × {len(df.columns)} columns from extraction.warehouse ({generate_s:.1f} s)"
    )
    print(f"missing values: {int(df.isna().sum().sum()):,} cells")
    with tempfile.TemporaryDirectory() as tmp:
        cpu0, t1 = time.process_time(), time.perf_counter()
        synthetic, report = run_synthesis(
            df,
            report_dir=Path(tmp),
            seed=args.seed,
            target="J_nace",
            settings_synthetic=settings.SYNTHETIC,
            permutations=settings.SYNTHETIC.get("permutations", 20),
        )
        wall, cpu = time.perf_counter() - t1, time.process_time() - cpu0
        pdf_bytes = (Path(tmp) / "report.pdf").stat().st_size
    load = os.getloadavg()[0]
    s, p = report["synthesis"], report["privacy"]
    print(
        f"synthesis (CART, {s['records_train']:,} training rows → {len(synthetic):,}): {s['seconds']:.2f} s"
    )
    print(
        f"synthesis + full report + PDF: {wall:.1f} s wall, {cpu:.1f} s CPU (load average {load:.1f} on "
        f"{os.cpu_count()} cores)"
    )
    print(
        f"quasi-identifiers {s['quasi_identifiers']}: {s['removed_unique_records']} unique records removed; "
        f"{s['removed_replicated_uniques']} replicated uniques dropped from the synthetic data"
    )
    print(
        f"pMSE {report['pMSE']:.6f}   S_pMSE {report['S_pMSE']:.3f}   (real training sample: "
        f"{report['reference']['propensity']['S_pMSE']:.3f}; "
        f"marginals baseline: {report['baseline']['S_pMSE']:.3f})"
    )
    print(f"exact copies {report['exact_copies']:.5f}   real holdout {report['exact_copies_holdout']:.5f}")
    print(
        f"DCR median {p['DCR_synthetic_train_median']:.4f} (holdout {p['DCR_holdout_train_median']:.4f});"
        f" repU {p.get('repU', 0):.3f} % (holdout {p.get('repU_holdout', 0):.3f} %);"
        f" DiSCO {p['DiSCO']['DiSCO']:.3f} % (holdout {p['DiSCO_holdout']['DiSCO']:.3f} %);"
        f" TCAP {p['TCAP']['TCAP']:.3f} (holdout {p['TCAP_holdout']['TCAP']:.3f})"
    )
    goals = {
        "under_30_s": wall < 30,
        "S_pMSE_below_3": report["S_pMSE"] < 3,
        "copies_not_above_holdout": report["exact_copies"] <= report["exact_copies_holdout"],
    }
    print("goals: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in goals.items()))
    print(
        json.dumps(
            {
                "rows": len(df),
                "columns": len(df.columns),
                "seconds": round(wall, 2),
                "cpu_seconds": round(cpu, 2),
                "synthesis_seconds": s["seconds"],
                "load_average": round(load, 2),
                "pMSE": report["pMSE"],
                "S_pMSE": report["S_pMSE"],
                "S_pMSE_reference": report["reference"]["propensity"]["S_pMSE"],
                "S_pMSE_baseline": report["baseline"]["S_pMSE"],
                "exact_copies": report["exact_copies"],
                "exact_copies_holdout": report["exact_copies_holdout"],
                "repU": p.get("repU"),
                "DiSCO": p["DiSCO"]["DiSCO"],
                "TCAP": p["TCAP"]["TCAP"],
                "pdf_bytes": pdf_bytes,
                "goals": goals,
            }
        )
    )


if __name__ == "__main__":
    main()
