"""A real PostgreSQL server for the tests of database sources (no mock).

The session fixture :func:`postgres` runs Debian's ``postgresql`` binaries (``scripts/test.sh``
installs the package): ``initdb`` in a temporary folder, the server on a free TCP port of
127.0.0.1 with password authentication (scram-sha-256), readiness polled with ``pg_isready`` and
then a real connection within a bounded time, and the server stopped at the end. As root the
server runs as the ``postgres`` user (``initdb`` refuses root); otherwise as the current user.
Tests skip, saying why, only when the binaries are absent.

:func:`pg_shop` gives each test its own database with ``customers`` and ``transactions`` tables
filled with known rows (:data:`SHOP_CUSTOMERS`, :func:`shop_transactions`).
"""

from __future__ import annotations

import datetime as dt
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

SUPERUSER = "postgres"
SUPERUSER_PASSWORD = "Su-p3r.pw"
ANALYST = "analyst"
# Distinctive, with URL-special characters: tests grep for it in every output and the store's bytes.
ANALYST_PASSWORD = "Pg!s3cr3t#pw%Zq"
READY_TIMEOUT_S = 60.0


def _bindir() -> Path | None:
    env = os.environ.get("PG_BINDIR")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PgServer:
    """A running server: where it listens and how to reach it."""

    host: str
    port: int
    bindir: Path

    def url(self, database: str, user: str = ANALYST, password: str | None = None) -> str:
        pw = f":{quote(password, safe='')}" if password else ""
        return f"postgresql://{user}{pw}@{self.host}:{self.port}/{database}"

    def execute(self, database: str, *statements: str, params: tuple | None = None) -> None:
        """Run statements as the superuser (autocommit)."""
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, dbname=database, user=SUPERUSER,
                             password=SUPERUSER_PASSWORD, autocommit=True) as conn:
            for s in statements:
                conn.execute(s, params)

    def rows(self, database: str, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, dbname=database, user=SUPERUSER,
                             password=SUPERUSER_PASSWORD) as conn:
            return conn.execute(sql).fetchall()


def _as_server_user(cmd: list[str], root: bool) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if root else cmd


def _wait_ready(bindir: Path, port: int, deadline: float, log: Path) -> None:
    """Poll pg_isready, then a real login, until the deadline (no fixed sleep).

    ``pg_ctl -w`` has already waited for the server to accept connections, so this normally
    succeeds at once; each try waits at most a second inside pg_isready or the connection attempt.
    """
    import psycopg

    last = ""
    while time.monotonic() < deadline:
        ready = subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-t", "1"],
                               check=False, capture_output=True, text=True)
        last = ready.stdout.strip()
        if ready.returncode == 0:
            try:
                psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", user=SUPERUSER,
                                password=SUPERUSER_PASSWORD, connect_timeout=1).close()
                return
            except psycopg.OperationalError as exc:
                last = str(exc)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(f"PostgreSQL did not become ready within {READY_TIMEOUT_S:.0f} s ({last}):\n{tail}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """A PostgreSQL server for this test session (one per xdist worker), stopped at the end."""
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package "
                    "(scripts/test.sh does)")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -r requirements-dev.txt)")
    root = os.geteuid() == 0
    # As root the server runs as the postgres user, who must reach the folder: under /tmp, not $TMPDIR.
    folder = Path(tempfile.mkdtemp(prefix="cvm_pg_", dir="/tmp" if root else None))
    data, log, pwfile = folder / "data", folder / "server.log", folder / "pw"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    if root:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    os.chmod(folder, 0o700)
    os.chmod(pwfile, 0o600)
    port = _free_port()
    pg_ctl = str(bindir / "pg_ctl")
    try:
        subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--pwfile",
                                        str(pwfile), "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], root),
                       check=True, capture_output=True, text=True)
        opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c full_page_writes=off"
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-l", str(log), "-o", opts, "-t",
                                        str(int(READY_TIMEOUT_S)), "-w", "start"], root),
                       check=True, capture_output=True, text=True)
        _wait_ready(bindir, port, time.monotonic() + READY_TIMEOUT_S, log)
        server = PgServer("127.0.0.1", port, bindir)
        server.execute("postgres", f"CREATE ROLE {ANALYST} LOGIN PASSWORD '{ANALYST_PASSWORD}'")
        yield server
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"starting PostgreSQL failed: {exc.cmd}\n{exc.stdout}\n{exc.stderr}") from None
    finally:
        if data.exists():
            subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], root),
                           check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------------------- the shop database
SHOP_CUSTOMERS = [
    (f"C{i:03d}", f"Customer {i}", "enterprise" if i % 3 else "individual", "SMB" if i % 2 else "Key account",
     "North" if i % 4 < 2 else "South") for i in range(1, 21)]
FIRST_DAY = dt.date(2025, 1, 3)


def shop_transactions(start: int, n: int) -> list[tuple]:
    """``n`` transactions numbered from ``start``: (id, customer, date, product, quantity, revenue, cogs)."""
    out = []
    for i in range(start, start + n):
        revenue = Decimal(100 + (i * 37) % 900) + Decimal(i % 100) / 100
        out.append((f"T{i:05d}", f"C{i % 20 + 1:03d}", FIRST_DAY + dt.timedelta(days=i // 3), f"P{i % 4}",
                    1 + i % 3, revenue, (revenue * Decimal("0.6")).quantize(Decimal("0.01"))))
    return out


_db_counter = itertools.count(1)


@dataclass(frozen=True)
class Shop:
    """A database of one test: its name and server."""

    server: PgServer
    name: str

    def url(self, password: str | None = ANALYST_PASSWORD) -> str:
        return self.server.url(self.name, password=password)

    def add_transactions(self, rows: list[tuple]) -> None:
        import psycopg

        with psycopg.connect(host=self.server.host, port=self.server.port, dbname=self.name, user=SUPERUSER,
                             password=SUPERUSER_PASSWORD) as conn:
            conn.cursor().executemany("INSERT INTO transactions VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


@pytest.fixture
def pg_shop(postgres: PgServer) -> Shop:
    """A fresh database with 20 customers and 300 transactions, readable by the analyst role."""
    name = f"shop_{os.getpid()}_{next(_db_counter)}"
    postgres.execute("postgres", f"CREATE DATABASE {name}")
    postgres.execute(
        name,
        "CREATE TABLE customers (customer_id text PRIMARY KEY, name text, customer_type text, segment text, region text)",
        "CREATE TABLE transactions (transaction_id text PRIMARY KEY, customer_id text REFERENCES customers, "
        "tx_date date NOT NULL, product text, quantity integer, revenue numeric(12,2), cogs numeric(12,2))",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ANALYST}",
    )
    shop = Shop(postgres, name)
    import psycopg

    with psycopg.connect(host=postgres.host, port=postgres.port, dbname=name, user=SUPERUSER,
                         password=SUPERUSER_PASSWORD) as conn:
        conn.cursor().executemany("INSERT INTO customers VALUES (%s, %s, %s, %s, %s)", SHOP_CUSTOMERS)
    shop.add_transactions(shop_transactions(1, 300))
    return shop
