#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then lint and run every test.
# This is the README's test command; .ci/run runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
# a real PostgreSQL server for the database-source tests (tests/postgres.py starts and stops it)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages (${need_apt[*]}); run as root or install them" >&2
    exit 1
  fi
fi

python -m pip install --quiet -r requirements-dev.txt
python -m ruff check .
# one BLAS thread per process: two workers on two cores, and OpenBLAS's threads otherwise contend on every
# small call (a BG/NBD fit 50x slower on a loaded machine); tests/conftest.py sets it too, after NumPy loads
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
# Compiled modules (and pytest's rewritten test modules) cached outside the working tree: with
# PYTHONDONTWRITEBYTECODE=1 every worker and every app or command-line process a test starts compiled the
# project from source again (collection alone: 10.7 s -> 4.8 s CPU per worker)
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-${TMPDIR:-/tmp}/cvm-pycache}"
exec python -m pytest -n 2 --dist loadfile "$@"
