"""Uploaded bytes on disk for the ingest engine, readable by this process only and only while in use.

The ingest engine reads a path (DuckDB streams the file). An upload used to be kept for a day in
a shared ``/tmp/cvm_uploads`` folder that every local user could list and read; now each use
writes it into a fresh private folder (``mkdtemp``: mode 0700, the file 0600) that is removed when
the block ends, on success, error or rerun alike.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "cvm_upload_"


def _suffix(name: str) -> str:
    """The upload's extension if it is a plain one (the engine tells kinds apart by it), else ``.bin``."""
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".bin"


@contextmanager
def private_file(data: bytes, name: str) -> Iterator[Path]:
    """``data`` in a new private temporary folder for the duration of the block; removed afterwards.

    The file is named ``upload`` plus the extension of ``name`` (the user's file name is shown as
    text only, never used as a path).
    """
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    try:
        path = folder / f"upload{_suffix(name)}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
