#!/usr/bin/env bash
# The whole check: lint, Django system checks, missing migrations, then pytest.
#   bash scripts/test.sh [pytest args...]
# SQLite when DATABASE_URL is unset; PostgreSQL with DATABASE_URL=postgres://user@host:port/db
# (pytest-django creates and drops test_<db> itself, so the user needs CREATEDB).
# Every step runs even if an earlier one failed; the exit status is non-zero if any failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

say() { printf '[test] %s\n' "$*"; }

bash scripts/bootstrap.sh || { say "bootstrap failed"; exit 1; }

PY=.venv/bin/python
if [[ -n "${DATABASE_URL:-}" ]]; then
    # never print a password
    say "database: $(printf '%s' "$DATABASE_URL" | sed -E 's#(//[^:/@]+):[^@]*@#\1:***@#')"
else
    say "database: SQLite (DATABASE_URL unset)"
fi

failed=()
step() {  # step NAME CMD...
    local name="$1"
    shift
    say "== $name"
    "$@"
    local rc=$?
    if ((rc != 0)); then
        say "FAILED: $name (exit $rc)"
        failed+=("$name")
    fi
    return 0
}

step "ruff" "$PY" -m ruff check --output-format=concise .
step "manage.py check" "$PY" manage.py check
step "makemigrations --check" "$PY" manage.py makemigrations --check --dry-run

say "== pytest $*"
"$PY" -m pytest "$@"
rc=$?
if ((rc == 5)); then
    say "FAILED: pytest collected no tests (exit 5)"
    failed+=("pytest (no tests)")
elif ((rc != 0)); then
    say "FAILED: pytest (exit $rc)"
    failed+=("pytest")
fi

if ((${#failed[@]})); then
    say "failed steps: $(IFS=,; printf '%s' "${failed[*]}")"
    exit 1
fi
say "all steps passed"
