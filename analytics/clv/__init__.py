"""Customer lifetime value: probabilistic models of purchases and spend, and what each customer is
worth to the company (DOMAIN.md §4; every figure on the Customer value page and in
``python -m analytics clv``).

* :mod:`~analytics.clv.units`: the models' time units;
* :mod:`~analytics.clv.rfm`: the RFM summary (purchases, recency, age, spend) from the store or a CSV;
* :mod:`~analytics.clv.models`: BG/NBD, Gamma-Gamma and discounted value;
* :mod:`~analytics.clv.backtest`: fit on a calibration period, test on the holdout;
* :mod:`~analytics.clv.value`: realized, potential and influence value and the value tiers.

The ``clv`` command is :mod:`cli.commands.clv`.

Callers import the module they need (``from analytics.clv import value``).
"""
