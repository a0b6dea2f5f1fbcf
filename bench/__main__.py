"""``python -m bench --scale S|M|L``: see :mod:`bench.harness` and bench/README.md."""

import sys

from bench.harness import main

report = main()
# Every section ran and wrote its rows; the exit status says whether any of them failed.
sys.exit(0 if all(s.get("status") in ("ok", "skipped", "n/a") for s in report["sections"].values()) else 1)
