"""Demo contracts: the terms of the customers on a contract or postpaid plan, renewed or cancelled
(part of :mod:`analytics.demo`).

Each contract customer's first contract starts on the day they were acquired and lasts one term of
their plan; at each term's end (up to the demo's last day) the customer renews or cancels:

* the customer's own cancellation probability per term is drawn from Beta(a, b) of the plan (the
  shifted-beta-geometric model's assumption): annual contracts are stickier than six-month
  postpaid ones;
* service quality moves it: the logit of that probability shifts by :data:`QUALITY_EFFECT` per
  point of the region's service-quality index (mean of the 90 days before the renewal) below
  :data:`QUALITY_NEUTRAL` (up when quality is poor, down when it is good); before the data's first
  day quality is taken as neutral;
* a customer whose purchases have ended (the demo's buy-till-you-die lifetime) cancels at the next
  renewal. Purchases are not changed by contracts.

The draws use their own random stream (seeded from the demo's seed), so every other demo table is
exactly what it was before contracts existed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from analytics.demo.business import DAYS, END, START

# plan: (term in months, Beta a, Beta b of the cancellation probability per term)
CONTRACT_PLANS: dict[str, tuple[int, float, float]] = {
    "Annual contract": (12, 0.9, 4.5),
    "Postpaid": (6, 0.8, 3.0),
}
QUALITY_NEUTRAL = 80.0
QUALITY_EFFECT = 0.09  # logit of the cancellation probability per quality point below neutral
QUALITY_WINDOW = 90  # days of quality before a renewal that the customer remembers
STREAM = 20_070_076  # mixed with the demo's seed: the contracts' own random stream


def _quality_memory(quality: pd.DataFrame, regions: list[str]) -> np.ndarray:
    """Per region (rows, in the order of ``regions``) and day of the demo, the mean quality index of
    the :data:`QUALITY_WINDOW` days up to that day."""
    out = np.full((len(regions), DAYS), QUALITY_NEUTRAL)
    for r, region in enumerate(regions):
        q = quality.loc[quality["region"] == region].sort_values("quality_date")["quality_index"].to_numpy(float)[:DAYS]
        if len(q) == 0:
            continue
        c = np.concatenate([[0.0], np.cumsum(q)])
        i = np.arange(1, len(q) + 1)
        lo = np.maximum(i - QUALITY_WINDOW, 0)
        out[r, : len(q)] = (c[i] - c[lo]) / (i - lo)
    return out


def draw_contracts(seed: int, cust: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Contracts of the customers on a plan of :data:`CONTRACT_PLANS`: ``contract_id, customer_id,
    plan, start_date, end_date, status`` (an active contract's ``end_date`` is its term's end, after
    the demo's last day)."""
    rng = np.random.default_rng([int(seed), STREAM])
    c = cust.loc[cust["plan"].isin(list(CONTRACT_PLANS)),
                 ["customer_id", "plan", "region", "acquired_on", "lifetime_end"]].reset_index(drop=True)
    n = len(c)
    a = c["plan"].map({p: v[1] for p, v in CONTRACT_PLANS.items()}).to_numpy(float)
    b = c["plan"].map({p: v[2] for p, v in CONTRACT_PLANS.items()}).to_numpy(float)
    term = c["plan"].map({p: v[0] for p, v in CONTRACT_PLANS.items()}).to_numpy(int)
    theta = rng.beta(a, b) if n else np.empty(0)
    base_logit = logit(np.clip(theta, 1e-9, 1 - 1e-9))
    regions = sorted(c["region"].unique())
    memory = _quality_memory(quality, regions)  # (region, day)
    region = np.searchsorted(np.array(regions), c["region"].to_numpy())
    start = pd.to_datetime(c["acquired_on"]).to_numpy("datetime64[D]")
    lifetime_end = c["lifetime_end"].to_numpy(np.int64)
    end_day = np.datetime64(END, "D")
    start_day0 = np.datetime64(START, "D")
    alive = np.ones(n, dtype=bool)
    rows: list[pd.DataFrame] = []
    k = 0
    while alive.any():
        idx = np.flatnonzero(alive)
        s = start[idx]
        e = _add_months(s, term[idx])
        u = rng.random(n)[idx]  # one draw per customer and term, in a fixed shape: the stream stays stable
        running = e > end_day
        day = (e - start_day0).astype(np.int64)
        q = np.where(day >= 0, memory[region[idx], np.clip(day, 0, DAYS - 1)], QUALITY_NEUTRAL)
        p_cancel = expit(base_logit[idx] + QUALITY_EFFECT * (QUALITY_NEUTRAL - q))
        gone = day > lifetime_end[idx]  # purchases ended before this renewal
        cancel = ~running & ((u < p_cancel) | gone)
        status = np.where(running, "active", np.where(cancel, "cancelled", "renewed"))
        rows.append(pd.DataFrame({"customer_id": c["customer_id"].to_numpy()[idx], "plan": c["plan"].to_numpy()[idx],
                                  "start_date": s, "end_date": e, "status": status, "term": k}))
        start[idx] = e
        alive[idx[running | cancel]] = False
        k += 1
    if not rows:
        return pd.DataFrame(columns=["contract_id", "customer_id", "plan", "start_date", "end_date", "status"])
    out = pd.concat(rows, ignore_index=True).sort_values(["customer_id", "term"], ignore_index=True)
    out.insert(0, "contract_id", [f"K{i:07d}" for i in range(1, len(out) + 1)])
    return out.drop(columns="term")


def _add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``days`` (datetime64[D]) moved by whole ``months``, the day clipped to the month's length."""
    d = pd.DatetimeIndex(days)
    idx = d.year.to_numpy() * 12 + d.month.to_numpy() - 1 + months
    first = (idx // 12 - 1970) * 12 + idx % 12
    month_start = first.astype("datetime64[M]")
    length = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(np.int64)
    day = np.minimum(d.day.to_numpy(), length) - 1
    return month_start.astype("datetime64[D]") + day.astype("timedelta64[D]")
