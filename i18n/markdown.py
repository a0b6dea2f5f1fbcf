"""Text from data or from the URL inside Markdown: shown as exactly its characters, never as syntax.

Streamlit renders Markdown in titles, captions, alerts, toasts, help texts and widget, tab, expander
and metric labels. A customer named ``[click](https://evil.example)`` would become a link there, an
image would be fetched by every viewer's browser, ``$x$`` would become LaTeX. :func:`escape` makes
any text literal; ``Translator.md`` applies it to the values of a template (the template's own
Markdown, such as bold, is kept). No Streamlit import: plain string work.

How: CommonMark lets a backslash make *every* ASCII punctuation character literal, so all of them
are escaped (links, images, HTML, emphasis, code, headings, lists, tables, strikethrough, math,
``<https://…>`` autolinks, Streamlit's ``:material/…:`` icons and ``:red[…]`` directives). Line
breaks and runs of spaces or tabs become one space (a value is one line; a browser shows them so
anyway). Some rewrites work on the parsed text, after escapes are gone: GFM makes bare
``http://…``, ``https://…``, ``www.…`` and e-mail addresses links; Streamlit turns " -> ", " -- ",
" >= " … into arrows and dashes, and ``:streamlit:`` into its logo. An invisible WORD JOINER
(U+2060) inside each of them (``https:⁠//``, ``www⁠.``, ``@⁠``, before ``->``) keeps the characters
as they are.
"""

from __future__ import annotations

import html
import re

WORD_JOINER = "\u2060"
# Every ASCII punctuation character (CommonMark: each may be backslash-escaped).
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Line breaks and runs of spaces or tabs (four leading spaces would start a code block).
_WHITESPACE = re.compile(r"[ \t\r\n\f\v]+")
# JavaScript's \s, which Streamlit's typographic replacements use to find their boundaries.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_TYPOGRAPHIC = re.compile(rf"(?<![^{_JS_SPACE}])(?=(?:<->|->|<-|--|>=|<=|~=)(?![^{_JS_SPACE}]))")
_LOGO = ":streamlit:"
# Where GFM's autolink literals (found in the parsed text, ASCII and any case) would start a link.
_AUTOLINK = re.compile(r"(?:(?<=http:)|(?<=https:))(?=//)|(?<=www)(?=\.)|(?<=@)(?=[-\w])", re.IGNORECASE | re.ASCII)


def escape(text: object) -> str:
    """``text`` (``str(text)``) as Markdown that Streamlit shows as exactly these characters, on one line."""
    s = _WHITESPACE.sub(" ", str(text))
    s = _TYPOGRAPHIC.sub(WORD_JOINER, s)
    s = _AUTOLINK.sub(WORD_JOINER, s)
    s = s.replace(_LOGO, ":" + WORD_JOINER + _LOGO[1:])
    return _PUNCTUATION.sub(r"\\\1", s)


def html_text(text: object) -> str:
    """``text`` for an HTML element inside ``st.markdown(..., unsafe_allow_html=True)``: HTML-escaped,
    on one line (a blank line would end the HTML block and let Markdown start again), with ``$`` and
    ``:`` as character references (Streamlit looks for math and ``:material/`` in the raw source)."""
    s = html.escape(_WHITESPACE.sub(" ", str(text)))
    return s.replace("$", "&#36;").replace(":", "&#58;")
