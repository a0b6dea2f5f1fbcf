"""Contracts: renewal and cancellation of contract customers, and what they are worth.

* :mod:`~analytics.contracts.sbg`: the shifted-beta-geometric model (Fader & Hardie 2007) — fit,
  survival and retention curves, discounted expected residual lifetime (Fader & Hardie 2010);

Callers import the module they need (``from analytics.contracts import sbg``).
"""
