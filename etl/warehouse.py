"""Open the DuckDB warehouse, migrate its schema and write it atomically while analysts read it."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl import settings

log = logging.getLogger(__name__)

MIGRATION_LAYERS = ("staging", "mart")


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or written; the message is one line."""


MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*[KMGT]i?B$", re.IGNORECASE)


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file (``settings.WAREHOUSE`` by default), creating its folder."""
    path = Path(path or settings.WAREHOUSE)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return _configured(duckdb.connect(str(path), read_only=read_only))


def _configured(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Cap DuckDB's memory and threads (settings.WAREHOUSE_MEMORY_LIMIT, WAREHOUSE_THREADS) for this process."""
    limit, threads = settings.WAREHOUSE_MEMORY_LIMIT.strip(), settings.WAREHOUSE_THREADS
    if not MEMORY_LIMIT.match(limit) or threads < 1:
        con.close()
        raise WarehouseError(f"TINHUY_WAREHOUSE_MEMORY_LIMIT {limit!r} must be a size such as 512MB, "
                             f"TINHUY_WAREHOUSE_THREADS {threads} at least 1")
    # Settings of the process, not values from a page: SET takes no parameters.
    con.execute(f"set memory_limit = '{limit}'")
    con.execute(f"set threads = {int(threads)}")
    # Hand freed memory back to the system as the process goes on, rather than keeping it for DuckDB's next query.
    con.execute("set allocator_background_threads = true")
    return con


def read(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse as of the last completed write."""
    path = Path(path or settings.WAREHOUSE)
    if not path.exists():
        raise WarehouseError(f"{path}: no warehouse yet (run a load first)")
    return connect(path, read_only=True)


def migration_files(sql_dir: Path | None = None) -> list[tuple[str, Path]]:
    """The migration files as (name relative to sql/, path): staging first, then mart, each by file name."""
    sql_dir = sql_dir or settings.SQL_DIR
    return [
        (f"{layer}/{path.name}", path)
        for layer in MIGRATION_LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"))
    ]


def migrate(con: duckdb.DuckDBPyConnection) -> str | None:
    """Apply the migration files not yet applied (or changed since), record them, return the schema version.

    All pending files apply in one transaction, or none does. Staging files are idempotent DDL: to
    alter an existing staging table, add a new file rather than editing its ``create table if not
    exists``. The mart is derived from staging, so its files replace their tables, and whenever a
    mart file is applied the mart is rebuilt from staging in the same transaction: a reader never
    sees an empty or half-built mart after a schema change.
    """
    applied = _applied_migrations(con)
    pending = []
    for name, path in migration_files():
        text = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if applied.get(name) != digest:
            pending.append((name, text, digest))
    if not pending:
        return schema_version(con)
    con.execute("begin transaction")
    try:
        for name, text, digest in pending:
            try:
                con.execute(text)
            except duckdb.Error as exc:
                raise WarehouseError(f"sql/{name}: migration failed: {_one_line(exc)}") from exc
            con.execute(
                "insert or replace into meta.schema_migrations (file_name, sha256, applied_at) values (?, ?, ?)",
                [name, digest, _utc_now()],
            )
            log.info("applied migration %s", name)
        if any(name.startswith("mart/") for name, _, _ in pending):
            from etl import load

            load.build_mart(con)
            log.info("rebuilt the mart from staging for the new schema")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return schema_version(con)


def schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The last migration file applied, in file order, or None for an empty warehouse."""
    names = sorted(_applied_migrations(con), key=_migration_order)
    return names[-1] if names else None


@contextlib.contextmanager
def writing(path: str | Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of the warehouse, migrated, swapped in on success.

    Readers keep opening the real file read-only and see the previous state until the swap.
    Caveats: each write copies the whole file (time and disk grow with the warehouse); writers
    are serialised by an flock on ``<warehouse>.lock`` (POSIX only; it does not stop a process
    that opens the file directly); a reader connected before the swap keeps the old state
    until it reconnects.
    """
    path = Path(path or settings.WAREHOUSE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path):
        for stale in path.parent.glob(f".{path.name}.*.tmp*"):  # left by a writer that was killed
            _remove(stale)
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        _copy_database(path, temp)
        con = _configured(duckdb.connect(str(temp)))
        try:
            migrate(con)
            yield con
            con.execute("checkpoint")
            con.close()
            _fsync(temp)
            os.replace(temp, path)
            _fsync(path.parent)
            _remove(Path(f"{path}.wal"))  # a crashed writer's log, already replayed into the copy
            log.info("warehouse %s written", path)
        except BaseException:
            con.close()
            _remove(temp)
            raise
        finally:
            _remove(Path(f"{temp}.wal"))


def checksums(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = ("mart",)) -> dict[str, str]:
    """md5 of every table's rows in the schemas, in a fixed order: equal checksums, equal tables."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name in ? and not temporary order by 1, 2",
        [list(schemas)],
    ).fetchall()
    return {
        f"{schema}.{table}": con.execute(
            "select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) "
            f'from "{schema}"."{table}" as t'
        ).fetchall()[0][0]
        for schema, table in tables
    }


def _applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'meta' and table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return {}
    return dict(con.execute("select file_name, sha256 from meta.schema_migrations").fetchall())


def _migration_order(name: str) -> tuple[int, str]:
    layer, _, file_name = name.partition("/")
    rank = MIGRATION_LAYERS.index(layer) if layer in MIGRATION_LAYERS else len(MIGRATION_LAYERS)
    return rank, file_name


@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    with open(path.with_name(f"{path.name}.lock"), "w") as lock:
        deadline = time.monotonic() + settings.WAREHOUSE_LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WarehouseError(f"{path}: another writer held the warehouse too long") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _copy_database(path: Path, temp: Path) -> None:
    """Copy the warehouse and any write-ahead log left by a crashed writer, so DuckDB replays it."""
    if path.exists():
        shutil.copyfile(path, temp)
    wal = Path(f"{path}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{temp}.wal"))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
