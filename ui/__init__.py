"""Streamlit glue: the cached connection and results, the sidebar, shared page components.

Pages import from here and from :mod:`analytics`, :mod:`charts`, :mod:`i18n`; nothing here
computes figures.
"""
