#!/usr/bin/env bash
# Accessibility and HTML validity of the public pages (tools/a11y/check.mjs):
#   axe-core in headless Chromium — fails on any serious or critical violation;
#   the Nu HTML Checker (vnu-jar, run with the system java) — fails on any error.
#
#   bash scripts/a11y.sh                 # private SQLite DB with the demo data, dev server on a free port
#   A11Y_BASE_URL=http://127.0.0.1:8000 bash scripts/a11y.sh /some/page/ …   # check a running server instead
#   A11Y_VIEWPORTS=1280x800 bash scripts/a11y.sh   # axe at these viewports only (default: desktop and phone)
#
# Needs node/npm, java and Chromium (CHROMIUM, default /usr/bin/chromium); installs tools/a11y from its lock
# file with install scripts off (tools/a11y/.npmrc) — no browser or Java runtime is ever downloaded.
# Pages answering 404 are reported and skipped (pages still being built); other answers but 200 fail.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
TOOLS="$ROOT/tools/a11y"
say() { printf '[a11y] %s\n' "$*"; }

for tool in node npm java; do
    command -v "$tool" >/dev/null || { say "missing: $tool"; exit 2; }
done
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$CHROMIUM" ]] || { say "missing Chromium at $CHROMIUM (apt-get install chromium)"; exit 2; }

if [[ ! -d "$TOOLS/node_modules/axe-core" || ! -d "$TOOLS/node_modules/playwright-core" || ! -d "$TOOLS/node_modules/vnu-jar" ]]; then
    say "installing tools/a11y (npm ci)"
    (cd "$TOOLS" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

if [[ -n "${A11Y_BASE_URL:-}" ]]; then
    (( $# )) || { say "with A11Y_BASE_URL, name the pages to check"; exit 2; }
    cd "$TOOLS" && exec node check.mjs --base "$A11Y_BASE_URL" "$@"
fi

# A private database and static root: never the developer's var/ or a DATABASE_URL.
VAR="$(mktemp -d)"
SERVER=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    if [[ -n "$SERVER" ]]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    rm -rf "$VAR"
}
trap cleanup EXIT
unset DATABASE_URL
export DJANGO_SETTINGS_MODULE=config.settings DJANGO_VAR_DIR="$VAR" DJANGO_DEBUG=0 DJANGO_SECURE=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost

say "demo data in $VAR"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_demo >/dev/null  # prints the throwaway admin password; not needed here
"$PY" manage.py collectstatic --noinput -v0

# The pages to check, found in the demo data (budget 001 is /disclosures/1/ on a fresh database): those of the
# citizen walk-through (tests/browser/test_citizen_walkthrough.py) and their empty and error states.
mapfile -t PAGES < <("$PY" - <<'EOF'
import django

django.setup()
from disclosures.models import Disclosure  # noqa: E402
from performance.models import TargetForm  # noqa: E402

published = Disclosure.objects.published().select_related("unit__department")
budget = published.filter(kind="budget").order_by("pk").first()
final = published.filter(kind="final").order_by("pk").first()
pages = ["/", "/disclosures/"]
if budget:  # filtered, as the home page's counts link to it
    region = budget.unit.department.region_id
    pages.append(f"/disclosures/?fiscal_year={budget.fiscal_year}&region={region}&kind=budget")
pages.append("/disclosures/?amount_min=-1")  # a field error: aria-invalid and its message
pages += [f"/disclosures/{d.pk}/" for d in (budget, final) if d]
pages += ["/projects/?q=救援", "/projects/?q=没有这个项目", "/projects/"]
if budget:
    pages.append(f"/departments/{budget.unit.department_id}/")
    pages.append(f"/disclosures/{budget.pk}/drilldown/?code=224")
    pages.append(f"/regions/{region}/{budget.fiscal_year}/drilldown/")
    form = TargetForm.objects.filter(disclosure=budget).order_by("order").first()
    if form:  # where a search hit leads
        pages.append(f"/performance/forms/{form.pk}/")
pages.append("/data-dictionary/")
for form in TargetForm.objects.filter(disclosure__isnull=True).order_by("variant", "pk").distinct():
    page = f"/performance/departments/{form.department_id}/{form.fiscal_year}/forms/"
    if page not in pages:
        pages.append(page)
print("\n".join(pages))
EOF
)

((${#PAGES[@]})) || { say "could not list the pages to check"; exit 2; }

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload >"$VAR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    if "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/', timeout=1)" 2>/dev/null; then
        break
    fi
    kill -0 "$SERVER" 2>/dev/null || { say "server did not start:"; cat "$VAR/server.log"; exit 2; }
    sleep 0.2
done

say "checking ${#PAGES[@]} pages on http://127.0.0.1:$PORT"
status=0
(cd "$TOOLS" && node check.mjs --base "http://127.0.0.1:$PORT" "${PAGES[@]}") || status=$?
if ((status != 0)); then
    say "FAILED (exit $status)"
else
    say "passed"
fi
exit "$status"
