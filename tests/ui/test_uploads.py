"""Uploaded bytes are on disk only in a private folder, only while the ingest engine reads them."""

from __future__ import annotations

import stat
import tempfile
from pathlib import Path

import pytest

from ui import uploads


@pytest.fixture
def tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_the_file_is_private_and_removed_after_use(tmp_root):
    with uploads.private_file(b"a,b\n1,2\n", "订单 2024.CSV") as path:
        assert path.read_bytes() == b"a,b\n1,2\n"
        assert path.name == "upload.csv" and path.parent.parent == tmp_root
        assert path.parent.name.startswith(uploads.PREFIX)
        assert (_mode(path.parent), _mode(path)) == (0o700, 0o600)  # no other local user can list or read it
    assert list(tmp_root.iterdir()) == []


def test_the_file_is_removed_when_the_load_fails(tmp_root):
    with pytest.raises(ValueError, match="refused"), uploads.private_file(b"x", "a.xlsx"):
        raise ValueError("refused")
    assert list(tmp_root.iterdir()) == []


@pytest.mark.parametrize("name, suffix", [("../../etc/passwd", ".bin"), ("x.tar.gz", ".gz"), ("noext", ".bin"),
                                          ("a.<b>", ".bin"), ("data.PARQUET", ".parquet")])
def test_the_users_file_name_is_never_a_path(tmp_root, name, suffix):
    with uploads.private_file(b"x", name) as path:
        assert path.name == f"upload{suffix}" and path.parent.parent == tmp_root
