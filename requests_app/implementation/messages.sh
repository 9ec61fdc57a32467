#!/usr/bin/env bash
# The implementation phase's own French catalogue (requests_app/implementation/locale, listed in
# LOCALE_PATHS), so that it does not collide with the request life cycle's catalogue:
#   requests_app/implementation/messages.sh
# It collects this sub-package, its templates (requests_app/templates/requests_app/implementation)
# and its notifications (requests_app/templates/notifications/implementation_*.txt).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/requests_app/templates/requests_app" "$work/requests_app/templates/notifications" \
         "$root/requests_app/implementation/locale"
ln -s "$root/requests_app/implementation" "$work/requests_app/implementation"
ln -s "$root/requests_app/templates/requests_app/implementation" "$work/requests_app/templates/requests_app/implementation"
for f in "$root"/requests_app/templates/notifications/implementation_*.txt; do
  ln -s "$f" "$work/requests_app/templates/notifications/$(basename "$f")"
done
ln -s "$root/requests_app/implementation/locale" "$work/locale"
export DJANGO_SETTINGS_MODULE=ask4mdp.settings ASK4MDP_EMBEDDED=1 PYTHONPATH="$root"
cd "$work"
"$root/.venv/bin/django-admin" makemessages -l fr --no-obsolete --symlinks --ignore='tests' --ignore='*/tests/*'
# msgfmt rather than compilemessages, which would also compile every catalogue of LOCALE_PATHS.
po="$root/requests_app/implementation/locale/fr/LC_MESSAGES/django.po"
msgfmt --check-format -o "${po%.po}.mo" "$po"
