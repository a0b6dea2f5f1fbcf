"""Sign-in accounts: who may use the dashboard, with which role, over which customers.

Roles, each allowed everything of the ones before it:

* ``viewer``: browse every page it is given, present and export;
* ``analyst``: also upload, enter and correct records, change activity rates, undo loads, save
  improvement plans and stories;
* ``admin``: also manage the accounts.

A viewer or an analyst may be restricted to regions and/or segments (:class:`analytics.filters.Allowance`):
it then sees only those customers everywhere, and an analyst changes only those (admins are never
restricted). Passwords are kept only as salted argon2id hashes
(``argon2-cffi``). After :data:`MAX_FAILURES` failed sign-ins in a row an account is locked for
:data:`LOCKOUT`; every failure is written to the audit log. The store owns every write
(:mod:`analytics.store.users`); this module validates and decides.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.filters import Allowance, options
from analytics.store import audit, db
from analytics.store import users as store

VIEWER, ANALYST, ADMIN = "viewer", "analyst", "admin"
ROLES = (VIEWER, ANALYST, ADMIN)
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte "password" is a denial of service, not a secret
MAX_NAME = 64
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters; a random salt per hash


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so that a wrong name takes as long as a wrong password.
    Made on the first such sign-in, not at import: argon2 is slow by design, and every app start imports
    this module before its first page (issue 13)."""
    return _hasher.hash("not a password of anyone")

log = logging.getLogger(__name__)


class SignInError(ValueError):
    """A refused sign-in. ``code`` is ``invalid`` (wrong name or password: which one is not said) or
    ``locked`` (too many failures; ``until`` says when the lock ends)."""

    def __init__(self, code: str, until: dt.datetime | None = None) -> None:
        self.code, self.until = code, until
        super().__init__("the account is locked after too many failed sign-ins until "
                         f"{until:%Y-%m-%d %H:%M}" if code == "locked" and until else "wrong user name or password")


@dataclass(frozen=True)
class User:
    """An account as the rest of the program sees it (never its hash)."""

    name: str
    role: str
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    last_sign_in: dt.datetime | None = None
    created_at: dt.datetime | None = None
    created_by: str | None = None
    updated_at: dt.datetime | None = None
    updated_by: str | None = None

    @property
    def allowance(self) -> Allowance:
        """The customers this user may see."""
        return Allowance(regions=self.regions, segments=self.segments)

    def can(self, role: str) -> bool:
        """Whether this user has ``role`` or a higher one."""
        return can(self.role, role)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "regions": list(self.regions), "segments": list(self.segments),
                "failed_attempts": self.failed_attempts,
                "locked_until": _iso(self.locked_until), "last_sign_in": _iso(self.last_sign_in),
                "created_at": _iso(self.created_at), "created_by": self.created_by,
                "updated_at": _iso(self.updated_at), "updated_by": self.updated_by}


def _iso(d: dt.datetime | None) -> str | None:
    return d.isoformat() if d else None


def _user(a: store.Account) -> User:
    return User(a.name, a.role, a.regions, a.segments, a.failed_attempts, a.locked_until, a.last_sign_in,
                a.created_at, a.created_by, a.updated_at, a.updated_by)


def can(role: str, needed: str) -> bool:
    """Whether ``role`` includes ``needed`` (viewer < analyst < admin)."""
    check_role(role)
    check_role(needed)
    return ROLES.index(role) >= ROLES.index(needed)


def check_role(role: str) -> bool:
    """True for a known role; ValueError naming the roles otherwise."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return True


def check_name(name: str) -> str:
    """The name stripped; ValueError when it is empty, too long or has control characters."""
    n = (name or "").strip()
    if not n:
        raise ValueError("a user name cannot be empty")
    if len(n) > MAX_NAME:
        raise ValueError(f"a user name has at most {MAX_NAME} characters, got {len(n)}")
    if any(ord(c) < 32 or ord(c) == 127 for c in n):
        raise ValueError("a user name cannot contain control characters")
    return n


def check_password(password: str) -> str:
    """The password as given; ValueError when it is shorter than :data:`MIN_PASSWORD` or too long."""
    if not password:
        raise ValueError("the password is empty")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"the password is too long: at most {MAX_PASSWORD} characters")
    return password


def _values(values: Iterable[str] | None, what: str) -> tuple[str, ...]:
    out = tuple(sorted({str(v).strip() for v in values or () if str(v).strip()}))
    if any("," in v for v in out):
        raise ValueError(f"a {what} name cannot contain a comma")
    return out


def _known(cur: duckdb.DuckDBPyConnection, regions: tuple[str, ...], segments: tuple[str, ...]) -> None:
    """ValueError for a region or segment that no customer has (a typo would hide every row), unless the
    store has no customers yet."""
    opts = options(cur)
    for field, values in (("regions", regions), ("segments", segments)):
        known = opts.get(field) or []
        unknown = [v for v in values if known and v not in known]
        if unknown:
            raise ValueError(f"no customer has {field[:-1]} {unknown[0]!r}; known: {', '.join(known)}")


def _scope_fits(role: str, regions: tuple[str, ...], segments: tuple[str, ...]) -> None:
    """ValueError when an admin would be restricted: an admin manages the accounts and works on the whole
    store. Viewers and analysts may be limited to some customers (a regional analyst loads and corrects
    only their region's rows; :mod:`analytics.ingest.scope` enforces it on every write)."""
    if role == ADMIN and (regions or segments):
        raise ValueError("an admin cannot be limited to regions or segments: admins manage the accounts and "
                         "work on the whole store; make the user an analyst or a viewer, or lift the limit first")


def _by(by: str | None) -> str:
    """Who makes a change, for the audit log: the caller's user, else the acting user at the terminal."""
    return (by or "").strip() or audit.current_user()


# ---------------------------------------------------------------------------- reading
def list_users(cur: duckdb.DuckDBPyConnection) -> list[User]:
    """Every account, by name."""
    return [_user(a) for a in store.listed(cur)]


def get_user(cur: duckdb.DuckDBPyConnection, name: str) -> User | None:
    """The account ``name``, or None."""
    a = store.get(cur, (name or "").strip())
    return None if a is None else _user(a)


def has_accounts(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether any account exists (without one the app runs open, in single-user mode)."""
    return store.count(cur) > 0


# ---------------------------------------------------------------------------- writing
def add_user(con: duckdb.DuckDBPyConnection, name: str, password: str, role: str, *,
             regions: Iterable[str] | None = None, segments: Iterable[str] | None = None,
             by: str | None = None) -> User:
    """Create an account. ValueError on an unknown role, an empty or short password, a bad or taken name,
    a region or segment no customer has, or a restricted admin (admins are never restricted)."""
    n, _ = check_name(name), check_role(role)
    hashed = _hasher.hash(check_password(password))
    with db.write(con, data=False) as cur:
        if store.get(cur, n) is not None:
            raise ValueError(f"a user named {n!r} already exists")
        scope = _values(regions, "region"), _values(segments, "segment")
        _scope_fits(role, *scope)
        _known(cur, *scope)
        store.insert(cur, n, hashed, role, *scope, _by(by))
        return _user(store.get(cur, n))


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str, *, by: str | None = None) -> User:
    """Give ``name`` another role. ValueError for an unknown user or role, when it would leave no admin, or
    when a restricted viewer or analyst would become admin (lift the restriction first)."""
    check_role(role)
    with db.write(con, data=False) as cur:
        old = _existing(cur, name)
        if old.role == ADMIN and role != ADMIN and store.count(cur, ADMIN) == 1:
            raise ValueError(f"{old.name!r} is the last admin; make another user admin first")
        _scope_fits(role, old.regions, old.segments)
        store.update(cur, old.name, _by(by), role=role)
        return _user(store.get(cur, old.name))


def set_allowance(con: duckdb.DuckDBPyConnection, name: str, *, regions: Iterable[str] | None,
                  segments: Iterable[str] | None, by: str | None = None) -> User:
    """Restrict ``name`` to regions and segments (empty = all). ValueError for an unknown user, or for an
    admin (admins are never restricted)."""
    with db.write(con, data=False) as cur:
        old = _existing(cur, name)
        scope = _values(regions, "region"), _values(segments, "segment")
        _scope_fits(old.role, *scope)
        _known(cur, *scope)
        store.update(cur, old.name, _by(by), regions=scope[0], segments=scope[1])
        return _user(store.get(cur, old.name))


def reset_password(con: duckdb.DuckDBPyConnection, name: str, password: str, *, by: str | None = None) -> None:
    """Set a new password (which also lifts a lockout). ValueError for an unknown user or a bad password."""
    hashed = _hasher.hash(check_password(password))
    with db.write(con, data=False) as cur:
        store.update(cur, _existing(cur, name).name, _by(by), password_hash=hashed)


def remove_user(con: duckdb.DuckDBPyConnection, name: str, *, by: str | None = None) -> None:
    """Remove an account. ValueError for an unknown user, or for the last admin while other accounts remain
    (removing the only account returns the app to single-user mode, which is allowed)."""
    with db.write(con, data=False) as cur:
        old = _existing(cur, name)
        if old.role == ADMIN and store.count(cur, ADMIN) == 1 and store.count(cur) > 1:
            raise ValueError(f"{old.name!r} is the last admin; make another user admin first")
        store.delete(cur, old.name, _by(by))


def _existing(cur: duckdb.DuckDBPyConnection, name: str) -> store.Account:
    a = store.get(cur, (name or "").strip())
    if a is None:
        raise ValueError(f"no user named {(name or '').strip()!r}")
    return a


# ---------------------------------------------------------------------------- signing in
def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str, *,
                 now: dt.datetime | None = None) -> User:
    """The account whose name and password these are; :class:`SignInError` otherwise.

    A locked account is refused without looking at the password. Each failure is counted and logged
    (audit log and the ``analytics.users`` logger); the :data:`MAX_FAILURES`-th in a row locks the
    account for :data:`LOCKOUT`. A success clears the counter.
    """
    now = now or dt.datetime.now()
    n = (name or "").strip()
    with db.cursor(con) as cur:
        a = store.get(cur, n) if n else None
    if a is not None and a.locked_until is not None and a.locked_until > now:
        _fail(con, n, None, "locked")
        raise SignInError("locked", a.locked_until)
    try:
        _hasher.verify(a.password_hash if a else _dummy_hash(), password or "")
        ok = a is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        until = None
        if a is not None and a.failed_attempts + 1 >= MAX_FAILURES:
            until = (now + LOCKOUT).replace(microsecond=0)
        _fail(con, n, until, "invalid")
        if until:
            raise SignInError("locked", until)
        raise SignInError("invalid")
    rehash = _hasher.hash(password) if _hasher.check_needs_rehash(a.password_hash) else None
    with db.write(con, data=False) as cur:
        store.record_success(cur, a.name, rehash)
        return _user(store.get(cur, a.name))


def _fail(con: duckdb.DuckDBPyConnection, name: str, until: dt.datetime | None, why: str) -> None:
    log.warning("failed sign-in for %r (%s)%s", name, why, f"; locked until {until}" if until else "")
    with db.write(con, data=False) as cur:
        store.record_failure(cur, name[:MAX_NAME] or "(empty)", until)
