"""The ``users`` table: sign-in accounts, read and written here only (policy in :mod:`analytics.users`).

Every change runs inside :func:`analytics.store.db.write` (with ``data=False``: an account is not
data, and caches keyed on the data version stay valid) together with its audit row. The password
hash never enters the audit log: a password change is recorded as the action alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from analytics.store import audit, schema

_COLUMNS = ("name, password_hash, role, regions, segments, failed_attempts, locked_until, last_sign_in, "
            "created_at, created_by, updated_at, updated_by")


@dataclass(frozen=True)
class Account:
    """One row of ``users``."""

    name: str
    password_hash: str
    role: str
    regions: tuple[str, ...]
    segments: tuple[str, ...]
    failed_attempts: int
    locked_until: dt.datetime | None
    last_sign_in: dt.datetime | None
    created_at: dt.datetime | None
    created_by: str | None
    updated_at: dt.datetime | None
    updated_by: str | None


def _account(row: tuple) -> Account:
    return Account(row[0], row[1], row[2], tuple(row[3] or ()), tuple(row[4] or ()), int(row[5] or 0), *row[6:])


def _exists(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether the table exists (a store opened read-only by an older program may lack it)."""
    return bool(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name = "
                            "current_database()", [schema.USERS]).fetchone()[0])


def get(cur: duckdb.DuckDBPyConnection, name: str) -> Account | None:
    """The account ``name``, or None."""
    if not _exists(cur):
        return None
    row = cur.execute(f"SELECT {_COLUMNS} FROM {schema.USERS} WHERE name = ?", [name]).fetchone()
    return None if row is None else _account(row)


def listed(cur: duckdb.DuckDBPyConnection) -> list[Account]:
    """Every account, by name."""
    if not _exists(cur):
        return []
    return [_account(r) for r in cur.execute(f"SELECT {_COLUMNS} FROM {schema.USERS} ORDER BY name").fetchall()]


def count(cur: duckdb.DuckDBPyConnection, role: str | None = None) -> int:
    """How many accounts there are (of ``role``, when given)."""
    if not _exists(cur):
        return 0
    where, params = ("WHERE role = ?", [role]) if role else ("", [])
    return int(cur.execute(f"SELECT count(*) FROM {schema.USERS} {where}", params).fetchone()[0])


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def insert(cur: duckdb.DuckDBPyConnection, name: str, password_hash: str, role: str, regions: Sequence[str],
           segments: Sequence[str], by: str) -> None:
    """Create an account with its audit row (inside :func:`analytics.store.db.write`)."""
    now = _now()
    cur.execute(f"""INSERT INTO {schema.USERS} (name, password_hash, role, regions, segments, failed_attempts,
                                                created_at, created_by, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)""",
                [name, password_hash, role, list(regions), list(segments), now, by, now, by])
    audit.record(cur, schema.USERS, name, "insert",
                 {"role": (None, role), "regions": (None, ",".join(regions)), "segments": (None, ",".join(segments))},
                 user=by)


def update(cur: duckdb.DuckDBPyConnection, name: str, by: str, *, role: str | None = None,
           regions: Sequence[str] | None = None, segments: Sequence[str] | None = None,
           password_hash: str | None = None) -> None:
    """Change an account's role, allowance or password (with audit rows; inside ``db.write``).

    A new password also clears the failure counter and any lockout.
    """
    old = get(cur, name)
    if old is None:
        raise ValueError(f"no user named {name!r}")
    changes: dict[str, tuple[object, object]] = {}
    sets, params = ["updated_at = ?", "updated_by = ?"], [_now(), by]
    if role is not None and role != old.role:
        sets.append("role = ?")
        params.append(role)
        changes["role"] = (old.role, role)
    for column, new, before in (("regions", regions, old.regions), ("segments", segments, old.segments)):
        if new is not None and tuple(new) != before:
            sets.append(f"{column} = ?")
            params.append(list(new))
            changes[column] = (",".join(before), ",".join(new))
    if password_hash is not None:
        sets += ["password_hash = ?", "failed_attempts = 0", "locked_until = NULL"]
        params.append(password_hash)
    cur.execute(f"UPDATE {schema.USERS} SET {', '.join(sets)} WHERE name = ?", [*params, name])
    if changes:
        audit.record(cur, schema.USERS, name, "update", changes, user=by)
    if password_hash is not None:
        audit.record(cur, schema.USERS, name, "password_reset", user=by)


def delete(cur: duckdb.DuckDBPyConnection, name: str, by: str) -> bool:
    """Remove an account with its audit row (inside ``db.write``); False when there is none."""
    old = get(cur, name)
    if old is None:
        return False
    cur.execute(f"DELETE FROM {schema.USERS} WHERE name = ?", [name])
    audit.record(cur, schema.USERS, name, "delete", {"role": (old.role, None)}, user=by)
    return True


def record_failure(cur: duckdb.DuckDBPyConnection, name: str, locked_until: dt.datetime | None) -> None:
    """A failed sign-in for ``name`` (an account or not): the audit row, and for an account the counter
    raised and, from the limit on, the lockout's end (inside ``db.write``)."""
    if get(cur, name) is not None:
        cur.execute(f"""UPDATE {schema.USERS} SET failed_attempts = failed_attempts + 1,
                        locked_until = coalesce(?, locked_until) WHERE name = ?""", [locked_until, name])
    audit.record(cur, schema.USERS, name, "sign_in_failed",
                 {"locked_until": (None, locked_until)} if locked_until else None, user=name)


def record_success(cur: duckdb.DuckDBPyConnection, name: str, password_hash: str | None = None) -> None:
    """A successful sign-in: the counter cleared, the time kept, a stronger hash stored when the
    hashing parameters changed since (inside ``db.write``)."""
    cur.execute(f"""UPDATE {schema.USERS} SET failed_attempts = 0, locked_until = NULL, last_sign_in = ?,
                    password_hash = coalesce(?, password_hash) WHERE name = ?""", [_now(), password_hash, name])
