"""The only module that opens DuckDB files and owns the schema's life cycle.

One connection per process; every query runs on its own cursor (:func:`cursor`), because one
DuckDB connection shared by several threads interleaves their results. Writes go through
:func:`write`, which runs them in a single transaction and bumps the data version that result
caches are keyed on.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics.store import schema

DEFAULT_DB = Path("data") / "cvm.duckdb"
# meta keys of the monthly aggregates' state (see analytics.store.aggregates).
AGG_VERSION = "agg_version"
AGG_PENDING = "pending"
ENV_DB = "CVM_DB"


def default_db_path() -> Path:
    """The database path: ``$CVM_DB`` when set, else ``data/cvm.duckdb`` under the project."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / DEFAULT_DB


class DatabaseError(ValueError):
    """A database that cannot be opened or upgraded, with a message meant for a user."""


class StoreInUse(DatabaseError):
    """The store is held by another process (DuckDB's file lock): ``path`` names it, for the app's message."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


# DuckDB would otherwise download and load extensions by itself: the sqlite scanner when handed a
# SQLite file, httpfs for a URL. Everything the app uses (CSV, Parquet, JSON, ICU) is built in.
CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
ENV_MEMORY_LIMIT = "CVM_MEMORY_LIMIT"  # e.g. 3GB: DuckDB spills to disk beyond it instead of growing
ENV_THREADS = "CVM_THREADS"  # DuckDB's worker threads (default: one per core)


def settings() -> dict[str, object]:
    """DuckDB's settings for every connection: :data:`CONFIG`, with the memory limit and thread count of
    ``CVM_MEMORY_LIMIT`` / ``CVM_THREADS`` when set (a server with other work beside the app caps both).
    A malformed value raises :class:`DatabaseError` naming the variable."""
    out = dict(CONFIG)
    limit = os.environ.get(ENV_MEMORY_LIMIT, "").strip()
    if limit:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", limit, re.IGNORECASE):
            raise DatabaseError(f"{ENV_MEMORY_LIMIT}={limit!r} is not a size; use e.g. 3GB or 512MB")
        out["memory_limit"] = limit
    threads = os.environ.get(ENV_THREADS, "").strip()
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise DatabaseError(f"{ENV_THREADS}={threads!r} is not a positive whole number of threads")
        out["threads"] = int(threads)
    return out
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB file
_OTHER_FORMATS = ((b"SQLite format 3\x00", "a SQLite database"), (b"PAR1", "a Parquet file"),
                  (b"PK\x03\x04", "a zip archive or Excel workbook"))


def no_store_message(p: Path) -> str:
    """What a read command says when ``p`` does not exist (a mistyped path, most likely)."""
    return f"no store at {p}; run `python -m analytics demo --db {p}` or ingest to create one"


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a store and bring its schema to :data:`schema.SCHEMA_VERSION`.

    A missing file is created (with the schema) only when ``create`` is true and not ``read_only``;
    otherwise it is refused and nothing is written. Raises :class:`DatabaseError` with a plain
    message when the file is missing, held by another process, not a DuckDB file, a DuckDB file
    of another program (tables but no store version), or written by a newer version of this
    program. A refused file is left exactly as it was.
    """
    p = Path(path) if path is not None else default_db_path()
    memory = str(p) == ":memory:"
    created: list[Path] = []
    if not memory:
        if p.exists():
            _check_file_kind(p)
        elif read_only or not create:
            raise DatabaseError(no_store_message(p))
        else:
            created = _make_parents(p)
    try:
        con = duckdb.connect(str(p), read_only=read_only, config=settings())
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise StoreInUse(
                f"database {p} is in use by another process (is the app running on it?); "
                "stop it or use another file with --db", p
            ) from exc
        raise DatabaseError(f"cannot open database {p}: {msg.splitlines()[0]}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot open database {p}: {str(exc).splitlines()[0]}") from exc
    try:
        version = _store_version(con, p)
        if read_only:
            if version is None:
                raise DatabaseError(f"{p} is an empty DuckDB file, not a store; "
                                    f"run `python -m analytics demo --db {p}` or ingest to fill it")
            if version < schema.SCHEMA_VERSION and not memory:
                # A store written by an older version: every query assumes today's schema, so bring
                # it up to date once (each step its own transaction) before reading it.
                con.close()
                _upgrade_file(p, version)
                con = duckdb.connect(str(p), read_only=True, config=settings())
        else:
            ensure_schema(con)
    except BaseException:
        con.close()
        if created:
            discard(p, created)
        raise
    return con


def _upgrade_file(p: Path, version: int) -> None:
    """Upgrade an older store that a read-only command opened; refused clearly while it is in use."""
    try:
        rw = duckdb.connect(str(p), config=settings())
    except duckdb.Error as exc:
        raise DatabaseError(
            f"{p} has schema version {version}, older than this program's {schema.SCHEMA_VERSION}, and "
            f"cannot be upgraded now ({str(exc).splitlines()[0]}); stop the program using it, then run "
            f"`python -m analytics refresh --db {p}` once"
        ) from exc
    try:
        ensure_schema(rw)
    finally:
        rw.close()


@contextmanager
def session(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store opened for one command (see :func:`connect`) and closed afterwards.

    A store that this call created is removed again when the command fails or writes nothing
    (its data version is still 0), so a refused command leaves no file behind.
    """
    p = Path(path) if path is not None else default_db_path()
    new = create and not read_only and str(p) != ":memory:" and not p.exists()
    parents = _missing_parents(p) if new else []
    con = connect(p, read_only=read_only, create=create)
    ok = False
    try:
        yield con
        ok = not new or data_version(con) > 0
    finally:
        con.close()
        if new and not ok:
            discard(p, parents)


def discard(p: Path, parents: list[Path] | None = None) -> None:
    """Remove a store this process just created (and its WAL), and the empty folders made for it."""
    for f in (p, p.with_name(p.name + ".wal")):
        f.unlink(missing_ok=True)
    for d in parents or []:
        try:
            d.rmdir()
        except OSError:  # not empty (someone else put something there): keep it
            break


def _missing_parents(p: Path) -> list[Path]:
    """The folders above ``p`` that do not exist yet, deepest first."""
    out = []
    d = p.parent
    while not d.exists():
        out.append(d)
        d = d.parent
    return out


def _make_parents(p: Path) -> list[Path]:
    missing = _missing_parents(p)
    p.parent.mkdir(parents=True, exist_ok=True)
    return missing


def _check_file_kind(p: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB sees it (and tries to load a scanner)."""
    if not p.is_file():  # a folder, or a pipe or device that reading would block on
        raise DatabaseError(f"{p} is not a file; pass a store (a .duckdb file) with --db (or {ENV_DB})")
    try:
        with open(p, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise DatabaseError(f"cannot read database {p}: {exc.strerror or exc}") from exc
    if head[8:12] == _DUCKDB_MAGIC:
        return
    what = next((w for magic, w in _OTHER_FORMATS if head.startswith(magic)), None)
    found = f" (it is {what})" if what else " (it is empty)" if not head else ""
    raise DatabaseError(f"{p} is not a DuckDB database file{found}; pass a store of this program with --db "
                        f"(or {ENV_DB})")


def _store_version(con: duckdb.DuckDBPyConnection, p: Path) -> int | None:
    """The store's schema version; None for an empty DuckDB file (no tables or views).

    A DuckDB file with tables or views but no ``meta`` table holding a ``schema_version`` belongs
    to another program: refused, so that it never receives this program's tables.
    """
    objects = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "ORDER BY table_schema, table_name").fetchall()]
    if not objects:
        return None
    version = _stored_version(con)
    if version is None:
        shown = ", ".join(objects[:5]) + (f" and {len(objects) - 5} more" if len(objects) > 5 else "")
        raise DatabaseError(f"{p} is a DuckDB file of another program (it holds {shown} but no store version); "
                            "refusing to add this program's tables to it: pass another file with --db")
    return _check_version(con)


def _stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
        "AND table_catalog = current_database()", [schema.META]
    ).fetchone()[0]
    if not has_meta:
        return None
    try:
        row = con.execute(f"SELECT value FROM {schema.META} WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None
    except (duckdb.Error, TypeError, ValueError):  # a `meta` table of another shape: not ours
        return None


def _check_version(con: duckdb.DuckDBPyConnection) -> int | None:
    version = _stored_version(con)
    if version is not None and version > schema.SCHEMA_VERSION:
        raise DatabaseError(
            f"this database has schema version {version}, newer than this program's "
            f"{schema.SCHEMA_VERSION}; upgrade the program"
        )
    return version


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, or upgrade an older file one version at a time (each in a transaction)."""
    version = _check_version(con)
    if version is None:
        con.execute("BEGIN")
        try:
            for stmt in schema.create_statements():
                con.execute(stmt)
            _set_meta(con, "schema_version", str(schema.SCHEMA_VERSION))
            _set_meta(con, "data_version", "0")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return
    for target in range(version + 1, schema.SCHEMA_VERSION + 1):
        con.execute("BEGIN")
        try:
            for stmt in schema.MIGRATIONS.get(target, []):
                con.execute(stmt)
            _set_meta(con, "schema_version", str(target))
            con.execute("COMMIT")
        except BaseException as exc:
            con.execute("ROLLBACK")
            raise DatabaseError(f"upgrading the database to schema version {target} failed: {exc}") from exc
    # Tables added to the contract without a migration of their own (new bookkeeping tables).
    for stmt in schema.create_statements():
        con.execute(stmt)


def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        f"INSERT INTO {schema.META} VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """A value of the ``meta`` table (schema_version, data_version, currency, data_as_of, …); also of a
    read-layer engine's copy of it (:class:`analytics.query.Engine`, which answers ``meta``)."""
    if getattr(con, "read_engine", False):
        got = con.meta(key)
        return default if got is None else got
    row = con.execute(f"SELECT value FROM {schema.META} WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Set a ``meta`` value (inside the caller's transaction, if any)."""
    _set_meta(con, key, value)


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A counter bumped by every write; result caches are keyed on it."""
    return int(get_meta(con, "data_version", "0") or 0)


def content_key(cur: duckdb.DuckDBPyConnection) -> tuple[str, int] | None:
    """(file, data version) identifying the store's content, for in-process memos of derived results;
    None for an in-memory store (no file to name it by, so not memoised) and for another engine."""
    if getattr(cur, "read_engine", False):
        return None
    row = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        return None
    return str(row[0]), data_version(cur)


def currency(con: duckdb.DuckDBPyConnection) -> str:
    """The ISO code of the data's currency (``CNY`` unless the data say otherwise)."""
    return get_meta(con, "currency", "CNY") or "CNY"


@contextmanager
def cursor(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own for one query or one thread; closed afterwards."""
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


@contextmanager
def write(con: duckdb.DuckDBPyConnection, *, data: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run writes in one transaction on a fresh cursor: all of them or none.

    The data version is bumped inside the same transaction, so readers that see the new rows
    also see the new version (and caches keyed on it refresh). A writer that changes
    transactions, activities or activity rates must call :func:`analytics.store.aggregates.refresh`
    (or ``mark_stale``) inside the block; otherwise the aggregates are taken to be still current.

    ``data=False`` is for writes that describe the data without changing them (the stored results
    of :mod:`analytics.store.derived`): the version stays, so they stay keyed by the data they
    were computed from. Every read inside the block sees one snapshot of the store.
    """
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        old = data_version(cur)
        yield cur
        if data:
            _set_meta(cur, "data_version", str(old + 1))
            # Aggregates that were current before, or that the writer rebuilt, stay current.
            if get_meta(cur, AGG_VERSION) in (str(old), AGG_PENDING):
                _set_meta(cur, AGG_VERSION, str(old + 1))
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every contract table."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.DATA_TABLES}


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of every contract table's row count and content, independent of row order.

    Used by tests to prove that a rejected or killed write left the store exactly as it was.
    """
    h = hashlib.sha256()
    for t in (*schema.DATA_TABLES, schema.ACTIVITY_RATES):
        n, content = con.execute(
            f"SELECT count(*), coalesce(sum(hash(r)), 0)::VARCHAR FROM (SELECT * FROM {t}) r"
        ).fetchone()
        h.update(f"{t}:{n}:{content};".encode())
    return h.hexdigest()
