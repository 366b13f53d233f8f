"""MySQL geometry -> EWKB: the dump's CSV field and the binlog value parse as EWKB with the SRID
and coordinates the source holds.

CockroachDB reads a GEOMETRY from text with ``parseAmbiguousText`` (cockroach pkg/geo/parse.go):
    switch str[0] {
    case '0':
        return parseEWKBHex(str, defaultSRID)
so the field must be EWKB hex starting with the byte-order byte ``00``/``01``, never ``\\x...``.
The EWKB here is parsed by a small reader written from the format (PostGIS's extended WKB: the type
word carries 0x20000000 when an SRID follows it), not by the code under test.
"""

from __future__ import annotations

import csv
import struct
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
from dump_helpers import copy_back, make_spec

from roachlift.cdc.model import Change, Op
from roachlift.cdc.mysql import MySQLSource, master_status
from roachlift.config.connections import parse_uri
from roachlift.dump import dump_database
from roachlift.dump.manifest import table_dir_name
from roachlift.geometry import GeometryError, mysql_ewkb_hex_sql, mysql_to_ewkb, mysql_to_ewkb_hex
from roachlift.testing import MariaDBServer, PostgresServer
from roachlift.verify.normalize import KIND_GEOMETRY, column_kind, normalize


def read_ewkb(data: bytes) -> tuple[int, int, list[tuple[float, ...]]]:
    """(SRID or 0, geometry type, flat list of coordinate pairs) of an EWKB/WKB value."""
    order = "<" if data[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, 1)
    pos, srid = 5, 0
    if kind & 0x20000000:
        (srid,) = struct.unpack_from(order + "I", data, pos)
        pos += 4
    base = kind & 0xFFFF
    coords: list[tuple[float, ...]] = []

    def points(n: int) -> None:
        nonlocal pos
        for _ in range(n):
            coords.append(struct.unpack_from(order + "dd", data, pos))
            pos += 16

    if base == 1:
        points(1)
    elif base == 2:
        (n,) = struct.unpack_from(order + "I", data, pos)
        pos += 4
        points(n)
    elif base == 3:
        (rings,) = struct.unpack_from(order + "I", data, pos)
        pos += 4
        for _ in range(rings):
            (n,) = struct.unpack_from(order + "I", data, pos)
            pos += 4
            points(n)
    else:
        raise AssertionError(f"type {base} not read by this test")
    assert pos == len(data), "trailing bytes"
    return srid, base, coords


def test_conversion_from_hand_built_values() -> None:
    wkb_le = struct.pack("<BIdd", 1, 1, 1.5, -2.25)
    internal = struct.pack("<I", 4326) + wkb_le
    ewkb = mysql_to_ewkb(internal)
    assert ewkb == struct.pack("<BIIdd", 1, 0x20000001, 4326, 1.5, -2.25)
    assert read_ewkb(ewkb) == (4326, 1, [(1.5, -2.25)])
    assert mysql_to_ewkb_hex(internal) == ewkb.hex() and mysql_to_ewkb_hex(internal)[0] == "0"
    # SRID 0: plain WKB
    assert mysql_to_ewkb(struct.pack("<I", 0) + wkb_le) == wkb_le
    # big-endian WKB keeps its order; the SRID follows in the same order
    wkb_be = struct.pack(">BIdd", 0, 1, 3.0, 4.0)
    assert mysql_to_ewkb(struct.pack("<I", 3857) + wkb_be) == struct.pack(
        ">BIIdd", 0, 0x20000001, 3857, 3.0, 4.0
    )
    with pytest.raises(GeometryError, match="too short"):
        mysql_to_ewkb(b"\x00\x00\x00\x00\x01")
    with pytest.raises(GeometryError, match="byte order 7"):
        mysql_to_ewkb(struct.pack("<I", 0) + b"\x07" + wkb_le[1:])


ADDRESS = """
CREATE TABLE address (
  address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  address VARCHAR(50) NOT NULL,
  location GEOMETRY NOT NULL,
  spot POINT NULL,
  PRIMARY KEY (address_id)
)
"""
ROWS = [
    ("47 MySakila Drive", "POINT(-112.8185647 49.6999986)", 0),
    ("28 MySQL Boulevard", "POINT(-112.8185673 49.6999951)", 0),
    ("1913 Hanoi Way", "POINT(139.731 35.6895)", 4326),
    ("Square", "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))", 3857),
    ("Line", "LINESTRING(1 1,2.5 3.75,-4 8)", 4326),
]


def _seed(mariadb_server: MariaDBServer, db: str, *, create: bool = True) -> Any:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(db), autocommit=True)
    with conn.cursor() as cur:
        if create:
            cur.execute(ADDRESS)
        for address, wkt, srid in ROWS:
            cur.execute(
                "INSERT INTO address (address, location, spot) VALUES (%s, ST_GeomFromText(%s, %s),"
                " IF(%s LIKE 'POINT%%', ST_GeomFromText(%s, %s), NULL))",
                (address, wkt, srid, wkt, wkt, srid),
            )
    return conn


def test_dumped_geometry_is_ewkb_hex_with_srid_and_coordinates(
    mariadb_server: MariaDBServer, mysql_db: str, pg_server: PostgresServer, tmp_path: Path
) -> None:
    conn = _seed(mariadb_server, mysql_db)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT address_id, location, ST_SRID(location), ST_AsText(location), spot,"
            f" {mysql_ewkb_hex_sql('`location`')} FROM address ORDER BY address_id"
        )
        source = cur.fetchall()
    conn.close()
    spec = make_spec("geo", "mysql", [mysql_db])
    result = dump_database(spec, parse_uri(mariadb_server.uri(mysql_db)), tmp_path)
    (manifest,) = result.tables
    table = f"{mysql_db}.address"
    part = tmp_path / table_dir_name(table) / manifest.files[0].path
    with part.open(newline="", encoding="utf-8") as fh:
        fields = list(csv.reader(fh))
    assert len(fields) == len(ROWS)
    cols = manifest.columns
    for (address_id, raw, srid, wkt, spot_raw, sql_hex), line in zip(source, fields, strict=True):
        loc = line[cols.index("location")]
        assert loc[0] == "0" and not loc.startswith("\\x"), loc  # parseAmbiguousText: case '0'
        assert loc == mysql_to_ewkb_hex(raw) == sql_hex  # SQL expression == the Python function
        got_srid, kind, coords = read_ewkb(bytes.fromhex(loc))
        assert got_srid == srid, (address_id, wkt)
        numbers = [
            float(x)
            for x in wkt[wkt.index("(") :].replace("(", " ").replace(")", " ").replace(",", " ").split()
        ]
        assert [c for pair in coords for c in pair] == numbers, wkt
        assert kind == {"POINT": 1, "LINESTRING": 2, "POLYGON": 3}[wkt.split("(")[0]]
        spot = line[cols.index("spot")]
        assert (spot == "") == (spot_raw is None)  # NULL stays an unquoted empty field
        if spot_raw is not None:
            assert spot == loc

    # the PostgreSQL stand-in target keeps the EWKB hex as TEXT (the converter's GEOMETRY -> TEXT);
    # verify compares it with the source bytes as the same value
    target = pg_server.create_database(mysql_db + "_geo")
    with psycopg.connect(target) as pg:
        pg.execute(
            "CREATE TABLE address (address_id int PRIMARY KEY, address text, location text, spot text)"
        )
    assert copy_back(target, tmp_path, table, "public.address") == len(ROWS)
    with psycopg.connect(target) as pg:
        back = pg.execute("SELECT location FROM address ORDER BY address_id").fetchall()
    kind = column_kind("geometry", "text")
    assert kind == KIND_GEOMETRY
    for (_, raw, *_rest), (text,) in zip(source, back, strict=True):
        assert normalize(raw, kind) == normalize(text, kind) == normalize(text.upper(), kind)


def test_binlog_geometry_arrives_as_ewkb_hex(mariadb_server: MariaDBServer, mysql_db: str) -> None:
    conn = pymysql.connect(**mariadb_server.connect_kwargs(mysql_db), autocommit=True)
    with conn.cursor() as cur:
        cur.execute(ADDRESS)
    conn.close()
    start = master_status(mariadb_server.connect_kwargs())
    conn = _seed(mariadb_server, mysql_db, create=False)
    with conn.cursor() as cur:
        cur.execute("UPDATE address SET location = ST_GeomFromText('POINT(5 6)', 4326) WHERE address_id = 1")
        expected = []
        for _, wkt, srid in ROWS:
            cur.execute("SELECT ST_GeomFromText(%s, %s)", (wkt, srid))
            (raw,) = cur.fetchone()
            expected.append(mysql_to_ewkb_hex(raw))
    conn.close()
    source = MySQLSource(mariadb_server.connect_kwargs(), start, schemas=[mysql_db])
    source.open(None)
    try:
        changes = [e for e in source.read(100) if isinstance(e, Change)]
    finally:
        source.close()
    inserts = [c for c in changes if c.op is Op.INSERT]
    assert [c.new["location"] for c in inserts if c.new] == expected
    (update,) = [c for c in changes if c.op is Op.UPDATE]
    assert update.new is not None
    assert read_ewkb(bytes.fromhex(str(update.new["location"]))) == (4326, 1, [(5.0, 6.0)])
