"""Chart titles that fit: a title too long for its chart is wrapped onto more lines, never cut at the
chart's edge (Plotly draws a title on one line and clips it; issue 19 saw it at 1366 px).

The chart's width is not known in Python (it fills its column), so a title is measured against the
width a chart of ``1 / columns`` of the page has on a 1366 px laptop with the sidebar open, the
narrowest screen the app is laid out for.
"""

from __future__ import annotations

import re
import unicodedata

import plotly.graph_objects as go

PAGE_PX = 960  # the page's content width at 1366 px with the sidebar open
GAP_PX = 16  # between Streamlit columns
TITLE_PX = 16  # charts.theme.base_layout's title size
LINE_PX = 21  # a title line's height at that size
# A title is plain text with &…; references (charts.text.plain): a wide character or a run of other
# characters that are not spaces, each with the spaces after it, is a piece the title may break after
# (a break replaces spaces, never adds one between characters of a name; a reference has no space).
_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_PIECE = re.compile(rf"[{_WIDE}]\s*|[^\s{_WIDE}]+\s*|\s+")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def text_px(text: str, size: float = TITLE_PX) -> float:
    """About how wide ``text`` is drawn in the app's sans-serif at ``size`` px (bold): a wide (CJK)
    character is a square, the others a little over half of one; a reference counts as its character."""
    text = re.sub(r"&#?\w+;", "x", text)
    return sum(size if _wide(ch) else 0.5 * size for ch in text)


def chart_px(columns: float = 1.0) -> float:
    """The width of a chart in one of ``columns`` equal columns of the page (its plot margins left out)."""
    return (PAGE_PX - GAP_PX * (columns - 1)) / columns - 20


def wrap(text: str, width_px: float, size: float = TITLE_PX) -> list[str]:
    """``text`` (plain, references intact) in the fewest lines that each fit ``width_px``, about
    equally long (no last line of one word); a piece longer than a line stays whole on its own line."""
    total = text_px(text, size)
    if total <= width_px:
        return [text]
    fewest = len(_greedy(text, width_px, size))
    target = total / fewest
    while target < width_px:  # the narrowest lines that still need no more of them: balanced
        lines = _greedy(text, target, size)
        if len(lines) <= fewest:
            return lines
        target += size / 2
    return _greedy(text, width_px, size)


def _greedy(text: str, width_px: float, size: float) -> list[str]:
    """``text`` in lines filled up to ``width_px`` each."""
    lines: list[str] = []
    line = ""
    for piece in _PIECE.findall(text):
        if line and text_px((line + piece).rstrip(), size) > width_px:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines or [text]


def fit(fig: go.Figure, columns: float = 1.0) -> go.Figure:
    """Wrap ``fig``'s title (set by :func:`charts.theme.base_layout`) to the width of a chart in one of
    ``columns`` columns, growing the top margin and the height by a line for each line added."""
    title = fig.layout.title.text
    if not title or "<br>" in title:  # none, or wrapped already (a cached figure drawn again)
        return fig
    lines = wrap(title, chart_px(columns))
    if len(lines) > 1:
        extra = LINE_PX * (len(lines) - 1)
        height = (fig.layout.height or 420) + extra
        # Plotly stacks a title's further lines above its anchor: lower the anchor by as much.
        top = fig.layout.title.y if fig.layout.title.y is not None else 0.98
        fig.update_layout(title_text="<br>".join(lines), title_y=top - extra / height,
                          margin_t=(fig.layout.margin.t or 56) + extra, height=height)
    return fig
