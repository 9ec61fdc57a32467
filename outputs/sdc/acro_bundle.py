"""ACRO bundles: the folder ``acro.finalise(path)`` writes, submitted as a zip.

The folder holds ``results.json`` (``{"version", "tool", "results": {uid: {"status", "type",
"properties", "files": [{"name", "sdc"}], "outcome", "command", "summary", "exception", …}}}``), the
output files it names (CSV tables, images), ``config.json`` and ``checksums/<file>.txt`` (SHA-256).
SACRO-Viewer reads the same folder; we show each output the same way: status, summary, the table
with the flagged cells, the researcher's exception request.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.utils.translation import gettext_noop

from ask4mdp.ui.translation import MessageError

from .result import ACRO_CHECK_TO_RULE

MAX_MEMBERS = 500
MAX_UNCOMPRESSED = 200 * 1024 * 1024


class BundleError(MessageError):
    pass


@dataclass
class BundleFile:
    name: str
    content: bytes
    sha256: str
    checksum_ok: bool | None


@dataclass
class BundleOutput:
    uid: str
    status: str
    output_type: str
    summary: str
    command: str
    exception: str
    properties: dict
    outcome: dict
    sdc: dict
    files: list[BundleFile] = field(default_factory=list)

    def record(self) -> dict:
        return {
            "uid": self.uid,
            "status": self.status,
            "type": self.output_type,
            "summary": self.summary,
            "command": self.command,
            "exception": self.exception,
            "properties": self.properties,
            "outcome": self.outcome,
            "sdc": self.sdc,
        }


def read_bundle(data: bytes) -> tuple[list[BundleOutput], dict]:
    """Parse a zipped ACRO folder; returns the outputs and the ACRO config used."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BundleError(gettext_noop("the ACRO bundle is not a zip file")) from exc
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise BundleError(gettext_noop("the ACRO bundle is too large"))
    names = {}
    for info in infos:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts:
            raise BundleError(gettext_noop("unsafe path in the bundle: %(path)s"), path=info.filename)
        names[info.filename] = info
    results_paths = sorted((n for n in names if PurePosixPath(n).name == "results.json"), key=len)
    if not results_paths:
        raise BundleError(gettext_noop("no results.json in the bundle: zip the folder that acro.finalise() wrote"))
    root = PurePosixPath(results_paths[0]).parent
    try:
        results = json.loads(archive.read(results_paths[0]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(gettext_noop("results.json is not valid JSON: %(error)s"), error=str(exc)) from exc
    if not isinstance(results, dict) or not isinstance(results.get("results"), dict):
        raise BundleError(gettext_noop("results.json has no 'results' object: is this an ACRO bundle?"))

    def member(name: str) -> str:
        return str(root / name) if str(root) != "." else name

    config = {}
    if member("config.json") in names:
        try:
            config = json.loads(archive.read(member("config.json")).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            config = {}
    outputs = []
    for uid, record in results["results"].items():
        if "DONT_RELEASE" in str(uid):
            continue  # ACRO's own session summaries: context for the checker, never released
        if not isinstance(record, dict):
            raise BundleError(gettext_noop("output %(uid)s in results.json is not an object"), uid=str(uid))
        status = str(record.get("status", "review")).lower()
        output = BundleOutput(
            uid=str(uid),
            status=status if status in ("pass", "fail", "review") else "review",
            output_type=str(record.get("type", "")),
            summary=str(record.get("summary", "")),
            command=str(record.get("command", "")),
            exception=str(record.get("exception", "") or ""),
            properties=record.get("properties") or {},
            outcome=record.get("outcome") or {},
            sdc={},
        )
        for entry in record.get("files", []):
            name = str(entry.get("name", ""))
            if member(name) not in names:
                raise BundleError(
                    gettext_noop("results.json names %(name)s, which is not in the bundle"), name=repr(name)
                )
            content = archive.read(member(name))
            sha = hashlib.sha256(content).hexdigest()
            checksum_name = member(f"checksums/{name}.txt")
            checksum_ok = None
            if checksum_name in names:
                checksum_ok = archive.read(checksum_name).decode("utf-8", "replace").strip() == sha
            output.sdc = entry.get("sdc") or output.sdc
            output.files.append(
                BundleFile(
                    name=PurePosixPath(name).name, content=content, sha256=sha, checksum_ok=checksum_ok
                )
            )
        outputs.append(output)
    if not outputs:
        raise BundleError(gettext_noop("the ACRO bundle has no outputs"))
    return outputs, config


def flagged_cells(outcome: dict) -> list[dict]:
    """ACRO's outcome (``DataFrame.to_json()``: column → row → text) as our flagged cells."""
    cells = []
    for column, rows in (outcome or {}).items():
        if not isinstance(rows, dict):
            continue
        for row, text in rows.items():
            rules = []
            for part in str(text).split(";"):
                name = part.strip()
                if name and name != "ok":
                    rules.append(ACRO_CHECK_TO_RULE.get(name, name))
            if rules:
                cells.append({"row": [str(row)], "column": [str(column)], "rules": rules})
    return cells
