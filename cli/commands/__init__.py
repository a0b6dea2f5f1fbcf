"""One module per command of ``python -m analytics``, found by :func:`cli.commands` (see :mod:`cli`)."""
