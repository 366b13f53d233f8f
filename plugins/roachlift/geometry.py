"""MySQL spatial values -> EWKB, the form CockroachDB (and PostGIS) read back as GEOMETRY.

MySQL/MariaDB store a geometry as 4 bytes of SRID (little-endian) followed by the value's WKB.
CockroachDB does not read that: its text input (COPY, IMPORT CSV, a ``$n`` parameter) goes through
``parseAmbiguousText`` (cockroach pkg/geo/parse.go): a value starting with ``'0'`` is EWKB hex
(``case '0': return parseEWKBHex(str, defaultSRID)``), ``{`` is GeoJSON, anything else EWKT;
so ``\\x``-prefixed bytes fail. EWKB is WKB whose type word carries the flag ``0x20000000`` and is
followed by the SRID (PostGIS's extended WKB, decoded by go-geom's ``ewkb.Unmarshal`` there);
an SRID of 0 is written as plain WKB. The hex is lower case; byte order is kept as MySQL wrote it.

One pure function does the conversion (:func:`mysql_to_ewkb`); the dump's server-side column
expression (:func:`mysql_ewkb_hex_sql`) computes the same text in SQL, and the binlog reader
converts row images with :func:`ewkb_row`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import Any

#: MySQL/MariaDB spatial column types (``DATA_TYPE`` in information_schema).
MYSQL_TYPES = frozenset(
    {
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
        "geomcollection",
    }
)
#: EWKB's "has SRID" flag in the type word (PostGIS liblwgeom WKBSRIDFLAG; go-geom ewkb sridFlag).
SRID_FLAG = 0x20000000
#: MySQL's binlog column type code for spatial columns (``MYSQL_TYPE_GEOMETRY``).
BINLOG_GEOMETRY = 255


class GeometryError(ValueError):
    """A value that is not MySQL's SRID + WKB."""


def mysql_to_ewkb(value: bytes | bytearray | memoryview) -> bytes:
    """MySQL's internal geometry (``<SRID uint32 LE><WKB>``) -> EWKB bytes (plain WKB for SRID 0)."""
    raw = bytes(value)
    if len(raw) < 9:
        raise GeometryError(f"geometry value of {len(raw)} bytes: too short for SRID + WKB")
    srid = struct.unpack_from("<I", raw, 0)[0]
    wkb = raw[4:]
    order = wkb[0]
    if order not in (0, 1):
        raise GeometryError(f"geometry value: WKB byte order {order} is neither 0 nor 1")
    if srid == 0:
        return wkb
    endian = "<" if order == 1 else ">"
    (kind,) = struct.unpack_from(endian + "I", wkb, 1)
    return wkb[:1] + struct.pack(endian + "II", kind | SRID_FLAG, srid) + wkb[5:]


def mysql_to_ewkb_hex(value: bytes | bytearray | memoryview) -> str:
    """:func:`mysql_to_ewkb` as lower-case hex: the CSV field / parameter text CockroachDB parses."""
    return mysql_to_ewkb(value).hex()


def mysql_ewkb_hex_sql(column: str) -> str:
    """A MySQL/MariaDB expression giving :func:`mysql_to_ewkb_hex` of ``column`` (already quoted).

    ``HEX`` of the stored value is ``SSSSSSSS`` (SRID, LE) ``OO`` (byte order) ``TTTTTTTT`` (type) and
    the rest; the flag goes into the type's high byte (last for LE, first for BE) and the SRID is
    written after the type in the value's byte order. NULL stays NULL.
    """
    h = f"HEX({column})"

    def part(start: int, length: int | None = None) -> str:
        return f"SUBSTR({h}, {start})" if length is None else f"SUBSTR({h}, {start}, {length})"

    def flagged(start: int) -> str:
        return f"LPAD(HEX(CONV({part(start, 2)}, 16, 10) | 32), 2, '0')"

    srid_be = f"CONCAT({part(7, 2)}, {part(5, 2)}, {part(3, 2)}, {part(1, 2)})"
    little = f"CONCAT('01', {part(11, 6)}, {flagged(17)}, {part(1, 8)}, {part(19)})"
    big = f"CONCAT('00', {flagged(11)}, {part(13, 6)}, {srid_be}, {part(19)})"
    return (
        f"LOWER(CASE WHEN {column} IS NULL THEN NULL WHEN {part(1, 8)} = '00000000' THEN {part(9)} "
        f"WHEN {part(9, 2)} = '01' THEN {little} ELSE {big} END)"
    )


def binlog_geometry_columns(columns: Iterable[Any]) -> set[str]:
    """Names of the spatial columns of a binlog rows event (``column.type == 255``)."""
    return {c.name for c in columns if getattr(c, "type", None) == BINLOG_GEOMETRY}


def ewkb_row(values: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    """A binlog row image with each spatial value (raw bytes) replaced by its EWKB hex."""
    out = dict(values)
    for name in names:
        value = out.get(name)
        if isinstance(value, bytes | bytearray | memoryview):
            out[name] = mysql_to_ewkb_hex(value)
    return out
