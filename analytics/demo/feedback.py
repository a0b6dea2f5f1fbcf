"""Demo service quality per region and day, the praise and complaints it causes, and the customers'
assessments of delivered value (part of :mod:`analytics.demo`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.demo.business import (
    COMPLAINT_THRESHOLD,
    COMPLAINT_TOPICS,
    DAYS,
    FEEDBACK_CHANNELS,
    PRAISE_THRESHOLD,
    PRAISE_TOPICS,
    REGIONS,
    START,
)
from analytics.demo.customers import draw_choice


def draw_service_quality(rng: np.random.Generator) -> pd.DataFrame:
    """Daily quality index per region: a slow drift, weekly noise and planted incidents."""
    days = np.arange(DAYS)
    frames = []
    for r_i, region in enumerate(REGIONS):
        drift = np.cumsum(rng.normal(0, 0.18, DAYS))
        drift -= np.linspace(0, drift[-1], DAYS)  # pinned at both ends: no runaway walk
        base = 80.0 + 2.0 * np.sin(2 * np.pi * (days / 365.25 + r_i / 5)) + drift
        if region == "South":  # capacity crunch: spring 2025, recovered by autumn
            base -= 20.0 * _bump(days, 500, 120)
        if region == "North":  # outage in late summer 2024
            base -= 13.0 * _bump(days, 290, 45)
        if region == "East":  # network upgrade through 2026 lifts quality above the praise threshold
            base += 11.0 * np.clip((days - 820) / 150, 0, 1)
        if region == "West":  # a short dip at the end of the window: a fresh turning point
            base -= 11.0 * _bump(days, DAYS - 30, 40)
        idx = np.clip(base + rng.normal(0, 1.2, DAYS), 0, 100).round(1)
        frames.append(pd.DataFrame({
            "quality_date": pd.to_datetime(START) + pd.to_timedelta(days, unit="D"),
            "region": region,
            "quality_index": idx,
        }))
    return pd.concat(frames, ignore_index=True)


def _bump(days: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((days - centre) / (width / 2.0)) ** 2)


def draw_feedback(rng: np.random.Generator, cust: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Praise, complaints and NPS survey answers, driven by the day's regional service quality."""
    n_cust = len(cust)
    per_region = cust.groupby("region").size().reindex(list(REGIONS)).fillna(0).to_numpy()
    q = quality["quality_index"].to_numpy().reshape(len(REGIONS), DAYS)
    # Customers alive on a day, roughly: the region's customers times the share alive on that day.
    alive_share = np.clip(0.35 + 0.45 * np.arange(DAYS) / DAYS, 0, 1)
    exposure = per_region[:, None] * alive_share[None, :]
    comp_rate = 0.012 * np.exp(0.19 * np.clip(COMPLAINT_THRESHOLD - q, 0, None)) * exposure / 30
    praise_rate = 0.009 * np.exp(0.28 * np.clip(q - PRAISE_THRESHOLD, 0, None)) * exposure / 30
    survey_rate = 0.05 * exposure / 30
    parts = []
    for kind, lam in (("complaint", comp_rate), ("praise", praise_rate), ("other", survey_rate)):
        counts = rng.poisson(lam)  # rates are per customer-month; /30 turned them into per day
        r_i, d_i = np.nonzero(counts)
        reps = counts[r_i, d_i]
        parts.append(pd.DataFrame({"kind": kind, "r": np.repeat(r_i, reps), "d": np.repeat(d_i, reps)}))
    ev = pd.concat(parts, ignore_index=True)
    n = len(ev)
    # Who speaks: a customer of the region, alive on the day if one of 8 draws is; heavy users
    # complain more, big accounts praise more.
    region_arr = cust["region"].to_numpy()
    heavy = cust["heavy"].to_numpy()
    weight_c = np.where(heavy, 5.0, 1.0)
    weight_p = np.where(cust["key"].to_numpy() | (cust["segment"].to_numpy() == "Premium"), 2.5, 1.0)
    who = np.empty(n, dtype=np.int64)
    first_day, end_day = cust["first_day"].to_numpy(), cust["lifetime_end"].to_numpy()
    has_tx = cust["n_tx"].to_numpy() > 0
    for r_i, region in enumerate(REGIONS):
        members = np.nonzero((region_arr == region) & has_tx)[0]
        if len(members) == 0:
            members = np.arange(n_cust)
        for kind, w in (("complaint", weight_c), ("praise", weight_p), ("other", np.ones(n_cust))):
            sel = np.nonzero((ev["r"].to_numpy() == r_i) & (ev["kind"].to_numpy() == kind))[0]
            if len(sel) == 0:
                continue
            cw = np.cumsum(w[members])
            cand = members[np.searchsorted(cw, rng.random((len(sel), 8)) * cw[-1])]
            day = ev["d"].to_numpy()[sel][:, None]
            ok = (first_day[cand] <= day) & (end_day[cand] >= day)
            pick = np.where(ok.any(axis=1), cand[np.arange(len(sel)), ok.argmax(axis=1)], cand[:, 0])
            who[sel] = pick
    ev["idx"] = who
    qd = q[ev["r"].to_numpy(), ev["d"].to_numpy()]
    heavy_w = heavy[who]
    # NPS on survey answers: promoters when quality is high and the customer is not a heavy user.
    mood = (qd - 78) / 6 + rng.normal(0, 1.6, n) - 0.9 * heavy_w
    score = np.clip(np.round(7.6 + 1.4 * mood), 0, 10).astype(int)
    kind = ev["kind"].to_numpy()
    nps = np.where(kind == "other", score, np.where(rng.random(n) < 0.3,
                   np.where(kind == "praise", np.clip(score + 2, 9, 10), np.clip(score - 4, 0, 6)), -1))
    c_topic = rng.integers(0, len(COMPLAINT_TOPICS), n)
    p_topic = rng.integers(0, len(PRAISE_TOPICS), n)
    zh = rng.random(n) < 0.8
    topic = np.where(kind == "complaint", [COMPLAINT_TOPICS[i][0] for i in c_topic],
                     np.where(kind == "praise", [PRAISE_TOPICS[i][0] for i in p_topic], "Survey"))
    text = np.where(
        kind == "complaint", [COMPLAINT_TOPICS[i][1 if z else 2] for i, z in zip(c_topic, zh, strict=True)],
        np.where(kind == "praise", [PRAISE_TOPICS[i][1 if z else 2] for i, z in zip(p_topic, zh, strict=True)], None),
    )
    channel = draw_choice(rng, np.array(FEEDBACK_CHANNELS), n, np.array([0.3, 0.22, 0.2, 0.08, 0.1, 0.1]))
    channel = np.where(kind == "other", "Survey", channel)
    out = pd.DataFrame({
        "d": ev["d"].to_numpy(), "idx": who, "kind": kind,
        "nps_score": pd.array(np.where(nps < 0, None, nps), dtype="Int64"),
        "channel": channel, "topic": topic, "text": text,
    }).sort_values(["d", "idx", "kind"], kind="stable", ignore_index=True)
    return pd.DataFrame({
        "feedback_id": [f"F{i + 1:08d}" for i in range(len(out))],
        "customer_id": cust["customer_id"].to_numpy()[out["idx"].to_numpy()],
        "feedback_date": pd.to_datetime(START) + pd.to_timedelta(out["d"], unit="D"),
        "kind": out["kind"], "nps_score": out["nps_score"], "channel": out["channel"],
        "topic": out["topic"], "text": out["text"],
    })


def draw_assessments(rng: np.random.Generator, cust: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """Account reviews and surveys of delivered value, 0–10 scales, about every six months."""
    live = cust[cust["n_tx"] > 0]
    chosen = live[rng.random(len(live)) < 0.65]
    reps = rng.integers(1, 5, len(chosen))
    idx = np.repeat(chosen["idx"].to_numpy(), reps)
    c = cust.set_index("idx").loc[idx]
    first, end = c["first_day"].to_numpy(), np.minimum(c["lifetime_end"].to_numpy() + 60, DAYS - 1)
    day = (first + rng.random(len(idx)) * np.maximum(end - first, 1)).astype(int)
    q = quality["quality_index"].to_numpy().reshape(len(REGIONS), DAYS)
    r_i = np.array([REGIONS.index(r) for r in c["region"]])
    qd = q[r_i, np.clip(day, 0, DAYS - 1)]
    n = len(idx)
    heavy, hunter, key = c["heavy"].to_numpy(), c["hunter"].to_numpy(), c["key"].to_numpy()
    premium = key | (c["segment"].to_numpy() == "Premium")

    def score(mu: np.ndarray | float, sd: float = 0.9) -> np.ndarray:
        return np.clip(np.round(mu + rng.normal(0, sd, n), 1), 0, 10)

    out = pd.DataFrame({
        "assessment_id": [f"S{i + 1:07d}" for i in range(n)],
        "customer_id": c["customer_id"].to_numpy(),
        "assessed_on": pd.to_datetime(START) + pd.to_timedelta(day, unit="D"),
        "product_value": score(6.8 + 0.6 * premium),
        "service_value": score(6.4 + (qd - 78) / 7 - 0.6 * heavy + 0.8 * key),
        "personnel_value": score(6.5 + 0.9 * key),
        "image_value": score(6.2 + 0.5 * premium),
        "money_cost": score(6.0 - 1.8 * hunter - 0.5 * key),
        "time_cost": score(3.4 + 1.6 * heavy - (qd - 78) / 12),
        "energy_cost": score(3.0 + 1.2 * heavy),
        "psychic_cost": score(2.6 + 1.4 * heavy + np.clip(72 - qd, 0, None) / 4),
    })
    expect = 7.0 + 0.9 * premium
    out["expectation_material"] = score(expect, 0.6)
    out["perception_material"] = score(out["product_value"] * 0.9 + 0.6, 0.6)
    out["expectation_spiritual"] = score(expect - 0.2, 0.6)
    out["perception_spiritual"] = score(out["service_value"] * 0.8 + 1.2 - 0.5 * heavy, 0.7)
    has_social = rng.random(n) < 0.55
    out["expectation_social"] = np.where(has_social, score(6.2 + 0.4 * c["is_ent"].to_numpy(), 0.7), np.nan)
    out["perception_social"] = np.where(has_social, score(out["image_value"] * 0.9 + 0.5, 0.8), np.nan)
    return out.sort_values(["assessed_on", "customer_id"], kind="stable", ignore_index=True).assign(
        assessment_id=lambda d: [f"S{i + 1:07d}" for i in range(len(d))]
    )
