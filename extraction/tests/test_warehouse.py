"""The register warehouse: deterministic, consistent with the dictionary, streamed by chunks."""
# ruff: noqa: S608 - DuckDB SQL over the warehouse, from identifiers checked against its columns (quote_ident)
# and quoted literals (literal); no text reaches it unquoted.

import hashlib

import duckdb
import pytest

from extraction.warehouse import default_dictionary_path, generate, load_spec


def _digests(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_it_gives_the_same_bytes_for_the_same_seed(tmp_path):
    kwargs = {
        "persons": 150,
        "chunk_size": 100,
        "registers": ["SOCIO", "JOBS", "EMPLOYERS"],
        "dictionary_path": default_dictionary_path(),
    }
    generate(tmp_path / "a", seed=3, **kwargs)
    generate(tmp_path / "b", seed=3, **kwargs)
    generate(tmp_path / "c", seed=4, **kwargs)
    a, b, c = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert a == b, sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))[:10]
    assert a != c
    assert any(k.startswith("SOCIO/year=2002/part-00001") for k in a)  # chunked: two chunks of persons


def test_it_follows_the_dictionarys_codings(small_warehouse):
    con = duckdb.connect()
    src = f"read_parquet('{small_warehouse}/SOCIO/*/*.parquet', hive_partitioning = true)"
    spec = {s.code: s for s in load_spec(default_dictionary_path())}
    communes = set(next(c for c in spec["SOCIO"].columns if c.name == "I_commune").modalities)
    seen = {r[0] for r in con.execute(f"SELECT DISTINCT I_commune FROM {src}").fetchall()}
    assert seen <= communes and {"FR", "BE", "DE"} & seen
    nationalities = dict(
        con.execute(
            f"SELECT I_nationality, count(*) FROM {src} WHERE reference_period = DATE '2020-01-01' GROUP BY 1"
        ).fetchall()
    )
    total = sum(nationalities.values())
    assert set(nationalities) <= set(
        next(c for c in spec["SOCIO"].columns if c.name == "I_nationality").modalities
    )
    assert 0.3 < nationalities["LU"] / total < 0.6  # Luxembourg-like shares
    assert nationalities["PT"] > nationalities.get("DE", 0)
    ages = con.execute(f"SELECT min(I_age), max(I_age) FROM {src}").fetchone()
    assert ages[0] >= 0 and ages[1] < 110
    # Every dictionary variable of the register is a column (generated from its hints if not hand-written).
    columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    assert {"I_residence_status", "I_health_fund", "I_education_level"} <= columns
    # Jobs link persons and employers that exist.
    jobs = f"read_parquet('{small_warehouse}/JOBS/*/*.parquet')"
    orphans = con.execute(
        f"SELECT count(*) FROM {jobs} j ANTI JOIN (SELECT DISTINCT I_person_id FROM {src}) s "
        "USING (I_person_id)"
    ).fetchone()[0]
    assert orphans == 0


def test_it_refuses_bad_arguments():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("generate_registers", "--persons", "0")
