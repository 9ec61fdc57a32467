"""The register warehouse: deterministic synthetic source data for the demo dictionary's registers.

The platform never sees real microdata; this generator stands in for the social-security registers
(IGSS/CCSS, ADEM, CAE, FNS, CNAP) so that the extraction engine, its benchmark and the demo run on
realistic volumes and codings.

Layout (hive style, one Parquet file per register × year × chunk of persons)::

    DIR/_warehouse.json                       what was generated: seed, persons, registers, columns
    DIR/<REGISTER>/year=<YYYY>/part-<chunk>.parquet

Streaming: persons are generated in chunks (``chunk_size``) and each chunk's monthly rows are
produced one year at a time, so memory depends on the chunk size, never on the number of persons.
Deterministic: every random draw comes from a generator seeded by (seed, chunk, register, year),
and the Parquet writer settings are fixed, so the same arguments give the same bytes.

Columns: the hand-written logic below produces the core variables (identifiers, period, age,
gender, nationality, residence, employers, jobs, wages, benefits, absences). Every other variable
of the demo dictionary (``fixtures/dictionary.yaml``) is generated from its detailed granularity's
modalities or its ``generation_hints`` (numeric range), so the warehouse follows the dictionary as
it grows.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FIRST_YEAR = 2002
LAST_YEAR = 2024
N_MONTHS = (LAST_YEAR - FIRST_YEAR + 1) * 12
FORMAT_VERSION = 1
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 1,
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 256 * 1024,
}

# Identifiers of the three linking domains.
PERSON_ID, COMPANY_ID, JOB_ID = "I_person_id", "E_company_id", "J_job_id"
PERIOD = "reference_period"

# --- Luxembourg-like reference data ------------------------------------------------------------

# Nationality shares among residents (STATEC 2024, rounded): Luxembourgers ≈ 47 %, Portuguese ≈ 15 %,
# French ≈ 7 %, Belgians ≈ 3 %, Germans ≈ 2 %, other EU ≈ 11 %, others ≈ 15 %.
NATIONALITIES = {
    "LU": 0.47,
    "PT": 0.15,
    "FR": 0.07,
    "BE": 0.03,
    "DE": 0.02,
    "IT": 0.035,
    "ES": 0.012,
    "NL": 0.006,
    "PL": 0.008,
    "RO": 0.01,
    "GR": 0.008,
    "IE": 0.003,
    "AT": 0.002,
    "HU": 0.003,
    "BG": 0.003,
    "SE": 0.002,
    "DK": 0.002,
    "FI": 0.002,
    "HR": 0.002,
    "SK": 0.002,
    "CZ": 0.002,
    "LT": 0.002,
    "LV": 0.001,
    "EE": 0.001,
    "SI": 0.001,
    "CY": 0.001,
    "MT": 0.001,
    "CV": 0.02,
    "BR": 0.015,
    "GB": 0.012,
    "US": 0.008,
    "CN": 0.01,
    "IN": 0.012,
    "RS": 0.018,
    "ME": 0.008,
    "BA": 0.005,
    "MA": 0.005,
    "SY": 0.007,
    "ER": 0.004,
    "UA": 0.01,
    "RU": 0.004,
    "CH": 0.004,
    "TR": 0.004,
    "PH": 0.003,
    "CM": 0.003,
    "JP": 0.002,
    "ZZ": 0.006,
}
EU_OTHER = {
    "IT",
    "ES",
    "NL",
    "PL",
    "RO",
    "GR",
    "IE",
    "AT",
    "HU",
    "BG",
    "SE",
    "DK",
    "FI",
    "HR",
    "SK",
    "CZ",
    "LT",
    "LV",
    "EE",
    "SI",
    "CY",
    "MT",
}

# Communes (a selection per canton) with a zipcode base; the dictionary's list replaces it.
CANTONS = {
    "CAP": ["Capellen", "Mamer", "Steinfort", "Kehlen", "Koerich"],
    "CLE": ["Clervaux", "Wincrange", "Troisvierges"],
    "DIE": ["Diekirch", "Ettelbruck", "Erpeldange-sur-Sûre", "Bettendorf"],
    "ECH": ["Echternach", "Rosport-Mompach", "Junglinster"],
    "ESC": [
        "Esch-sur-Alzette",
        "Differdange",
        "Dudelange",
        "Pétange",
        "Sanem",
        "Bettembourg",
        "Kayl",
        "Schifflange",
        "Mondercange",
        "Käerjeng",
    ],
    "GRE": ["Grevenmacher", "Mertert", "Biwer"],
    "LUX": [
        "Luxembourg",
        "Hesperange",
        "Strassen",
        "Bertrange",
        "Walferdange",
        "Sandweiler",
        "Niederanven",
        "Steinsel",
        "Contern",
    ],
    "MER": ["Mersch", "Lintgen", "Lorentzweiler"],
    "RED": ["Redange", "Useldange", "Préizerdaul"],
    "REM": ["Remich", "Mondorf-les-Bains", "Schengen"],
    "VIA": ["Vianden", "Tandel"],
    "WIL": ["Wiltz", "Wincrange-Nord", "Goesdorf"],
}
# Rough population weights of the cantons (Luxembourg and Esch hold most residents).
CANTON_WEIGHTS = {
    "CAP": 0.08,
    "CLE": 0.03,
    "DIE": 0.06,
    "ECH": 0.03,
    "ESC": 0.30,
    "GRE": 0.05,
    "LUX": 0.31,
    "MER": 0.05,
    "RED": 0.03,
    "REM": 0.04,
    "VIA": 0.01,
    "WIL": 0.02,
}
BORDER_COUNTRIES = {"FR": 0.52, "BE": 0.24, "DE": 0.24}  # cross-border workers' countries of residence

# NACE Rev. 2 sections with employment shares (private and public sector together).
NACE = {
    "A": 0.01,
    "B": 0.002,
    "C": 0.07,
    "D": 0.004,
    "E": 0.005,
    "F": 0.11,
    "G": 0.13,
    "H": 0.07,
    "I": 0.05,
    "J": 0.05,
    "K": 0.12,
    "L": 0.01,
    "M": 0.09,
    "N": 0.09,
    "O": 0.06,
    "P": 0.02,
    "Q": 0.08,
    "R": 0.01,
    "S": 0.01,
    "T": 0.008,
}
NACE_DIVISIONS = {
    "A": ["01", "02"],
    "B": ["08"],
    "C": ["10", "20", "24", "25", "28"],
    "D": ["35"],
    "E": ["36", "38"],
    "F": ["41", "42", "43"],
    "G": ["45", "46", "47"],
    "H": ["49", "52", "53"],
    "I": ["55", "56"],
    "J": ["58", "61", "62", "63"],
    "K": ["64", "65", "66"],
    "L": ["68"],
    "M": ["69", "70", "71", "73"],
    "N": ["77", "78", "81", "82"],
    "O": ["84"],
    "P": ["85"],
    "Q": ["86", "87", "88"],
    "R": ["90", "93"],
    "S": ["94", "96"],
    "T": ["97"],
}
SIZE_CLASSES = [(0, "1"), (5, "2"), (10, "3"), (20, "4"), (50, "5"), (100, "6"), (250, "7"), (500, "8")]


@dataclass
class Column:
    name: str
    kind: str  # "int", "float", "str", "date"
    modalities: list[str] = field(default_factory=list)
    hints: dict = field(default_factory=dict)


@dataclass
class RegisterSpec:
    code: str
    unit: str  # "person_month", "job_month", "company_month", "episode"
    columns: list[Column]


# --- the registers (built-in layout; the dictionary's variables are added by ``load_spec``) -------


def _c(name, kind, modalities=None, **hints):
    return Column(name, kind, list(modalities or []), hints)


BUILTIN_REGISTERS = [
    RegisterSpec(
        "SOCIO",
        "person_month",
        [
            _c(PERSON_ID, "int"),
            _c(PERIOD, "date"),
            _c("I_birth_year", "int"),
            _c("I_age", "int"),
            _c("I_gender", "str", ["1", "2"]),
            _c("I_nationality", "str"),
            _c("I_residence_country", "str"),
            _c("I_canton", "str"),
            _c("I_commune", "str"),
            _c("I_zipcode", "str"),
            _c("I_cross_border", "str", ["0", "1"]),
            _c("I_marital_status", "str", ["1", "2", "3", "4"]),
        ],
    ),
    RegisterSpec(
        "JOBS",
        "job_month",
        [
            _c(JOB_ID, "int"),
            _c(PERSON_ID, "int"),
            _c(COMPANY_ID, "int"),
            _c(PERIOD, "date"),
            _c("J_start_date", "date"),
            _c("J_end_date", "date"),
            _c("J_employee_status", "str", ["1", "2", "3"]),
            _c("J_contract_type", "str", ["1", "2"]),
            _c("J_working_time", "str", ["1", "2"]),
            _c("J_nace", "str"),
        ],
    ),
    RegisterSpec(
        "WAGES",
        "job_month",
        [
            _c(JOB_ID, "int"),
            _c(PERSON_ID, "int"),
            _c(COMPANY_ID, "int"),
            _c(PERIOD, "date"),
            _c("W_gross_wage", "float"),
            _c("W_paid_hours", "float"),
            _c("W_paid_overtime_hours", "float"),
        ],
    ),
    RegisterSpec(
        "EMPLOYERS",
        "company_month",
        [
            _c(COMPANY_ID, "int"),
            _c(PERIOD, "date"),
            _c("E_nace", "str"),
            _c("E_size_class", "str"),
            _c("E_employees", "int"),
            _c("E_sector_type", "str", ["1", "2", "3"]),
            _c("E_commune", "str"),
        ],
    ),
    RegisterSpec(
        "JOBSEEK",
        "person_month",
        [
            _c(PERSON_ID, "int"),
            _c(PERIOD, "date"),
            _c("U_registered", "str", ["0", "1"]),
            _c("U_benefit", "str", ["0", "1"]),
            _c("U_benefit_amount", "float"),
            _c("U_measure", "str", ["0", "1", "2", "3"]),
        ],
    ),
    RegisterSpec(
        "FAMILY",
        "person_month",
        [
            _c(PERSON_ID, "int"),
            _c(PERIOD, "date"),
            _c("F_children_entitled", "int"),
            _c("F_allowance_amount", "float"),
            _c("F_parental_leave", "str", ["0", "1", "2"]),
        ],
    ),
    RegisterSpec(
        "PENSIONS",
        "person_month",
        [
            _c(PERSON_ID, "int"),
            _c(PERIOD, "date"),
            _c("P_pension_type", "str", ["1", "2", "3"]),
            _c("P_amount", "float"),
        ],
    ),
    RegisterSpec(
        "MININC",
        "person_month",
        [
            _c(PERSON_ID, "int"),
            _c(PERIOD, "date"),
            _c("R_amount", "float"),
            _c("R_household_role", "str", ["1", "2", "3", "4"]),
        ],
    ),
    RegisterSpec(
        "ABSENCE",
        "episode",
        [
            _c(PERSON_ID, "int"),
            _c(COMPANY_ID, "int"),
            _c(JOB_ID, "int"),
            _c("A_start_date", "date"),
            _c("A_end_date", "date"),
            _c("A_duration", "int"),
            _c("A_type", "str", ["1", "2", "3", "4"]),
        ],
    ),
]


# --- small helpers -------------------------------------------------------------------------------


class Cat:
    """A categorical column: integer codes into a small array of strings (written dictionary-encoded).

    Converting millions of numpy strings to Arrow is the slow part of generation; codes are not.
    """

    __slots__ = ("codes", "values", "nulls")

    def __init__(self, codes: np.ndarray, values):
        self.codes = np.asarray(codes, dtype=np.int32)
        self.values = np.asarray(values, dtype=str)
        self.nulls = None

    @classmethod
    def encode(cls, strings) -> Cat:
        values, codes = np.unique(np.asarray(strings, dtype=str), return_inverse=True)
        return cls(codes, values)

    def take(self, i: np.ndarray) -> Cat:
        return Cat(self.codes[i], self.values)

    def __len__(self) -> int:
        return len(self.codes)

    def strings(self) -> np.ndarray:
        return self.values[self.codes]


def flag(cond: np.ndarray) -> Cat:
    return Cat(np.asarray(cond, dtype=np.int32), ["0", "1"])


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed, *parts])


def _choice(rng, mapping: dict, size: int) -> np.ndarray:
    keys = np.array(list(mapping))
    p = np.array(list(mapping.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _cat_choice(rng, mapping: dict, size: int) -> Cat:
    p = np.array(list(mapping.values()), dtype=float)
    return Cat(rng.choice(len(p), size=size, p=p / p.sum()), list(mapping))


def _month_date(month_index: np.ndarray) -> np.ndarray:
    """Month index (0 = 2002-01) → numpy datetime64[D] of the first day."""
    return (np.datetime64(f"{FIRST_YEAR}-01", "M") + month_index.astype("timedelta64[M]")).astype(
        "datetime64[D]"
    )


def _expand(start: np.ndarray, end: np.ndarray, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (entity index, month index) of spells [start, end] that fall in ``year``, entity-major."""
    months = (year - FIRST_YEAR) * 12 + np.arange(12)
    mask = (months[None, :] >= start[:, None]) & (months[None, :] <= end[:, None])
    i, j = np.nonzero(mask)
    return i, months[j]


def person_ids(index: np.ndarray) -> np.ndarray:
    """13-digit matricule-like identifiers: a bijection of the person index (unique, unordered)."""
    return 10**12 + (index.astype(np.int64) * 2_654_435_761) % (9 * 10**12)


def company_ids(index: np.ndarray) -> np.ndarray:
    return 10**10 + (index.astype(np.int64) * 97_531) % (9 * 10**10)


def job_ids(person_index: np.ndarray, spell: np.ndarray) -> np.ndarray:
    return 10**14 + (person_index.astype(np.int64) * 4 + spell) * 7_919 % (9 * 10**14)


def communes() -> list[tuple[str, str, int]]:
    """(commune code, canton, zipcode base) — codes are ``C<nn>`` in canton order."""
    out, n = [], 0
    for canton, names in CANTONS.items():
        for _ in names:
            n += 1
            out.append((f"C{n:03d}", canton, 1000 + (n * 83) % 8900))
    return out


@dataclass
class Geo:
    """Residence codings from the dictionary: communes (with weights) and zipcodes per commune."""

    communes: list[str]
    weights: list[float]
    zips: dict[str, list[str]]


def load_geo(dictionary_path: Path | None) -> Geo | None:
    if dictionary_path is None or not Path(dictionary_path).exists():
        return None
    import yaml

    doc = yaml.safe_load(Path(dictionary_path).read_text())
    variables = {
        v["name"]: v for r in doc.get("registers", []) if r.get("code") == "SOCIO" for v in r["variables"]
    }
    commune, zipcode = variables.get("I_commune"), variables.get("I_zipcode")
    if not commune:
        return None
    weights = (commune.get("generation") or {}).get("weights") or {}
    codes = [str(c) for c in weights if str(c) not in BORDER_COUNTRIES and c != "rest"]
    if not codes:
        return None
    parents = ((zipcode or {}).get("generation") or {}).get("parents") or {}
    zips: dict[str, list[str]] = {}
    for z, c in parents.items():
        zips.setdefault(str(c), []).append(str(z))
    return Geo(codes, [float(weights[c]) for c in codes], zips)


# --- the population of one chunk --------------------------------------------------------------


@dataclass
class Population:
    """Static attributes of one chunk of persons and their spells (month indices, inclusive)."""

    index: np.ndarray
    pid: np.ndarray
    birth_month: np.ndarray  # month index relative to 2002-01 (negative before)
    gender: Cat
    nationality: Cat
    cross_border: np.ndarray
    country: Cat
    canton: Cat
    commune: Cat
    zipcode: Cat
    marital: Cat
    present_from: np.ndarray
    present_to: np.ndarray
    # jobs: two possible spells per person
    job_start: np.ndarray  # (n, 2), -1 when absent
    job_end: np.ndarray
    job_company: np.ndarray  # company index (n, 2)
    job_wage: np.ndarray  # monthly base wage (n, 2)
    job_full_time: Cat  # flattened (n * 2): index 2 * person + spell
    job_status: Cat
    job_contract: Cat
    children: np.ndarray
    child_from: np.ndarray
    child_to: np.ndarray


def n_companies(persons: int) -> int:
    return max(20, persons // 12)


def make_population(
    seed: int, chunk: int, start: int, size: int, persons: int, geo: Geo | None = None
) -> Population:
    rng = _rng(seed, chunk, 0)
    idx = np.arange(start, start + size, dtype=np.int64)
    # Birth: ages 0-95 at 2002, plus births up to 2024 (a stock-flow population).
    birth_year = np.where(
        rng.random(size) < 0.08,
        rng.integers(2002, LAST_YEAR + 1, size),
        2002 - np.clip(rng.gamma(3.2, 10.0, size), 0, 75).astype(int),
    )
    birth_month = (birth_year - FIRST_YEAR) * 12 + rng.integers(0, 12, size)
    gender = np.where(rng.random(size) < 0.503, "1", "2")  # 1 male, 2 female (≈ 50.3 % men)
    cross_border = rng.random(size) < 0.12
    country = np.where(cross_border, _choice(rng, BORDER_COUNTRIES, size), "LU")
    nat_resident = _choice(rng, NATIONALITIES, size)
    # Cross-border workers mostly hold the nationality of their country of residence.
    nationality = np.where(cross_border & (rng.random(size) < 0.85), country, nat_resident)
    canton = _choice(rng, CANTON_WEIGHTS, size)
    com = communes()
    by_canton = {c: [x for x in com if x[1] == c] for c in CANTONS}
    pick = rng.random(size)
    commune = np.empty(size, dtype=object)
    zipcode = np.empty(size, dtype=object)
    zip_offset = rng.integers(0, 40, size)
    for c, items in by_canton.items():
        sel = canton == c
        k = np.minimum(
            (pick[sel] ** 1.6 * len(items)).astype(int), len(items) - 1
        )  # the main commune is larger
        commune[sel] = np.array([items[i][0] for i in k], dtype=object)
        zipcode[sel] = np.array(
            [f"{items[i][2] + z:04d}" for i, z in zip(k, zip_offset[sel], strict=True)], dtype=object
        )
    if geo is not None:
        # The dictionary's communes (code CCMM: canton CC) and the zipcodes of each commune.
        k = rng.choice(len(geo.communes), size=size, p=np.array(geo.weights) / sum(geo.weights))
        commune = np.array(geo.communes, dtype=object)[k]
        canton = np.array([c[:2] for c in commune], dtype=object)
        zipcode = np.array(
            [
                (geo.zips.get(c) or [c])[z % len(geo.zips.get(c) or [c])]
                for c, z in zip(commune, zip_offset, strict=True)
            ],
            dtype=object,
        )
    commune = np.where(cross_border, country, commune).astype(str)
    canton = np.where(cross_border, country, canton).astype(str)
    zipcode = np.where(
        cross_border, country if geo is not None else country + "-" + zip_offset.astype(str), zipcode
    ).astype(str)
    age2002 = (0 - birth_month) // 12
    marital = np.where(age2002 < 25, "1", _choice(rng, {"1": 0.35, "2": 0.5, "3": 0.12, "4": 0.03}, size))

    # Presence: from 2002 (or birth, or immigration) until the end (or emigration / death).
    arrives = np.where(rng.random(size) < 0.08, rng.integers(0, N_MONTHS, size), 0)
    present_from = np.maximum(np.maximum(birth_month, 0), arrives)
    leaves = np.where(rng.random(size) < 0.06, rng.integers(0, N_MONTHS, size), N_MONTHS - 1)
    died = birth_month + (rng.normal(82, 9, size) * 12).astype(int)
    present_to = np.minimum(leaves, died)
    present_to = np.maximum(present_to, present_from)  # at least one month
    # Jobs: working age 18-64, two possible spells with different employers.
    work_from = np.maximum(present_from, birth_month + 18 * 12 + rng.integers(0, 60, size))
    work_to = np.minimum(present_to, birth_month + rng.integers(57, 66, size) * 12)
    works = (work_from <= work_to) & ((rng.random(size) < 0.72) | cross_border)
    cut = work_from + ((work_to - work_from) * rng.uniform(0.2, 1.0, size)).astype(int)
    second = rng.random(size) < 0.45
    job_start = np.stack([work_from, np.minimum(cut + rng.integers(1, 14, size), work_to + 1)], axis=1)
    job_end = np.stack([np.where(second, cut, work_to), work_to], axis=1)
    job_start[:, 1] = np.where(second, job_start[:, 1], -1)
    job_start[~works] = -1
    job_start[job_start > job_end] = -1
    ncomp = n_companies(persons)
    # Heavy-tailed employer sizes: a few large employers, many small ones.
    job_company = (
        np.clip(rng.pareto(1.1, (size, 2)), 0, 1e6) * 37 + rng.integers(0, ncomp, (size, 2))
    ).astype(np.int64) % ncomp
    base = rng.lognormal(np.log(4200), 0.45, (size, 2))
    job_full_time = np.where(rng.random((size, 2)) < 0.8, "1", "2")  # 1 full time, 2 part time
    job_wage = np.round(np.where(job_full_time == "1", base, base * 0.55), 2)
    job_status = _choice(rng, {"1": 0.86, "2": 0.06, "3": 0.08}, size * 2).reshape(size, 2)
    job_contract = _choice(rng, {"1": 0.9, "2": 0.1}, size * 2).reshape(size, 2)
    children = np.where((age2002 > 15) & (age2002 < 55), rng.choice(4, size, p=[0.45, 0.2, 0.25, 0.1]), 0)
    child_from = np.maximum(present_from, birth_month + rng.integers(24, 40, size) * 12)
    child_to = np.minimum(present_to, child_from + rng.integers(60, 300, size))
    enc = Cat.encode
    return Population(
        idx,
        person_ids(idx),
        birth_month,
        enc(gender),
        enc(nationality),
        cross_border,
        enc(country),
        enc(canton),
        enc(commune),
        enc(zipcode),
        enc(marital),
        present_from,
        present_to,
        job_start,
        job_end,
        job_company,
        job_wage,
        enc(job_full_time.ravel()),
        enc(job_status.ravel()),
        enc(job_contract.ravel()),
        children,
        child_from,
        child_to,
    )


# --- rows of one register for one year of one chunk -------------------------------------------


def _socio(pop: Population, year: int, rng) -> dict:
    present = pop.present_from.copy()
    present[pop.cross_border] = np.where(
        pop.job_start[pop.cross_border, 0] >= 0, pop.job_start[pop.cross_border, 0], N_MONTHS
    )  # only while they work here
    i, m = _expand(present, pop.present_to, year)
    return {
        PERSON_ID: pop.pid[i],
        PERIOD: _month_date(m),
        "I_birth_year": (FIRST_YEAR + pop.birth_month[i] // 12),
        "I_age": (m - pop.birth_month[i]) // 12,
        "I_gender": pop.gender.take(i),
        "I_nationality": pop.nationality.take(i),
        "I_residence_country": pop.country.take(i),
        "I_canton": pop.canton.take(i),
        "I_commune": pop.commune.take(i),
        "I_zipcode": pop.zipcode.take(i),
        "I_cross_border": flag(pop.cross_border[i]),
        "I_marital_status": pop.marital.take(i),
    }


def _job_rows(pop: Population, year: int):
    rows_i, rows_m, rows_s = [], [], []
    for s in (0, 1):
        start = pop.job_start[:, s]
        end = np.where(start >= 0, pop.job_end[:, s], -2)
        i, m = _expand(start, end, year)
        rows_i.append(i)
        rows_m.append(m)
        rows_s.append(np.full(len(i), s))
    i, m, s = np.concatenate(rows_i), np.concatenate(rows_m), np.concatenate(rows_s)
    order = np.lexsort((m, s, i))
    return i[order], m[order], s[order]


_NACE_TABLES: dict[int, np.ndarray] = {}


def company_nace(ci: np.ndarray, seed: int) -> Cat:
    """The sector (NACE class) of each company: a function of the company, the same in every chunk."""
    table = _NACE_TABLES.get(seed)
    if table is None:
        rng = _rng(seed, 999_999, 1)
        sections = _choice(rng, NACE, 4096)
        table = np.array([str(rng.choice(NACE_DIVISIONS[s])) for s in sections])
        _NACE_TABLES[seed] = table
    return Cat((ci * 2_654_435_761) % len(table), table)


def _jobs(pop: Population, year: int, rng, seed: int) -> dict:
    i, m, s = _job_rows(pop, year)
    comp = pop.job_company[i, s]
    end = pop.job_end[i, s]
    return {
        JOB_ID: job_ids(pop.index[i], s),
        PERSON_ID: pop.pid[i],
        COMPANY_ID: company_ids(comp),
        PERIOD: _month_date(m),
        "J_start_date": _month_date(pop.job_start[i, s]) + (pop.index[i] % 28).astype("timedelta64[D]"),
        "J_end_date": np.where(
            end >= N_MONTHS - 1, np.datetime64("NaT", "D"), _month_date(end + 1) - np.timedelta64(1, "D")
        ),
        "J_employee_status": pop.job_status.take(2 * i + s),
        "J_contract_type": pop.job_contract.take(2 * i + s),
        "J_working_time": pop.job_full_time.take(2 * i + s),
        "J_nace": company_nace(comp, seed),
    }


def _wages(pop: Population, year: int, rng, seed: int) -> dict:
    i, m, s = _job_rows(pop, year)
    growth = 1.022 ** (m / 12.0)  # nominal wage growth ≈ 2.2 % a year
    noise = rng.lognormal(0, 0.06, len(i))
    bonus = np.where((m % 12 == 11) & (rng.random(len(i)) < 0.5), 1.0, 0.0)  # 13th month
    wage = np.round(pop.job_wage[i, s] * growth * noise * (1 + bonus), 2)
    full = pop.job_full_time.strings()[2 * i + s] == "1"
    hours = np.where(full, 173.0, np.round(rng.choice([86.5, 104.0, 130.0], len(i)), 1))
    overtime = np.where(rng.random(len(i)) < 0.12, np.round(rng.gamma(2.0, 4.0, len(i)), 1), 0.0)
    return {
        JOB_ID: job_ids(pop.index[i], s),
        PERSON_ID: pop.pid[i],
        COMPANY_ID: company_ids(pop.job_company[i, s]),
        PERIOD: _month_date(m),
        "W_gross_wage": wage,
        "W_paid_hours": hours,
        "W_paid_overtime_hours": overtime,
    }


def _jobseek(pop: Population, year: int, rng) -> dict:
    # Unemployment spells between the two jobs, and for some who never got a job.
    gap_from = np.where(pop.job_start[:, 1] >= 0, pop.job_end[:, 0] + 1, N_MONTHS)
    gap_to = np.where(pop.job_start[:, 1] >= 0, pop.job_start[:, 1] - 1, -1)
    nojob = (pop.job_start[:, 0] < 0) & ((pop.present_from - pop.birth_month) < 60 * 12) & ~pop.cross_border
    r = _rng(0, int(pop.index[0]), 7).random(len(pop.index)) < 0.15
    gap_from = np.where(nojob & r, np.maximum(pop.present_from, pop.birth_month + 18 * 12), gap_from)
    gap_to = np.where(nojob & r, np.minimum(gap_from + 18, pop.present_to), gap_to)
    i, m = _expand(gap_from, gap_to, year)
    benefit = np.round(np.where(rng.random(len(i)) < 0.7, rng.uniform(1500, 3800, len(i)), 0.0), 2)
    return {
        PERSON_ID: pop.pid[i],
        PERIOD: _month_date(m),
        "U_registered": flag(np.ones(len(i))),
        "U_benefit": flag(benefit > 0),
        "U_benefit_amount": benefit,
        "U_measure": _cat_choice(rng, {"0": 0.6, "1": 0.2, "2": 0.12, "3": 0.08}, len(i)),
    }


def _family(pop: Population, year: int, rng) -> dict:
    start = np.where(pop.children > 0, pop.child_from, N_MONTHS)
    i, m = _expand(start, pop.child_to, year)
    kids = pop.children[i]
    allowance = np.round(kids * 265.0 * 1.01 ** (m / 12), 2)
    leave_month = (m - pop.child_from[i]) < 6
    leave = Cat(
        np.where(leave_month & (rng.random(len(i)) < 0.3), np.where(rng.random(len(i)) < 0.6, 1, 2), 0),
        ["0", "1", "2"],
    )
    return {
        PERSON_ID: pop.pid[i],
        PERIOD: _month_date(m),
        "F_children_entitled": kids,
        "F_allowance_amount": allowance,
        "F_parental_leave": leave,
    }


def _pensions(pop: Population, year: int, rng) -> dict:
    start = np.maximum(pop.present_from, pop.birth_month + 62 * 12)
    i, m = _expand(start, pop.present_to, year)
    amount = np.round(pop.job_wage[i, 0].clip(1500, 9000) * 0.72 * 1.015 ** (m / 12), 2)
    ptype = Cat(np.where((m - pop.birth_month[i]) // 12 >= 65, 0, 1), ["1", "2"])
    return {PERSON_ID: pop.pid[i], PERIOD: _month_date(m), "P_pension_type": ptype, "P_amount": amount}


def _mininc(pop: Population, year: int, rng) -> dict:
    poor = (_rng(1, int(pop.index[0]), 9).random(len(pop.index)) < 0.03) & ~pop.cross_border
    start = np.where(poor, np.maximum(pop.present_from, pop.birth_month + 25 * 12), N_MONTHS)
    i, m = _expand(start, np.minimum(start + 40, pop.present_to), year)
    return {
        PERSON_ID: pop.pid[i],
        PERIOD: _month_date(m),
        "R_amount": np.round(rng.uniform(400, 2200, len(i)), 2),
        "R_household_role": _cat_choice(rng, {"1": 0.45, "2": 0.2, "3": 0.25, "4": 0.1}, len(i)),
    }


def _absence(pop: Population, year: int, rng) -> dict:
    i, m, s = _job_rows(pop, year)
    has = rng.random(len(i)) < 0.12  # ≈ 1.4 episodes a year for an employee
    i, m, s = i[has], m[has], s[has]
    days = np.clip(rng.geometric(0.25, len(i)), 1, 180)
    start = _month_date(m) + rng.integers(0, 28, len(i)).astype("timedelta64[D]")
    return {
        PERSON_ID: pop.pid[i],
        COMPANY_ID: company_ids(pop.job_company[i, s]),
        JOB_ID: job_ids(pop.index[i], s),
        "A_start_date": start,
        "A_end_date": start + (days - 1).astype("timedelta64[D]"),
        "A_duration": days,
        "A_type": _cat_choice(rng, {"1": 0.86, "2": 0.05, "3": 0.06, "4": 0.03}, len(i)),
    }


def _employers(seed: int, first: int, size: int, persons: int, year: int, rng) -> dict:
    ci = np.arange(first, first + size, dtype=np.int64)
    crng = _rng(seed, 888_888, first)
    created = np.where(crng.random(size) < 0.6, 0, crng.integers(0, N_MONTHS, size))
    closed = np.where(crng.random(size) < 0.2, crng.integers(0, N_MONTHS, size), N_MONTHS - 1)
    closed = np.maximum(closed, created)
    employees = np.clip(crng.pareto(1.1, size) * 4, 1, 20_000).astype(np.int64)
    com = communes()
    commune = np.array([c[0] for c in com])[crng.integers(0, len(com), size)]
    public = np.where(crng.random(size) < 0.04, "2", "1")  # 1 private, 2 public
    k, m = _expand(created, closed, year)
    emp = np.maximum(1, (employees[k] * rng.lognormal(0, 0.05, len(k))).astype(np.int64))
    size_class = np.searchsorted([t for t, _ in SIZE_CLASSES[1:]], emp, side="right")
    return {
        COMPANY_ID: company_ids(ci[k]),
        PERIOD: _month_date(m),
        "E_nace": company_nace(ci[k], seed),
        "E_size_class": Cat(size_class, [c for _, c in SIZE_CLASSES]),
        "E_employees": emp,
        "E_sector_type": Cat.encode(public).take(k),
        "E_commune": Cat.encode(commune).take(k),
    }


GENERATORS: dict[str, Callable] = {
    "SOCIO": lambda pop, y, rng, seed: _socio(pop, y, rng),
    "JOBS": _jobs,
    "WAGES": _wages,
    "JOBSEEK": lambda pop, y, rng, seed: _jobseek(pop, y, rng),
    "FAMILY": lambda pop, y, rng, seed: _family(pop, y, rng),
    "PENSIONS": lambda pop, y, rng, seed: _pensions(pop, y, rng),
    "MININC": lambda pop, y, rng, seed: _mininc(pop, y, rng),
    "ABSENCE": lambda pop, y, rng, seed: _absence(pop, y, rng),
}


# --- columns the dictionary adds (generic generation) ------------------------------------------


def _generic(col: Column, n: int, rng, core: dict):
    """A column the hand-written logic does not know: from the dictionary's generation hints."""
    h = col.hints
    if col.kind == "date":
        base = core.get(PERIOD)
        if base is None:
            lo = np.datetime64(str(h.get("min", f"{FIRST_YEAR}-01-01"))[:10], "D")
            hi = np.datetime64(str(h.get("max", f"{LAST_YEAR}-12-31"))[:10], "D")
            base = lo + rng.integers(0, max(1, int((hi - lo).astype(int))), n).astype("timedelta64[D]")
        values = base + rng.integers(0, 28, n).astype("timedelta64[D]")
    elif col.modalities:
        weights = h.get("weights") or {}
        rest = float(weights.get("rest", 0)) / max(1, len([m for m in col.modalities if m not in weights]))
        p = np.array([float(weights.get(m, rest if weights else 1.0)) for m in col.modalities])
        p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
        codes = rng.choice(len(col.modalities), size=n, p=p)
        if h.get("null_share"):
            codes = np.where(rng.random(n) < float(h["null_share"]), -1, codes)
            return _nullable_cat(codes, col.modalities)
        return Cat(codes, col.modalities)
    else:
        lo, hi = float(h.get("min", 0)), float(h.get("max", 100))
        dist = h.get("distribution", "uniform")
        if dist == "normal":
            values = rng.normal(
                float(h.get("mean", (lo + hi) / 2)), float(h.get("sd", (hi - lo) / 6 or 1)), n
            )
        elif dist == "lognormal":
            median = float(h.get("median", max(1.0, (lo + hi) / 4)))
            values = rng.lognormal(np.log(max(median, 1e-6)), 0.6, n)
        elif dist == "poisson":
            values = rng.poisson(float(h.get("mean", 1.0)), n).astype(float)
        else:
            values = rng.uniform(lo, hi, n)
        values = np.round(np.clip(values, lo, hi), int(h.get("decimals", 2 if col.kind == "float" else 0)))
        if col.kind == "int":
            values = values.astype(np.int64)
    if h.get("null_share"):
        mask = rng.random(n) < float(h["null_share"])
        return np.ma.masked_array(values, mask=mask)
    return values


def _nullable_cat(codes: np.ndarray, modalities: list[str]) -> Cat:
    cat = Cat(np.where(codes < 0, 0, codes), modalities)
    cat.nulls = codes < 0
    return cat


_ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "date": pa.date32()}


def _table(spec: RegisterSpec, data: dict, rng) -> pa.Table:
    n = len(next(iter(data.values()))) if data else 0
    dict_type = pa.dictionary(pa.int32(), pa.string())
    arrays, names = [], []
    for col in spec.columns:
        values = data.get(col.name)
        if values is None:
            values = _generic(col, n, rng, data)
        if isinstance(values, Cat):
            if col.kind != "str":
                values = values.strings().astype(float if col.kind == "float" else np.int64)
                arrays.append(pa.array(values, type=_ARROW[col.kind]))
            else:
                indices = pa.array(values.codes, mask=values.nulls)
                arrays.append(
                    pa.DictionaryArray.from_arrays(indices, pa.array(values.values)).cast(dict_type)
                )
        elif col.kind == "date":
            values = np.asarray(values, dtype="datetime64[D]")
            days = pa.array(values.astype(np.int64).astype(np.int32), type=pa.int32(), mask=np.isnat(values))
            arrays.append(days.view(pa.date32()))
        elif col.kind == "str":
            arrays.append(pa.array(np.asarray(values).astype(str), type=pa.string()))
        elif isinstance(values, np.ma.MaskedArray):
            arrays.append(pa.array(values.data, type=_ARROW[col.kind], mask=values.mask))
        else:
            arrays.append(pa.array(np.asarray(values), type=_ARROW[col.kind]))
        names.append(col.name)
    return pa.Table.from_arrays(arrays, names=names)


# --- the dictionary's layout -----------------------------------------------------------------


def load_spec(dictionary_path: Path | None = None) -> list[RegisterSpec]:
    """The built-in registers, extended with the dictionary's variables when the YAML is there.

    A dictionary variable whose name the hand-written logic knows keeps that logic; any other is
    generated from its detailed modalities (categorical) or ``generation_hints`` (numeric).
    """
    specs = {r.code: RegisterSpec(r.code, r.unit, list(r.columns)) for r in BUILTIN_REGISTERS}
    if dictionary_path is None or not Path(dictionary_path).exists():
        return list(specs.values())
    import yaml

    doc = yaml.safe_load(Path(dictionary_path).read_text())
    for reg in doc.get("registers", []) or []:
        code = reg.get("code")
        if code not in specs:
            continue  # a register the generator cannot link yet: documented in the report
        spec = specs[code]
        known = {c.name for c in spec.columns}
        for var in reg.get("variables", []) or []:
            name = var.get("name")
            if not name or var.get("status", "active") != "active":
                continue
            fmt = var.get("format", "character")
            if var.get("identifier_kind"):
                continue  # identifiers come from the linking logic only
            modalities = []
            for g in var.get("granularities", []) or []:
                if g.get("kind") == "detailed":
                    modalities = [
                        str(m["code"] if isinstance(m, dict) else m[0]) for m in g.get("modalities", []) or []
                    ]
            if name in known:  # hand-written logic; record the dictionary's coding for reference
                column = next(c for c in spec.columns if c.name == name)
                column.modalities = column.modalities or modalities
                continue
            kind = {"numeric": "float", "date": "date"}.get(fmt, "str")
            hints = var.get("generation") or var.get("generation_hints") or {}
            if fmt == "numeric" and str(hints.get("decimals", "")) == "0":
                kind = "int"
            if kind == "str" and not modalities:
                continue
            spec.columns.append(Column(name, kind, modalities, hints))
            known.add(name)
    return list(specs.values())


# --- the generator ----------------------------------------------------------------------------


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    os.replace(tmp, path)


def generate(
    out: Path,
    *,
    persons: int,
    seed: int,
    chunk_size: int = 50_000,
    registers: list[str] | None = None,
    dictionary_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate the warehouse into ``out`` (replaced atomically). Returns the metadata written."""
    out = Path(out)
    specs = [s for s in load_spec(dictionary_path) if registers is None or s.code in registers]
    geo = load_geo(dictionary_path)
    work = out.with_name(out.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    counts = {s.code: 0 for s in specs}
    chunks = list(range(0, persons, chunk_size))
    for ci, start in enumerate(chunks):
        size = min(chunk_size, persons - start)
        pop = make_population(seed, ci, start, size, persons, geo)
        for ri, spec in enumerate(specs):
            if spec.code == "EMPLOYERS":
                continue
            for year in range(FIRST_YEAR, LAST_YEAR + 1):
                rng = _rng(seed, ci, ri + 1, year)
                table = _table(spec, GENERATORS[spec.code](pop, year, rng, seed), rng)
                if table.num_rows:
                    _write(table, work / spec.code / f"year={year}" / f"part-{ci:05d}.parquet")
                    counts[spec.code] += table.num_rows
        if progress:
            progress(f"persons {start + size:,}/{persons:,}")
    emp = next((s for s in specs if s.code == "EMPLOYERS"), None)
    if emp is not None:
        ncomp = n_companies(persons)
        for ci, first in enumerate(range(0, ncomp, chunk_size)):
            size = min(chunk_size, ncomp - first)
            for year in range(FIRST_YEAR, LAST_YEAR + 1):
                rng = _rng(seed, 10_000 + ci, 0, year)
                table = _table(emp, _employers(seed, first, size, persons, year, rng), rng)
                if table.num_rows:
                    _write(table, work / "EMPLOYERS" / f"year={year}" / f"part-{ci:05d}.parquet")
                    counts["EMPLOYERS"] += table.num_rows
    meta = {
        "format_version": FORMAT_VERSION,
        "seed": seed,
        "persons": persons,
        "chunk_size": chunk_size,
        "dictionary": bool(dictionary_path and Path(dictionary_path).exists()),
        "first_month": f"{FIRST_YEAR}-01",
        "last_month": f"{LAST_YEAR}-12",
        "registers": {
            s.code: {
                "unit": s.unit,
                "rows": counts[s.code],
                "columns": [[c.name, c.kind] for c in s.columns],
                "period": PERIOD
                if any(c.name == PERIOD for c in s.columns)
                else next((c.name for c in s.columns if c.kind == "date"), None),
            }
            for s in specs
        },
    }
    (work / "_warehouse.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
    # Replace the old warehouse only once the new one is complete.
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(work, out)
    shutil.rmtree(old, ignore_errors=True)
    return meta


def read_meta(warehouse: Path) -> dict:
    path = Path(warehouse) / "_warehouse.json"
    if not path.exists():
        raise FileNotFoundError(f"no register warehouse in {warehouse} (run manage.py generate_registers)")
    return json.loads(path.read_text())


def iter_files(warehouse: Path, register: str) -> Iterator[Path]:
    yield from sorted((Path(warehouse) / register).glob("year=*/part-*.parquet"))


def default_dictionary_path() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR) / "fixtures" / "dictionary.yaml"


def period_bounds(value: str) -> datetime.date:
    year, month = value.split("-")
    return datetime.date(int(year), int(month), 1)
