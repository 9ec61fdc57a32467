"""Extraction benchmark: the full extraction against a plain Parquet copy with the same engine.

    .venv/bin/python benchmarks/extraction.py --persons 1000000

Generates (or reuses) a warehouse of SOCIO, JOBS and WAGES for N persons, then times in the same run
(a) a plain DuckDB Parquet→Parquet copy of the same columns of the same registers over the same
period — the physical floor — and (b) the full extraction of a realistic manifest
(``extraction.sample_manifest``: 3 registers, 14 variables, person/company/job pseudonyms,
recodes, a field-of-study filter, 2010–2024, deterministic ordered output). Prints rows per
second, the ratio (b)/(a) and the peak memory (RSS of this process and its children, sampled);
the last line is one JSON object.
"""
# ruff: noqa: S608 - DuckDB SQL over the warehouse, from identifiers checked against its columns (quote_ident)
# and quoted literals (literal); no text reaches it unquoted.

import argparse
import json
import os
import secrets
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ask4mdp.settings")
os.environ.setdefault("ASK4MDP_EMBEDDED", "1")
# A throw-away master secret for the benchmark's pseudonyms (never the production one).
os.environ.setdefault("ASK4MDP_MASTER_SECRET", secrets.token_hex(32))

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import psutil  # noqa: E402

from extraction import engine, sample_manifest, warehouse  # noqa: E402
from extraction.recode_sql import literal, quote_ident  # noqa: E402
from pseudonym.backends import KeyContext, LocalHMACBackend  # noqa: E402


class PeakRSS:
    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.wait(0.1):
            try:
                rss = me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True))
            except psutil.Error:
                continue
            self.peak = max(self.peak, rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def ensure_warehouse(path: Path, persons: int, seed: int) -> dict:
    try:
        meta = warehouse.read_meta(path)
        if (
            meta["persons"] == persons
            and meta["seed"] == seed
            and {"SOCIO", "JOBS", "WAGES"} <= set(meta["registers"])
        ):
            print(f"reusing the warehouse in {path}", flush=True)
            return meta
    except FileNotFoundError:
        pass
    print(f"generating {persons:,} persons into {path} …", flush=True)
    started = time.monotonic()
    meta = warehouse.generate(
        path,
        persons=persons,
        seed=seed,
        registers=["SOCIO", "JOBS", "WAGES"],
        progress=lambda m: print("  " + m, flush=True),
    )
    print(f"generated in {time.monotonic() - started:.0f} s", flush=True)
    return meta


def plain_copy(manifest: dict, meta: dict, wh: Path, out: Path, memory_limit: str, threads: int) -> int:
    ex = engine.Extractor(manifest, warehouse=wh, out_dir=out, pseudonymise=lambda *a: [])
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {literal(memory_limit)}")
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = {literal(str(out / '.tmp'))}")
    rows = 0
    for reg in manifest["registers"]:
        cols = ", ".join(f"r.{quote_ident(v['name'])}" for v in reg["variables"])
        target = out / f"{reg['code']}.parquet"
        con.execute(
            f"COPY (SELECT {cols} FROM {ex.source(reg['code'])} r WHERE {ex.period_sql(reg['code'])}) "
            f"TO {literal(str(target))} ({engine.PARQUET_OPTIONS})"
        )
        rows += con.execute(f"SELECT count(*) FROM read_parquet({literal(str(target))})").fetchone()[0]
    con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warehouse", default=None, help="default: var/bench-warehouse[-N]")
    parser.add_argument("--memory-limit", default=os.environ.get("ASK4MDP_EXTRACTION_MEMORY_LIMIT", "1GB"))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("ASK4MDP_EXTRACTION_THREADS", "2")))
    args = parser.parse_args()
    wh = (
        Path(args.warehouse)
        if args.warehouse
        else ROOT
        / "var"
        / ("bench-warehouse" if args.persons == 1_000_000 else f"bench-warehouse-{args.persons}")
    )
    meta = ensure_warehouse(wh, args.persons, args.seed)
    manifest = sample_manifest.build(meta, project_ref="PRJ-BENCH")
    out_root = ROOT / "var" / "bench-out"
    shutil.rmtree(out_root, ignore_errors=True)
    (out_root / "copy").mkdir(parents=True)
    salt = secrets.token_bytes(32)
    backend = LocalHMACBackend()

    def pseudonymise(domain, stage, values):
        out = backend.pseudonymise(KeyContext("PRJ-BENCH", domain, stage, 1, salt), values)
        if len(set(out)) != len(out):
            raise RuntimeError("pseudonym collision")
        return out

    with PeakRSS() as copy_mem:
        started = time.monotonic()
        copy_rows = plain_copy(manifest, meta, wh, out_root / "copy", args.memory_limit, args.threads)
        copy_seconds = time.monotonic() - started
    print(
        f"(a) plain copy: {copy_rows:,} rows in {copy_seconds:.1f} s = "
        f"{copy_rows / copy_seconds:,.0f} rows/s, "
        f"peak {copy_mem.peak / 2**20:,.0f} MB",
        flush=True,
    )
    steps = {}
    with PeakRSS() as extract_mem:
        started = time.monotonic()
        result = engine.run(
            manifest,
            warehouse=wh,
            out_dir=out_root / "delivery",
            pseudonymise=pseudonymise,
            memory_limit=args.memory_limit,
            threads=args.threads,
            progress=lambda v, s: steps.setdefault(s, time.monotonic() - started),
        )
        extract_seconds = time.monotonic() - started
    print(
        f"(b) extraction: {result.rows:,} rows delivered in {extract_seconds:.1f} s = "
        f"{result.rows / extract_seconds:,.0f} rows/s, peak {extract_mem.peak / 2**20:,.0f} MB",
        flush=True,
    )
    print("    steps (s from start): " + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()), flush=True)
    ratio = extract_seconds / copy_seconds
    print(
        f"ratio (b)/(a) = {ratio:.2f}  (goal ≤ 1.5); "
        f"peak memory {max(copy_mem.peak, extract_mem.peak) / 2**20:,.0f} MB "
        "(goal < 2048)",
        flush=True,
    )
    shutil.rmtree(out_root, ignore_errors=True)
    print(
        json.dumps(
            {
                "persons": args.persons,
                "rows": result.rows,
                "copy_rows": copy_rows,
                "copy_seconds": round(copy_seconds, 2),
                "extract_seconds": round(extract_seconds, 2),
                "ratio": round(ratio, 3),
                "peak_rss_mb": round(max(copy_mem.peak, extract_mem.peak) / 2**20, 1),
                "copy_peak_rss_mb": round(copy_mem.peak / 2**20, 1),
                "extract_peak_rss_mb": round(extract_mem.peak / 2**20, 1),
                "rows_per_second": round(result.rows / extract_seconds),
                "memory_limit": args.memory_limit,
                "threads": args.threads,
            }
        )
    )


if __name__ == "__main__":
    main()
