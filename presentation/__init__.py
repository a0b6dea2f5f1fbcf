"""Meetings: a story of charts for a projector, and the files handed out afterwards.

Pure Python (no Streamlit): the presentation page (``views/present.py``) and the command line
(``python -m analytics export``) build the same slides and the same files.

* :mod:`presentation.story`      the registry of story steps: (cursor, filters, Translator) -> Slide
* :mod:`presentation.takeaways`  one-line takeaways written from the numbers, in zh or en
* :mod:`presentation.theme`      projector themes (light, dark): a Plotly template each, larger text
* :mod:`presentation.meta`       what every export states: filters, period, data date, last load
* :mod:`presentation.saved`      stories saved under a name (table ``saved_views``)
* :mod:`presentation.plan`       an improvement plan in words (shared with the page) and as two slides
* :mod:`presentation.export`     PNG/SVG (kaleido), CSV/Excel, and the deck and PDF from the two below
* :mod:`presentation.deck`       the PowerPoint deck (python-pptx): title placeholders, full appendix tables
* :mod:`presentation.native`     a slide's Plotly figure as a native, editable PowerPoint chart
* :mod:`presentation.pdf`        the PDF with real, searchable text (fpdf2, Noto CJK embedded)

The ``export`` command is :mod:`cli.commands.export`.
"""
