"""etl.warehouse: migrations, comments on every table and column, atomic writes under readers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from etl import load, settings, stage, warehouse

import seed_run  # the gold-to-parsed converter, on pytest's pythonpath (tests/fixtures/parsed)

REPO_DIR = Path(__file__).resolve().parents[2]
DOCUMENTED_SCHEMAS = ("meta", "raw", "staging", "mart", "dq")
# Reads the warehouse in another process and prints how many rows table t has.
READER = (
    "import sys; from etl import warehouse; con = warehouse.read(sys.argv[1]); "
    "print(con.execute('select count(*) from t').fetchall()[0][0])"
)


def _rows_seen_by_another_process(path: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", READER, str(path)], cwd=REPO_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def _warehouse_with_one_row(path: Path) -> None:
    with warehouse.writing(path) as con:
        con.execute("create table t (n integer)")
        con.execute("insert into t values (1)")


def test_migrate_applies_every_file_once_and_records_it(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    version = warehouse.migrate(con)
    recorded = con.execute("select file_name, sha256, applied_at from meta.schema_migrations").fetchall()
    names = [name for name, _ in warehouse.migration_files()]

    assert sorted(name for name, _, _ in recorded) == sorted(names)
    assert names[0].startswith("staging/") and names[-1].startswith("mart/")
    assert version == names[-1] == warehouse.schema_version(con)
    assert all(len(sha) == 64 for _, sha, _ in recorded)

    assert warehouse.migrate(con) == version
    assert con.execute("select file_name, sha256, applied_at from meta.schema_migrations").fetchall() == recorded


def test_migrate_reapplies_a_changed_file(tmp_path, monkeypatch):
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    before = dict(con.execute("select file_name, sha256 from meta.schema_migrations").fetchall())

    view = sql_dir / "mart" / "900_v_indicator.sql"
    view.write_text(view.read_text(encoding="utf-8") + "\n-- reviewed\n", encoding="utf-8")
    warehouse.migrate(con)
    after = dict(con.execute("select file_name, sha256 from meta.schema_migrations").fetchall())

    assert [name for name in after if after[name] != before[name]] == ["mart/900_v_indicator.sql"]


def test_a_broken_migration_names_its_file_and_applies_nothing(tmp_path, monkeypatch):
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    (sql_dir / "mart" / "950_broken.sql").write_text("create table mart.half (n integer);\nselect nonsense(;\n")
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)
    con = warehouse.connect(tmp_path / "w.duckdb")

    with pytest.raises(warehouse.WarehouseError, match=r"^sql/mart/950_broken.sql: migration failed: "):
        warehouse.migrate(con)
    # every pending file applies in one transaction: nothing at all was applied
    assert con.execute("select count(*) from duckdb_tables() where schema_name = 'mart'").fetchall() == [(0,)]
    assert warehouse.schema_version(con) is None


def test_a_changed_mart_file_rebuilds_the_mart_from_staging_in_the_same_migration(tmp_path, monkeypatch):
    sql_dir = tmp_path / "sql"
    shutil.copytree(settings.SQL_DIR, sql_dir)
    monkeypatch.setattr(settings, "SQL_DIR", sql_dir)
    path = tmp_path / "w.duckdb"
    with warehouse.writing(path) as con:
        stage.stage_run(seed_run.write_run(tmp_path / "run"), "run-1", con)
        load.load_run("run-1", con)
        before = warehouse.checksums(con)
        assert con.execute("select count(*) from mart.fact_indicator").fetchall()[0][0] > 0

    # a warehouse of an older schema: its fact table lacks a column the models now fill
    with warehouse.writing(path) as con:
        con.execute("alter table mart.fact_indicator drop column share_percent")
        con.execute("update meta.schema_migrations set sha256 = 'old' where file_name = 'mart/060_fact_indicator.sql'")
    fact = sql_dir / "mart" / "060_fact_indicator.sql"
    fact.write_text(fact.read_text(encoding="utf-8") + "\n-- reviewed\n", encoding="utf-8")
    with warehouse.writing(path):
        pass

    with warehouse.read(path) as con:
        assert warehouse.checksums(con) == before
        assert con.execute("select count(share_percent) from mart.fact_indicator").fetchall()[0][0] > 0


def test_checksums_tell_equal_tables_from_different_ones(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    con.execute("create schema s")
    con.execute("create table s.a (n integer, t varchar)")
    con.execute("insert into s.a values (1, 'x'), (2, null)")
    first = warehouse.checksums(con, ("s",))
    con.execute("delete from s.a")
    con.execute("insert into s.a values (2, null), (1, 'x')")

    assert warehouse.checksums(con, ("s",)) == first and list(first) == ["s.a"]
    con.execute("update s.a set t = 'y' where n = 1")
    assert warehouse.checksums(con, ("s",)) != first


def test_every_table_view_and_column_has_a_comment(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.migrate(con)
    schemas = list(DOCUMENTED_SCHEMAS)

    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() where schema_name in ? "
        "union all select schema_name, view_name, comment from duckdb_views() where schema_name in ?",
        [schemas, schemas],
    ).fetchall()
    columns = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where schema_name in ? and (comment is null or comment = '')",
        [schemas],
    ).fetchall()

    names = {f"{schema}.{name}" for schema, name, _ in tables}
    assert {"raw.fetch_log", "staging.stg_indicators", "mart.fact_indicator", "mart.v_indicator"} <= names
    assert [f"{schema}.{name}" for schema, name, comment in tables if not comment] == []
    assert columns == []


def test_readers_see_the_old_state_until_the_writer_finishes(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_with_one_row(path)

    with warehouse.writing(path) as con:
        con.execute("insert into t values (2)")
        assert con.execute("select count(*) from t").fetchall()[0][0] == 2
        assert _rows_seen_by_another_process(path) == 1

    assert _rows_seen_by_another_process(path) == 2


def test_an_error_inside_the_writer_leaves_the_warehouse_as_it_was(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_with_one_row(path)
    before = path.read_bytes()

    with pytest.raises(RuntimeError, match="boom"):
        with warehouse.writing(path) as con:
            con.execute("insert into t values (2)")
            raise RuntimeError("boom")

    assert path.read_bytes() == before
    assert _rows_seen_by_another_process(path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.duckdb.lock"]


def test_writing_creates_a_migrated_warehouse(tmp_path):
    path = tmp_path / "new" / "w.duckdb"
    with warehouse.writing(path):
        pass

    con = warehouse.read(path)
    assert warehouse.schema_version(con) == warehouse.migration_files()[-1][0]
    with pytest.raises(Exception, match="read-only"):
        con.execute("create table x (n integer)")


def test_reading_a_missing_warehouse_says_so_in_one_line(tmp_path):
    with pytest.raises(warehouse.WarehouseError, match=r"no warehouse yet"):
        warehouse.read(tmp_path / "absent.duckdb")


def test_a_killed_writers_copy_is_cleaned_up_by_the_next_writer(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_with_one_row(path)
    (tmp_path / ".w.duckdb.0123.tmp").write_bytes(b"half a copy")
    (tmp_path / ".w.duckdb.0123.tmp.wal").write_bytes(b"half a log")

    with warehouse.writing(path) as con:
        con.execute("insert into t values (2)")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.duckdb.lock"]
    assert _rows_seen_by_another_process(path) == 2


def test_two_writers_take_turns_and_neither_update_is_lost(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse_with_one_row(path)
    inside = threading.Event()

    def slow_writer():
        with warehouse.writing(path) as con:
            con.execute("insert into t values (2)")
            inside.set()
            time.sleep(1)

    first = threading.Thread(target=slow_writer)
    first.start()
    inside.wait(30)
    with warehouse.writing(path) as con:
        con.execute("insert into t values (3)")
    first.join(30)

    assert _rows_seen_by_another_process(path) == 3
