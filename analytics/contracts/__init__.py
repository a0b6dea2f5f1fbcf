"""Contracts: renewal and cancellation of contract customers, and what they are worth.

* :mod:`~analytics.contracts.sbg`: the shifted-beta-geometric model (Fader & Hardie 2007) — fit,
  survival and retention curves, discounted expected residual lifetime (Fader & Hardie 2010);
* :mod:`~analytics.contracts.retention`: renewal histories from the ``contracts`` table, sBG fits per
  plan and start cohort, actual against fitted retention, contractual CLV (stored by
  :mod:`analytics.precompute`, ``contract_fit``; ``report --json`` keys ``contract_customers``,
  ``contractual_clv``).

Callers import the module they need (``from analytics.contracts import sbg``).
"""
