"""The encoding of a text file, recognised from its first megabyte.

Encodings
    UTF-8 (with or without BOM), GB18030 (a superset of GBK and GB2312), Big5 and UTF-16 are
    recognised from the first megabyte: byte-order marks first, then the NUL pattern of UTF-16,
    then strict UTF-8, then GB18030 against Big5 — both decode most double-byte text, so each
    reading is scored by the share of its characters that fall in the common range of its own
    standard (GB2312's 3,755 level-1 characters and symbols; Big5's 5,401 frequent characters and
    symbols) — text in the other encoding falls outside those ranges about half the time. A short or
    ambiguous sample is reported as not confident, and the page asks the analyst to confirm it
    on the preview. Non-UTF-8 text is transcoded to UTF-8 in a streaming pass (4 MiB chunks)
    before DuckDB reads it; a byte sequence that is invalid in the chosen encoding stops the
    read with its line number.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from analytics.ingest.read.types import IngestError


@dataclass(frozen=True)
class EncodingGuess:
    encoding: str
    confident: bool
    candidates: tuple[str, ...]


def decode_sample(sample: bytes, encoding: str) -> str | None:
    """The sample decoded strictly, tolerating a character cut at the sample's end; None if invalid."""
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and exc.reason.startswith(("unexpected end", "incomplete")):
            try:
                return sample[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        if exc.start >= len(sample) - 4 and encoding in ("gb18030", "big5"):
            try:
                return sample[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:
        return None


def _plausible_share(text: str, standard: str, ranges: tuple[tuple[int, int], ...]) -> float:
    """Share of non-ASCII characters whose code in ``standard`` has a lead byte in ``ranges``."""
    total = hits = 0
    for ch in text:
        if ch < "\x80":
            continue
        total += 1
        try:
            b = ch.encode(standard)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and any(lo <= b[0] <= hi for lo, hi in ranges):
            hits += 1
    return hits / total if total else 0.0


def detect_encoding(sample: bytes) -> EncodingGuess:
    """The encoding of a text sample among :data:`ENCODINGS` (see the module docstring)."""
    if sample.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig", True, ("utf-8-sig",))
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", True, ("utf-16",))
    head = sample[:4096]
    if len(head) >= 4:
        even = head[0::2].count(0) / max(len(head[0::2]), 1)
        odd = head[1::2].count(0) / max(len(head[1::2]), 1)
        if odd > 0.3 and even < 0.05:
            return EncodingGuess("utf-16-le", True, ("utf-16-le",))
        if even > 0.3 and odd < 0.05:
            return EncodingGuess("utf-16-be", True, ("utf-16-be",))
    if b"\x00" in head:
        raise IngestError("binary", "this is not a text file (it contains NUL bytes); upload CSV, Excel (.xlsx) or Parquet")
    text = decode_sample(sample, "utf-8")
    if text is not None:
        return EncodingGuess("utf-8", True, ("utf-8",))
    scores: dict[str, float] = {}
    gb = decode_sample(sample, "gb18030")
    if gb is not None:
        scores["gb18030"] = _plausible_share(gb, "gb2312", ((0xA1, 0xA3), (0xB0, 0xD7)))
    b5 = decode_sample(sample, "big5")
    if b5 is not None:
        scores["big5"] = _plausible_share(b5, "big5", ((0xA1, 0xA3), (0xA4, 0xC6)))
    if not scores:
        raise IngestError("unknown_encoding", "the file's encoding is not UTF-8, GB18030/GBK, Big5 or UTF-16; "
                          "save it as UTF-8 or choose its encoding")
    ranked = sorted(scores, key=lambda e: (-scores[e], e != "gb18030"))
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    confident = scores[best] >= 0.8 and scores[best] - runner_up >= 0.3
    return EncodingGuess(best, confident, tuple(ranked))


def check_encoding(encoding: str) -> str:
    """A codec name Python knows, normalised (``GBK`` → ``gbk``); IngestError otherwise."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise IngestError("bad_encoding_name", f"unknown encoding {encoding!r}", encoding=encoding) from None
