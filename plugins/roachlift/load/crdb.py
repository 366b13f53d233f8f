"""Every statement roachlift sends to CockroachDB, each beside the page that documents it.

Statements are built with :mod:`psycopg.sql`, so identifiers and literals are quoted by the driver.
Where CockroachDB and PostgreSQL share a statement (COPY, TRUNCATE, DROP TABLE, ALTER TABLE ...
VALIDATE CONSTRAINT, setval, catalog queries), the PostgreSQL test server runs this same code in CI.
Longer catalog queries live in ``include/sql/load/*.sql``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString
from urllib.parse import urlencode

from psycopg import sql

from roachlift.paths import sql_text

# ---------------------------------------------------------------------------------------------
# Docs and sources (checked with the project's search tool).
# ---------------------------------------------------------------------------------------------
DOC_COPY = "https://www.cockroachlabs.com/docs/stable/copy"
DOC_IMPORT_INTO = "https://www.cockroachlabs.com/docs/stable/import-into"
DOC_SHOW_JOBS = "https://www.cockroachlabs.com/docs/stable/show-jobs"
DOC_USERFILE_UPLOAD = "https://www.cockroachlabs.com/docs/stable/cockroach-userfile-upload"
DOC_USERFILE_STORAGE = "https://www.cockroachlabs.com/docs/stable/use-userfile-storage"
DOC_VALIDATE_CONSTRAINT = "https://www.cockroachlabs.com/docs/stable/alter-table#validate-constraint"
DOC_ADD_CONSTRAINT = "https://www.cockroachlabs.com/docs/stable/alter-table#add-constraint"
#: ``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID`` skips validating existing rows
#: (CockroachDB 19.2+); unvalidated constraints show ``NOT VALID`` in pg_get_constraintdef.
SRC_FK_NOT_VALID = "https://github.com/cockroachdb/cockroach/pull/38663"
SRC_NOT_VALID_LABEL = "https://github.com/cockroachdb/cockroach/pull/53485"
DOC_TRUNCATE = "https://www.cockroachlabs.com/docs/stable/truncate"
DOC_DROP_TABLE = "https://www.cockroachlabs.com/docs/stable/drop-table"
DOC_SEQUENCE_FUNCTIONS = (
    "https://www.cockroachlabs.com/docs/stable/functions-and-operators#sequence-functions"
)
DOC_PG_CATALOG = "https://www.cockroachlabs.com/docs/stable/pg-catalog"
DOC_INFORMATION_SCHEMA = "https://www.cockroachlabs.com/docs/stable/information-schema"
#: ``CopyInFileStmt`` builds ``COPY "crdb_internal"."userfile_upload" FROM STDIN WITH destination = '<uri>'``;
#: the CLI sends the file as one-column COPY text rows in a transaction, to ``<uri>.tmp``, then renames.
SRC_USERFILE_CLI = "https://github.com/cockroachdb/cockroach/blob/master/pkg/cli/userfile.go"
SRC_COPY_FILE_UPLOAD = "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/copy_file_upload.go"
#: FileToTableSystem: tables ``<prefix>_upload_files`` / ``<prefix>_upload_payload`` and their DELETEs.
SRC_FILETABLE = "https://github.com/cockroachdb/cockroach/blob/master/pkg/cloud/userfile/filetable/file_table_read_writer.go"


def table_ident(name: str) -> sql.Identifier:
    """``schema.table`` or ``table`` as a driver-quoted (possibly qualified) identifier."""
    return sql.Identifier(*name.split("."))


def columns_list(columns: Sequence[str]) -> sql.Composed:
    """``"a", "b"`` for a column list."""
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


# --- COPY mode -------------------------------------------------------------------------------
def copy_from_stdin_csv(table: str, columns: Sequence[str]) -> sql.Composed:
    """``COPY t (cols) FROM STDIN WITH CSV``: CSV mode reads NULL as an unquoted empty field
    and ``""`` as the empty string, as in :mod:`roachlift.csvfmt`."""
    # Docs: DOC_COPY ("COPY setecastronomy FROM STDIN WITH CSV"); PostgreSQL accepts the same form.
    return sql.SQL("COPY {} ({}) FROM STDIN WITH CSV").format(table_ident(table), columns_list(columns))


# --- userfile upload -------------------------------------------------------------------------
def userfile_upload(destination: str) -> sql.Composed:
    """The COPY that ``cockroach userfile upload`` sends (``sql.CopyInFileStmt(dest,
    crdb_internal, userfile_upload)``); the data are COPY text rows of one BYTES column."""
    # Source: SRC_COPY_FILE_UPLOAD (CopyInFileStmt), SRC_USERFILE_CLI (uploadUserFile).
    # Docs: DOC_USERFILE_UPLOAD.
    return sql.SQL("COPY {} FROM STDIN WITH destination = {}").format(
        sql.Identifier("crdb_internal", "userfile_upload"), sql.Literal(destination)
    )


def userfile_rename(qualified_prefix: str) -> sql.Composed:
    """Drop the ``.tmp`` suffix after the upload committed, as ``renameUserFile`` in the CLI does
    (``UPDATE <prefix>_upload_files SET filename=$1 WHERE filename=$2``)."""
    # Source: SRC_USERFILE_CLI (renameUserFile).
    return sql.SQL("UPDATE {} SET filename = %s WHERE filename = %s").format(
        _prefixed(qualified_prefix, "_upload_files")
    )


def userfile_delete_payload(qualified_prefix: str) -> sql.Composed:
    """Delete a file's chunks (``getDeletePayloadQuery`` of the FileToTableSystem)."""
    # Source: SRC_FILETABLE (getDeletePayloadQuery); what `cockroach userfile delete` runs.
    return sql.SQL("DELETE FROM {} WHERE file_id IN (SELECT file_id FROM {} WHERE filename = %s)").format(
        _prefixed(qualified_prefix, "_upload_payload"), _prefixed(qualified_prefix, "_upload_files")
    )


def userfile_delete_file(qualified_prefix: str) -> sql.Composed:
    """Delete a file's metadata row (``getDeleteQuery`` of the FileToTableSystem)."""
    # Source: SRC_FILETABLE (getDeleteQuery).
    return sql.SQL("DELETE FROM {} WHERE filename = %s").format(_prefixed(qualified_prefix, "_upload_files"))


def _prefixed(qualified_prefix: str, suffix: str) -> sql.Identifier:
    parts = qualified_prefix.split(".")
    return sql.Identifier(*parts[:-1], parts[-1] + suffix)


# CURRENT_USER names the userfile tables of the default destination (userfiles_<user>).
# Docs: DOC_USERFILE_STORAGE ("userfile://defaultdb.public.userfiles_$user/").
CURRENT_USER: LiteralString = "SELECT current_user"


# --- IMPORT INTO -----------------------------------------------------------------------------
def import_into(
    table: str,
    columns: Sequence[str],
    urls: Sequence[str],
    *,
    gzip: bool,
    detached: bool = True,
) -> sql.Composed:
    """``IMPORT INTO t (cols) CSV DATA ('url', ...) WITH nullif = '', decompress = ..., DETACHED``.

    Options match :mod:`roachlift.csvfmt`: default delimiter ``,`` and quote ``"``; ``nullif = ''``
    makes an *unquoted* empty field NULL while ``""`` stays the empty string (no
    ``allow_quoted_null``); ``decompress`` is explicit rather than guessed from the extension.
    """
    # Docs: DOC_IMPORT_INTO (options nullif, allow_quoted_null, decompress, DETACHED).
    options: list[sql.Composable] = [
        sql.SQL("nullif = {}").format(sql.Literal("")),
        sql.SQL("decompress = {}").format(sql.Literal("gzip" if gzip else "none")),
    ]
    if detached:
        options.append(sql.SQL("DETACHED"))
    return sql.SQL("IMPORT INTO {} ({}) CSV DATA ({}) WITH {}").format(
        table_ident(table),
        columns_list(columns),
        sql.SQL(", ").join(sql.Literal(u) for u in urls),
        sql.SQL(", ").join(options),
    )


# --- jobs ------------------------------------------------------------------------------------
def job_status() -> sql.SQL:
    """One job's ``(job_id, job_type, status, fraction_completed, error)`` by id.
    Docs: DOC_SHOW_JOBS ("WITH x AS (SHOW JOBS) SELECT * FROM x WHERE ...")."""
    return sql.SQL(sql_text("load/job_status.sql"))  # trusted file


# --- table handling --------------------------------------------------------------------------
#: Does a table exist? information_schema is shared by both targets. Docs: DOC_INFORMATION_SCHEMA.
TABLE_EXISTS: LiteralString = (
    "SELECT 1 FROM information_schema.tables"
    " WHERE table_schema = COALESCE(%(schema)s, current_schema()) AND table_name = %(name)s"
)


def count_rows(table: str) -> sql.Composed:
    """``SELECT count(*) FROM t``."""
    return sql.SQL("SELECT count(*) FROM {}").format(table_ident(table))


def has_rows(table: str) -> sql.Composed:
    """``SELECT EXISTS (SELECT 1 FROM t)``: cheap emptiness test."""
    return sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(table_ident(table))


def truncate(*tables: str) -> sql.Composed:
    """``TRUNCATE a, b``: one statement, so tables referencing each other can be emptied
    together. Docs: DOC_TRUNCATE."""
    return sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(table_ident(t) for t in tables))


def drop_table(table: str) -> sql.Composed:
    """``DROP TABLE IF EXISTS t CASCADE`` (drops FKs pointing at it, recreated by phase 04).
    Docs: DOC_DROP_TABLE."""
    return sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(table_ident(table))


# --- constraints -----------------------------------------------------------------------------
def validate_constraint(table: str, constraint: str) -> sql.Composed:
    """``ALTER TABLE t VALIDATE CONSTRAINT c``. Docs: DOC_VALIDATE_CONSTRAINT."""
    return sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
        table_ident(table), sql.Identifier(constraint)
    )


def drop_constraint(table: str, constraint: str) -> sql.Composed:
    """``ALTER TABLE t DROP CONSTRAINT c`` (a foreign key dropped before a reload).
    Docs: https://www.cockroachlabs.com/docs/stable/alter-table#drop-constraint"""
    return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table_ident(table), sql.Identifier(constraint))


def add_constraint_not_valid(table: str, constraint: str, definition: str) -> sql.Composed:
    """``ALTER TABLE t ADD CONSTRAINT c <definition> NOT VALID``; ``definition`` comes from the
    catalog (``pg_get_constraintdef``). Docs: DOC_ADD_CONSTRAINT; SRC_FK_NOT_VALID."""
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} NOT VALID").format(
        table_ident(table),
        sql.Identifier(constraint),
        sql.SQL(definition),  # catalog text
    )


def foreign_keys_query() -> sql.SQL:
    """Foreign keys of a schema with columns and validation state (pg_catalog, shared with
    PostgreSQL; CockroachDB's pg_constraint has ``convalidated``). Docs: DOC_PG_CATALOG."""
    return sql.SQL(sql_text("load/foreign_keys.sql"))  # trusted file


def orphan_sample(
    table: str,
    columns: Sequence[str],
    ref_table: str,
    ref_columns: Sequence[str],
    limit: int,
) -> sql.Composed:
    """Child key values with no parent row: ``SELECT DISTINCT cols FROM t c WHERE cols NOT NULL
    AND NOT EXISTS (SELECT 1 FROM parent p WHERE p.k = c.k ...) LIMIT n``."""
    child, parent = sql.Identifier("c"), sql.Identifier("p")
    not_null = sql.SQL(" AND ").join(
        sql.SQL("{}.{} IS NOT NULL").format(child, sql.Identifier(c)) for c in columns
    )
    joins = sql.SQL(" AND ").join(
        sql.SQL("{}.{} = {}.{}").format(parent, sql.Identifier(r), child, sql.Identifier(c))
        for c, r in zip(columns, ref_columns, strict=True)
    )
    return sql.SQL(
        "SELECT DISTINCT {cols} FROM {table} AS {c} WHERE {not_null} "
        "AND NOT EXISTS (SELECT 1 FROM {ref} AS {p} WHERE {joins}) LIMIT {limit}"
    ).format(
        cols=sql.SQL(", ").join(sql.SQL("{}.{}").format(child, sql.Identifier(c)) for c in columns),
        table=table_ident(table),
        c=child,
        not_null=not_null,
        ref=table_ident(ref_table),
        p=parent,
        joins=joins,
        limit=sql.Literal(limit),
    )


# --- sequences -------------------------------------------------------------------------------
def sequence_columns_query() -> sql.SQL:
    """Columns fed by a sequence (``nextval(...)`` default or identity), via information_schema.
    Docs: DOC_INFORMATION_SCHEMA."""
    return sql.SQL(sql_text("load/sequence_columns.sql"))  # trusted file


def max_of(table: str, column: str) -> sql.Composed:
    """``SELECT max(col) FROM t``."""
    return sql.SQL("SELECT max({}) FROM {}").format(sql.Identifier(column), table_ident(table))


#: ``setval(name, value, true)``: the next ``nextval`` returns value + increment.
#: Docs: DOC_SEQUENCE_FUNCTIONS (setval(seq_name, value, is_called)).
SETVAL: LiteralString = "SELECT setval(%s, %s, true)"


# --- databases (rehearsals) ------------------------------------------------------------------
DOC_CREATE_DATABASE = "https://www.cockroachlabs.com/docs/stable/create-database"
DOC_DROP_DATABASE = "https://www.cockroachlabs.com/docs/stable/drop-database"
DOC_SHOW_DATABASES = "https://www.cockroachlabs.com/docs/stable/show-databases"

#: Does a database exist? ``pg_database`` is in CockroachDB's pg_catalog too. Docs: DOC_PG_CATALOG.
DATABASE_EXISTS: LiteralString = "SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s"
#: Rehearsal databases of a migration, by name pattern (``<db>_rehearsal_%``). Docs: DOC_PG_CATALOG.
REHEARSAL_DATABASES: LiteralString = "SELECT datname FROM pg_catalog.pg_database WHERE datname LIKE %s"


def create_database(name: str) -> sql.Composed:
    """``CREATE DATABASE d`` (the caller checks existence: PostgreSQL has no IF NOT EXISTS here).
    Docs: DOC_CREATE_DATABASE."""
    return sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))


def drop_database(name: str) -> sql.Composed:
    """``DROP DATABASE IF EXISTS d CASCADE`` on CockroachDB; PostgreSQL's form has no CASCADE, so
    the PostgreSQL target uses ``WITH (FORCE)``. Docs: DOC_DROP_DATABASE."""
    return sql.SQL("DROP DATABASE IF EXISTS {} CASCADE").format(sql.Identifier(name))


def drop_database_postgres(name: str) -> sql.Composed:
    """PostgreSQL's ``DROP DATABASE IF EXISTS d WITH (FORCE)`` (a PostgreSQL stand-in target)."""
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))


# --- changefeed after cutover ----------------------------------------------------------------
DOC_CREATE_CHANGEFEED = "https://www.cockroachlabs.com/docs/stable/create-changefeed"
DOC_CHANGEFEED_SINKS = "https://www.cockroachlabs.com/docs/stable/changefeed-sinks#kafka"


def create_changefeed(
    tables: Sequence[str],
    brokers: str,
    *,
    avro_registry: str | None = None,
    topic_prefix: str = "",
    resolved: str = "10s",
) -> sql.Composed:
    """``CREATE CHANGEFEED FOR TABLE a, b INTO 'kafka://host:9092?topic_prefix=p' WITH updated,
    resolved = '10s'[, format = avro, confluent_schema_registry = 'http://...']`` (returns the job
    id). Docs: DOC_CREATE_CHANGEFEED (options updated, resolved, format, confluent_schema_registry),
    DOC_CHANGEFEED_SINKS (``topic_prefix`` query parameter)."""
    sink = f"kafka://{brokers}"
    if topic_prefix:
        sink += "?" + urlencode({"topic_prefix": topic_prefix})
    options = [sql.SQL("updated"), sql.SQL("resolved = {}").format(sql.Literal(resolved))]
    if avro_registry:
        options.append(sql.SQL("format = avro"))
        options.append(sql.SQL("confluent_schema_registry = {}").format(sql.Literal(avro_registry)))
    return sql.SQL("CREATE CHANGEFEED FOR TABLE {tables} INTO {sink} WITH {options}").format(
        tables=sql.SQL(", ").join(table_ident(t) for t in tables),
        sink=sql.Literal(sink),
        options=sql.SQL(", ").join(options),
    )
