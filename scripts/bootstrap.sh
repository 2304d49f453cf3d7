#!/usr/bin/env bash
# Idempotent machine + virtualenv setup, run by scripts/setup.sh, scripts/test.sh and .ci/run.
#   1. Debian packages WeasyPrint, the PDF tests and the browser tests need (apt only if one is missing).
#   2. A Python >= 3.12 and .venv built from it (recreated if missing, broken or older than 3.12).
#   3. pip install -r requirements.txt, only when requirements.txt changed since the last install.
# Environment knobs:
#   BOOTSTRAP_SKIP_APT=1     do not check or install Debian packages (non-Debian machines).
#   BOOTSTRAP_PYTHON=/path   use this interpreter for a new .venv instead of searching.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# --- 1. Debian packages ----------------------------------------------------------------------
DEB_PACKAGES=(
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint
    fonts-noto-cjk fonts-wqy-microhei                     # Chinese glyphs in PDFs
    poppler-utils                                         # pdftotext/pdftoppm in tests
    chromium                                              # browser tests
)

deb_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

if [[ "${BOOTSTRAP_SKIP_APT:-0}" == 1 ]]; then
    say "skipping Debian packages (BOOTSTRAP_SKIP_APT=1)"
elif ! command -v dpkg >/dev/null 2>&1; then
    say "no dpkg: not a Debian-like machine; install by hand: ${DEB_PACKAGES[*]}"
else
    missing=()
    for pkg in "${DEB_PACKAGES[@]}"; do
        deb_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        say "Debian packages: all present"
    else
        say "Debian packages missing: ${missing[*]}"
        SUDO=()
        if ((EUID != 0)); then
            command -v sudo >/dev/null 2>&1 || die "not root and no sudo; as root run: apt-get install ${missing[*]}"
            SUDO=(sudo)
        fi
        export DEBIAN_FRONTEND=noninteractive
        say "apt-get update"
        ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        say "apt-get install ${missing[*]}"
        ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
    fi
fi

# --- 2. Python >= 3.12 and .venv -------------------------------------------------------------
py_ok() {  # usable interpreter of at least 3.12 (pyenv shims of unselected versions fail here)
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    local c
    local -a candidates=()
    if [[ -n "${BOOTSTRAP_PYTHON:-}" ]]; then
        candidates+=("$BOOTSTRAP_PYTHON")
    fi
    for c in python3.13 python3.12; do
        if command -v "$c" >/dev/null 2>&1; then
            candidates+=("$(command -v "$c")")
        fi
    done
    shopt -s nullglob
    candidates+=("$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9])
    candidates+=(/usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9])
    shopt -u nullglob
    if command -v python3 >/dev/null 2>&1; then
        candidates+=("$(command -v python3)")
    fi
    for c in "${candidates[@]}"; do
        if py_ok "$c"; then
            printf '%s\n' "$c"
            return 0
        fi
    done
    return 1
}

VENV="$ROOT/.venv"
VPY="$VENV/bin/python"

if [[ -x "$VPY" ]] && py_ok "$VPY"; then
    say "venv: $("$VPY" -V 2>&1) in .venv"
else
    if [[ -e "$VENV" ]]; then
        say "venv: .venv is missing its python or is older than 3.12; recreating"
    fi
    PY="$(find_python)" || die "no Python >= 3.12 found (looked for python3.13, python3.12, \
~/.pyenv/versions/3.1x, /usr/local/bin, /usr/bin). Install one, e.g. \`pyenv install 3.12\`, \
or python3.12 + python3.12-venv from Debian trixie, or set BOOTSTRAP_PYTHON=/path/to/python3.12."
    say "venv: creating .venv with $PY ($("$PY" -V 2>&1))"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" || die "'$PY -m venv' failed (on Debian/Ubuntu install the matching python3.x-venv package)"
    rm -f "$VENV/.requirements.sha256"
fi

# --- 3. requirements -------------------------------------------------------------------------
STAMP="$VENV/.requirements.sha256"
want="$("$VPY" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
    requirements.txt)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want" == "$have" ]]; then
    say "requirements: up to date"
else
    say "requirements: pip install -r requirements.txt"
    PIP_NO_INPUT=1 "$VPY" -m pip install --disable-pip-version-check -q -r requirements.txt </dev/null
    printf '%s\n' "$want" >"$STAMP"
fi

mkdir -p "$ROOT/var"   # SQLite database, media and collected static files live here (git-ignored)
say "done"
