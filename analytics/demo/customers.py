"""Demo customers (names, traits, referrals) and the sales pipeline, drawn with NumPy (part of
:mod:`analytics.demo`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.demo.business import (
    DAYS,
    END,
    HEAVY_ENT,
    HEAVY_FREQ,
    HEAVY_IND,
    HEAVY_KEY,
    HEAVY_TICKET,
    HUNTER_KEY,
    HUNTER_ONLINE,
    HUNTER_OTHER,
    INDUSTRIES,
    MONTH_DAYS,
    REGION_WEIGHTS,
    REGIONS,
    SEGMENTS,
    START,
)

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文辉鹏玲浩宇欣怡晨思雨子轩梓涵一诺佳琪俊杰嘉怡博文雅婷天佑志强晓东丹红亮")
_EN_FIRST = ("Emily", "David", "Grace", "Kevin", "Linda", "Jason", "Vivian", "Eric", "Sophie", "Leo", "Iris",
             "Daniel", "Cindy", "Frank", "Helen", "Tony", "Amy", "Peter", "Joyce", "Henry")
_EN_LAST = ("Chen", "Wang", "Li", "Zhang", "Liu", "Lin", "Huang", "Wu", "Zhou", "Xu", "Sun", "Ma", "Ho", "Lee")
_CITY = {"North": "北京 天津 石家庄 太原 呼和浩特", "East": "上海 杭州 苏州 南京 宁波 合肥",
         "South": "广州 深圳 厦门 南宁 海口 东莞", "Central": "武汉 长沙 郑州 南昌", "West": "成都 重庆 西安 昆明 兰州"}
_CORE = ["恒通", "宏达", "瑞丰", "天成", "博远", "嘉禾", "中联", "汇鑫", "永泰", "华信", "锦程", "新元", "同创", "鼎盛", "众合", "润泽", "启航", "云帆", "金桥", "立信"]
_IND_ZH = {"Manufacturing": "精密制造", "Retail": "商贸", "Finance": "投资管理", "Logistics": "物流",
           "Healthcare": "医疗器械", "Education": "教育科技", "IT services": "信息技术"}
_EN_CORE = ("Northwind", "Bluewater", "Silverline", "Goldenbridge", "Redwood", "Eastgate", "Brightpath",
            "Summit", "Harbor", "Evergreen", "Pioneer", "Skyline")
_IND_EN = {"Manufacturing": "Manufacturing", "Retail": "Trading", "Finance": "Capital", "Logistics": "Logistics",
           "Healthcare": "Medical", "Education": "Learning", "IT services": "Technologies"}


def draw_choice(rng: np.random.Generator, options: np.ndarray, n: int, p: np.ndarray | None = None) -> np.ndarray:
    """``n`` draws from ``options`` (with probabilities ``p``; uniform when None)."""
    return options[rng.choice(len(options), size=n, p=p)]


def _names(rng: np.random.Generator, ctype: np.ndarray, region: np.ndarray, industry: np.ndarray) -> np.ndarray:
    n = len(ctype)
    out = np.empty(n, dtype=object)
    sur = draw_choice(rng, np.array(_SURNAMES), n)
    g1, g2 = draw_choice(rng, np.array(_GIVEN), n), draw_choice(rng, np.array(_GIVEN), n)
    two = rng.random(n) < 0.6
    english = rng.random(n) < 0.15
    first, last = draw_choice(rng, np.array(_EN_FIRST), n), draw_choice(rng, np.array(_EN_LAST), n)
    core, en_core = draw_choice(rng, np.array(_CORE), n), draw_choice(rng, np.array(_EN_CORE), n)
    city_u = rng.random(n)
    for i in range(n):  # string assembly only; all randomness was drawn above in vectorised calls
        if ctype[i] == "individual":
            out[i] = f"{first[i]} {last[i]}" if english[i] else sur[i] + g1[i] + (g2[i] if two[i] else "")
        elif english[i]:
            out[i] = f"{en_core[i]} {_IND_EN[industry[i]]} Co., Ltd."
        else:
            cities = _CITY[region[i]].split()
            out[i] = f"{cities[int(city_u[i] * len(cities))]}{core[i]}{_IND_ZH[industry[i]]}有限公司"
    return out


def draw_customers(rng: np.random.Generator, n: int, n_tx: int) -> pd.DataFrame:
    """``n`` customers with their traits, the purchase rates that make about ``n_tx`` transactions."""
    seg_names = np.array([s[0] for s in SEGMENTS])
    seg_type = np.array([s[1] for s in SEGMENTS])
    share = np.array([s[2] for s in SEGMENTS])
    is_ent = rng.random(n) < 0.30
    p_ent = np.where(seg_type == "enterprise", share, 0.0)
    p_ind = np.where(seg_type == "individual", share, 0.0)
    seg_idx = np.where(is_ent, rng.choice(len(SEGMENTS), n, p=p_ent / p_ent.sum()),
                       rng.choice(len(SEGMENTS), n, p=p_ind / p_ind.sum()))
    segment = seg_names[seg_idx]
    ctype = seg_type[seg_idx]
    region = draw_choice(rng, np.array(REGIONS), n, np.array(REGION_WEIGHTS))
    industry = np.where(is_ent, draw_choice(rng, np.array(INDUSTRIES), n), None)
    channel = np.where(
        is_ent,
        draw_choice(rng, np.array(["Direct sales", "Partner", "Online"]), n, np.array([0.55, 0.35, 0.10])),
        draw_choice(rng, np.array(["Online", "Retail store", "Partner"]), n, np.array([0.50, 0.38, 0.12])),
    )
    plan = np.where(
        is_ent,
        draw_choice(rng, np.array(["Annual contract", "Postpaid"]), n, np.array([0.6, 0.4])),
        draw_choice(rng, np.array(["Prepaid", "Postpaid"]), n, np.array([0.55, 0.45])),
    )
    # Acquisition: a third were customers before the window; the rest arrive at a growing pace.
    before = rng.random(n) < 0.33
    acq_day = np.where(before, -rng.integers(30, 1800, n), (np.sqrt(rng.random(n)) * (DAYS - 20)).astype(int))
    order = np.argsort(acq_day, kind="stable")  # ids in order of acquisition, like a real CRM
    cols = [segment, ctype, region, industry, channel, plan, acq_day, seg_idx]
    segment, ctype, region, industry, channel, plan, acq_day, seg_idx = (c[order] for c in cols)
    is_ent = ctype == "enterprise"

    # Behaviour: heterogeneous purchase rates and spend, lifetimes, cost-to-serve traits.
    heavy = rng.random(n) < np.where(segment == "Key account", HEAVY_KEY, np.where(is_ent, HEAVY_ENT, HEAVY_IND))
    hunter = rng.random(n) < np.where(segment == "Key account", HUNTER_KEY,
                                      np.where(channel == "Online", HUNTER_ONLINE, HUNTER_OTHER))
    # Heavy users buy in many small orders (Kaplan's unprofitable pattern): more often, less each time.
    rate = np.array([s[3] for s in SEGMENTS])[seg_idx] * rng.gamma(2.0, 0.5, n) * np.where(heavy, HEAVY_FREQ, 1.0)
    ticket = (np.array([s[4] for s in SEGMENTS])[seg_idx] * rng.lognormal(0.0, 0.45, n)
              * np.where(heavy, HEAVY_TICKET, 1.0))
    lifetime = rng.exponential(np.array([s[5] for s in SEGMENTS])[seg_idx] * MONTH_DAYS)
    # Active span inside the window, in days from START.
    first = np.maximum(acq_day, 0)
    last = np.minimum(acq_day + lifetime, DAYS - 1)
    alive_span = np.maximum(last - first, 0.0)
    # Dormant spells: 14 % pause 5–14 months. A pause that ends before the customer's lifetime
    # does is a reactivation; one that runs past it leaves the customer dormant (then lost).
    dormant = (rng.random(n) < 0.14) & (alive_span > 200)
    gap_start = np.floor(first + rng.random(n) * alive_span * 0.7)
    gap_len = np.where(dormant, np.floor(rng.uniform(150, 430, n)), 0.0)
    runs_out = dormant & (gap_start + gap_len >= last)
    last = np.where(runs_out, gap_start, last)
    gap_len = np.where(runs_out, 0.0, gap_len)
    alive_span = np.maximum(last - first, 0.0)
    active_days = np.maximum(alive_span - gap_len, 0.0)
    # Scale purchase rates so the expected total matches the requested number of transactions.
    expected = rate * active_days / MONTH_DAYS
    scale = n_tx / max(expected.sum(), 1.0)
    count = rng.poisson(expected * scale)
    has_history = (count > 0) | (acq_day >= 0)
    count = np.where((count == 0) & (acq_day >= 0), 1, count)  # new customers made a first purchase
    ids = np.array([f"C{i + 1:06d}" for i in range(n)], dtype=object)
    # Referrals: 18 % of customers acquired in the window were referred by an earlier customer,
    # more often by a big or happy one (earlier index, weighted towards the top of the list).
    referred = (acq_day >= 0) & (rng.random(n) < 0.18) & (np.arange(n) > 10)
    ref_idx = (np.arange(n) * rng.random(n) ** 1.6).astype(int)
    referred_by = np.where(referred, ids[ref_idx], None)
    acq_cost = np.where(is_ent, np.where(segment == "Key account", 32000.0, 3500.0), 260.0) * rng.lognormal(0, 0.35, n)
    acq_cost = np.where(referred, acq_cost * 0.55, acq_cost)
    names = _names(rng, ctype, region, industry)
    return pd.DataFrame({
        "idx": np.arange(n, dtype=np.int64),
        "customer_id": ids,
        "name": names,
        "customer_type": ctype,
        "segment": segment,
        "region": region,
        "industry": industry,
        "channel": channel,
        "plan": plan,
        "acquired_on": pd.to_datetime(START) + pd.to_timedelta(acq_day, unit="D"),
        "acquisition_cost": acq_cost,
        "referred_by": referred_by,
        "is_ent": is_ent,
        "key": segment == "Key account",
        "heavy": heavy,
        "hunter": hunter,
        "first_day": first.astype(np.int64),
        "new_in_window": acq_day >= 0,
        "active_days": np.maximum(active_days, 1.0),
        "gap_start": gap_start.astype(np.int64),
        "gap_len": gap_len.astype(np.int64),
        "dormant": dormant,
        "n_tx": np.where(has_history, count, 0).astype(np.int64),
        "ticket": ticket,
        "months_active": np.maximum(active_days, 1.0) / MONTH_DAYS,
        "postpaid": plan != "Prepaid",
        "lifetime_end": last.astype(np.int64),
    })


def draw_opportunities(rng: np.random.Generator, cust: pd.DataFrame) -> pd.DataFrame:
    """The sales pipeline: won deals behind enterprise acquisitions, lost deals, open prospects."""
    won = cust[(cust["is_ent"]) & (cust["acquired_on"] >= pd.Timestamp(START))]
    n_w = len(won)
    created = won["acquired_on"] - pd.to_timedelta(rng.integers(20, 120, n_w), unit="D")
    won_df = pd.DataFrame({
        "customer_id": won["customer_id"].to_numpy(), "prospect_name": won["name"].to_numpy(),
        "stage": "won", "created_on": created.to_numpy(), "closed_on": won["acquired_on"].to_numpy(),
        "amount": np.round(won["ticket"].to_numpy() * 12 * rng.uniform(0.6, 1.4, n_w), -2),
        "region": won["region"].to_numpy(), "channel": won["channel"].to_numpy(),
    })
    n_l = int(n_w * 1.4) + 1
    lost_created = pd.to_datetime(START) + pd.to_timedelta(rng.integers(-60, DAYS - 60, n_l), unit="D")
    core, inds = np.array(_CORE), np.array(list(_IND_ZH.values()))
    names = [f"{a}{b}有限公司" for a, b in zip(draw_choice(rng, core, n_l), draw_choice(rng, inds, n_l), strict=True)]
    lost_df = pd.DataFrame({
        "customer_id": None, "prospect_name": names, "stage": "lost", "created_on": lost_created,
        "closed_on": lost_created + pd.to_timedelta(rng.integers(15, 150, n_l), unit="D"),
        "amount": np.round(rng.lognormal(np.log(60000), 0.8, n_l), -2),
        "region": draw_choice(rng, np.array(REGIONS), n_l), "channel": draw_choice(rng, np.array(["Direct sales", "Partner"]), n_l),
    })
    # Open pipeline at the end of the window: targets, prospects and qualified opportunities.
    n_o = max(int(len(cust) * 0.06), 3)
    stage = draw_choice(rng, np.array(["target", "prospect", "opportunity"]), n_o, np.array([0.45, 0.33, 0.22]))
    open_created = pd.to_datetime(END) - pd.to_timedelta(rng.integers(0, 200, n_o), unit="D")
    open_names = [f"{a}{b}有限公司" for a, b in zip(draw_choice(rng, core, n_o), draw_choice(rng, inds, n_o), strict=True)]
    open_df = pd.DataFrame({
        "customer_id": None, "prospect_name": open_names, "stage": stage, "created_on": open_created,
        "closed_on": pd.NaT, "amount": np.round(rng.lognormal(np.log(50000), 0.9, n_o), -2),
        "region": draw_choice(rng, np.array(REGIONS), n_o), "channel": draw_choice(rng, np.array(["Direct sales", "Partner"]), n_o),
    })
    # Upsell opportunities with existing customers.
    existing = cust[cust["is_ent"] & (cust["n_tx"] > 0)]
    ups = existing.sample(n=min(len(existing), max(n_o // 2, 1)), random_state=int(rng.integers(1 << 31)))
    up_df = pd.DataFrame({
        "customer_id": ups["customer_id"].to_numpy(), "prospect_name": ups["name"].to_numpy(),
        "stage": "opportunity",
        "created_on": pd.to_datetime(END) - pd.to_timedelta(rng.integers(0, 120, len(ups)), unit="D"),
        "closed_on": pd.NaT, "amount": np.round(ups["ticket"].to_numpy() * 6, -2),
        "region": ups["region"].to_numpy(), "channel": ups["channel"].to_numpy(),
    })
    out = pd.concat([won_df, lost_df, open_df, up_df], ignore_index=True)
    out["created_on"] = pd.to_datetime(out["created_on"]).clip(upper=pd.Timestamp(END))
    out["closed_on"] = pd.to_datetime(out["closed_on"]).clip(upper=pd.Timestamp(END))
    out = out.sort_values(["created_on", "prospect_name"], kind="stable", ignore_index=True)
    out.insert(0, "opportunity_id", [f"O{i + 1:06d}" for i in range(len(out))])
    return out[["opportunity_id", "customer_id", "prospect_name", "stage", "created_on", "closed_on",
                "amount", "region", "channel"]]
