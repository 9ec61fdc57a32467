"""The extraction engine: manifest → filter → sample → recode → pseudonymise → delivery files.

Plan (measured in RECIPES.md, "Extraction at scale"):

1. validate the manifest (``docs/manifest.schema.json``) and check it against the warehouse;
2. the field of study: the distinct persons with a record satisfying the filters in the period;
3. one mapping table per (identifier domain, stage): the distinct identifiers → pseudonyms,
   computed once per distinct identifier by the pseudonymiser (never per row), collision-checked,
   with the sample drawn on the person pseudonym;
4. one streaming DuckDB pass per register: period filter, recodes compiled to SQL, joins with
   the small mapping tables, ordered by the pseudonym's rank (deterministic bytes, and an order
   that says nothing about the real identifiers), written to Parquet; CSV and Stata from it;
5. derived indicators, the codebook, the re-identification risk report, the manifest copy and
   the checksums.

Everything is written into a hidden temporary folder beside the delivery folder, which replaces
the delivery folder in one rename when complete: a killed worker leaves no partial delivery.
"""
# ruff: noqa: S608 - DuckDB SQL over the warehouse, from identifiers checked against its columns (quote_ident)
# and quoted literals (literal); no text reaches it unquoted.

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jsonschema
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message, MessageError

from . import risk
from .recode_sql import compile_rule, literal, quote_ident
from .warehouse import read_meta

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "manifest.schema.json"
DTA_MAX_ROWS = 1_000_000  # above this a register's .dta is split by year (pandas writes ≈ 0.2 M rows/s)
PARQUET_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"
QUASI_IDENTIFIER_FALLBACK = {"I_age", "I_gender", "I_nationality", "I_canton", "I_commune", "I_zipcode"}

Pseudonymise = Callable[[str, int, list[str]], list[str]]
Progress = Callable[[int, str | Message], None]


class ManifestInvalid(MessageError):
    """Every problem of a manifest: ours as ``Message``s, the JSON schema validator's as its own text."""

    def __init__(self, errors: list[str | Message]):
        self.errors = errors
        super().__init__(Message(gettext_noop("the manifest is not valid: %(errors)s"), errors=errors[:10]))


@dataclass
class DeliveredFile:
    name: str
    size: int
    sha256: str
    rows: int | None = None
    kind: str = "data"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "rows": self.rows,
            "kind": self.kind,
        }


@dataclass
class Result:
    out_dir: Path
    files: list[DeliveredFile] = field(default_factory=list)
    risk_report: dict = field(default_factory=dict)
    rows: int = 0
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)


# --- validation -----------------------------------------------------------------------------


def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate_manifest(manifest: dict, warehouse_meta: dict | None = None) -> None:
    """Raise ``ManifestInvalid`` listing every problem (schema first, then against the warehouse)."""
    validator = jsonschema.Draft202012Validator(load_schema())
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    ]
    if errors:
        raise ManifestInvalid(errors)
    if manifest["period"]["from"] > manifest["period"]["to"]:
        errors.append(Message(gettext_noop("period: 'from' is after 'to'")))
    if warehouse_meta is not None:
        registers = warehouse_meta["registers"]
        for reg in manifest["registers"]:
            if reg["code"] not in registers:
                errors.append(
                    Message(gettext_noop("registers/%(register)s: not in the warehouse"), register=reg["code"])
                )
                continue
            columns = {c for c, _ in registers[reg["code"]]["columns"]}
            for var in reg["variables"]:
                if var["name"] not in columns:
                    errors.append(
                        Message(
                            gettext_noop("registers/%(register)s/%(variable)s: no such column in the warehouse"),
                            register=reg["code"],
                            variable=var["name"],
                        )
                    )
        for f in manifest["field_of_study"]["filters"]:
            reg = registers.get(f["register"])
            if reg is None or f["variable"] not in {c for c, _ in reg["columns"]}:
                errors.append(
                    Message(
                        gettext_noop("field_of_study: %(register)s.%(variable)s is not in the warehouse"),
                        register=f["register"],
                        variable=f["variable"],
                    )
                )
        for m in manifest["protection_measures"]:
            ind = m.get("indicator")
            if m["type"] == "derived_indicator" and (not ind or m.get("register") not in registers):
                errors.append(
                    Message(gettext_noop("protection_measures: a derived_indicator needs 'register' and 'indicator'"))
                )
    if errors:
        raise ManifestInvalid(errors)


# --- helpers --------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _month_start(ym: str) -> str:
    return f"{ym}-01"


def _month_end(ym: str) -> str:
    y, m = (int(x) for x in ym.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return f"{y:04d}-{m:02d}-01"  # exclusive


def _filter_sql(f: dict, column: str, kind: str) -> str:
    col = quote_ident(column)
    values = f["values"]
    numeric = kind in ("int", "float") and all(isinstance(v, int | float) for v in values)
    if numeric:
        lits = [literal(v) for v in values]
        target = col
    elif kind == "date":
        lits = [f"DATE {literal(str(v))}" for v in values]
        target = col
    else:
        lits = [literal(str(v)) for v in values]
        target = f"CAST({col} AS VARCHAR)"
    if f["op"] == "in":
        return f"{target} IN ({', '.join(lits)})"
    if f["op"] == "not_in":
        return f"({target} IS NULL OR {target} NOT IN ({', '.join(lits)}))"
    if len(lits) != 2:
        raise ManifestInvalid(
            [Message(gettext_noop("field_of_study: 'between' on %(column)s needs two values"), column=column)]
        )
    return f"{target} BETWEEN {lits[0]} AND {lits[1]}"


class _ProgressMonitor:
    """Polls DuckDB's query progress from a side thread while one long statement runs."""

    def __init__(self, con, report: Progress | None, lo: float, hi: float, message: str):
        self.con, self.report, self.lo, self.hi, self.message = con, report, lo, hi, message
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        last = -1
        while not self._stop.wait(0.5):
            try:
                pct = self.con.query_progress()
            except Exception:  # noqa: BLE001 - progress is best effort
                return
            if pct is None or pct < 0:
                continue
            value = int(self.lo + (self.hi - self.lo) * min(pct, 100) / 100)
            if value != last:
                last = value
                self.report(value, self.message)

    def __enter__(self):
        if self.report:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# --- the engine -----------------------------------------------------------------------------


class Extractor:
    def __init__(
        self,
        manifest: dict,
        *,
        warehouse: Path,
        out_dir: Path,
        pseudonymise: Pseudonymise,
        memory_limit: str = "1GB",
        threads: int = 2,
        progress: Progress | None = None,
    ):
        self.manifest = manifest
        self.warehouse = Path(warehouse)
        self.out_dir = Path(out_dir)
        self.pseudonymise = pseudonymise
        self.memory_limit = memory_limit
        self.threads = threads
        self._progress = progress
        self.meta = read_meta(self.warehouse)
        validate_manifest(manifest, self.meta)
        self.p_from = manifest["period"]["from"]
        self.p_to = manifest["period"]["to"]

    # progress ------------------------------------------------------------------------------
    def progress(self, value: float, message: str | Message) -> None:
        """``message`` names the step: a ``Message``, or a register's code."""
        if self._progress:
            self._progress(int(max(0, min(99, value))), message)

    # sources -------------------------------------------------------------------------------
    def columns(self, register: str) -> dict[str, str]:
        return dict(self.meta["registers"][register]["columns"])

    def source(self, register: str) -> str:
        y1, y2 = int(self.p_from[:4]), int(self.p_to[:4])
        files = sorted(
            str(p)
            for p in (self.warehouse / register).glob("year=*/part-*.parquet")
            if y1 <= int(p.parent.name.split("=")[1]) <= y2
        )
        if not files:
            # No partition in the period: the register's columns, no rows.
            every = literal(str(self.warehouse / register / "year=*" / "*.parquet"))
            return f"(SELECT * FROM read_parquet({every}, union_by_name = true) LIMIT 0)"
        return "read_parquet([" + ", ".join(literal(f) for f in files) + "], union_by_name = true)"

    def period_column(self, register: str) -> str | None:
        return self.meta["registers"][register].get("period")

    def period_sql(self, register: str, alias: str = "r") -> str:
        col = self.period_column(register)
        if not col:
            return "TRUE"
        c = f"{alias}.{quote_ident(col)}"
        return f"{c} >= DATE '{_month_start(self.p_from)}' AND {c} < DATE '{_month_end(self.p_to)}'"

    # identifiers ---------------------------------------------------------------------------
    @staticmethod
    def domain_of(var: dict) -> str | None:
        if var["identifier_kind"]:
            return var["identifier_kind"]
        if var["pseudonymise"]:
            return var["name"]
        return None

    def person_column(self, register: str) -> str | None:
        from .warehouse import PERSON_ID

        return PERSON_ID if PERSON_ID in self.columns(register) else None

    def field_of_study(self, con) -> None:
        """``fos_persons(id)``: the persons of the field of study (all persons when no filter)."""
        groups: dict[str, list[dict]] = {}
        for f in self.manifest["field_of_study"]["filters"]:
            groups.setdefault(f["register"], []).append(f)
        selects = []
        for register, filters in sorted(groups.items()):
            pcol = self.person_column(register)
            if not pcol:
                raise ManifestInvalid(
                    [
                        Message(
                            gettext_noop("field_of_study: register %(register)s has no person identifier"),
                            register=register,
                        )
                    ]
                )
            cols = self.columns(register)
            cond = " AND ".join(_filter_sql(f, f["variable"], cols[f["variable"]]) for f in filters)
            selects.append(
                f"SELECT DISTINCT r.{quote_ident(pcol)} AS id FROM {self.source(register)} r "
                f"WHERE {self.period_sql(register)} AND {cond}"
            )
        if not selects:
            for reg in self.manifest["registers"]:
                pcol = self.person_column(reg["code"])
                if pcol:
                    selects.append(
                        f"SELECT DISTINCT r.{quote_ident(pcol)} AS id FROM {self.source(reg['code'])} r "
                        f"WHERE {self.period_sql(reg['code'])}"
                    )
            query = " UNION ".join(selects) if selects else "SELECT NULL::BIGINT AS id WHERE FALSE"
        else:
            query = " INTERSECT ".join(selects)
        con.execute(f"CREATE OR REPLACE TABLE fos_persons AS SELECT id FROM ({query}) WHERE id IS NOT NULL")

    def build_map(self, con, domain: str, stage: int, ids: pa.Array, *, sample: dict | None = None) -> int:
        """``map_<domain>_<stage>(id, pseudonym, rank)``, from distinct identifiers (one call each)."""
        as_text = pc.cast(ids, pa.string()).to_pylist()
        pseudonyms = self.pseudonymise(domain, stage, as_text) if as_text else []
        keep = np.ones(len(pseudonyms), dtype=bool)
        if sample and domain == "person":
            # The sample is drawn on the stage-1 person pseudonym with the decided seed: the same
            # persons in every delivery of the project, and nothing about the real identifiers.
            basis = pseudonyms if stage == 1 else self.pseudonymise(domain, 1, as_text)
            threshold = sample["fraction"] * 2**60
            seed = str(sample["seed"])
            keep = np.array(
                [int(hashlib.sha256(f"{seed}:{p}".encode()).hexdigest()[:15], 16) < threshold for p in basis],
                dtype=bool,
            )
        order = (
            np.argsort(np.array(pseudonyms, dtype=object), kind="stable") if pseudonyms else np.array([], int)
        )
        rank = np.empty(len(pseudonyms), dtype=np.int64)
        rank[order] = np.arange(len(pseudonyms))
        table = pa.table({"id": ids, "pseudonym": pa.array(pseudonyms, pa.string()), "rank": rank}).filter(
            pa.array(keep)
        )
        name = self.map_name(domain, stage)
        con.register("__map_arrow", table)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM __map_arrow")
        con.unregister("__map_arrow")
        del as_text, pseudonyms
        return table.num_rows

    @staticmethod
    def map_name(domain: str, stage: int) -> str:
        return "map_" + re.sub(r"\W", "_", domain) + f"_{stage}"

    def needed_maps(self) -> dict[tuple[str, int], list[tuple[str, str]]]:
        """(domain, stage) → [(register, column)] whose identifiers it pseudonymises."""
        needed: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for reg in self.manifest["registers"]:
            stage = reg["pseudonymisation_stage"]
            if self.person_column(reg["code"]):
                needed.setdefault(("person", stage), [])
            for var in reg["variables"]:
                domain = self.domain_of(var)
                if domain:
                    needed.setdefault((domain, stage), []).append((reg["code"], var["name"]))
        for m in self.manifest["protection_measures"]:
            if m["type"] == "derived_indicator":
                needed.setdefault(("person", 1), [])
        return needed

    # registers -----------------------------------------------------------------------------
    def indicator_measures(self, register: str) -> list[dict]:
        return [
            m
            for m in self.manifest["protection_measures"]
            if m["type"] == "derived_indicator" and m.get("register") == register and m.get("indicator")
        ]

    def register_query(self, reg: dict) -> tuple[str, list[str]] | None:
        code, stage = reg["code"], reg["pseudonymisation_stage"]
        dropped = {b for m in self.indicator_measures(code) for b in m["indicator"]["base_variables"]}
        variables = [v for v in reg["variables"] if v["name"] not in dropped]
        if not variables:
            return None
        joins, selects, order = [], [], []
        pcol = self.person_column(code)
        if pcol:
            pm = self.map_name("person", stage)
            joins.append(f"JOIN {pm} pm ON r.{quote_ident(pcol)} = pm.id")
            order.append("pm.rank")
        for i, var in enumerate(variables):
            name = var["name"]
            src = f"r.{quote_ident(name)}"
            domain = self.domain_of(var)
            if domain == "person" and name == pcol:
                expr = "pm.pseudonym"
            elif domain:
                alias = f"m{i}"
                joins.append(f"LEFT JOIN {self.map_name(domain, stage)} {alias} ON {src} = {alias}.id")
                expr = f"{alias}.pseudonym"
                order.append(f"{alias}.rank")
            else:
                expr = compile_rule(var.get("recode") or {"type": "identity"}, src)
            selects.append(f"{expr} AS {quote_ident(name)}")
        period = self.period_column(code)
        if period and period in {v["name"] for v in variables}:
            order.insert(1 if pcol else 0, f"r.{quote_ident(period)}")
        # The order must be total for the bytes to be the same on every run. (unit identifier, period)
        # is unique in the monthly registers; elsewhere ties are broken by every delivered value.
        unit = self.meta["registers"][code].get("unit", "")
        unit_domain = {"person_month": "person", "job_month": "job", "company_month": "company"}.get(unit)
        unit_delivered = (
            unit_domain
            and any(self.domain_of(v) == unit_domain for v in variables)
            or (unit_domain == "person" and pcol)
        )
        if not (unit_delivered and period and period in {v["name"] for v in variables}):
            order += [quote_ident(v["name"]) for v in variables]
        query = (
            f"SELECT {', '.join(selects)} FROM {self.source(code)} r {' '.join(joins)} "
            f"WHERE {self.period_sql(code)} ORDER BY {', '.join(order)}"
        )
        return query, [v["name"] for v in variables]

    def indicator_query(self, measure: dict) -> tuple[str, str]:
        code = measure["register"]
        ind = measure["indicator"]
        pcol = self.person_column(code)
        if not pcol:
            raise ManifestInvalid(
                [
                    Message(
                        gettext_noop("protection_measures: register %(register)s has no person identifier"),
                        register=code,
                    )
                ]
            )
        agg = ind["aggregate"]
        of = ind.get("of")
        if agg == "count" or not of:
            expr = "count(*)"
        else:
            fn = {"sum": "sum", "max": "max", "mean": "avg"}[agg]
            expr = f"{fn}(r.{quote_ident(of)})"
        person_var = next(
            (
                v["name"]
                for r in self.manifest["registers"]
                if r["code"] == code
                for v in r["variables"]
                if v["identifier_kind"] == "person"
            ),
            pcol,
        )
        group = ["pm.pseudonym", "pm.rank"]
        year_sel = ""
        period = self.period_column(code)
        if ind.get("per") == "person_year" and period:
            year_sel = f", year(r.{quote_ident(period)}) AS year"
            group.append(f"year(r.{quote_ident(period)})")
        query = (
            f"SELECT pm.pseudonym AS {quote_ident(person_var)}{year_sel}, "
            f"{expr} AS {quote_ident(ind['name'])} FROM {self.source(code)} r "
            f"JOIN {self.map_name('person', 1)} pm ON r.{quote_ident(pcol)} = pm.id "
            f"WHERE {self.period_sql(code)} GROUP BY {', '.join(group)} "
            f"ORDER BY pm.rank{', year' if year_sel else ''}"
        )
        return query, f"{code}__{ind['name']}"

    # the run -------------------------------------------------------------------------------
    def run(self) -> Result:
        started = time.monotonic()
        parent = self.out_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        for stale in parent.glob(f".{self.out_dir.name}.partial-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a worker killed mid-run
        work = parent / f".{self.out_dir.name}.partial-{uuid.uuid4().hex[:12]}"
        work.mkdir()
        try:
            result = self._run(work)
            self._publish(work)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        result.out_dir = self.out_dir
        result.seconds = time.monotonic() - started
        return result

    def _publish(self, work: Path) -> None:
        old = self.out_dir.parent / f".{self.out_dir.name}.old-{uuid.uuid4().hex[:12]}"
        if self.out_dir.exists():
            os.replace(self.out_dir, old)
        os.replace(work, self.out_dir)
        shutil.rmtree(old, ignore_errors=True)

    def connect(self, work: Path):
        con = duckdb.connect(":memory:")
        tmp = work / ".duckdb-tmp"
        con.execute(f"SET temp_directory = {literal(str(tmp))}")
        con.execute(f"SET memory_limit = {literal(self.memory_limit)}")
        con.execute(f"SET threads = {int(self.threads)}")
        # Ordered output is what makes re-runs byte-identical; ORDER BY needs it preserved.
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        return con

    def _run(self, work: Path) -> Result:
        result = Result(out_dir=self.out_dir)
        con = self.connect(work)
        try:
            self.progress(1, Message(gettext_noop("field of study")))
            self.field_of_study(con)
            # 1. mapping tables: distinct identifiers → pseudonyms, once each.
            needed = self.needed_maps()
            sample = self.manifest.get("sample")
            for n, ((domain, stage), cols) in enumerate(sorted(needed.items())):
                self.progress(
                    3 + 12 * n / max(1, len(needed)),
                    Message(gettext_noop("pseudonyms (%(domain)s, key %(stage)s)"), domain=domain, stage=stage),
                )
                if domain == "person":
                    ids = con.sql("SELECT id FROM fos_persons ORDER BY id").to_arrow_table().column(0)
                else:
                    parts = [
                        f"SELECT DISTINCT r.{quote_ident(c)} AS id FROM {self.source(reg)} r "
                        f"WHERE {self.period_sql(reg)} AND r.{quote_ident(c)} IS NOT NULL"
                        for reg, c in cols
                    ]
                    ids = (
                        con.sql(f"SELECT id FROM ({' UNION '.join(parts)}) ORDER BY id")
                        .to_arrow_table()
                        .column(0)
                    )
                result.counts[f"{domain}/{stage}"] = self.build_map(
                    con, domain, stage, ids.combine_chunks(), sample=sample
                )
            # 2. one streaming pass per register.
            formats = self.manifest["output_formats"]
            weights = [max(1, self.meta["registers"][r["code"]]["rows"]) for r in self.manifest["registers"]]
            total = sum(weights)
            done = 0.0
            delivered: list[tuple[str, dict, list[str]]] = []
            for reg, weight in zip(self.manifest["registers"], weights, strict=True):
                lo = 15 + 70 * done / total
                hi = 15 + 70 * (done + weight) / total
                done += weight
                built = self.register_query(reg)
                if built is None:
                    continue
                query, names = built
                target = work / f"{reg['code']}.parquet"
                with _ProgressMonitor(con, self._progress, lo, hi, reg["code"]):
                    con.execute(f"COPY ({query}) TO {literal(str(target))} ({PARQUET_OPTIONS})")
                delivered.append((reg["code"], reg, names))
                self.progress(hi, reg["code"])
            for measure in self.manifest["protection_measures"]:
                if measure["type"] == "derived_indicator" and measure.get("indicator"):
                    query, stem = self.indicator_query(measure)
                    con.execute(
                        f"COPY ({query}) TO {literal(str(work / (stem + '.parquet')))} ({PARQUET_OPTIONS})"
                    )
                    delivered.append(
                        (
                            stem,
                            {
                                "code": stem,
                                "label": measure["indicator"]["label"],
                                "pseudonymisation_stage": 1,
                                "variables": [],
                            },
                            [],
                        )
                    )
            # 3. other formats, from the delivered Parquet (already filtered, recoded, pseudonymised).
            self.progress(86, Message(gettext_noop("formats")))
            rows: dict[str, int] = {}
            for stem, _reg, _names in delivered:
                path = work / f"{stem}.parquet"
                rows[stem] = con.execute(
                    f"SELECT count(*) FROM read_parquet({literal(str(path))})"
                ).fetchone()[0]
                if "csv" in formats:
                    con.execute(
                        f"COPY (SELECT * FROM read_parquet({literal(str(path))})) TO "
                        f"{literal(str(work / (stem + '.csv')))} (HEADER, DELIMITER ',')"
                    )
                if "dta" in formats:
                    self.write_dta(con, path, work, stem, rows[stem])
            # 4. risk report (on the Parquet written, before it is removed if not asked for).
            self.progress(92, Message(gettext_noop("risk report")))
            result.risk_report = self.risk_report(con, work, delivered)
            if "parquet" not in formats:
                for stem, _reg, _names in delivered:
                    (work / f"{stem}.parquet").unlink()
        finally:
            con.close()
            shutil.rmtree(work / ".duckdb-tmp", ignore_errors=True)
        # 5. codebook, manifest copy, checksums.
        self.write_codebook(work, delivered, rows)
        (work / "manifest.json").write_text(
            json.dumps(self.manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
        (work / "risk_report.json").write_text(
            json.dumps(result.risk_report, indent=2, sort_keys=True) + "\n"
        )
        (work / "risk_report.html").write_text(risk.render_html(result.risk_report))
        files = []
        for path in sorted(p for p in work.iterdir() if p.is_file()):
            stem = path.name.split(".")[0]
            kind = "data" if path.suffix in (".parquet", ".csv", ".dta") else "document"
            files.append(
                DeliveredFile(
                    path.name,
                    path.stat().st_size,
                    _sha256(path),
                    rows.get(stem) if kind == "data" and path.suffix != ".dta" else None,
                    kind,
                )
            )
        (work / "SHA256SUMS").write_text("".join(f"{f.sha256}  {f.name}\n" for f in files))
        files.append(
            DeliveredFile(
                "SHA256SUMS",
                (work / "SHA256SUMS").stat().st_size,
                _sha256(work / "SHA256SUMS"),
                None,
                "document",
            )
        )
        result.files = files
        result.rows = sum(rows.values())
        self.progress(99, Message(gettext_noop("publishing")))
        return result

    # outputs -------------------------------------------------------------------------------
    def write_dta(self, con, parquet: Path, work: Path, stem: str, nrows: int) -> None:
        """Stata files: pseudonyms are already strings (Stata has no 64-bit integers); split by year."""
        import pyreadstat

        src = f"read_parquet({literal(str(parquet))})"
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        types = dict(
            con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {src})").fetchall()
        )
        date_col = next((c for c in cols if types[c] == "DATE"), None)
        if nrows > DTA_MAX_ROWS and date_col:
            years = [
                y
                for (y,) in con.execute(
                    f"SELECT DISTINCT year({quote_ident(date_col)}) y FROM {src} "
                    f"WHERE {quote_ident(date_col)} IS NOT NULL ORDER BY y"
                ).fetchall()
            ]
            parts = [(f"{stem}.{y}.dta", f"WHERE year({quote_ident(date_col)}) = {int(y)}") for y in years]
        else:
            parts = [(f"{stem}.dta", "")]
        for name, where in parts:
            df = con.execute(f"SELECT * FROM {src} {where}").df()
            for c in df.columns:
                if types.get(c) == "DATE":
                    df[c] = df[c].astype("datetime64[s]")
            target = work / name
            pyreadstat.write_dta(df, str(target), version=15)
            _fix_dta_timestamp(target)

    def write_codebook(self, work: Path, delivered, rows: dict) -> None:
        registers = []
        for stem, reg, names in delivered:
            variables = []
            for var in reg["variables"]:
                if var["name"] not in names:
                    continue
                variables.append(
                    {
                        "name": var["name"],
                        "label": var["label"],
                        "granularity": var["granularity"],
                        "granularity_label": var.get("granularity_label", ""),
                        "padlock": var["padlock"],
                        "pseudonymised": bool(self.domain_of(var)),
                        "pseudonymisation_key": reg["pseudonymisation_stage"]
                        if self.domain_of(var)
                        else None,
                        "modalities": [] if self.domain_of(var) else var["modalities"],
                    }
                )
            if not reg["variables"]:  # a derived indicator
                m = next(
                    m
                    for m in self.manifest["protection_measures"]
                    if m.get("indicator") and f"{m['register']}__{m['indicator']['name']}" == stem
                )
                ind = m["indicator"]
                variables = [
                    {
                        "name": ind["name"],
                        "label": ind["label"],
                        "aggregate": ind["aggregate"],
                        "of": ind.get("of"),
                        "per": ind.get("per", "person"),
                        "replaces": ind["base_variables"],
                    }
                ]
            registers.append(
                {
                    "file": stem,
                    "label": reg["label"],
                    "rows": rows.get(stem),
                    "pseudonymisation_key": reg["pseudonymisation_stage"],
                    "variables": variables,
                }
            )
        codebook = {
            "project": self.manifest["project"]["reference"],
            "request": self.manifest["request"]["reference"],
            "request_version": self.manifest["request"]["version"],
            "dictionary_version": self.manifest["dictionary_version"],
            "period": self.manifest["period"],
            "field_of_study": self.manifest["field_of_study"]["description"],
            "sample": self.manifest["sample"],
            "files": registers,
        }
        (work / "codebook.json").write_text(
            json.dumps(codebook, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
        lines = [
            f"# Codebook — {codebook['project']} ({codebook['request']} v{codebook['request_version']})",
            "",
            f"Period: {self.p_from} to {self.p_to}. Field of study: {codebook['field_of_study'] or '—'}.",
            f"Dictionary version {codebook['dictionary_version']}.",
            "",
        ]
        for reg in registers:
            lines += [
                f"## {reg['file']} — {reg['label']}",
                "",
                f"{reg['rows']} rows; identifiers pseudonymised with key {reg['pseudonymisation_key']}.",
                "",
            ]
            for v in reg["variables"]:
                lines.append(f"### {v['name']} — {v['label']}")
                if v.get("granularity"):
                    lines.append(f"Granularity: {v['granularity']} {v.get('granularity_label', '')}".rstrip())
                if v.get("pseudonymised"):
                    lines.append("Pseudonymised (16-character strings).")
                if v.get("replaces"):
                    lines.append(
                        f"{v['aggregate']} of {v.get('of') or 'records'} per {v['per']}; "
                        f"replaces {', '.join(v['replaces'])}."
                    )
                for mod in v.get("modalities", []):
                    lines.append(f"- `{mod['code']}` {mod['label']}")
                lines.append("")
        (work / "codebook.md").write_text("\n".join(lines))

    def risk_report(self, con, work: Path, delivered) -> dict:
        flagged = {
            v["name"]
            for r in self.manifest["registers"]
            for v in r["variables"]
            if v.get("quasi_identifier", v["name"] in QUASI_IDENTIFIER_FALLBACK) and not self.domain_of(v)
        }
        reports = []
        for stem, reg, names in delivered:
            qis = [n for n in names if n in flagged]
            if len(qis) < 1:
                continue
            person = next(
                (
                    v["name"]
                    for v in reg["variables"]
                    if v["identifier_kind"] == "person" and v["name"] in names
                ),
                None,
            )
            period = self.period_column(reg["code"]) if reg["code"] in self.meta["registers"] else None
            reports.append(
                risk.assess(
                    con,
                    work / f"{stem}.parquet",
                    qis,
                    register=stem,
                    person=person,
                    period=period if period in names else None,
                )
            )
        return {"registers": reports, "k_values": list(risk.K_VALUES), "threshold": risk.RISK_THRESHOLD}


_TS_RE = re.compile(rb"<timestamp>\x11[^<]{17}</timestamp>")


def _fix_dta_timestamp(path: Path) -> None:
    """Stata 117+ headers carry the writing time: pin it so re-runs give the same bytes."""
    data = path.read_bytes()
    fixed = _TS_RE.sub(b"<timestamp>\x11" + b"01 Jan 2000 00:00" + b"</timestamp>", data, count=1)
    if fixed != data:
        path.write_bytes(fixed)


def run(manifest: dict, **kwargs) -> Result:
    return Extractor(manifest, **kwargs).run()
