"""Input checking: is an external file of an allowed type, readable, and free of direct identifiers?

Direct identifiers are found by column name and by the values themselves: personal names, national
identification numbers (Luxembourg's 13-digit matricule, the French NIR, the Belgian national
number), postal addresses, e-mail addresses and telephone numbers. Each must be removed or
pseudonymised before the file may enter a project's delivery folder.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from pathlib import Path

import pandas as pd
from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import Message, MessageError

ALLOWED_TYPES = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".dta": "stata"}
SAMPLE = 2000
MATCH_SHARE = 0.5

NAME_HINTS = {
    "name": (
        "name",
        "nom",
        "prenom",
        "firstname",
        "lastname",
        "surname",
        "fullname",
        "givenname",
        "vorname",
        "nachname",
        "familyname",
    ),
    "national_id": (
        "matricule",
        "nir",
        "ssn",
        "insee",
        "nationalid",
        "nin",
        "socialsecurity",
        "secu",
        "registrenational",
        "niss",
        "idnumber",
        "cns",
    ),
    "address": ("address", "adresse", "street", "rue", "strasse", "addr"),
    "email": ("email", "mail", "courriel"),
    "phone": ("phone", "telephone", "tel", "gsm", "mobile", "portable", "fax"),
}
EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
PHONE = re.compile(r"^(\+|00)?[\d\s().\-/]{8,20}$")
MATRICULE = re.compile(r"^(\d{4})(\d{2})(\d{2})\d{5}$")
NIR = re.compile(
    r"^([12])\s?(\d{2})\s?(0[1-9]|1[0-2]|[2-9]\d)\s?(\d{2}|2A|2B)\s?(\d{3})\s?(\d{3})\s?(\d{2})?$"
)
BELGIAN_NN = re.compile(r"^(\d{2})\.?(\d{2})\.?(\d{2})-?(\d{3})\.?(\d{2})$")
ADDRESS = re.compile(
    r"\b(\d{1,4}[a-z]?,?\s+(rue|route|avenue|av\.|boulevard|bd|allée|place|chemin|impasse|street|st\.|road|"
    r"strooss|strasse|straße|gaass|um)\b|\bL-\d{4}\b|\b\d{5}\s+[A-Z][a-z]+)",
    re.IGNORECASE,
)
PERSON_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ'\-]+(\s+[A-ZÀ-Ý][a-zà-ÿ'\-]+){1,3}$")


class InputError(MessageError):
    """The file is refused; the message says why."""


def file_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise InputError(
            gettext_noop("file type %(suffix)s is not allowed: use CSV, XLSX, Parquet or Stata (.dta)"),
            # Translators: the type of a file name without an extension
            suffix=suffix or Message(gettext_noop("(none)")),
        )
    return ALLOWED_TYPES[suffix]


def sniff(kind: str, head: bytes) -> None:
    """The content must look like its extension claims."""
    ok = {
        "xlsx": head.startswith(b"PK\x03\x04"),
        "parquet": head.startswith(b"PAR1"),
        "stata": head.startswith(b"<stata_dta>") or head[:1] in (b"\x71", b"\x72", b"\x73", b"\x6e", b"\x6f"),
        "csv": b"\x00" not in head[:4096],
    }[kind]
    if not ok:
        raise InputError(
            gettext_noop("the content is not a %(kind)s file (corrupt or mislabelled)"), kind=kind.upper()
        )


def read_input(path: Path, kind: str) -> pd.DataFrame:
    try:
        if kind == "csv":
            try:
                return pd.read_csv(path, dtype=str, keep_default_na=True, sep=None, engine="python")
            except UnicodeDecodeError:
                return pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="latin-1")
        if kind == "xlsx":
            return pd.read_excel(path, dtype=str, engine="openpyxl")
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_stata(path, convert_categoricals=False)
    except Exception as exc:  # every reader fails its own way on a corrupt file
        raise InputError(
            gettext_noop("the file cannot be read as %(kind)s: %(error)s"),
            kind=kind.upper(),
            error=str(exc).splitlines()[0] if str(exc) else repr(exc),
        ) from exc


def _normal_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        datetime.date(y, m, d)
    except ValueError:
        return False
    return True


def is_matricule(value: str) -> bool:
    match = MATRICULE.match(value)
    return bool(match) and _valid_date(int(match[1]), int(match[2]), int(match[3]))


def is_nir(value: str) -> bool:
    match = NIR.match(value)
    if not match:
        return False
    if match[7]:
        body = "".join(match.group(i) for i in range(1, 7)).replace("2A", "19").replace("2B", "18")
        return 97 - int(body) % 97 == int(match[7])
    return True


def is_belgian_nn(value: str) -> bool:
    match = BELGIAN_NN.match(value)
    if not match:
        return False
    body = int("".join(match.group(i) for i in range(1, 5)))
    check = int(match[5])
    return 97 - body % 97 == check or 97 - (2_000_000_000 + body) % 97 == check


def _share(values: pd.Series, test) -> float:
    if values.empty:
        return 0.0
    return float(values.map(test).mean())


def detect_identifiers(df: pd.DataFrame) -> dict[str, str]:
    """column → kind of direct identifier ("name", "national_id", "address", "email", "phone")."""
    found: dict[str, str] = {}
    for column in df.columns:
        normal = _normal_name(column)
        for kind, hints in NAME_HINTS.items():
            if any(normal == h or normal.startswith(h) or normal.endswith(h) for h in hints):
                found[str(column)] = kind
                break
        values = df[column].dropna()
        if values.empty:
            continue
        sample = values.astype(str).str.strip().head(SAMPLE)
        sample = sample[sample != ""]
        if sample.empty:
            continue
        digits = sample.str.replace(r"[\s.\-/]", "", regex=True)
        if (
            _share(digits, is_matricule) >= MATCH_SHARE
            or _share(sample, is_nir) >= MATCH_SHARE
            or _share(sample, is_belgian_nn) >= MATCH_SHARE
        ):
            found[str(column)] = "national_id"
        elif _share(sample, lambda v: bool(EMAIL.match(v))) >= MATCH_SHARE:
            found[str(column)] = "email"
        elif _share(sample, lambda v: bool(ADDRESS.search(v))) >= MATCH_SHARE:
            found[str(column)] = "address"
        elif (
            _share(sample, lambda v: bool(PHONE.match(v)) and sum(c.isdigit() for c in v) >= 8) >= MATCH_SHARE
            and not pd.api.types.is_numeric_dtype(df[column])
            and sample.str.contains(r"[\s+().\-/]", regex=True).mean() >= MATCH_SHARE
        ):
            found[str(column)] = "phone"
        elif _share(sample, lambda v: bool(PERSON_NAME.match(v))) >= 0.8 and sample.nunique() >= max(
            5, 0.5 * len(sample)
        ):
            found[str(column)] = "name"
    return found


def profile(df: pd.DataFrame) -> dict:
    """Rows, columns and, per column, its type, missing and distinct values (never the values)."""
    columns = []
    for name in df.columns:
        series = df[name]
        numeric = pd.to_numeric(series, errors="coerce")
        is_numeric = bool(len(series.dropna())) and numeric.notna().sum() == series.notna().sum()
        item = {
            "name": str(name),
            "dtype": "number" if is_numeric else str(series.dtype),
            "missing": int(series.isna().sum()),
            "distinct": int(series.nunique(dropna=True)),
        }
        if is_numeric and numeric.notna().any():
            item["min"], item["max"] = float(numeric.min()), float(numeric.max())
        columns.append(item)
    return {"rows": int(len(df)), "columns": columns}
