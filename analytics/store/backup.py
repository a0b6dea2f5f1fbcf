"""Copies of the store and restoring one: ``python -m analytics backup`` / ``restore`` and the
automatic copy taken before every replace-mode load (:func:`auto_backup`).

A copy is the store's file itself, taken after a ``CHECKPOINT`` (which moves everything the WAL
holds into the file, so the copy is one self-contained file): a sequential file copy, as cheap as
copying is on the disk (``copy_file_range``; a reflink on file systems that support it). It is
consistent when nothing else writes the store during the copy; DuckDB's file lock keeps other
processes out while this one holds the store, and every copy is opened and checked before it is
kept. A restore checks that the file is a store of this program with a schema version it knows,
keeps the current store as ``<store>.before-restore`` and puts the copy in its place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analytics.store import db, schema

BACKUP_DIR = "backups"  # the automatic copies' folder, beside the store
KEEP_AUTO = 5  # automatic copies kept (the oldest beyond these are removed)
BEFORE_RESTORE = ".before-restore"


@dataclass(frozen=True)
class Copy:
    """A copy of a store: where it is, and what it holds."""

    path: Path
    data_version: int
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Restored:
    """What :func:`restore` put in place, and where the replaced store was kept (None: there was none)."""

    store: Path
    copy: Copy
    kept: Path | None


def store_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the store ``con`` is connected to; None for an in-memory store."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def copy_name(store: Path, data_version: int, when: dt.datetime | None = None) -> str:
    """``<store name>-<UTC time>-v<data version>.duckdb``, e.g. ``cvm-20261207T103000Z-v42.duckdb``."""
    when = when or dt.datetime.now(dt.UTC)
    return f"{store.stem}-{when.strftime('%Y%m%dT%H%M%SZ')}-v{data_version}.duckdb"


def backup(con: duckdb.DuckDBPyConnection, folder: str | os.PathLike[str]) -> Copy:
    """Copy the store ``con`` holds (open for writing) into ``folder`` (created when missing).

    Raises :class:`~analytics.store.db.DatabaseError` when the store is in memory, the checkpoint
    or the copy fails, or the copy does not read back as the store it was taken from; a failed
    copy is removed.
    """
    src = store_path(con)
    if src is None:
        raise db.DatabaseError("an in-memory store has no file to copy")
    with db.cursor(con) as cur:
        version = db.data_version(cur)
        try:
            cur.execute("CHECKPOINT")  # the WAL's changes into the file: the copy needs no WAL
        except duckdb.Error as exc:
            raise db.DatabaseError(f"cannot copy {src}: its changes could not be written to the file "
                                   f"({str(exc).splitlines()[0]})") from exc
        counts = db.table_counts(cur)
    out_dir = Path(folder)
    target = _free_name(out_dir, copy_name(src, version))
    tmp = target.with_name(target.name + ".part")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, tmp)
        info = inspect(tmp)
        if info.data_version != version or info.counts != counts:
            raise db.DatabaseError(f"the copy of {src} differs from the store (data version {info.data_version} "
                                   f"instead of {version}); was it written during the copy?")
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise db.DatabaseError(f"cannot copy {src} to {out_dir}: {exc.strerror or exc}") from exc
    except BaseException:
        _remove(tmp)
        raise
    return Copy(target, version, info.schema_version, counts)


def auto_backup(con: duckdb.DuckDBPyConnection, keep: int = KEEP_AUTO) -> Copy | None:
    """The copy taken before a replace-mode load: into ``backups/`` beside the store, keeping the
    latest ``keep`` copies of this store; None for an in-memory store (nothing to copy)."""
    src = store_path(con)
    if src is None:
        return None
    made = backup(con, src.parent / BACKUP_DIR)
    prune(src.parent / BACKUP_DIR, src, keep)
    return made


def prune(folder: Path, store: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` copies of ``store`` in ``folder``; the removed paths."""
    copies = sorted(folder.glob(f"{store.stem}-*-v*.duckdb"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    gone = copies[:-keep] if keep > 0 else copies
    for p in gone:
        _remove(p)
    return gone


def inspect(path: str | os.PathLike[str]) -> Copy:
    """What a copy holds, opened read-only; :class:`~analytics.store.db.DatabaseError` when it is not a
    store of this program (no ``meta`` table with a schema version) or has a newer schema."""
    p = Path(path)
    if not p.is_file():
        raise db.DatabaseError(f"no file at {p}")
    db._check_file_kind(p)
    try:
        con = duckdb.connect(str(p), read_only=True, config=db.CONFIG)
    except duckdb.Error as exc:
        raise db.DatabaseError(f"cannot open {p}: {str(exc).splitlines()[0]}") from exc
    try:
        version = db._store_version(con, p)  # refuses another program's file and a newer schema
        if version is None:
            raise db.DatabaseError(f"{p} is an empty DuckDB file, not a copy of a store")
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        counts = {t: con.execute(f"SELECT count(*) FROM (SELECT * FROM {t}) r").fetchone()[0]
                  for t in schema.DATA_TABLES if t in present}
        return Copy(p, db.data_version(con), version, counts)
    finally:
        con.close()


def restore(copy_path: str | os.PathLike[str], store: str | os.PathLike[str] | None = None) -> Restored:
    """Put the copy at ``copy_path`` in place of ``store`` (default: :func:`db.default_db_path`).

    The copy is checked first (:func:`inspect`); the current store, when there is one, must not be
    held by another process, and is kept as ``<store>.before-restore`` (replacing an older one). A copy
    of an older schema version is upgraded as any store is when opened. Nothing is changed when a
    check fails.
    """
    src = Path(copy_path)
    dst = Path(store) if store is not None else db.default_db_path()
    info = inspect(src)
    if dst.exists() and src.resolve() == dst.resolve():
        raise db.DatabaseError(f"{src} is the store itself; pass a copy")
    kept: Path | None = None
    if dst.exists():
        con = db.connect(dst, create=False)  # refuses a store held by another process, or not a store
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        kept = dst.with_name(dst.name + BEFORE_RESTORE)
        shutil.copyfile(dst, kept)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".restoring")
    try:
        shutil.copyfile(src, tmp)
        # A WAL left beside the store belongs to the old file: replayed on the copy it would corrupt it.
        dst.with_name(dst.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, dst)
    except OSError as exc:
        _remove(tmp)
        raise db.DatabaseError(f"cannot restore {src} to {dst}: {exc.strerror or exc}") from exc
    con = db.connect(dst, create=False)  # upgrades a copy of an older schema version
    try:
        after = Copy(dst, db.data_version(con), schema.SCHEMA_VERSION, db.table_counts(con))
    finally:
        con.close()
    return Restored(dst, Copy(src, after.data_version, info.schema_version, after.counts), kept)


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``…-2.duckdb``, ``…-3.duckdb`` when taken (two copies in one second)."""
    target = folder / name
    n = 2
    while target.exists():
        target = folder / name.replace(".duckdb", f"-{n}.duckdb")
        n += 1
    return target


def _remove(p: Path) -> None:
    with contextlib.suppress(OSError):
        p.unlink(missing_ok=True)
