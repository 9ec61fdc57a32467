"""English and French everywhere: the French catalogues are complete and up to date.

It fails when an entry of any French catalogue is untranslated or fuzzy, and when the code holds a
translatable string that no catalogue has yet (``makemessages`` run into a scratch copy).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/fr/LC_MESSAGES/django.po") if ".venv" not in p.parts)
APP_DIRS = ["ask4mdp/accounts", "ask4mdp/audit", "ask4mdp/notifications", "ask4mdp/projects", "ask4mdp/ui",
            "dictionary", "requests_app", "pseudonym", "extraction", "outputs", "synthetic"]


def entries(po: Path):
    """Yield (msgid, msgstr_parts, flags) for each entry but the header."""
    text = po.read_text()
    for block in re.split(r"\n\s*\n", text):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not msgid:
            continue
        ident = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if not ident:
            continue
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        yield ident, ["".join(re.findall(r'"(.*)"', s)) for s in strs], flags


def test_there_are_french_catalogues():
    assert CATALOGUES, "no French catalogue found"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_not_fuzzy(po):
    problems = [ident for ident, strs, flags in entries(po) if "fuzzy" in flags or not all(strs)]
    assert problems == [], f"{po.relative_to(ROOT)}: untranslated or fuzzy: {problems[:10]}"
    if shutil.which("msgfmt"):
        check = subprocess.run(["msgfmt", "--check-format", "-o", os.devnull, str(po)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
@pytest.mark.parametrize("app_dir", ["."] + APP_DIRS)
def test_no_string_is_missing_from_the_catalogue(app_dir, tmp_path):
    """Extract the strings again into a scratch copy: nothing may be new."""
    source = ROOT / app_dir
    if app_dir != "." and not any(source.rglob("*.py")):
        pytest.skip("no code")
    work = tmp_path / "copy"
    ignore = shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "*.mo", "__pycache__")
    shutil.copytree(source if app_dir != "." else ROOT, work, ignore=ignore)
    po = work / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    before = {i for i, _, _ in entries(po)} if po.exists() else set()
    (work / "locale").mkdir(exist_ok=True)
    cmd = [sys.executable, "-P", "-m", "django", "makemessages", "-l", "fr", "--no-obsolete", "--ignore=tests"]
    if app_dir == ".":
        cmd += [f"--ignore={d}" for d in ["ask4mdp", "dictionary", "requests_app", "pseudonym", "extraction",
                                          "outputs", "synthetic", "tests", "benchmarks"]]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ask4mdp.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True)
    after = {i for i, _, _ in entries(po)} if po.exists() else set()
    missing = sorted(after - before)
    hint = f"run scripts/messages.sh {app_dir} and translate"
    assert missing == [], f"{app_dir}: strings not in the French catalogue ({hint}): {missing[:10]}"
