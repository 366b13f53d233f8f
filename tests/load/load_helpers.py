"""Helpers for the load tests: dump writers (files + manifest), digests, Sakila phase files.

The dump step is written concurrently by another engineer, so these helpers write the dump
layout themselves (DEVELOPERS-CONTEXT.md): ``<out>/<folder>/part-0000N.csv[.gz]`` produced by
the real PostgreSQL server with ``COPY (SELECT ...) TO STDOUT (FORMAT csv)``, and
``manifest.json`` with table, target_table, columns, files, rows, bytes, compression.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import psycopg
from psycopg import sql

COPY_OUT = "COPY (SELECT {} FROM {} ORDER BY {} LIMIT {} OFFSET {}) TO STDOUT (FORMAT csv)"
DIGEST = "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{}), '')) FROM {} AS t"
SAKILA_TABLES = ("language", "category", "actor", "country", "city", "address")
SAKILA_KEYS = {
    "language": "language_id",
    "category": "category_id",
    "actor": "actor_id",
    "country": "country_id",
    "city": "city_id",
    "address": "address_id",
}


def write_dump(
    out: Path,
    folder: str,
    target_table: str,
    columns: Sequence[str],
    parts: Sequence[bytes],
    *,
    gzip_files: bool = False,
    rows: int | None = None,
) -> Path:
    """Write CSV parts and a manifest; ``rows`` defaults to the newline count of the parts."""
    tdir = out / folder
    tdir.mkdir(parents=True, exist_ok=True)
    files = []
    total_rows = 0
    for i, data in enumerate(parts, start=1):
        name = f"part-{i:05d}.csv" + (".gz" if gzip_files else "")
        payload = gzip.compress(data, compresslevel=1) if gzip_files else data
        (tdir / name).write_bytes(payload)
        n = data.count(b"\n") if rows is None else 0
        total_rows += n
        files.append(
            {"path": name, "rows": n, "bytes": len(data), "sha256": hashlib.sha256(payload).hexdigest()}
        )
    manifest = {
        "table": f"src.{folder}",
        "target_table": target_table,
        "columns": list(columns),
        "files": files,
        "rows": total_rows if rows is None else rows,
        "bytes": sum(f["bytes"] for f in files),
        "compression": "gzip" if gzip_files else "none",
        "snapshot": {},
        "elapsed_s": 0.0,
        "rows_per_s": 0.0,
    }
    path = tdir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def dump_from_pg(
    src_dsn: str,
    out: Path,
    table: str,
    key: str,
    *,
    parts: int = 1,
    gzip_files: bool = False,
    target_table: str | None = None,
) -> Path:
    """Dump ``public.<table>`` of a real PostgreSQL database with COPY ... TO STDOUT (FORMAT csv),
    split into ``parts`` files by primary-key order."""
    with psycopg.connect(src_dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        columns = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            )
        ]
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        total = int(row[0]) if row else 0
        per = -(-total // parts)
        blobs = []
        for i in range(parts):
            q = sql.SQL(
                "COPY (SELECT {} FROM {} ORDER BY {} LIMIT {} OFFSET {}) TO STDOUT (FORMAT csv)"
            ).format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                sql.Identifier(table),
                sql.Identifier(key),
                sql.Literal(per),
                sql.Literal(i * per),
            )
            buf = bytearray()
            with conn.cursor().copy(q) as copy:
                for chunk in copy:
                    buf += chunk
            blobs.append(bytes(buf))
    return write_dump(out, table, target_table or f"public.{table}", columns, blobs, gzip_files=gzip_files)


def table_digest(dsn: str, table: str, key: str) -> tuple[int, str]:
    """(row count, md5 of every row's text in key order): equal digests mean equal data."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        row = conn.execute(
            sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{}), '')) FROM {} AS t"
            ).format(sql.Identifier(key), sql.Identifier(table))
        ).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


#: Phase files for the six simple Sakila tables, as the converter would write them
#: (PK only in 02; indexes, foreign keys and views later).
SAKILA_PHASES = {
    "01_types.sql": "-- no types for these tables\n",
    "02_tables.sql": """
CREATE SEQUENCE actor_actor_id_seq;
CREATE SEQUENCE category_category_id_seq;
CREATE SEQUENCE language_language_id_seq;
CREATE SEQUENCE country_country_id_seq;
CREATE SEQUENCE city_city_id_seq;
CREATE SEQUENCE address_address_id_seq;
CREATE TABLE language (
    language_id integer DEFAULT nextval('language_language_id_seq'::regclass) NOT NULL PRIMARY KEY,
    name character(20) NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);
CREATE TABLE category (
    category_id integer DEFAULT nextval('category_category_id_seq'::regclass) NOT NULL PRIMARY KEY,
    name character varying(25) NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);
CREATE TABLE actor (
    actor_id integer DEFAULT nextval('actor_actor_id_seq'::regclass) NOT NULL PRIMARY KEY,
    first_name character varying(45) NOT NULL,
    last_name character varying(45) NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);
CREATE TABLE country (
    country_id integer DEFAULT nextval('country_country_id_seq'::regclass) NOT NULL PRIMARY KEY,
    country character varying(50) NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);
CREATE TABLE city (
    city_id integer DEFAULT nextval('city_city_id_seq'::regclass) NOT NULL PRIMARY KEY,
    city character varying(50) NOT NULL,
    country_id integer NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);
CREATE TABLE address (
    address_id integer DEFAULT nextval('address_address_id_seq'::regclass) NOT NULL PRIMARY KEY,
    address character varying(50) NOT NULL,
    address2 character varying(50),
    district character varying(20) NOT NULL,
    city_id integer NOT NULL,
    postal_code character varying(10),
    phone character varying(20) NOT NULL,
    last_update timestamp without time zone DEFAULT now() NOT NULL
);
""",
    "03_indexes.sql": """
CREATE INDEX idx_actor_last_name ON actor (last_name);
CREATE INDEX idx_fk_country_id ON city (country_id);
CREATE INDEX idx_fk_city_id ON address (city_id);
""",
    "04_foreign_keys.sql": """
ALTER TABLE city ADD CONSTRAINT city_country_id_fkey FOREIGN KEY (country_id) REFERENCES country (country_id);
ALTER TABLE address ADD CONSTRAINT address_city_id_fkey FOREIGN KEY (city_id) REFERENCES city (city_id);
""",
    "05_views.sql": """
CREATE VIEW city_list AS
SELECT ci.city_id, ci.city, co.country FROM city ci JOIN country co ON co.country_id = ci.country_id;
""",
}


def write_phases(phase_dir: Path, phases: dict[str, str]) -> Path:
    """Write phase files into ``phase_dir``."""
    phase_dir.mkdir(parents=True, exist_ok=True)
    for name, text in phases.items():
        (phase_dir / name).write_text(text, encoding="utf-8")
    return phase_dir
