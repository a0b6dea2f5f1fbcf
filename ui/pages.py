"""Page discovery: every ``views/*.py`` declares itself with a literal ``PAGE = {...}`` dict.

    PAGE = {"title": "nav.concentration", "icon": ":material/water:", "order": 20,
            "section": "nav.section.views"}

``title`` and ``section`` are i18n keys; ``order`` sorts pages (the lowest is the default page,
served at the root URL); the URL path is the file name; ``role`` (default ``viewer``) is the least
role that may open the page (:mod:`analytics.users`): the frame hides it from the others' navigation
and refuses its URL to them. Adding a page is adding a file.

The views are read once per process, when this module is first imported, under a lock: on CPython
3.11, ``ast.parse`` running in two threads at once can fail with "SystemError: AST constructor
recursion depth mismatch" (the counter it checks is shared by the interpreter), and the sessions
that open together after a server start each run app.py in a thread of their own.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import threading
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VIEWS = Path(__file__).resolve().parent.parent / "views"


@dataclass(frozen=True)
class PageSpec:
    script: str
    title: str
    icon: str
    order: int
    section: str
    role: str = "viewer"

    @property
    def url_path(self) -> str:
        return Path(self.script).stem


def read_spec(path: Path) -> PageSpec:
    """The ``PAGE`` literal of one view script (never executes the script).

    Only the statement is parsed (from its ``PAGE =`` line to the first line that completes it), not
    the whole script: every app start reads every view before its first page, and compiling them
    all cost more than a second on the 2-core machine (issue 13). A script whose PAGE is not found
    that way is parsed whole."""
    text = path.read_text(encoding="utf-8")
    found = re.search(r"^PAGE\s*=", text, re.MULTILINE)
    source = text
    if found:
        with contextlib.suppress(tokenize.TokenError):
            for tok in tokenize.generate_tokens(io.StringIO(text[found.start():]).readline):
                if tok.type == tokenize.NEWLINE:  # the end of the statement (brackets span lines)
                    source = "".join(text[found.start():].splitlines(keepends=True)[:tok.end[0]])
                    break
    tree = ast.parse(source, filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PAGE" for t in node.targets):
            spec = ast.literal_eval(node.value)
            return PageSpec(script=f"views/{path.name}", title=spec["title"], icon=spec.get("icon", ""),
                            order=int(spec["order"]), section=spec["section"], role=spec.get("role", "viewer"))
    raise ValueError(f"{path} has no PAGE = {{...}} declaration")


_LOCK = threading.Lock()


@cache
def _discover() -> tuple[PageSpec, ...]:
    return tuple(sorted((read_spec(p) for p in VIEWS.glob("*.py")), key=lambda s: (s.order, s.script)))


def discover() -> tuple[PageSpec, ...]:
    """Every view, in page order (read once per process; never by two threads at once)."""
    with _LOCK:
        return _discover()


discover()  # now, at the first import: sessions importing this module wait for it
