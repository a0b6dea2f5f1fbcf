"""``python -m analytics users …``: accounts from the command line; passwords only from stdin, never echoed."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

import cli
from analytics import users
from analytics.store import audit, db, schema

PW = "s3cret-pass"


@pytest.fixture
def store(demo_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    shutil.copy(demo_path, path)
    return path


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_set_role_reset_remove(store, capsys, monkeypatch):
    db_ = ["--db", str(store)]
    code, out, err = run(capsys, monkeypatch, "users", "add", "boss", "--role", "admin", "--password-stdin", *db_,
                         "--user", "setup", stdin=PW + "\n")
    assert code == 0 and out.strip() == "added boss (admin)" and PW not in out + err
    code, out, _ = run(capsys, monkeypatch, "users", "add", "east", "--role", "viewer", "--regions", "East,North",
                       "--segments", "SMB", "--password-stdin", *db_, stdin=PW + "\r\n")
    assert code == 0 and "only regions East, North; segments SMB" in out
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--json", *db_)
    listed = {u["name"]: u for u in json.loads(out)}
    assert listed["east"]["regions"] == ["East", "North"] and listed["east"]["role"] == "viewer"
    assert listed["boss"]["created_by"] == "setup" and "password_hash" not in listed["boss"] and PW not in out
    code, out, _ = run(capsys, monkeypatch, "users", "list", *db_)
    assert code == 0 and out.splitlines()[0].split() == ["name", "role", "regions", "segments", "failed", "locked",
                                                         "until", "last", "sign-in"]
    code, _, err = run(capsys, monkeypatch, "users", "set-role", "east", "admin", *db_)
    assert code == 2 and "an admin cannot be limited to regions or segments" in err
    assert run(capsys, monkeypatch, "users", "set-role", "boss", "analyst", *db_)[0] == 2  # the last admin
    run(capsys, monkeypatch, "users", "add", "ann", "--role", "viewer", "--password-stdin", *db_, stdin=PW)
    assert run(capsys, monkeypatch, "users", "set-role", "ann", "analyst", *db_)[:2] == (0, "ann is now analyst\n")
    # A regional analyst (issue 15): restricted like a viewer, and may change only those customers.
    code, out, _ = run(capsys, monkeypatch, "users", "add", "east.analyst", "--role", "analyst", "--regions", "East",
                       "--password-stdin", *db_, stdin=PW)
    assert code == 0 and "only regions East" in out
    assert run(capsys, monkeypatch, "users", "remove", "east.analyst", *db_)[0] == 0
    assert run(capsys, monkeypatch, "users", "reset-password", "east", "--password-stdin", *db_,
               stdin="another-pass\n")[0] == 0
    con = db.connect(store)
    try:
        assert users.authenticate(con, "east", "another-pass").role == "viewer"  # the line end is not part of it
        with db.cursor(con) as cur:
            log = audit.history(cur, schema.USERS)
        assert PW not in log.to_string() and "another-pass" not in log.to_string()
    finally:
        con.close()
    assert run(capsys, monkeypatch, "users", "remove", "east", *db_)[:2] == (0, "removed east\n")
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--json", *db_)
    assert [u["name"] for u in json.loads(out)] == ["ann", "boss"]


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["add", "a", "--role", "viewer", "--password-stdin"], "\n", "error: the password is empty"),
    (["add", "a", "--role", "viewer", "--password-stdin"], "short\n", "error: the password is too short"),
    (["add", "a", "--role", "viewer", "--regions", "Eats", "--password-stdin"], PW + "\n",
     "error: no customer has region 'Eats'; known: "),
    (["add", "a", "--role", "admin", "--regions", "East", "--password-stdin"], PW + "\n",
     "error: an admin cannot be limited to regions or segments"),
    (["add", "a", "--role", "viewer"], "", "error: give the password on standard input with --password-stdin"),
    (["set-role", "nobody", "admin"], "", "error: no user named 'nobody'"),
    (["remove", "nobody"], "", "error: no user named 'nobody'"),
])
def test_mistakes_are_one_line_and_exit_2(store, capsys, monkeypatch, argv, stdin, message):
    code, out, err = run(capsys, monkeypatch, "users", *argv, "--db", str(store), stdin=stdin)
    assert code == 2 and err.startswith(message) and len(err.splitlines()) == 1 and out == ""
    assert "short" not in err.replace("too short", "") and PW not in err  # the password itself is never printed


def test_unknown_role_is_refused_by_the_parser(store, capsys, monkeypatch):
    with pytest.raises(SystemExit) as e:
        run(capsys, monkeypatch, "users", "add", "a", "--role", "owner", "--password-stdin", "--db", str(store))
    assert e.value.code == 2 and "invalid choice: 'owner'" in capsys.readouterr().err


def test_duplicate_and_last_admin(store, capsys, monkeypatch):
    db_ = ["--db", str(store)]
    run(capsys, monkeypatch, "users", "add", "boss", "--role", "admin", "--password-stdin", *db_, stdin=PW)
    run(capsys, monkeypatch, "users", "add", "ann", "--role", "viewer", "--password-stdin", *db_, stdin=PW)
    code, _, err = run(capsys, monkeypatch, "users", "add", "boss", "--role", "viewer", "--password-stdin", *db_,
                       stdin=PW)
    assert code == 2 and "a user named 'boss' already exists" in err
    for argv in (["set-role", "boss", "viewer"], ["remove", "boss"]):
        code, _, err = run(capsys, monkeypatch, "users", *argv, *db_)
        assert code == 2 and "'boss' is the last admin" in err


def test_a_mistyped_store_path_is_refused_and_not_created(tmp_path, capsys, monkeypatch):
    missing = tmp_path / "typo.duckdb"
    code, _, err = run(capsys, monkeypatch, "users", "add", "a", "--role", "admin", "--password-stdin",
                       "--db", str(missing), stdin=PW)
    assert code == 2 and "no store at" in err and not missing.exists()


def test_no_accounts_says_single_user_mode(store, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--db", str(store))
    assert code == 0 and "single-user mode" in out
