"""Accounts (analytics.users): salted hashes, roles, validation, lockout, audit rows; the store owns the writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from analytics import users
from analytics.store import audit, db, schema

PASSWORD = "correct horse"


@pytest.fixture
def con(tmp_path: Path):
    c = db.connect(tmp_path / "u.duckdb")
    yield c
    c.close()


def _log(con: duckdb.DuckDBPyConnection, **kw: str):
    with db.cursor(con) as cur:
        return audit.history(cur, schema.USERS, **kw)


def test_add_and_list_never_keep_the_password(con):
    assert not users.has_accounts(con.cursor())
    u = users.add_user(con, " ana ", PASSWORD, "viewer", regions=["East", "North", "East"], segments=[], by="root")
    assert (u.name, u.role, u.regions, u.segments, u.created_by, u.updated_by) == ("ana", "viewer", ("East", "North"),
                                                                                   (), "root", "root")
    assert [x.name for x in users.list_users(con.cursor())] == ["ana"]
    stored = con.execute(f"SELECT password_hash FROM {schema.USERS}").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    # The same password hashes differently for another account: a salt per hash.
    users.add_user(con, "bo", PASSWORD, "viewer")
    hashes = [r[0] for r in con.execute(f"SELECT password_hash FROM {schema.USERS}").fetchall()]
    assert len(set(hashes)) == 2
    log = _log(con)
    assert set(log["action"]) == {"insert"} and not log.apply(lambda r: r.astype(str).str.contains(PASSWORD)).any().any()
    # Accounts are not data: writing one keeps every cache keyed on the data version.
    assert db.data_version(con.cursor()) == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"role": "owner"}, "unknown role 'owner'; use one of viewer, analyst, admin"),
    ({"password": ""}, "the password is empty"),
    ({"password": "short"}, "too short: at least 8"),
    ({"name": "  "}, "cannot be empty"),
    ({"name": "a\nb"}, "control characters"),
    ({"regions": ["East,West"]}, "cannot contain a comma"),
    ({"role": "admin", "segments": ["SMB"]}, "an admin cannot be limited to regions or segments"),
])
def test_bad_input_is_refused(con, kwargs, message):
    args = {"name": "ana", "password": PASSWORD, "role": "viewer", **kwargs}
    with pytest.raises(ValueError, match=message):
        users.add_user(con, args.pop("name"), args.pop("password"), args.pop("role"), **args)
    assert users.list_users(con.cursor()) == []


def test_duplicate_name_is_refused(con):
    users.add_user(con, "ana", PASSWORD, "viewer")
    with pytest.raises(ValueError, match="a user named 'ana' already exists"):
        users.add_user(con, "ana", "another password", "admin")
    assert users.get_user(con.cursor(), "ana").role == "viewer"


def test_roles_rank_and_set_role(con):
    assert users.can("admin", "analyst") and users.can("analyst", "viewer") and not users.can("viewer", "analyst")
    users.add_user(con, "root", PASSWORD, "admin")
    users.add_user(con, "ana", PASSWORD, "viewer")
    assert users.set_role(con, "ana", "analyst", by="root").role == "analyst"
    with pytest.raises(ValueError, match="unknown role"):
        users.set_role(con, "ana", "boss")
    with pytest.raises(ValueError, match="no user named 'nobody'"):
        users.set_role(con, "nobody", "viewer")
    row = _log(con).iloc[0]
    assert (row["action"], row["column_name"], row["old_value"], row["new_value"], row["user_name"]) == \
        ("update", "role", "viewer", "analyst", "root")


def test_the_last_admin_stays(con):
    users.add_user(con, "root", PASSWORD, "admin")
    users.add_user(con, "ana", PASSWORD, "viewer")
    with pytest.raises(ValueError, match="'root' is the last admin"):
        users.set_role(con, "root", "viewer")
    with pytest.raises(ValueError, match="'root' is the last admin"):
        users.remove_user(con, "root")
    users.set_role(con, "ana", "admin")
    users.remove_user(con, "root", by="ana")
    assert [u.name for u in users.list_users(con.cursor())] == ["ana"]
    # The only account may go: the app is then open again, in single-user mode.
    users.remove_user(con, "ana")
    assert not users.has_accounts(con.cursor())


def test_authenticate_and_reset_password(con):
    users.add_user(con, "ana", PASSWORD, "viewer", regions=["East"])
    u = users.authenticate(con, "ana", PASSWORD)
    assert u.name == "ana" and u.allowance.regions == ("East",) and u.last_sign_in is not None
    with pytest.raises(users.SignInError) as e:
        users.authenticate(con, "ana", "wrong password")
    assert e.value.code == "invalid" and "wrong user name or password" in str(e.value)
    with pytest.raises(users.SignInError) as e:
        users.authenticate(con, "nobody", PASSWORD)
    assert e.value.code == "invalid"
    users.reset_password(con, "ana", "a new password", by="root")
    with pytest.raises(users.SignInError):
        users.authenticate(con, "ana", PASSWORD)
    assert users.authenticate(con, "ana", "a new password").failed_attempts == 0
    with pytest.raises(ValueError, match="too short"):
        users.reset_password(con, "ana", "x")
    with pytest.raises(ValueError, match="no user named"):
        users.reset_password(con, "bob", "a new password")
    actions = list(_log(con)["action"])
    assert "password_reset" in actions and actions.count("sign_in_failed") == 3


def test_failures_lock_the_account_and_are_logged(con):
    users.add_user(con, "ana", PASSWORD, "viewer")
    now = dt.datetime(2026, 12, 7, 10, 0)
    for _ in range(users.MAX_FAILURES - 1):
        with pytest.raises(users.SignInError) as e:
            users.authenticate(con, "ana", "guess guess", now=now)
        assert e.value.code == "invalid"
    with pytest.raises(users.SignInError) as e:
        users.authenticate(con, "ana", "guess guess", now=now)
    assert e.value.code == "locked" and e.value.until == now + users.LOCKOUT
    # Locked: even the right password is refused until the lock ends.
    with pytest.raises(users.SignInError) as e:
        users.authenticate(con, "ana", PASSWORD, now=now + dt.timedelta(minutes=1))
    assert e.value.code == "locked" and "locked" in str(e.value)
    assert users.authenticate(con, "ana", PASSWORD, now=now + users.LOCKOUT + dt.timedelta(seconds=1)).name == "ana"
    assert users.get_user(con.cursor(), "ana").failed_attempts == 0
    failed = _log(con, user="ana")
    assert (failed["action"] == "sign_in_failed").sum() == users.MAX_FAILURES + 1


def test_viewers_and_analysts_can_be_restricted_admins_never(con):
    users.add_user(con, "ana", PASSWORD, "viewer")
    u = users.set_allowance(con, "ana", regions=["West"], segments=["SMB", "Corporate"], by="root")
    assert u.allowance.regions == ("West",) and u.allowance.segments == ("Corporate", "SMB")
    # A regional analyst: the restriction stays with the new role.
    u = users.set_role(con, "ana", "analyst")
    assert (u.role, u.regions) == ("analyst", ("West",))
    assert users.add_user(con, "east", PASSWORD, "analyst", regions=["East"]).allowance.regions == ("East",)
    with pytest.raises(ValueError, match="an admin cannot be limited to regions or segments"):
        users.set_role(con, "ana", "admin")
    users.set_allowance(con, "ana", regions=[], segments=None)
    assert users.set_role(con, "ana", "admin").role == "admin"
    with pytest.raises(ValueError, match="an admin cannot be limited"):
        users.set_allowance(con, "ana", regions=["West"], segments=None)
    assert users.get_user(con.cursor(), "ana").regions == ()


def test_regions_and_segments_must_exist_in_the_data(demo_path, tmp_path):
    import shutil

    path = tmp_path / "d.duckdb"
    shutil.copy(demo_path, path)
    con = db.connect(path)
    try:
        with pytest.raises(ValueError, match="no customer has region 'Eats'; known: "):
            users.add_user(con, "ana", PASSWORD, "viewer", regions=["Eats"])
        assert users.add_user(con, "ana", PASSWORD, "viewer", regions=["East"]).regions == ("East",)
    finally:
        con.close()


def test_a_store_without_the_table_has_no_accounts(tmp_path):
    path = tmp_path / "old.duckdb"
    db.connect(path).close()
    raw = duckdb.connect(str(path))
    raw.execute(f"DROP TABLE {schema.USERS}")
    raw.close()
    con = db.connect(path, read_only=True)
    try:
        assert users.list_users(con.cursor()) == [] and not users.has_accounts(con.cursor())
    finally:
        con.close()
    con = db.connect(path)  # opened for writing: the table is created
    try:
        users.add_user(con, "ana", PASSWORD, "admin")
        assert users.has_accounts(con.cursor())
    finally:
        con.close()


def test_importing_the_module_hashes_nothing():
    """Every app start imports this module before its first page: the hash an unknown name is verified
    against is made at the first such sign-in, not at import (argon2 is slow by design; issue 13)."""
    import subprocess
    import sys

    code = ("import argon2\ncalls = []\nreal = argon2.PasswordHasher.hash\n"
            "argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(1) or real(self, *a, **k)\n"
            "import analytics.users\nprint(len(calls))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
