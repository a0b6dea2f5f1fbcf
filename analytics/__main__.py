"""``python -m analytics``: the command line, which lives in :mod:`cli` (the layer on top of the
analytics). The one module of ``analytics/`` that imports it: the entry point users know stays.
"""

import sys

from cli import main

sys.exit(main())
