#!/usr/bin/env bash
# Install the pinned runtime requirements and start the dashboard.
# With no database yet, the app creates the demo database on first start.
# Extra arguments go to `streamlit run` (e.g. --server.port 8502).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec python -m streamlit run app.py "$@"
