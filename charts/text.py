"""Text from data inside Plotly figures: shown as exactly its characters, never as markup or a template.

Plotly renders a subset of HTML in every text it draws (titles, axis titles, tick and category
labels, legend entries, annotations, hover labels, Sankey nodes): ``<a href>`` makes a live link,
``<b>``, ``<i>``, ``<sub>``, ``<sup>``, ``<span style>`` and ``<br>`` format, and the character
references ``&lt;`` ``&gt;`` ``&amp;`` ``&#NN;`` are decoded. It splits a text at ``<…>`` first and
decodes references only in the text between tags, so a value whose ``&``, ``<`` and ``>`` are
references can never become a tag and shows exactly its characters. Hover and text templates also
substitute ``%{…}`` (in one pass: substituted values are not searched again); ``%`` as ``&#37;``
keeps a value written into a template literal from becoming a placeholder. Plotly shows a line
break in a value as a space. Plotly's ``&quot;`` is not a reference it knows, hence no
``html.escape``. No Plotly import: plain string work, shared by the charts and the exports.
"""

from __future__ import annotations

from collections.abc import Iterable

_REFERENCES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "%": "&#37;"})


def plain(text: object) -> str:
    """``text`` (``str(text)``) for any Plotly text or template: drawn as exactly its characters."""
    return str(text).translate(_REFERENCES)


def plain_all(values: Iterable[object]) -> list[str]:
    """:func:`plain` of each value (category labels, legend names, hover texts)."""
    return [plain(v) for v in values]
