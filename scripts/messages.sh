#!/usr/bin/env bash
# Refresh the French catalogue of one app (or of the project-level templates with "."):
#   scripts/messages.sh dictionary      -> dictionary/locale/fr/LC_MESSAGES/django.po
#   scripts/messages.sh ask4mdp/accounts
#   scripts/messages.sh .               -> locale/ (templates/ and static/ only)
# Then translate every new msgstr (no empty or fuzzy entries: a test checks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/messages.sh APP_DIR}
export DJANGO_SETTINGS_MODULE=ask4mdp.settings ASK4MDP_EMBEDDED=1 PYTHONPATH="$root"
cd "$root/$dir"
mkdir -p locale
if [ "$dir" = "." ]; then
  ignores=(--ignore=.venv --ignore=var --ignore=ask4mdp --ignore=dictionary --ignore=requests_app \
           --ignore=pseudonym --ignore=extraction --ignore=outputs --ignore=synthetic --ignore=tests \
           --ignore=benchmarks --ignore=node_modules)
else
  ignores=(--ignore=tests)
fi
"$root/.venv/bin/django-admin" makemessages -l fr --no-obsolete "${ignores[@]}"
"$root/.venv/bin/django-admin" compilemessages -l fr --ignore=.venv --ignore=var
