"""``python -m bench.alerts``: do the word-of-mouth alerts hold on autocorrelated series? (issue 17)

Simulations, outside the test run (``tests/analytics/word_of_mouth/test_wom_alerts_sim.py`` runs a
small version of each):

* **false alarms**: weekly series with a linear trend and AR(1) noise (week-to-week correlation ρ)
  and no change at all; the share in which :func:`analytics.word_of_mouth.turning.detect_breaks`
  finds any turning point, against its nominal level α = 1 %;
* **dating**: a gradual turn (the slope changes at a known week, no jump) planted in such noise;
  the median distance in weeks between the first break found and the planted week, over the series
  where one was found;
* **the dating floor** (``--oracle``, :func:`dating_floor`): the same turns dated by oracles that know
  the true ρ and σ — one also the level and both slopes, so only the date is unknown; one with the line
  fitted at each date — by the exact GLS likelihood of the date (its maximum and its posterior median
  under a flat prior), against ours on the very same series;
* **power**: the share of series with a planted level shift, or slope change, where a break is found;
* **band coverage**: rolling-origin backtests of :func:`analytics.word_of_mouth.trend.fit_trend`'s
  forecast bands (the share of held-out values inside the band, against its stated level) on
  simulated weekly counts and NPS, and on the demo store's weekly and monthly series.

Prints a Markdown table; ``--json FILE`` writes every figure. The defaults take about a quarter of
an hour on two cores, most of it the ETS fits of the band backtests (``--band-reps``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.word_of_mouth import trend as wom_trend
from analytics.word_of_mouth import turning as wom_turning

RHOS = (0.0, 0.3, 0.5, 0.7)
LENGTHS = (52, 104)
SEED = 17
KINKS = (0.25, 0.5)  # gradual turns: slope change in standard deviations a week (0.25: 2 σ above the old trend 8 weeks on)
LEVELS = (2.0, 4.0)  # real breaks: level shifts in standard deviations
BAND_REPS = 12


def ar1_noise(rng: np.random.Generator, n: int, rho: float, reps: int) -> np.ndarray:
    """``reps`` stationary AR(1) series of length n (rows) with unit marginal variance."""
    e = rng.standard_normal((reps, n)) * math.sqrt(1 - rho * rho)
    x = np.empty_like(e)
    x[:, 0] = rng.standard_normal(reps)
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + e[:, t]
    return x


def _base(n: int) -> np.ndarray:
    """A level and a mild trend (the test must not depend on them)."""
    return 10.0 + 0.02 * np.arange(n)


def false_alarm_rate(n: int, rho: float, reps: int, seed: int = SEED) -> float:
    """Share of no-change series (trend + AR(1) noise) in which any turning point is found."""
    x = ar1_noise(np.random.default_rng([seed, n, round(rho * 100), 1]), n, rho, reps)
    return float(np.mean([bool(wom_turning.detect_breaks(_base(n) + y)) for y in x]))


@dataclass(frozen=True)
class Planted:
    """Power and dating on series with one planted change (``kind``: ``"kink"`` or ``"level"``)."""

    power: float
    median_error: float | None  # weeks between the nearest break found and the planted week (detected series)
    within_2: float | None  # share of detected series dated within 2 weeks
    median_lag: float | None = None  # signed: found − planted week of that break (> 0: late)


def planted(n: int, rho: float, reps: int, kind: str, size: float, seed: int = SEED) -> Planted:
    """A change at week n // 2: ``kink`` = slope change of ``size`` marginal standard deviations a
    week, ``level`` = a shift of ``size`` standard deviations."""
    k0 = n // 2
    t = np.arange(n)
    signal = size * (np.clip(t - k0, 0, None) if kind == "kink" else (t >= k0).astype(float))
    x = ar1_noise(np.random.default_rng([seed, n, round(rho * 100), 2 if kind == "kink" else 3]), n, rho, reps)
    lags = []
    for y in x:
        found = wom_turning.detect_breaks(_base(n) + signal + y)
        if found:
            lags.append(min((b.index - k0 for b in found), key=abs))
    if not lags:
        return Planted(0.0, None, None)
    lag = np.asarray(lags, dtype=float)
    err = np.abs(lag)
    return Planted(len(err) / reps, float(np.median(err)), float(np.mean(err <= 2)), float(np.median(lag)))


# ------------------------------------------------------------------------ dating: how well can it be done?
def _whiten(x: np.ndarray, rho: float) -> np.ndarray:
    """Rows of ``x`` (… × n) with AR(1) errors of coefficient ``rho`` and unit marginal variance made i.i.d.
    with unit variance (Prais–Winsten, scaled by the innovations' standard deviation √(1 − ρ²))."""
    s = math.sqrt(1.0 - rho * rho)
    z = np.empty_like(x, dtype=float)
    z[..., 0] = x[..., 0]
    z[..., 1:] = (x[..., 1:] - rho * x[..., :-1]) / s
    return z


def _date_estimates(ll: np.ndarray, ks: np.ndarray) -> tuple[int, int]:
    """(maximum-likelihood date, posterior median under a flat prior) from log-likelihoods over ``ks``."""
    w = np.exp(ll - ll.max())
    cdf = np.cumsum(w) / w.sum()
    return int(ks[int(np.argmax(ll))]), int(ks[int(np.searchsorted(cdf, 0.5))])


def oracle_dates(y: np.ndarray, rho: float, size: float, base: np.ndarray, ks: np.ndarray) -> dict[str, int]:
    """Dates of a planted kink in ``y`` by two oracles, each the exact GLS likelihood of the date over the
    candidates ``ks`` (AR(1) errors with the true ``rho`` and unit marginal variance):

    * ``oracle_mle`` / ``oracle_median``: knows everything but the date — the level and slope before
      (``base``) and the slope change ``size``: the likelihood's maximum and the posterior median;
    * ``known_rho_mle`` / ``known_rho_median``: knows ρ and σ, not the line — level, slope and slope
      change are fitted at each date (GLS profile likelihood; the posterior median integrates them out
      under a flat prior, which adds −½ log det of the whitened design's cross-product)."""
    n = len(y)
    t = np.arange(n, dtype=float)
    ramp = np.clip(t[None, :] - ks[:, None], 0, None)  # K × n: the slope change from each candidate on
    full = _whiten(y[None, :] - base[None, :] - size * ramp, rho)
    mle, med = _date_estimates(-0.5 * (full ** 2).sum(axis=1), ks)
    yw = _whiten(y, rho)
    xw = _whiten(np.stack([np.broadcast_to(np.ones(n), ramp.shape), np.broadcast_to(t, ramp.shape), ramp], axis=1), rho)
    xtx = np.einsum("kin,kjn->kij", xw, xw)  # K × 3 × 3
    xty = np.einsum("kin,n->ki", xw, yw)
    beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
    rss = float(yw @ yw) - np.einsum("ki,ki->k", beta, xty)
    profile = -0.5 * rss
    p_mle, _ = _date_estimates(profile, ks)
    _, p_med = _date_estimates(profile - 0.5 * np.linalg.slogdet(xtx)[1], ks)
    return {"oracle_mle": mle, "oracle_median": med, "known_rho_mle": p_mle, "known_rho_median": p_med}


ORACLES = ("oracle_mle", "oracle_median", "known_rho_mle", "known_rho_median")


def dating_floor(n: int, rho: float, reps: int, size: float, seed: int = SEED) -> dict[str, dict[str, float | None]]:
    """Our dating against the oracles of :func:`oracle_dates` on the very series of :func:`planted`
    (same seeds): per dater the median error in weeks and the share within 2 weeks, over the series
    where our test found a break (``ours``, and each oracle on those series) and over all series
    (``<oracle> (all)``). The oracles date over our test's candidate dates (each side ≥ 15 % and ≥ 6 weeks)."""
    k0 = n // 2
    t = np.arange(n)
    signal = size * np.clip(t - k0, 0, None)
    x = ar1_noise(np.random.default_rng([seed, n, round(rho * 100), 2]), n, rho, reps)
    h = wom_turning._min_segment(n, wom_turning.BREAK_MIN_SEGMENT, wom_turning.BREAK_TRIM)
    ks = np.arange(h, n - h + 1)
    errors: dict[str, list[int]] = {"ours": [], **{o: [] for o in ORACLES}, **{f"{o} (all)": [] for o in ORACLES}}
    lags: list[int] = []
    for noise in x:
        y = _base(n) + signal + noise
        dates = oracle_dates(y, rho, size, _base(n), ks)
        for o in ORACLES:
            errors[f"{o} (all)"].append(abs(dates[o] - k0))
        found = wom_turning.detect_breaks(y)
        if found:
            lag = min((b.index - k0 for b in found), key=abs)
            lags.append(lag)
            errors["ours"].append(abs(lag))
            for o in ORACLES:
                errors[o].append(abs(dates[o] - k0))
    out: dict[str, dict[str, float | None]] = {}
    for name, e in errors.items():
        a = np.asarray(e, dtype=float)
        out[name] = {"series": len(a), "median_error": float(np.median(a)) if len(a) else None,
                     "within_2": float(np.mean(a <= 2)) if len(a) else None}
    out["ours"]["median_lag"] = float(np.median(lags)) if lags else None  # signed: > 0 late
    return out


def floor_table(rows: list[dict[str, object]], reps: int, seed: int) -> str:
    """The oracle comparison as Markdown: median error in weeks · share within 2 weeks, per dater."""
    head = ["ours", *ORACLES]
    lines = [f"Dating a gradual turn: {reps} series per row, seed {seed} (the seeds of the table above); "
             "median error in weeks (ours: signed median lag) · share within 2 weeks, over the series where our "
             "test found a break (in brackets: the oracle over all series).", "",
             "| weeks | ρ | turn (σ/week) | found | " + " | ".join(head) + " |",
             "|---:|---:|---:|---:|" + "---|" * len(head)]
    for r in rows:
        d = r["dating"]  # type: ignore[index]
        cells = [str(r["n"]), f"{r['rho']:.1f}", f"{r['size']:g}", f"{d['ours']['series']}/{reps}"]  # type: ignore[index]
        for name in head:
            v = d[name]  # type: ignore[index]
            cell = "–" if v["median_error"] is None else f"{v['median_error']:g} · {_pct(v['within_2'])}"
            if name == "ours" and v.get("median_lag") is not None:
                cell = f"{v['median_error']:g} ({v['median_lag']:+g}) · {_pct(v['within_2'])}"
            elif name != "ours":
                a = d[f"{name} (all)"]  # type: ignore[index]
                cell += f" ({a['median_error']:g} · {_pct(a['within_2'])})"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------ forecast bands
def band_coverage(values: pd.Series | np.ndarray, granularity: str, name: str, origins: list[int],
                  level: float = wom_trend.FORECAST_LEVEL,
                  sampling: pd.Series | np.ndarray | None = None) -> tuple[float | None, int]:
    """Share of held-out values inside the forecast band, over rolling origins (each origin: fit on
    the values before it, compare the next horizon). ``sampling``: each value's sampling variance
    (NPS: :func:`analytics.word_of_mouth.trend.nps_sampling_variance`), passed to the fit as the
    app does. Returns (coverage, values compared)."""
    v = np.asarray(values, dtype=float)
    sv = None if sampling is None else np.asarray(sampling, dtype=float)
    freq = {"week": "7D", "month": "MS", "day": "D"}[granularity]
    periods = pd.date_range("2020-01-06", periods=len(v), freq=freq)
    inside = total = 0
    for o in origins:
        hist = pd.DataFrame({"period": periods[:o], "value": v[:o]})
        if sv is not None:
            hist["sampling_var"] = sv[:o]
        fit = wom_trend.fit_trend(hist, granularity, name, level=level)
        if fit.forecast_status != "ok":
            continue
        actual = v[o:o + fit.horizon]
        fc = fit.forecast.iloc[:len(actual)]
        ok = ~np.isnan(actual)
        inside += int(((actual >= fc["lower"].to_numpy()) & (actual <= fc["upper"].to_numpy()))[ok].sum())
        total += int(ok.sum())
    return (inside / total if total else None), total


def simulated_counts(rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    """Weekly counts: Poisson around a level that wanders (AR(1) on the log scale) with a trend."""
    log_level = math.log(30) + 0.004 * np.arange(n) + 0.25 * ar1_noise(rng, n, rho, 1)[0]
    return rng.poisson(np.exp(log_level)).astype(float)


def simulated_nps(rng: np.random.Generator, n: int, rho: float,
                  answers: int | np.ndarray = 60) -> tuple[np.ndarray, np.ndarray]:
    """Weekly NPS from ``answers`` answers a week (a number or one per week) around a true score
    that wanders (AR(1), ±6 points): (NPS, its sampling variance as the app computes it)."""
    true = np.clip(15 + 6 * ar1_noise(rng, n, rho, 1)[0], -90, 90)
    p_prom, p_det = np.clip(0.45 + true / 200, 0, 1), np.clip(0.45 - true / 200, 0, 1)
    m = np.broadcast_to(np.asarray(answers, dtype=int), (n,))
    counts = np.array([rng.multinomial(k, [a, 1 - a - b, b]) for k, a, b in zip(m, p_prom, p_det, strict=True)])
    nps = 100.0 * (counts[:, 0] - counts[:, 2]) / m
    return nps, wom_trend.nps_sampling_variance(counts[:, 0], counts[:, 2], m)


def simulated_coverage(kind: str, rho: float, reps: int, n: int = 104, seed: int = SEED) -> tuple[float | None, int]:
    """Band coverage over ``reps`` simulated weekly series, origins every 8 weeks from week 52."""
    rng = np.random.default_rng([seed, round(rho * 100), 4 if kind == "counts" else 5])
    inside = total = 0.0
    for _ in range(reps):
        v, sv = (simulated_counts(rng, n, rho), None) if kind == "counts" else simulated_nps(rng, n, rho)
        cov, m = band_coverage(v, "week", "complaints" if kind == "counts" else "nps", list(range(52, n - 7, 8)),
                               sampling=sv)
        if cov is not None:
            inside += cov * m
            total += m
    return (inside / total if total else None), int(total)


def store_coverage(cur: object, only: set[str] | None = None) -> dict[str, tuple[float | None, int]]:
    """Band coverage on a store's weekly and monthly complaints, praise and NPS (every customer):
    origins every 4 weeks from week 52 and every month from month 12, each horizon compared.
    ``only``: the keys to backtest (``"demo week complaints"``, …); default all six."""
    from analytics.filters import Filters
    from analytics.word_of_mouth import data as wom_data

    out: dict[str, tuple[float | None, int]] = {}
    for gran, step, first in (("week", 4, 52), ("month", 1, 12)):
        s = wom_data.series(cur, Filters(), gran)
        s = s.loc[~s["partial"]].reset_index(drop=True)
        nps_var = wom_trend.nps_sampling_variance(s["promoters"], s["detractors"], s["responses"])
        for name in ("complaints", "praise", "nps"):
            if only is not None and f"demo {gran} {name}" not in only:
                continue
            out[f"demo {gran} {name}"] = band_coverage(s[name], gran, name, list(range(first, len(s) - 1, step)),
                                                       sampling=nps_var if name == "nps" else None)
    return out


def demo_coverage(seed: int = 7) -> dict[str, tuple[float | None, int]]:
    """Band coverage on the demo business's series (generated in memory at the default size)."""
    import tempfile
    from pathlib import Path

    from analytics import demo
    from analytics.store import db

    with tempfile.TemporaryDirectory() as tmp:
        con = db.connect(Path(tmp) / "demo.duckdb")
        try:
            demo.generate(con, seed=seed)
            with db.cursor(con) as cur:
                return store_coverage(cur)
        finally:
            con.close()


# ------------------------------------------------------------------------------- the run
def run(reps: int = 1000, seed: int = SEED, demo: bool = True, lengths: tuple[int, ...] = LENGTHS,
        rhos: tuple[float, ...] = RHOS, band_reps: int = BAND_REPS) -> dict[str, object]:
    """Every figure of the table, as a dict (``rows``: one per measure)."""
    rows: list[dict[str, object]] = []
    for n in lengths:
        for rho in rhos:
            t0 = time.perf_counter()
            fa = false_alarm_rate(n, rho, reps, seed)
            row: dict[str, object] = {"n": n, "rho": rho, "false_alarm": fa}
            for size in KINKS:
                kink = planted(n, rho, reps, "kink", size, seed)
                row[f"kink_{size}"] = {"power": kink.power, "median_error": kink.median_error,
                                       "within_2": kink.within_2, "median_lag": kink.median_lag}
            for size in LEVELS:
                level = planted(n, rho, reps, "level", size, seed)
                row[f"level_{size:g}"] = {"power": level.power, "median_error": level.median_error}
            row["seconds"] = time.perf_counter() - t0
            rows.append(row)
            print(f"  n={n} rho={rho}: {row}", file=sys.stderr, flush=True)  # progress: runs are long
    bands: dict[str, tuple[float | None, int]] = {}
    for rho in rhos:
        bands[f"simulated weekly counts, ρ {rho}"] = simulated_coverage("counts", rho, band_reps, seed=seed)
        bands[f"simulated weekly NPS, ρ {rho}"] = simulated_coverage("nps", rho, band_reps, seed=seed)
    if demo:
        bands.update(demo_coverage())
    for k, v in bands.items():
        print(f"  {k}: {v}", file=sys.stderr, flush=True)
    return {"reps": reps, "seed": seed, "alpha": wom_turning.BREAK_ALPHA, "level": wom_trend.FORECAST_LEVEL,
            "rows": rows, "bands": {k: {"coverage": v[0], "values": v[1]} for k, v in bands.items()}}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def table(result: dict[str, object]) -> str:
    """The run as Markdown."""
    lines = [f"Turning points: α = {100 * result['alpha']:.0f} %, {result['reps']} series per row, seed "
             f"{result['seed']}; noise AR(1) with correlation ρ and unit variance; turn = slope change of "
             f"{' or '.join(map(str, KINKS))} standard deviations a week at week n/2 (no jump): found, median "
             "dating error in weeks (median signed lag), share dated within 2 weeks; level = a shift of "
             f"{' or '.join(f'{x:g}' for x in LEVELS)} standard deviations at week n/2.", "",
             "| weeks | ρ | false alarms | " + " | ".join(f"turn {k}: found | error (lag) | ≤ 2 weeks" for k in KINKS)
             + " | " + " | ".join(f"level {x:g} found" for x in LEVELS) + " |",
             "|---:|---:|---:|" + "---:|---:|---:|" * len(KINKS) + "---:|" * len(LEVELS)]
    for r in result["rows"]:  # type: ignore[union-attr]
        cells = [str(r["n"]), f"{r['rho']:.1f}", _pct(r["false_alarm"])]
        for size in KINKS:
            k = r[f"kink_{size}"]
            err = "–" if k["median_error"] is None else f"{k['median_error']:.0f} ({k['median_lag']:+.0f})"
            cells += [_pct(k["power"]), err, _pct(k["within_2"])]
        cells += [_pct(r[f"level_{x:g}"]["power"]) for x in LEVELS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Forecast bands: stated coverage {100 * result['level']:.0f} %.", "",
              "| series | coverage | values compared |", "|---|---:|---:|"]
    for k, v in result["bands"].items():  # type: ignore[union-attr]
        lines.append(f"| {k} | {_pct(v['coverage'])} | {v['values']:,} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bench.alerts [--reps N] [--seed S] [--no-demo] [--json FILE] [--oracle]
    [--lengths 52,104] [--rhos 0,0.3,0.5,0.7]``."""
    ap = argparse.ArgumentParser(prog="python -m bench.alerts", description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000, help="series per simulated row (default 1000)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--band-reps", type=int, default=BAND_REPS,
                    help=f"simulated series per band row, 6 forecast origins each (default {BAND_REPS})")
    ap.add_argument("--no-demo", action="store_true", help="skip the demo store's band backtest")
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    ap.add_argument("--oracle", action="store_true",
                    help="only the dating of gradual turns, ours against oracles that know ρ (and the line): "
                         "how close to the information floor it is (dating_floor)")
    ap.add_argument("--lengths", type=lambda v: tuple(int(x) for x in v.split(",")), default=LENGTHS,
                    help="series lengths in weeks, comma-separated (default 52,104)")
    ap.add_argument("--rhos", type=lambda v: tuple(float(x) for x in v.split(",")), default=RHOS,
                    help="week-to-week correlations, comma-separated (default 0,0.3,0.5,0.7)")
    args = ap.parse_args(argv)
    if args.reps < 10:
        ap.error("--reps must be at least 10")
    t0 = time.perf_counter()
    if args.oracle:
        rows = [{"n": n, "rho": rho, "size": size, "dating": dating_floor(n, rho, args.reps, size, args.seed)}
                for n in args.lengths for rho in args.rhos for size in KINKS]
        print(floor_table(rows, args.reps, args.seed))
        print(f"\n{time.perf_counter() - t0:.0f} s")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump({"reps": args.reps, "seed": args.seed, "rows": rows}, fh, indent=2)
        return 0
    result = run(args.reps, args.seed, demo=not args.no_demo, lengths=args.lengths, rhos=args.rhos,
                 band_reps=args.band_reps)
    print(table(result))
    print(f"\n{time.perf_counter() - t0:.0f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
