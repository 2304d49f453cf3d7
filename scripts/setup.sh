#!/usr/bin/env bash
# One command from a fresh clone to a running app: packages, .venv, database, demo data, dev server.
#   bash scripts/setup.sh            ... and start http://127.0.0.1:8000/ (admin at /admin/)
#   bash scripts/setup.sh --no-run   stop before starting the server (tests, CI)
# Uses SQLite at var/db.sqlite3 unless DATABASE_URL is set.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

run_server=1
for arg in "$@"; do
    case "$arg" in
        --no-run) run_server=0 ;;
        -h | --help)
            sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "setup.sh: unknown argument: $arg (use --no-run or --help)" >&2
            exit 2
            ;;
    esac
done

say() { printf '[setup] %s\n' "$*"; }

bash scripts/bootstrap.sh

PY=.venv/bin/python
export DJANGO_DEBUG=1   # development setup: DEBUG on for every step and for the server

say "migrate"
"$PY" manage.py migrate --noinput
say "load_demo (seed documents + demo superuser)"
"$PY" manage.py load_demo
say "collectstatic"
"$PY" manage.py collectstatic --noinput --verbosity 0

if ((run_server == 0)); then
    say "done (--no-run): start the app with .venv/bin/python manage.py runserver 127.0.0.1:8000"
    exit 0
fi

say "starting http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/, demo login printed above; Ctrl-C stops)"
exec "$PY" manage.py runserver 127.0.0.1:8000
