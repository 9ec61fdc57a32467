"""The whole dictionary as one human-editable YAML file: import, validation and export.

``import_dictionary(path)`` reads the file, validates *everything* first (each problem is reported
as ``file:line: problem``, with the line taken from PyYAML's node marks), then writes it in one
transaction: nothing is half-imported. The import is declarative and idempotent: the file states
the dictionary (every version, register, variable, granularity and modality, including variables
renamed or withdrawn in a later version), the database is brought to that state, and importing the
same file twice changes nothing.

``export_dictionary(path)`` writes the database back in the same canonical form: for a file written
by the exporter, import then export gives the file back byte for byte.

The file format is described in ``HEADER`` below (it is written at the top of every export).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from ask4mdp.accounts.roles import Domain

from . import recode
from .models import DictionaryVersion, Granularity, Modality, Padlock, Register, Variable

FORMAT_VERSION = 1
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FIRST_MONTH = datetime.date(2002, 1, 1)

HEADER = """\
# ask4mdp data dictionary — one file, human-editable, imported with
#   manage.py import_dictionary FILE      and written back with   manage.py export_dictionary FILE
#
# versions:   number, label, released_on (YYYY-MM-DD), changelog.
# registers:  code, label, label_fr, description, description_fr, domain (labour_market,
#             social_protection, health), unit (of observation), unit_fr, source, variables.
# variables:  name, label, label_fr, description, description_fr, format (character, numeric, date,
#             identifier), source and domain (default: the register's), comments, comments_fr,
#             padlock (0 supplied as is; 1 supplied at the default granularity, a finer one must be
#             justified; 2 sensitive, not supplied by default), quasi_identifier, identifier_kind
#             (person, company, job), available_from / available_to (YYYY-MM; from defaults to
#             2002-01), introduced_in (a version; default the first), status (renamed or withdrawn,
#             with changed_in: the version, and for a rename renamed_to: the new name in the same
#             register), generation, granularities.
# granularities: code, kind (detailed: as held, exactly one; default: proposed by default, at most
#             one; custom: approved later on a request, with its origin), label, label_fr, recode (a
#             rule of dictionary/recode.py from the detailed coding: identity, map, intervals, prefix,
#             round, date_trunc), modalities: [code, label, label_fr].
#             A variable with one padlock and no default granularity is available but not proposed by
#             default (e.g. I_zipcode): its detailed coding must be requested and justified.
# generation: hints for the synthetic register warehouse (not shown to researchers):
#             distribution (uniform, normal, lognormal, poisson, categorical, sequence), min, max, mean,
#             median, sd, decimals, unit, null_share (share of missing values), weights ({code:
#             relative weight}; codes not listed share the weight 'rest'), nested_in (a variable whose
#             code the value depends on) and parents ({code: code of nested_in}).
"""


class DictionaryFileError(ValueError):
    """The file cannot be imported; ``problems`` lists ``(line, message)``; nothing was written."""

    def __init__(self, filename: str, problems: list[tuple[int | None, str]]):
        self.filename = filename
        self.problems = sorted(problems, key=lambda p: p[0] or 0)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            f"{self.filename}:{line}: {message}" if line else f"{self.filename}: {message}"
            for line, message in self.problems
        ]


# --- reading YAML with line numbers ------------------------------------------------------------


class _Map(dict):
    """A mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Seq(list):
    line: int = 0
    item_lines: list


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, line: int):
        self.key, self.line = key, line


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster, same marks
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_BaseLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    data = _Map()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data:
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_seq(loader: _Loader, node: yaml.SequenceNode):
    data = _Seq()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _load_yaml(text: str, filename: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise DictionaryFileError(filename, [(exc.line, f"duplicate key {exc.key!r}")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DictionaryFileError(
            filename, [(mark.line + 1 if mark else None, f"not valid YAML: {exc.problem or exc.context}")]
        ) from None


# --- validation into a normalised document -----------------------------------------------------


@dataclasses.dataclass
class _Ctx:
    filename: str
    problems: list = dataclasses.field(default_factory=list)

    def error(self, line: int | None, message: str) -> None:
        self.problems.append((line, message))


VERSION_KEYS = ("number", "label", "released_on", "changelog")
REGISTER_KEYS = (
    "code",
    "label",
    "label_fr",
    "description",
    "description_fr",
    "domain",
    "unit",
    "unit_fr",
    "source",
    "variables",
)
VARIABLE_KEYS = (
    "name",
    "label",
    "label_fr",
    "description",
    "description_fr",
    "format",
    "source",
    "domain",
    "comments",
    "comments_fr",
    "padlock",
    "quasi_identifier",
    "identifier_kind",
    "available_from",
    "available_to",
    "introduced_in",
    "status",
    "changed_in",
    "renamed_to",
    "generation",
    "granularities",
)
GRANULARITY_KEYS = ("code", "kind", "label", "label_fr", "recode", "origin", "modalities")


def _check_keys(ctx: _Ctx, data: Any, allowed: tuple, required: tuple, what: str, line: int) -> bool:
    if not isinstance(data, dict):
        ctx.error(getattr(data, "line", line), f"{what} must be a mapping")
        return False
    for key in data:
        if key not in allowed:
            ctx.error(data.line_of(key), f"unknown key {key!r} in {what} (expected: {', '.join(allowed)})")
    ok = True
    for key in required:
        if data.get(key) in (None, ""):
            ctx.error(data.line, f"{what} has no {key!r}")
            ok = False
    return ok


def _text(ctx: _Ctx, data: dict, key: str, what: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        ctx.error(data.line_of(key), f"{key!r} of {what} must be text")
        return ""
    return str(value)


def _month(ctx: _Ctx, data: dict, key: str, what: str) -> datetime.date | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        value = value.strftime("%Y-%m")
    match = MONTH_RE.match(str(value))
    if not match:
        ctx.error(data.line_of(key), f"{key!r} of {what} must be a month YYYY-MM, not {value!r}")
        return None
    return datetime.date(int(match[1]), int(match[2]), 1)


def _choice(ctx: _Ctx, data: dict, key: str, choices, what: str, default: str = "") -> str:
    value = data.get(key)
    if value is None or value == "":
        return default
    values = [str(c) for c in choices]
    if str(value) not in values:
        ctx.error(
            data.line_of(key), f"unknown {key} {value!r} for {what} (expected one of {', '.join(values)})"
        )
        return default
    return str(value)


def _modalities(ctx: _Ctx, gran: dict, what: str) -> list[tuple[str, str, str]]:
    raw = gran.get("modalities")
    if raw is None:
        return []
    if not isinstance(raw, list):
        ctx.error(
            gran.line_of("modalities"), f"the modalities of {what} must be a list of [code, label, label_fr]"
        )
        return []
    result, seen = [], set()
    for i, item in enumerate(raw):
        line = raw.item_lines[i]
        if (
            isinstance(item, list)
            and 2 <= len(item) <= 3
            and all(isinstance(x, str | int) and not isinstance(x, bool) for x in item)
        ):
            code, label, label_fr = str(item[0]), str(item[1]), str(item[2]) if len(item) == 3 else ""
        elif isinstance(item, str | int) and not isinstance(item, bool):
            code, label, label_fr = str(item), str(item), ""
        else:
            ctx.error(line, f"a modality of {what} must be [code, label] or [code, label, label_fr]")
            continue
        if code in seen:
            ctx.error(line, f"duplicate modality code {code!r} in {what}")
            continue
        seen.add(code)
        result.append((code, label, label_fr))
    return result


def _jsonable(value: Any) -> Any:
    """YAML values as JSON-storable plain data (mapping keys as strings, dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def normalise_rule(rule: dict) -> dict:
    """Codes as strings, so that every engine compares like with like."""
    rule = _jsonable(rule)
    if rule.get("type") == "map" and isinstance(rule.get("map"), dict):
        rule["map"] = {str(k): (None if v is None else str(v)) for k, v in (rule.get("map") or {}).items()}
        if rule.get("default") is not None:
            rule["default"] = str(rule["default"])
    elif rule.get("type") == "intervals" and isinstance(rule.get("codes"), list):
        rule["codes"] = [str(c) for c in rule["codes"]]
    return rule


def check_granularity(
    *, rule: dict, codes: list[str], detailed_codes: list[str], is_detailed: bool = False
) -> list[str]:
    """The problems of one granularity's recode rule against its modalities and the detailed ones.

    Shared by the importer and ``services.granularity_add_custom`` (whose messages an expert reads:
    they are translated).
    """

    def listed(values) -> str:
        return ", ".join(str(v) for v in list(values)[:5])

    problems = []
    try:
        recode.validate_rule(rule)
    except recode.RecodeError as exc:
        return [_("bad recode rule: %(problem)s") % {"problem": exc}]
    kind = rule.get("type", "identity") if rule else "identity"
    if is_detailed:
        if kind != "identity":
            problems.append(_("the detailed granularity is the coding as held: its recode must be identity"))
        return problems
    not_modalities = _("the recode produces codes that are not modalities of this granularity: %(codes)s")
    code_set, detailed_set = set(codes), set(detailed_codes)
    if kind == "map":
        table = rule["map"]
        if detailed_set:
            unknown = [k for k in table if k not in detailed_set]
            if unknown:
                problems.append(
                    _("the recode map has keys that are not detailed modalities: %(codes)s")
                    % {"codes": listed(unknown)}
                )
            if rule.get("default") is None:
                unmapped = [c for c in detailed_codes if c not in table]
                if unmapped:
                    problems.append(
                        _("the recode map does not map the detailed modalities %(codes)s and has no default")
                        % {"codes": listed(unmapped)}
                    )
        produced = {v for v in table.values() if v is not None} | (
            {rule["default"]} if rule.get("default") is not None else set()
        )
        if not code_set:
            problems.append(_("a map recode needs the modalities it produces"))
        missing = sorted(produced - code_set) if code_set else []
        if missing:
            problems.append(not_modalities % {"codes": listed(missing)})
        unused = [c for c in codes if c not in produced]
        if unused:
            problems.append(
                _("the recode map produces none of the modalities %(codes)s") % {"codes": listed(unused)}
            )
    elif kind == "intervals":
        if not code_set:
            problems.append(_("an intervals recode needs the modalities it produces"))
        else:
            missing = [c for c in rule["codes"] if c not in code_set]
            if missing:
                problems.append(not_modalities % {"codes": listed(missing)})
            unused = [c for c in codes if c not in rule["codes"]]
            if unused:
                problems.append(
                    _("the recode intervals produce none of the modalities %(codes)s")
                    % {"codes": listed(unused)}
                )
    elif code_set and detailed_set:
        for code in detailed_codes:
            try:
                produced = recode.apply(rule, code)
            except (ValueError, TypeError, ArithmeticError):
                problems.append(
                    _("the recode cannot be applied to the detailed modality %(code)r") % {"code": code}
                )
                break
            if str(produced) not in code_set:
                problems.append(
                    _(
                        "the recode turns the detailed modality %(code)r into %(produced)r, which is not a "
                        "modality of this granularity"
                    )
                    % {"code": code, "produced": produced}
                )
                break
    return problems


def _granularity(ctx: _Ctx, gran: Any, line: int, var_what: str) -> dict | None:
    what = f"a granularity of {var_what}"
    if not _check_keys(ctx, gran, GRANULARITY_KEYS, ("code", "kind", "label"), what, line):
        return None
    what = f"granularity {gran['code']!r} of {var_what}"
    rule = gran.get("recode") or {"type": "identity"}
    if not isinstance(rule, dict):
        ctx.error(gran.line_of("recode"), f"the recode of {what} must be a mapping")
        rule = {"type": "identity"}
    return {
        "code": str(gran["code"]),
        "kind": _choice(ctx, gran, "kind", Granularity.Kind.values, what, default=Granularity.Kind.CUSTOM),
        "label": _text(ctx, gran, "label", what),
        "label_fr": _text(ctx, gran, "label_fr", what),
        "recode": normalise_rule(rule),
        "origin": _text(ctx, gran, "origin", what),
        "modalities": _modalities(ctx, gran, what),
        "_line": gran.line,
        "_recode_line": gran.line_of("recode"),
    }


def _variable(ctx: _Ctx, var: Any, line: int, register: dict, versions: dict) -> dict | None:
    what = f"a variable of register {register['code']}"
    if not _check_keys(ctx, var, VARIABLE_KEYS, ("name", "label", "format"), what, line):
        return None
    name = str(var["name"])
    what = f"variable {name}"
    first_version = min(versions) if versions else None

    def version_ref(key: str, default: int | None) -> int | None:
        value = var.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value not in versions:
            ctx.error(var.line_of(key), f"{key} of {what} refers to unknown dictionary version {value!r}")
            return default
        return value

    padlock = var.get("padlock", 0)
    if padlock not in Padlock.values or isinstance(padlock, bool):
        ctx.error(var.line_of("padlock"), f"the padlock of {what} must be 0, 1 or 2, not {padlock!r}")
        padlock = 0
    qi = var.get("quasi_identifier", False)
    if not isinstance(qi, bool):
        ctx.error(var.line_of("quasi_identifier"), f"quasi_identifier of {what} must be true or false")
        qi = False
    generation = var.get("generation") or {}
    if not isinstance(generation, dict):
        ctx.error(var.line_of("generation"), f"the generation hints of {what} must be a mapping")
        generation = {}
    result = {
        "name": name,
        "label": _text(ctx, var, "label", what),
        "label_fr": _text(ctx, var, "label_fr", what),
        "description": _text(ctx, var, "description", what),
        "description_fr": _text(ctx, var, "description_fr", what),
        "format": _choice(
            ctx, var, "format", Variable.Format.values, what, default=Variable.Format.CHARACTER
        ),
        "source": _text(ctx, var, "source", what) or register["source"],
        "domain": _choice(ctx, var, "domain", Domain.values, what, default=register["domain"]),
        "comments": _text(ctx, var, "comments", what),
        "comments_fr": _text(ctx, var, "comments_fr", what),
        "padlock": padlock,
        "quasi_identifier": qi,
        "identifier_kind": _choice(ctx, var, "identifier_kind", Variable.IdentifierKind.values, what),
        "available_from": _month(ctx, var, "available_from", what) or FIRST_MONTH,
        "available_to": _month(ctx, var, "available_to", what),
        "introduced_in": version_ref("introduced_in", first_version),
        "status": _choice(ctx, var, "status", Variable.Status.values, what, default=Variable.Status.ACTIVE),
        "changed_in": version_ref("changed_in", None),
        "renamed_to": _text(ctx, var, "renamed_to", what),
        "generation": _jsonable(generation),
        "granularities": [],
        "_line": var.line,
        "_lines": dict(var.key_lines),
    }
    if result["available_to"] and result["available_to"] < result["available_from"]:
        ctx.error(var.line_of("available_to"), f"{what} is available until before it is available from")
    if result["format"] == Variable.Format.IDENTIFIER and not result["identifier_kind"]:
        ctx.error(var.line_of("format"), f"{what} is an identifier: it needs an identifier_kind")
    if result["status"] == Variable.Status.ACTIVE and (result["changed_in"] or result["renamed_to"]):
        ctx.error(
            var.line_of("status"),
            f"{what} has changed_in or renamed_to but its status is not renamed or withdrawn",
        )
    if result["status"] != Variable.Status.ACTIVE and not result["changed_in"]:
        ctx.error(var.line_of("status"), f"{what} is {result['status']}: say in which version (changed_in)")
    if result["status"] == Variable.Status.RENAMED and not result["renamed_to"]:
        ctx.error(var.line_of("status"), f"{what} is renamed: give its new name (renamed_to)")
    if result["status"] == Variable.Status.WITHDRAWN and result["renamed_to"]:
        ctx.error(var.line_of("renamed_to"), f"{what} is withdrawn, not renamed: remove renamed_to")
    if result["changed_in"] and result["introduced_in"] and result["changed_in"] <= result["introduced_in"]:
        ctx.error(
            var.line_of("changed_in"),
            f"{what} is changed in a version not after the one it was introduced in",
        )

    grans = var.get("granularities")
    if not isinstance(grans, list) or not grans:
        ctx.error(var.line_of("granularities"), f"{what} needs its granularities (at least the detailed one)")
        return result
    seen = set()
    for i, raw in enumerate(grans):
        gran = _granularity(ctx, raw, grans.item_lines[i], what)
        if gran is None:
            continue
        if gran["code"] in seen:
            ctx.error(gran["_line"], f"duplicate granularity {gran['code']!r} in {what}")
            continue
        seen.add(gran["code"])
        result["granularities"].append(gran)
    kinds = Counter(g["kind"] for g in result["granularities"])
    if kinds[Granularity.Kind.DETAILED] != 1:
        ctx.error(
            var.line_of("granularities"),
            f"{what} needs exactly one detailed granularity ({kinds[Granularity.Kind.DETAILED]} given)",
        )
    if kinds[Granularity.Kind.DEFAULT] > 1:
        ctx.error(var.line_of("granularities"), f"{what} has more than one default granularity")
    detailed = next((g for g in result["granularities"] if g["kind"] == Granularity.Kind.DETAILED), None)
    detailed_codes = [m[0] for m in detailed["modalities"]] if detailed else []
    for gran in result["granularities"]:
        for problem in check_granularity(
            rule=gran["recode"],
            codes=[m[0] for m in gran["modalities"]],
            detailed_codes=detailed_codes,
            is_detailed=gran["kind"] == Granularity.Kind.DETAILED,
        ):
            ctx.error(gran["_recode_line"], f"{problem} (granularity {gran['code']!r} of {what})")
    return result


def _register(ctx: _Ctx, reg: Any, line: int, versions: dict) -> dict | None:
    if not _check_keys(ctx, reg, REGISTER_KEYS, ("code", "label", "domain"), "a register", line):
        return None
    what = f"register {reg['code']}"
    result = {
        "code": str(reg["code"]),
        "label": _text(ctx, reg, "label", what),
        "label_fr": _text(ctx, reg, "label_fr", what),
        "description": _text(ctx, reg, "description", what),
        "description_fr": _text(ctx, reg, "description_fr", what),
        "domain": _choice(ctx, reg, "domain", Domain.values, what, default=Domain.LABOUR_MARKET),
        "unit": _text(ctx, reg, "unit", what),
        "unit_fr": _text(ctx, reg, "unit_fr", what),
        "source": _text(ctx, reg, "source", what),
        "variables": [],
        "_line": reg.line,
    }
    variables = reg.get("variables")
    if not isinstance(variables, list) or not variables:
        ctx.error(reg.line_of("variables"), f"{what} has no variables")
        return result
    seen: dict[str, int] = {}
    for i, raw in enumerate(variables):
        var = _variable(ctx, raw, variables.item_lines[i], result, versions)
        if var is None:
            continue
        if var["name"] in seen:
            ctx.error(
                var["_line"],
                f"duplicate variable {var['name']} in {what} (first on line {seen[var['name']]})",
            )
            continue
        seen[var["name"]] = var["_line"]
        result["variables"].append(var)
    return result


def parse_dictionary(text: str, filename: str = "<dictionary>") -> dict:
    """Validate a dictionary file's text into a normalised document; raise ``DictionaryFileError``."""
    data = _load_yaml(text, filename)
    ctx = _Ctx(filename)
    if not isinstance(data, dict):
        raise DictionaryFileError(
            filename, [(1, "the file must be a mapping with 'versions' and 'registers'")]
        )
    for key in data:
        if key not in ("format", "versions", "registers"):
            ctx.error(
                data.line_of(key), f"unknown top-level key {key!r} (expected format, versions, registers)"
            )
    if data.get("format", FORMAT_VERSION) != FORMAT_VERSION:
        ctx.error(
            data.line_of("format"), f"unsupported format {data.get('format')!r} (expected {FORMAT_VERSION})"
        )

    versions: dict[int, dict] = {}
    raw_versions = data.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        ctx.error(data.line_of("versions"), "the file needs a list of versions (at least version 1)")
        raw_versions = _Seq()
        raw_versions.item_lines = []
    for i, raw in enumerate(raw_versions):
        line = raw_versions.item_lines[i]
        if not _check_keys(ctx, raw, VERSION_KEYS, ("number",), "a version", line):
            continue
        number = raw["number"]
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            ctx.error(raw.line_of("number"), f"a version number must be a positive integer, not {number!r}")
            continue
        if number in versions:
            ctx.error(raw.line_of("number"), f"duplicate version {number}")
            continue
        released = raw.get("released_on")
        if released is not None and not isinstance(released, datetime.date):
            ctx.error(
                raw.line_of("released_on"), f"released_on of version {number} must be a date YYYY-MM-DD"
            )
            released = None
        versions[number] = {
            "number": number,
            "label": _text(ctx, raw, "label", f"version {number}"),
            "released_on": released or datetime.date.today(),
            "changelog": _text(ctx, raw, "changelog", f"version {number}"),
        }

    registers = []
    raw_registers = data.get("registers")
    if not isinstance(raw_registers, list) or not raw_registers:
        ctx.error(data.line_of("registers"), "the file needs a list of registers")
        raw_registers = _Seq()
        raw_registers.item_lines = []
    seen_registers: dict[str, int] = {}
    for i, raw in enumerate(raw_registers):
        reg = _register(ctx, raw, raw_registers.item_lines[i], versions)
        if reg is None:
            continue
        if reg["code"] in seen_registers:
            ctx.error(
                reg["_line"],
                f"duplicate register {reg['code']} (first on line {seen_registers[reg['code']]})",
            )
            continue
        seen_registers[reg["code"]] = reg["_line"]
        registers.append(reg)

    # Renames point at a variable of the same register, or at REGISTER.name.
    by_register = {r["code"]: {v["name"] for v in r["variables"]} for r in registers}
    for reg in registers:
        for var in reg["variables"]:
            target = var["renamed_to"]
            if not target:
                continue
            target_reg, _sep, target_name = (
                target.rpartition(".") if "." in target else (reg["code"], "", target)
            )
            line = var["_lines"].get("renamed_to", var["_line"])
            if target_reg not in by_register:
                ctx.error(line, f"variable {var['name']} is renamed into unknown register {target_reg}")
            elif target_name not in by_register[target_reg]:
                ctx.error(
                    line,
                    f"variable {var['name']} is renamed to {target}, which is not in register {target_reg}",
                )
            elif target_reg == reg["code"] and target_name == var["name"]:
                ctx.error(line, f"variable {var['name']} is renamed to itself")
    if ctx.problems:
        raise DictionaryFileError(filename, ctx.problems)
    return {
        "format": FORMAT_VERSION,
        "versions": [versions[n] for n in sorted(versions)],
        "registers": registers,
    }


# --- writing to the database ---------------------------------------------------------------------


@dataclasses.dataclass
class ImportResult:
    created: Counter = dataclasses.field(default_factory=Counter)
    updated: Counter = dataclasses.field(default_factory=Counter)
    deleted: Counter = dataclasses.field(default_factory=Counter)
    withdrawn: list = dataclasses.field(default_factory=list)
    variables: int = 0
    registers: int = 0
    version: int | None = None

    @property
    def changed(self) -> bool:
        return bool(
            sum(self.created.values())
            or sum(self.updated.values())
            or sum(self.deleted.values())
            or self.withdrawn
        )

    def summary(self) -> str:
        def fmt(counter: Counter) -> str:
            return ", ".join(f"{n} {k}" for k, n in sorted(counter.items()) if n) or "nothing"

        text = (
            f"dictionary v{self.version}: {self.registers} registers, {self.variables} variables; "
            f"created {fmt(self.created)}; updated {fmt(self.updated)}; deleted {fmt(self.deleted)}"
        )
        if self.withdrawn:
            text += f"; withdrawn (absent from the file): {', '.join(self.withdrawn)}"
        return text


def _assign(obj, values: dict) -> bool:
    changed = False
    for field, value in values.items():
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


VARIABLE_FIELDS = [
    "label",
    "label_fr",
    "description",
    "description_fr",
    "format",
    "source",
    "comments",
    "comments_fr",
    "domain",
    "padlock",
    "is_quasi_identifier",
    "identifier_kind",
    "available_from",
    "available_to",
    "status",
    "generation_hints",
    "order",
    "introduced_in_id",
    "changed_in_id",
]
GRANULARITY_FIELDS = ["kind", "label", "label_fr", "recode", "origin"]


def _write(doc: dict, result: ImportResult) -> None:
    """Bring the database to the document's state with a number of queries that does not grow with
    the number of variables (bulk inserts and updates)."""
    versions = {v.number: v for v in DictionaryVersion.objects.all()}
    for data in doc["versions"]:
        values = {k: data[k] for k in ("label", "released_on", "changelog")}
        version = versions.get(data["number"])
        if version is None:
            versions[data["number"]] = DictionaryVersion.objects.create(number=data["number"], **values)
            result.created["versions"] += 1
        elif _assign(version, values):
            version.save()
            result.updated["versions"] += 1
    result.version = max(versions) if versions else None

    registers = {r.code: r for r in Register.objects.all()}
    for reg_order, data in enumerate(doc["registers"], start=1):
        values = {
            k: data[k]
            for k in ("label", "label_fr", "description", "description_fr", "domain", "unit", "unit_fr", "source")
        }
        values["order"] = reg_order
        register = registers.get(data["code"])
        if register is None:
            registers[data["code"]] = Register.objects.create(code=data["code"], **values)
            result.created["registers"] += 1
        elif _assign(register, values):
            register.save()
            result.updated["registers"] += 1
        result.registers += 1

    # Variables: one query to read them all with their codings, bulk writes after.
    existing = {
        (v.register_id, v.name): v for v in Variable.objects.prefetch_related("granularities__modalities")
    }
    new_vars, changed_vars, items = [], [], []
    for data in doc["registers"]:
        register = registers[data["code"]]
        for var_order, vdata in enumerate(data["variables"], start=1):
            values = {
                "label": vdata["label"],
                "label_fr": vdata["label_fr"],
                "description": vdata["description"],
                "description_fr": vdata["description_fr"],
                "format": vdata["format"],
                "source": vdata["source"],
                "comments": vdata["comments"],
                "comments_fr": vdata["comments_fr"],
                "domain": vdata["domain"],
                "padlock": vdata["padlock"],
                "is_quasi_identifier": vdata["quasi_identifier"],
                "identifier_kind": vdata["identifier_kind"],
                "available_from": vdata["available_from"],
                "available_to": vdata["available_to"],
                "status": vdata["status"],
                "generation_hints": vdata["generation"],
                "order": var_order,
                "introduced_in_id": versions[vdata["introduced_in"]].pk if vdata["introduced_in"] else None,
                "changed_in_id": versions[vdata["changed_in"]].pk if vdata["changed_in"] else None,
            }
            variable = existing.get((register.pk, vdata["name"]))
            if variable is None:
                variable = Variable(register=register, name=vdata["name"], **values)
                new_vars.append(variable)
                existing[(register.pk, variable.name)] = variable
            elif _assign(variable, values):
                changed_vars.append(variable)
            items.append((data["code"], vdata, variable))
            result.variables += 1
    Variable.objects.bulk_create(new_vars)
    Variable.objects.bulk_update(changed_vars, VARIABLE_FIELDS, batch_size=200)
    result.created["variables"] += len(new_vars)
    result.updated["variables"] += len(changed_vars)
    new_var_ids = {v.pk for v in new_vars}

    # Renames: the old variable points at the new one.
    renamed = []
    for register_code, vdata, variable in items:
        target_id = None
        if vdata["renamed_to"]:
            target = vdata["renamed_to"]
            target_reg, _sep, target_name = (
                target.rpartition(".") if "." in target else (register_code, "", target)
            )
            target_id = existing[(registers[target_reg].pk, target_name)].pk
        if variable.replaced_by_id != target_id:
            variable.replaced_by_id = target_id
            renamed.append(variable)
    Variable.objects.bulk_update(renamed, ["replaced_by"])
    result.updated["variables"] += len([v for v in renamed if v.pk not in new_var_ids])

    # Granularities.
    new_grans, changed_grans, doomed_grans, pending_mods = [], [], [], []
    for _code, vdata, variable in items:
        current = {} if variable.pk in new_var_ids else {g.code: g for g in variable.granularities.all()}
        wanted = {g["code"] for g in vdata["granularities"]}
        # A coding the file drops is deleted, unless it was approved on a request (custom).
        doomed_grans += [
            g.pk for code, g in current.items() if code not in wanted and g.kind != Granularity.Kind.CUSTOM
        ]
        for gdata in vdata["granularities"]:
            values = {k: gdata[k] for k in GRANULARITY_FIELDS}
            gran = current.get(gdata["code"])
            if gran is None:
                gran = Granularity(variable=variable, code=gdata["code"], **values)
                new_grans.append(gran)
                pending_mods.append((gran, {}, gdata["modalities"]))
            else:
                if _assign(gran, values):
                    changed_grans.append(gran)
                pending_mods.append((gran, {m.code: m for m in gran.modalities.all()}, gdata["modalities"]))
    if doomed_grans:
        # First, so that a file swapping default codings does not trip the one-default constraint.
        Granularity.objects.filter(pk__in=doomed_grans).delete()
        result.deleted["granularities"] += len(doomed_grans)
    Granularity.objects.bulk_update(changed_grans, GRANULARITY_FIELDS, batch_size=200)
    Granularity.objects.bulk_create(new_grans)
    result.created["granularities"] += len(new_grans)
    result.updated["granularities"] += len(changed_grans)

    # Modalities.
    new_mods, changed_mods, doomed_mods = [], [], []
    for gran, current, rows in pending_mods:
        current = dict(current)
        for order, (code, label, label_fr) in enumerate(rows, start=1):
            mod = current.pop(code, None)
            if mod is None:
                new_mods.append(
                    Modality(granularity=gran, code=code, label=label, label_fr=label_fr, order=order)
                )
            elif _assign(mod, {"label": label, "label_fr": label_fr, "order": order}):
                changed_mods.append(mod)
        doomed_mods += [m.pk for m in current.values()]
    if doomed_mods:
        Modality.objects.filter(pk__in=doomed_mods).delete()
    Modality.objects.bulk_update(changed_mods, ["label", "label_fr", "order"], batch_size=500)
    Modality.objects.bulk_create(new_mods, batch_size=2000)
    result.created["modalities"] += len(new_mods)
    result.updated["modalities"] += len(changed_mods)
    result.deleted["modalities"] += len(doomed_mods)

    # A variable the database knows and the file no longer lists is withdrawn in the newest version
    # (never deleted: requests may refer to it).
    seen = {variable.pk for _code, _data, variable in items}
    if result.version is not None:
        for variable in Variable.objects.exclude(pk__in=seen).filter(status=Variable.Status.ACTIVE):
            variable.status = Variable.Status.WITHDRAWN
            variable.changed_in = versions[result.version]
            variable.save(update_fields=["status", "changed_in"])
            result.withdrawn.append(variable.name)


def import_dictionary(path: str | Path, *, actor=None) -> ImportResult:
    """Validate the whole file, then write it in one transaction (all or nothing)."""
    from ask4mdp.audit.services import log_event

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DictionaryFileError(str(path), [(None, f"cannot read the file: {exc}")]) from None
    doc = parse_dictionary(text, str(path))
    result = ImportResult()
    try:
        with transaction.atomic(durable=True):
            # Files are imported one at a time.
            list(DictionaryVersion.objects.select_for_update().all())
            _write(doc, result)
            if result.changed:
                from .cache import invalidate

                invalidate()
                log_event(
                    "dictionary.imported",
                    actor=actor,
                    data={
                        "file": path.name,
                        "version": result.version,
                        "created": dict(result.created),
                        "updated": dict(result.updated),
                        "deleted": dict(result.deleted),
                        "withdrawn": result.withdrawn,
                    },
                )
    except (IntegrityError, ProtectedError) as exc:
        raise DictionaryFileError(str(path), [(None, f"the database refused the import: {exc}")]) from None
    return result


# --- export ----------------------------------------------------------------------------------------


class _Flow(list):
    """A list written on one line: ``[code, label, label_fr]``."""


class _FlowMap(dict):
    pass


class _Dumper(_BaseDumper):
    pass


def _represent_str(dumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)


def _styled(value: Any) -> Any:
    """Short scalar lists and small flat mappings on one line; the rest in block style."""
    if isinstance(value, dict):
        flat = all(not isinstance(v, dict | list) for v in value.values())
        if flat and len(value) <= 6:
            return _FlowMap(value)
        return {k: _styled(v) for k, v in value.items()}
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return _Flow(value)
        return [_styled(v) for v in value]
    return value


RECODE_KEY_ORDER = ("type", "map", "default", "breaks", "codes", "length", "base", "unit")
GENERATION_KEY_ORDER = (
    "distribution",
    "min",
    "max",
    "mean",
    "median",
    "sd",
    "decimals",
    "unit",
    "null_share",
    "weights",
    "nested_in",
    "parents",
)


def _ordered(data: dict, key_order: tuple, codes: list[str]) -> dict:
    """A canonical key order (PostgreSQL's jsonb does not keep the file's): known keys first, nested
    mappings keyed by modality codes in the detailed coding's order, anything else sorted after."""
    rank = {k: i for i, k in enumerate(key_order)}
    code_rank = {c: i for i, c in enumerate(codes)}

    def inner(mapping: dict) -> dict:
        return dict(
            sorted(
                mapping.items(),
                key=lambda kv: (0, code_rank[kv[0]], "") if kv[0] in code_rank else (1, 0, kv[0]),
            )
        )

    out = {}
    for key in sorted(data, key=lambda k: (rank.get(k, len(rank)), k)):
        value = data[key]
        out[key] = inner(value) if isinstance(value, dict) else value
    return out


def compact_document(doc: dict) -> dict:
    """The canonical file content: defaults left out, keys in a fixed order."""
    first_version = doc["versions"][0]["number"] if doc["versions"] else None
    out: dict = {"format": FORMAT_VERSION, "versions": [], "registers": []}
    for v in doc["versions"]:
        item = {"number": v["number"], "label": v["label"], "released_on": v["released_on"]}
        if v["changelog"]:
            item["changelog"] = v["changelog"]
        out["versions"].append({k: val for k, val in item.items() if val not in ("", None)})
    for r in doc["registers"]:
        reg = {
            k: r[k]
            for k in (
                "code",
                "label",
                "label_fr",
                "description",
                "description_fr",
                "domain",
                "unit",
                "unit_fr",
                "source",
            )
            if r[k]
        }
        reg["variables"] = []
        for v in r["variables"]:
            var: dict = {"name": v["name"], "label": v["label"]}
            for key in ("label_fr", "description", "description_fr"):
                if v[key]:
                    var[key] = v[key]
            var["format"] = v["format"]
            if v["source"] and v["source"] != r["source"]:
                var["source"] = v["source"]
            if v["domain"] != r["domain"]:
                var["domain"] = v["domain"]
            for key in ("comments", "comments_fr"):
                if v[key]:
                    var[key] = v[key]
            var["padlock"] = v["padlock"]
            if v["quasi_identifier"]:
                var["quasi_identifier"] = True
            if v["identifier_kind"]:
                var["identifier_kind"] = v["identifier_kind"]
            if v["available_from"] != FIRST_MONTH:
                var["available_from"] = v["available_from"].strftime("%Y-%m")
            if v["available_to"]:
                var["available_to"] = v["available_to"].strftime("%Y-%m")
            if v["introduced_in"] != first_version and v["introduced_in"] is not None:
                var["introduced_in"] = v["introduced_in"]
            if v["status"] != Variable.Status.ACTIVE:
                var["status"] = v["status"]
            if v["changed_in"]:
                var["changed_in"] = v["changed_in"]
            if v["renamed_to"]:
                var["renamed_to"] = v["renamed_to"]
            detailed = next((g for g in v["granularities"] if g["kind"] == Granularity.Kind.DETAILED), None)
            codes = [m[0] for m in detailed["modalities"]] if detailed else []
            if v["generation"]:
                var["generation"] = _styled(_ordered(v["generation"], GENERATION_KEY_ORDER, codes))
            var["granularities"] = []
            for g in v["granularities"]:
                gran: dict = {"code": g["code"], "kind": g["kind"], "label": g["label"]}
                if g["label_fr"]:
                    gran["label_fr"] = g["label_fr"]
                if g["recode"] and g["recode"] != {"type": "identity"}:
                    gran["recode"] = _styled(_ordered(g["recode"], RECODE_KEY_ORDER, codes))
                if g["origin"]:
                    gran["origin"] = g["origin"]
                if g["modalities"]:
                    gran["modalities"] = [
                        _Flow([c, lab, fr] if fr else [c, lab]) for c, lab, fr in g["modalities"]
                    ]
                var["granularities"].append(gran)
            reg["variables"].append(var)
        out["registers"].append(reg)
    return out


def render_document(doc: dict) -> str:
    body = yaml.dump(
        compact_document(doc),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
        indent=2,
    )
    return HEADER + body


def document_from_database() -> dict:
    versions = list(DictionaryVersion.objects.order_by("number"))
    number_of = {v.pk: v.number for v in versions}
    variables = (
        Variable.objects.select_related("register", "replaced_by__register")
        .prefetch_related("granularities__modalities")
        .order_by("register__order", "register__code", "order", "name")
    )
    by_register: dict[int, list] = {}
    for v in variables:
        renamed_to = ""
        if v.replaced_by_id:
            renamed_to = (
                v.replaced_by.name
                if v.replaced_by.register_id == v.register_id
                else f"{v.replaced_by.register.code}.{v.replaced_by.name}"
            )
        kind_order = {Granularity.Kind.DETAILED: 0, Granularity.Kind.DEFAULT: 1, Granularity.Kind.CUSTOM: 2}
        grans = sorted(v.granularities.all(), key=lambda g: (kind_order.get(g.kind, 3), g.created_at, g.pk))
        by_register.setdefault(v.register_id, []).append(
            {
                "name": v.name,
                "label": v.label,
                "label_fr": v.label_fr,
                "description": v.description,
                "description_fr": v.description_fr,
                "format": v.format,
                "source": v.source,
                "domain": v.domain,
                "comments": v.comments,
                "comments_fr": v.comments_fr,
                "padlock": v.padlock,
                "quasi_identifier": v.is_quasi_identifier,
                "identifier_kind": v.identifier_kind,
                "available_from": v.available_from,
                "available_to": v.available_to,
                "introduced_in": number_of.get(v.introduced_in_id),
                "status": v.status,
                "changed_in": number_of.get(v.changed_in_id),
                "renamed_to": renamed_to,
                "generation": v.generation_hints or {},
                "granularities": [
                    {
                        "code": g.code,
                        "kind": g.kind,
                        "label": g.label,
                        "label_fr": g.label_fr,
                        "recode": g.recode or {"type": "identity"},
                        "origin": g.origin,
                        "modalities": [
                            (m.code, m.label, m.label_fr)
                            for m in sorted(g.modalities.all(), key=lambda m: (m.order, m.code))
                        ],
                    }
                    for g in grans
                ],
            }
        )
    return {
        "format": FORMAT_VERSION,
        "versions": [
            {"number": v.number, "label": v.label, "released_on": v.released_on, "changelog": v.changelog}
            for v in versions
        ],
        "registers": [
            {
                "code": r.code,
                "label": r.label,
                "label_fr": r.label_fr,
                "description": r.description,
                "description_fr": r.description_fr,
                "domain": r.domain,
                "unit": r.unit,
                "unit_fr": r.unit_fr,
                "source": r.source,
                "variables": by_register.get(r.pk, []),
            }
            for r in Register.objects.order_by("order", "code")
        ],
    }


def dump_dictionary() -> str:
    return render_document(document_from_database())


def export_dictionary(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_dictionary(), encoding="utf-8")
    return path
