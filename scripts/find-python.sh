#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Django 6.1 needs it); fail with a clear message otherwise.
# Looks at $PYTHON, python3.13/python3.12 on PATH, then pyenv's versions.
set -euo pipefail
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
  [ -n "$cand" ] || continue
  path=$(command -v "$cand" 2>/dev/null || true)
  if [ -n "$path" ] && ok "$path"; then echo "$path"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for path in $(ls -d "$root"/versions/3.12*/bin/python3 "$root"/versions/3.1[3-9]*/bin/python3 2>/dev/null); do
  if ok "$path"; then echo "$path"; exit 0; fi
done
echo "ask4mdp needs Python >= 3.12 (Django 6.1). Install it (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
