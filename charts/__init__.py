"""Plotly figures built from analytics results: one module per view, shared look in :mod:`charts.theme`.

Functions take analytics results and an :class:`i18n.Translator` and return ``go.Figure``;
they never query data and never import Streamlit, so the exporters reuse them as they are.
"""
