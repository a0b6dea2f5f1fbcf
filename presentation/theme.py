"""Projector themes: a Plotly template per theme (light, dark), larger text, colours that carry.

Charts are built once by ``charts/`` in the house style (:mod:`charts.theme`); :func:`projector`
restyles a copy for a big screen or an export: every font size is multiplied, lines and markers
get a little heavier, and on the dark theme the house colours are swapped for lighter variants
of the same hue (dark blue on black does not survive a projector).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from charts import theme as house

THEMES = ("light", "dark")
DEFAULT_SCALE = 1.5  # house fonts are 13 px for a laptop; ~20 px reads from the back of a room


@dataclass(frozen=True)
class Palette:
    """Colours of one projector theme (CSS colour strings)."""

    paper: str
    ink: str
    soft_ink: str
    grid: str
    zero: str
    accent: str
    # House colour -> colour on this theme (hex, lower case); colours not listed stay as they are.
    swap: Mapping[str, str]


PALETTES: dict[str, Palette] = {
    "light": Palette(paper="#ffffff", ink="#111827", soft_ink="#4b5563", grid="#e5e7eb", zero="#9ca3af",
                     accent=house.NEUTRAL, swap={}),
    "dark": Palette(
        paper="#0b1220", ink="#f3f4f6", soft_ink="#cbd5e1", grid="#273449", zero="#64748b", accent="#8ab4f8",
        swap={
            house.NEUTRAL: "#8ab4f8", house.GAIN: "#4ade80", house.LOSS: "#ff6b6b", house.ACCENT: "#ffa366",
            house.INK: "#f3f4f6", house.GRID: "#273449", house.MUTED: "#94a3b8", "#cbd2d9": "#64748b",
            "#984ea3": "#d08ee0", "#e7298a": "#ff6fb5", "#8c6d31": "#d6b25e", "#7f7f7f": "#b0b0b0",
            "#ffffff": "#0b1220", "white": "#0b1220", "black": "#f3f4f6", "#000000": "#f3f4f6",
        },
    ),
}
TEMPLATE_NAMES = {name: f"cvm_projector_{name}" for name in THEMES}


def _template(p: Palette) -> go.layout.Template:
    axis = {"gridcolor": p.grid, "zerolinecolor": p.zero, "linecolor": p.zero, "tickcolor": p.zero,
            "title": {"font": {"color": p.ink}}, "tickfont": {"color": p.ink}, "automargin": True}
    colorway = [p.swap.get(c.lower(), c) for c in house.PALETTE]
    return go.layout.Template(layout={
        "paper_bgcolor": p.paper, "plot_bgcolor": p.paper,
        "font": {"family": house.FONT, "color": p.ink},
        "colorway": colorway,
        "xaxis": axis, "yaxis": axis,
        "legend": {"bgcolor": "rgba(0,0,0,0)", "font": {"color": p.ink}},
        "hoverlabel": {"font": {"family": house.FONT}},
        "annotationdefaults": {"font": {"color": p.ink}},
    })


TEMPLATES: dict[str, go.layout.Template] = {name: _template(PALETTES[name]) for name in THEMES}
for _name, _tpl in TEMPLATES.items():
    pio.templates[TEMPLATE_NAMES[_name]] = _tpl


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; use one of {', '.join(THEMES)}")
    return theme


_RGBA = re.compile(r"^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)$")
_FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont", "titlefont")


def _hex_rgb(color: str) -> tuple[int, int, int] | None:
    c = color.lstrip("#")
    if len(c) != 6:
        return None
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError:
        return None


def _color_swapper(swap: Mapping[str, str]):
    by_rgb = {rgb: target for source, target in swap.items() if (rgb := _hex_rgb(source)) is not None}

    def convert(value: str) -> str:
        key = value.strip().lower()
        if key in swap:
            return swap[key]
        m = _RGBA.match(key)
        if m:
            rgb = tuple(int(x) for x in m.groups()[:3])
            target = by_rgb.get(rgb)
            if target is not None:
                r, g, b = _hex_rgb(target) or rgb
                alpha = float(m.group(4)) if m.group(4) is not None else 1.0
                # Faint fills are faint against a dark paper: make them a little stronger.
                alpha = min(1.0, alpha * 1.6) if alpha < 0.5 else alpha
                return f"rgba({r},{g},{b},{alpha:g})"
        return value

    return convert


def _walk(node: Any, parent: str, scale: float, convert) -> Any:
    """Scale font sizes, line widths and marker sizes, and swap colours, anywhere in a figure dict."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "template":
                continue
            out[key] = _walk(value, key, scale, convert)
        if parent in _FONT_KEYS or parent.endswith("font"):
            size = out.get("size")
            if isinstance(size, (int, float)):
                out["size"] = round(size * scale, 1)
            elif isinstance(size, list):
                out["size"] = [round(s * scale, 1) if isinstance(s, (int, float)) else s for s in size]
        if parent in ("line", "connector") and isinstance(out.get("width"), (int, float)):
            out["width"] = round(out["width"] * math.sqrt(scale), 2)
        if parent == "marker" and isinstance(out.get("size"), (int, float)):
            out["size"] = round(out["size"] * math.sqrt(scale), 1)
        return out
    if isinstance(node, list):
        return [_walk(v, parent, scale, convert) for v in node]
    if isinstance(node, str) and convert is not None and ("color" in parent or parent in ("bgcolor", "fillcolor")):
        return convert(node)
    return node


def projector(fig: go.Figure, theme: str = "light", scale: float = DEFAULT_SCALE, height: int | None = None,
              title: str | None = None, subtitle: str | None = None, vector: bool = False) -> go.Figure:
    """A copy of ``fig`` restyled for a projector or an export.

    Parameters
    ----------
    fig : a figure built by ``charts/`` (house style).
    theme : ``"light"`` or ``"dark"`` (:data:`THEMES`); its Plotly template is
        ``cvm_projector_<theme>`` in ``plotly.io.templates``.
    scale : every font size (and, by its square root, line widths and marker sizes) is multiplied
        by it; the layout's base font becomes ``13 × scale`` px.
    height : figure height in px (None keeps the figure's).
    title, subtitle : replace the figure's title (None removes it; presentation slides show the
        title as page text, exports draw it in the image).
    vector : draw WebGL scatters (``scattergl``) as SVG scatters: for files, where they stay sharp
        at any size and render quickly without a GPU (the browser keeps WebGL).
    """
    check_theme(theme)
    p = PALETTES[theme]
    data = copy.deepcopy(fig.to_plotly_json())
    convert = _color_swapper(p.swap) if p.swap else None
    layout = _walk(data.get("layout", {}), "layout", scale, convert)
    traces = [_walk(tr, "trace", scale, convert) for tr in data.get("data", [])]
    if vector:
        for tr in traces:
            if tr.get("type") == "scattergl":
                tr["type"] = "scatter"
    # Colours set explicitly by charts.theme.base_layout (ink, grid) follow the theme, not the house.
    base = round(13 * scale)
    layout["font"] = {**layout.get("font", {}), "family": house.FONT, "size": base, "color": p.ink}
    layout["paper_bgcolor"] = p.paper
    layout["plot_bgcolor"] = p.paper
    layout["template"] = TEMPLATES[theme]
    for key in [k for k in layout if k.startswith(("xaxis", "yaxis"))]:
        ax = layout[key]
        ax.update(gridcolor=p.grid, linecolor=p.zero, zerolinecolor=p.zero)
        ax["tickfont"] = {**ax.get("tickfont", {}), "color": p.ink}
    margin = dict(layout.get("margin", {}))
    for side in ("l", "r", "b"):
        margin[side] = round(margin.get(side, 10) * scale)
    if title:
        text = f"<b>{title}</b>"
        layout["title"] = {"text": text, "x": 0.0, "xanchor": "left", "xref": "paper", "y": 0.97,
                           "yref": "container", "yanchor": "top", "font": {"size": round(base * 1.45), "color": p.ink}}
        if subtitle:
            layout["title"]["subtitle"] = {"text": subtitle, "font": {"size": round(base * 0.8), "color": p.soft_ink}}
        margin["t"] = round(base * (5.2 + 1.35 * subtitle.count("<br>") if subtitle else 3.2))
    else:
        layout.pop("title", None)
        margin["t"] = round(base * 1.6)
    layout["margin"] = margin
    if height is not None:
        layout["height"] = height
    for ann in layout.get("annotations", []):
        if ann.get("showarrow", True) and "arrowcolor" not in ann:
            ann["arrowcolor"] = p.soft_ink  # Plotly's default arrow (#444) vanishes on a dark paper
    legend = dict(layout.get("legend", {}))
    legend["font"] = {**legend.get("font", {}), "color": p.ink}
    if isinstance(legend.get("y"), (int, float)) and legend["y"] < 0 and legend.get("yref", "paper") == "paper":
        # A legend under the plot sits below the x tick labels and axis title, whose height grows
        # with the font: place it that many pixels down (paper units depend on the plot's height).
        x_title = any(k.startswith("xaxis") and (layout[k].get("title") or {}).get("text") for k in layout)
        below = base * (2.0 + (1.7 if x_title else 0.0)) + 8
        plot_h = max(float(layout.get("height") or fig.layout.height or 450) - margin["t"] - below - 2.5 * base, 120.0)
        legend["y"] = -below / plot_h
    layout["legend"] = legend
    return go.Figure(data=traces, layout=layout)
