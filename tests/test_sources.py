"""Source adapters: one per SourceKind, each answering every capability with a method or with the one
explicit error; connection parameters built once (ConnInfo); the CLI's change source is the DAG's."""

from __future__ import annotations

import json
from pathlib import Path

import pymysql
import pytest

from roachlift.config.connections import ConnInfo, parse_uri
from roachlift.config.spec import MigrationSpec, SourceKind, TableHandling, parse_spec
from roachlift.errors import RoachliftError
from roachlift.sources import (
    ADAPTERS,
    REQUIREMENTS,
    Capability,
    SourceAdapter,
    UnsupportedCapability,
    adapter_for,
    spec_problems,
)
from roachlift.testing import MariaDBServer

ALL = frozenset(Capability)
#: What each source can do; anything else must raise UnsupportedCapability.
EXPECTED: dict[SourceKind, frozenset[Capability]] = {
    SourceKind.POSTGRES: ALL,
    SourceKind.MYSQL: ALL - {Capability.REPLICATION_SLOT},
    SourceKind.ORACLE: ALL
    - {Capability.REPLICATION_SLOT, Capability.SAMPLE_ROWS, Capability.SEQUENCE_VALUES},
}


def test_one_adapter_per_source_kind() -> None:
    assert set(ADAPTERS) == set(SourceKind)
    for kind in SourceKind:
        assert adapter_for(kind) is ADAPTERS[kind] and adapter_for(kind.value) is ADAPTERS[kind]
        assert ADAPTERS[kind].kind is kind
    with pytest.raises(RoachliftError, match=r"source kind 'sybase' is not one roachlift reads \(postgres"):
        adapter_for("sybase")


@pytest.mark.parametrize("capability", list(Capability), ids=lambda c: c.value)
@pytest.mark.parametrize("kind", list(SourceKind), ids=lambda k: k.value)
def test_capability_matrix(kind: SourceKind, capability: Capability) -> None:
    adapter = adapter_for(kind)
    if capability in EXPECTED[kind]:
        assert adapter.supports(capability)
        method = adapter.capability(capability)
        assert callable(method) and method.__func__ is getattr(type(adapter), capability.value)
        assert method.__func__ is not getattr(SourceAdapter, capability.value)
        return
    assert not adapter.supports(capability)
    with pytest.raises(UnsupportedCapability) as asked:
        adapter.capability(capability)
    # calling the method itself raises the same error before touching its arguments
    n_args = getattr(SourceAdapter, capability.value).__code__.co_argcount - 1
    with pytest.raises(UnsupportedCapability) as called:
        getattr(adapter, capability.value)(*[None] * n_args)
    for err in (asked.value, called.value):
        assert err.kind is kind and err.capability is capability
        assert str(err).startswith(f"{kind.value} source: no {capability.label}")
        assert isinstance(err, RoachliftError)


def test_declared_traits() -> None:
    """Only MySQL's worker transactions live inside the snapshot; only PostgreSQL verifies (and is
    estimated) by server-side chunk digests."""
    assert [k for k, a in ADAPTERS.items() if a.workers_in_snapshot] == [SourceKind.MYSQL]
    assert [k for k, a in ADAPTERS.items() if a.verify_chunk_digests] == [SourceKind.POSTGRES]


def test_unsupported_errors_say_why() -> None:
    err = adapter_for(SourceKind.MYSQL).unsupported_error(Capability.REPLICATION_SLOT)
    assert str(err) == (
        "mysql source: no replication slot (the change stream reads the binlog; its retention is the "
        "server's)"
    )


def _spec(kind: str, **sections: dict) -> MigrationSpec:
    data = {
        "name": "adapters",
        "source": {"kind": kind, "conn_id": "src"},
        "target": {"conn_id": "tgt", "database": "t"},
        **sections,
    }
    return parse_spec(data)


def test_spec_enums_are_members_not_strings() -> None:
    spec = _spec("mysql", load={"table_handling": "resume"})
    assert spec.source.kind is SourceKind.MYSQL
    assert spec.load.table_handling is TableHandling.RESUME
    assert spec.load.table_handling == "resume"  # a StrEnum still equals its text


def test_spec_problems_read_the_capabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    assert spec_problems(_spec("postgres", cdc={"slot_name": "s1"})) == []
    assert spec_problems(_spec("mysql", cdc={"slot_name": "s1"})) == [
        "cdc.slot_name: mysql source: no replication slot (the change stream reads the binlog; its "
        "retention is the server's); remove cdc.slot_name"
    ]

    class NoStream(type(adapter_for("mysql"))):  # type: ignore[misc]
        change_source = SourceAdapter.change_source
        freezer = SourceAdapter.freezer

    monkeypatch.setitem(ADAPTERS, SourceKind.MYSQL, NoStream())
    problems = spec_problems(_spec("mysql", cutover={"freeze_source_writes": True}))
    assert problems == [
        "cdc.enabled: mysql source: no change source; set cdc.enabled: false",
        "cutover.freeze_source_writes: mysql source: no write freeze; "
        "set cutover.freeze_source_writes: false",
    ]
    assert spec_problems(_spec("mysql", cdc={"enabled": False})) == []
    assert set(REQUIREMENTS.values()) <= set(Capability)


def test_conninfo_builds_each_drivers_parameters_once() -> None:
    my = parse_uri("mysql://app:p%40ss@db.example:3307/shop")
    assert my.kind is SourceKind.MYSQL
    assert my.mysql_kwargs() == {
        "host": "db.example",
        "port": 3307,
        "user": "app",
        "password": "p@ss",
        "database": "shop",
    }
    assert my.mysql_kwargs("other")["database"] == "other"
    assert "database" not in my.mysql_kwargs(server_only=True)
    bare = parse_uri("mariadb://db.example")
    assert bare.mysql_kwargs() == {"host": "db.example", "port": 3306, "user": "root", "password": ""}
    ora = parse_uri("oracle://app:pw@ora.example/ORCLPDB1")
    assert ora.oracle_dsn() == "ora.example:1521/ORCLPDB1"
    assert ConnInfo(SourceKind.ORACLE, extra={"dsn": "tns_alias"}).oracle_dsn() == "tns_alias"
    assert parse_uri("cockroachdb://root@crdb:26257/x").kind is SourceKind.POSTGRES


def test_mysql_kwargs_connect_both_drivers(mariadb_server: MariaDBServer, mysql_db: str) -> None:
    """PyMySQL and mysqlclient both take ``mysql_kwargs`` as they are (``password``, ``database``)."""
    import MySQLdb

    info = parse_uri(mariadb_server.uri(mysql_db))
    conn = pymysql.connect(**info.mysql_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            assert cur.fetchone() == (mysql_db,)
    finally:
        conn.close()
    raw = MySQLdb.connect(**info.mysql_kwargs(server_only=True))
    try:
        cur = raw.cursor()
        cur.execute("SELECT DATABASE()")
        assert cur.fetchone() == (None,)
    finally:
        raw.close()


def test_cli_change_source_is_the_dags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI used to build its own change sources: a MySQL one without the spec's value rules and a
    PostgreSQL one guessing the slot name. Now both come from the adapter, as in the DAG."""
    from roachlift.cdc.cli import snapshot_position
    from roachlift.cdc.mysql import MySQLSource
    from roachlift.config.connections import resolve_connection
    from roachlift.pipeline import change_source_at

    def source_for_spec(spec: MigrationSpec) -> object:  # what ``roachlift cdc`` starts
        conninfo = resolve_connection(spec.source.conn_id)
        return change_source_at(spec, conninfo, lambda: snapshot_position(spec))

    from roachlift.values import ValueRules

    (tmp_path / "snapshot.json").write_text(
        json.dumps({"kind": "mysql", "binlog_file": "bin.000001", "binlog_pos": 4})
    )
    monkeypatch.setenv("AIRFLOW_CONN_SRC", "mysql://root@127.0.0.1:1/shop")
    spec = _spec("mysql", dump={"out_dir": str(tmp_path)}, values={"zero_dates": "null"})
    source = source_for_spec(spec)
    assert isinstance(source, MySQLSource)
    assert source.value_rules == ValueRules.from_spec(spec) and source.value_rules.zero_dates == "null"

    (tmp_path / "snapshot.json").write_text(json.dumps({"kind": "postgres", "slot": None, "lsn": "0/0"}))
    monkeypatch.setenv("AIRFLOW_CONN_SRC", "postgres://u@127.0.0.1:1/shop")
    with pytest.raises(RoachliftError, match="the dump made no replication slot"):
        source_for_spec(_spec("postgres", dump={"out_dir": str(tmp_path)}))


def test_no_oracle_sample_for_the_estimate() -> None:
    from roachlift.estimate import sample_source

    why = r"oracle source: no estimate sample \(the estimate has no Oracle sample reader yet\)"
    with pytest.raises(UnsupportedCapability, match=why):
        sample_source(_spec("oracle"), parse_uri("oracle://u:p@h/s"), "SHOP.T")


def test_status_and_release_slot_read_the_capability(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from roachlift.cutover_cli import release_slot, status_lines

    monkeypatch.setenv("ROACHLIFT_WORK_DIR", str(tmp_path))
    spec = _spec("oracle")
    lines = status_lines(spec, parse_uri("oracle://u:p@h/s"))
    assert "replication slots: none (the change stream reads a staging table fed by triggers)" in lines
    with pytest.raises(UnsupportedCapability, match="mysql source: no replication slot"):
        release_slot(_spec("mysql"), parse_uri("mysql://root@h/s"))
