"""Projector themes: larger text, a template per theme, colours that carry on a dark screen."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from charts import theme as house
from i18n import Translator
from presentation import theme


def house_figure() -> go.Figure:
    fig = go.Figure(go.Scattergl(x=[1, 2], y=[3, 4], mode="markers", marker={"size": 10, "color": house.NEUTRAL},
                                 line={"width": 2}))
    fig.add_trace(go.Bar(x=[1], y=[2], marker_color=[house.LOSS], textfont={"size": 11}))
    fig.add_annotation(x=1, y=3, text="peak", font={"size": 12, "color": house.ACCENT},
                       bgcolor="rgba(255,255,255,0.85)")
    fig.add_hline(y=1, line={"color": house.INK})
    house.base_layout(fig, "A title", height=400)
    fig.update_layout(legend={"y": -0.18})
    fig.update_xaxes(title="x axis")
    return fig


def test_templates_are_registered():
    for name in theme.THEMES:
        assert theme.TEMPLATE_NAMES[name] in pio.templates
    assert pio.templates["cvm_projector_dark"].layout.paper_bgcolor == theme.PALETTES["dark"].paper
    with pytest.raises(ValueError, match="unknown theme"):
        theme.projector(house_figure(), "neon")


def test_light_scales_text_and_keeps_colours():
    out = theme.projector(house_figure(), "light", scale=1.5, height=600)
    assert out.layout.font.size == round(13 * 1.5) and out.layout.font.family == house.FONT
    assert out.layout.annotations[0].font.size == 18 and out.layout.annotations[0].font.color == house.ACCENT
    assert out.data[1].textfont.size == 16.5
    assert out.data[0].marker.size == pytest.approx(10 * 1.5 ** 0.5, abs=0.1)
    assert out.layout.title.text is None and out.layout.height == 600
    assert out.layout.paper_bgcolor == "#ffffff" and out.layout.template.layout.paper_bgcolor == "#ffffff"
    assert out.data[0].type == "scattergl"  # the browser keeps WebGL
    assert out.layout.legend.y < -0.18  # pushed below the larger tick labels and axis title


def test_dark_swaps_house_colours_and_paper():
    out = theme.projector(house_figure(), "dark")
    dark = theme.PALETTES["dark"]
    assert out.layout.paper_bgcolor == dark.paper and out.layout.plot_bgcolor == dark.paper
    assert out.data[0].marker.color == dark.swap[house.NEUTRAL]
    assert tuple(out.data[1].marker.color) == (dark.swap[house.LOSS],)
    assert out.layout.annotations[0].bgcolor == "rgba(11,18,32,0.85)"
    assert out.layout.shapes[0].line.color == dark.swap[house.INK]
    assert out.layout.xaxis.gridcolor == dark.grid and out.layout.font.color == dark.ink
    assert out.layout.annotations[0].arrowcolor == dark.soft_ink


def test_export_title_subtitle_and_vector_scatter():
    out = theme.projector(house_figure(), "light", title="标题", subtitle="要点<br>筛选", vector=True)
    assert out.layout.title.text == "<b>标题</b>" and out.layout.title.subtitle.text == "要点<br>筛选"
    assert out.data[0].type == "scatter"
    assert out.layout.margin.t > 100  # room for the title and two subtitle lines


def test_real_chart_restyles():
    import pandas as pd

    from charts import overview

    m = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "revenue": [10.0, 12.0],
                      "profit": [2.0, -1.0]})
    out = theme.projector(overview.monthly(m, Translator("zh")), "dark")
    assert out.layout.yaxis.tickfont.color == theme.PALETTES["dark"].ink  # one money axis (charts.overview.monthly)
