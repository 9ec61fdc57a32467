"""``manage.py extract`` and ``generate_registers``, and the demo loader."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from pseudonym.services import project_key_ensure


def test_it_extracts_from_the_command_line(project, manifest, warehouse, pia, tmp_path):
    project_key_ensure(project=project, actor=pia)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    out = io.StringIO()
    call_command(
        "extract",
        "--manifest",
        str(path),
        "--out",
        str(tmp_path / "d"),
        "--warehouse",
        str(warehouse),
        stdout=out,
    )
    assert (tmp_path / "d" / "SOCIO.parquet").exists()
    assert "rows delivered" in out.getvalue() and "SOCIO.parquet" in out.getvalue()


def test_it_explains_what_is_wrong(project, manifest, warehouse, tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("extract", "--manifest", str(path), "--out", str(tmp_path / "d"))
    with pytest.raises(CommandError, match="no manifest file"):
        call_command("extract", "--manifest", str(tmp_path / "missing.json"), "--out", str(tmp_path / "d"))
    path.write_text(json.dumps({**manifest, "period": {"from": "2010-01"}}))
    with pytest.raises(CommandError, match="period"):
        call_command("extract", "--manifest", str(path), "--out", str(tmp_path / "d"))
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="no pseudonymisation key"):
        call_command(
            "extract", "--manifest", str(path), "--out", str(tmp_path / "d"), "--warehouse", str(warehouse)
        )
    with pytest.raises(CommandError, match="no project"):
        call_command(
            "extract", "--manifest", str(path), "--out", str(tmp_path / "d"), "--project-ref", "NOPE"
        )


def test_it_generates_registers_and_loads_the_demo_once(tmp_path, settings):
    out = io.StringIO()
    call_command(
        "generate_registers",
        "--persons",
        "40",
        "--seed",
        "1",
        "--out",
        str(tmp_path / "wh"),
        "--registers",
        "SOCIO,EMPLOYERS",
        stdout=out,
    )
    assert (tmp_path / "wh" / "_warehouse.json").exists() and "SOCIO:" in out.getvalue()
    assert not (tmp_path / "wh" / "JOBS").exists()
    from extraction import demo

    settings.WAREHOUSE_DIR = tmp_path / "wh"
    log = io.StringIO()
    demo.load(stdout=log)
    assert "already" in log.getvalue()
