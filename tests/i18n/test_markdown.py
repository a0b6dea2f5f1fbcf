"""No value from data or the URL renders as Markdown: :func:`i18n.markdown.escape` and ``Translator.md``
give text that a CommonMark parser (markdown-it-py, with GFM tables and strikethrough) reads as exactly
the original characters, and that Streamlit's own extras (math, emoji, icons, directives, arrows,
logo) leave alone."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from i18n import Translator, catalog
from i18n.markdown import WORD_JOINER, escape, html_text

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
HOSTILE = [
    "[click](https://evil.example)", "![x](http://127.0.0.1:9/x.png)", "<img src=x onerror=alert(1)>", "<b>", "</b>",
    "<script>alert(1)</script>", "$x$", "$$E=mc^2$$", "`code`", "```", "**", "__", "*", "_", "# ", "## h", "\n", "\r\n",
    "\n\n", "    ", "\t", "- ", "+ ", "1. ", "2) ", "> ", "|a|b|\n|-|-|", "~~s~~", "&amp;", "&#x41;", "&", "\\", "\\*",
    ":material/home:", ":streamlit:", ":smile:", ":red[x]", ":help[x]", " -> ", " <- ", " <-> ", " -- ", " >= ", " <= ",
    " ~= ", "https://evil.example", "www.evil.example", "a@b.example", "<https://x.example>", "[a]: http://x",
    "[a]", "===", "---", "***", "{x}", "~", "!", "C-001", "¥1,234.5", "客户", " ", "HTTPS://X.EXAMPLE", "WWW.x.y",
    "mailto:a@b.example", "http:", "//", "www", "@", ".example",
]
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=5)),
             max_size=12).map("".join),
)


def shown(text: str) -> str:
    """What a reader should see: the text on one line, without the invisible word joiners."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).replace(WORD_JOINER, "").strip()


def rendered_text(source: str) -> str:
    """The text of a Markdown source that must be one plain paragraph (anything else fails)."""
    tokens = MD.parse(source)
    if not tokens:
        return ""
    assert [tk.type for tk in tokens] == ["paragraph_open", "inline", "paragraph_close"], tokens
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text"}, [c.type for c in children]
    return "".join(c.content for c in children).replace(WORD_JOINER, "")


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_escaped_text_renders_as_exactly_its_characters(text):
    source = escape(text)
    assert rendered_text(source) == shown(text)
    html_out = MD.render(source)
    for tag in ("<a", "<img", "<em", "<strong", "<code", "<h", "<del", "<table", "<ul", "<ol", "<pre", "<blockquote",
                "<script", "<b>"):
        assert tag not in html_out


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_escaped_text_gives_streamlit_nothing_to_act_on(text):
    source = escape(text)
    # Math: Streamlit loads KaTeX when a `$` remains after escaped `\\`, `\$` and backticks are taken out.
    assert "$" not in re.sub(r"\\[\\$`]", "_", source)
    # Icons are replaced in the raw source; emoji are loaded when a shortcode appears there.
    assert ":material/" not in source and ":streamlit:" not in source
    assert not re.search(r":(?!material/|streamlit:)[A-Za-z0-9_+-][A-Za-z0-9_+-]*:", source)
    assert not re.search(r":[a-zA-Z][\w-]*[\[{]", source)  # no :red[…] or :help[…] directive
    # Arrows and dashes: Streamlit rewrites these in the parsed text; a word joiner keeps them.
    space = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
    parsed = "".join(c.content for tk in MD.parse(source) for c in (tk.children or []))
    for symbol in ("<->", "->", "<-", "--", ">=", "<=", "~="):
        assert not re.search(rf"(^|[{space}]){re.escape(symbol)}([{space}]|$)", parsed)
    # GFM finds bare URLs and e-mail addresses in the parsed text (mdast-util-gfm-autolink-literal's patterns).
    assert not re.search(r"(https?://|www(?=\.))([-.\w]+)", parsed, re.IGNORECASE | re.ASCII)
    assert not re.search(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", parsed, re.ASCII)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_translator_md_escapes_values_and_keeps_the_template(text):
    for lang in ("en", "zh"):
        t = Translator(lang)
        assert rendered_text(t.md("c360.unknown", id=text)) == shown(t("c360.unknown", id=text))
    # The template's own Markdown stays Markdown; the value inside it is text.
    tokens = MD.parse(Translator("en").md("lc.rules.text", new=text, dormant=2, lost=3, react=1, p=text))
    kinds = [c.type for c in tokens[1].children]
    assert "strong_open" in kinds and not {"link_open", "image", "html_inline", "code_inline", "em_open"} & set(kinds)


def test_plurals_still_follow_the_number():
    t = Translator("en")
    assert "1 day ago" in t.md("lc.rules.text", new=1, dormant=2, lost=3, react=1, p="5%")
    assert "2 days" in t.md("lc.rules.text", new=2, dormant=2, lost=3, react=1, p="5%")


def test_examples():
    assert escape("[click](https://evil.example)") == r"\[click\]\(https\:" + WORD_JOINER + r"\/\/evil\.example\)"
    assert escape("a\n\n# b") == r"a \# b"
    assert escape(None) == "None" and escape(12.5) == r"12\.5"
    assert Translator("en").md("c360.unknown", id="**x**") == "There is no customer with id “\\*\\*x\\*\\*”. " \
                                                               "Check the link, or search below."


def test_no_template_holds_an_emoji_shortcode():
    """Escaped values never trigger Streamlit's emoji plugin; a template that did would convert them too."""
    shortcode = re.compile(r":(?!material/|streamlit:)[A-Za-z0-9_+-][A-Za-z0-9_+-]*:")
    assert not [k for k, pair in catalog().items() for s in pair if shortcode.search(s)]


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_html_text_stays_inside_its_element(text):
    source = f'<p class="x">{html_text(text)}</p>'
    tokens = MD.parse(source)
    assert [tk.type for tk in tokens] == ["html_block"]
    assert ":" not in source[len('<p class="x">'):] and "$" not in source
    inner = tokens[0].content.strip()[len('<p class="x">'):-len("</p>")]
    assert html.unescape(inner) == re.sub(r"[ \t\r\n\f\v]+", " ", text)
