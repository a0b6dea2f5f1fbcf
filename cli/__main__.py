"""``python -m cli``: the same as ``python -m analytics`` (see :mod:`cli`)."""

import sys

from cli import main

sys.exit(main())
