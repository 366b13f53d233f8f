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
#: The CLI calls ``sql.CopyInFileStmt(dest, sql.CrdbInternalName, sql.UserFileUploadTable)`` and sends
#: the file as one-column COPY text rows, to ``<uri>.tmp``, then renames (pkg/cli/userfile.go).
SRC_USERFILE_CLI = "https://github.com/cockroachdb/cockroach/blob/master/pkg/cli/userfile.go"
#: ``UserFileUploadTable = "user_file_upload"`` and ``CopyInFileStmt`` (``COPY %s.%s FROM STDIN WITH
#: destination = %s``); the upload refuses an existing file: "destination file already exists for %s".
SRC_COPY_FILE_UPLOAD = "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/copy_file_upload.go"
#: ``isCopyToExternalStorage``: a COPY is an upload only when ``stmt.Table.Table() == UserFileUploadTable``
#: and ``stmt.Table.SchemaName == CrdbInternalName``.
SRC_COPY_DISPATCH = "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/conn_executor.go"
#: The sentinel table name the server compares with (SRC_COPY_FILE_UPLOAD, SRC_COPY_DISPATCH).
USER_FILE_UPLOAD_TABLE = "user_file_upload"
#: FileToTableSystem: tables ``<prefix>_upload_files`` (``filename STRING PRIMARY KEY``) /
#: ``<prefix>_upload_payload`` and their DELETEs (getDeleteQuery, getDeletePayloadQuery).
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
    crdb_internal, user_file_upload)``); the data are COPY text rows of one BYTES column."""
    # Source: SRC_COPY_FILE_UPLOAD (UserFileUploadTable = "user_file_upload", CopyInFileStmt),
    # SRC_COPY_DISPATCH (isCopyToExternalStorage), SRC_USERFILE_CLI (uploadUserFile).
    # Docs: DOC_USERFILE_UPLOAD.
    return sql.SQL("COPY {} FROM STDIN WITH destination = {}").format(
        sql.Identifier("crdb_internal", USER_FILE_UPLOAD_TABLE), sql.Literal(destination)
    )


#: ``NodelocalFileUploadTable = "nodelocal_file_upload"`` (SRC_COPY_FILE_UPLOAD; admin only:
#: ``RequireAdminRole(ctx, "upload to nodelocal")``): what ``cockroach nodelocal upload`` sends. The
#: live suite stages object-storage files with it (``nodelocal://1/...``).
NODELOCAL_FILE_UPLOAD_TABLE = "nodelocal_file_upload"


def nodelocal_upload(destination: str) -> sql.Composed:
    """``COPY crdb_internal.nodelocal_file_upload FROM STDIN WITH destination = '<nodelocal URI>'``:
    same data protocol as :func:`userfile_upload`. Source: SRC_COPY_FILE_UPLOAD."""
    return sql.SQL("COPY {} FROM STDIN WITH destination = {}").format(
        sql.Identifier("crdb_internal", NODELOCAL_FILE_UPLOAD_TABLE), sql.Literal(destination)
    )


#: ``PAUSE JOB id`` / ``CANCEL JOB id`` (https://www.cockroachlabs.com/docs/stable/pause-job,
#: .../cancel-job): the live suite pauses an import to find it as unfinished, and cancels feeds.
PAUSE_JOB: LiteralString = "PAUSE JOB %s"
CANCEL_JOB: LiteralString = "CANCEL JOB %s"


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
# Docs: DOC_USERFILE_STORAGE ("userfile://defaultdb.public.userfiles_$user/"). A URI with no host
# gets ``defaultdb.public.userfiles_<user>`` (``parseUserfileURL``, SRC_USERFILE_STORAGE;
# ``getDefaultQualifiedTableName``, SRC_USERFILE_CLI), and the stored filename is the URI path.
SRC_USERFILE_STORAGE = (
    "https://github.com/cockroachdb/cockroach/blob/master/pkg/cloud/userfile/file_table_storage.go"
)
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
#: ``SHOW JOBS`` lists finished jobs of the last 12 hours only; "For jobs older than 12 hours, query the
#: crdb_internal.jobs table" (DOC_SHOW_JOBS). crdb_internal.jobs has job_id, job_type, description,
#: status, fraction_completed, error and an index on job_id (SRC_CRDB_INTERNAL_JOBS).
SRC_CRDB_INTERNAL_JOBS = "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/crdb_internal.go"
#: Job statuses; ``Terminal()`` is failed, succeeded, canceled, revert-failed.
SRC_JOB_STATUS = "https://github.com/cockroachdb/cockroach/blob/master/pkg/jobs/jobs.go"
#: A job's description is the statement with each file URI passed through
#: ``cloud.SanitizeExternalStorageURI`` (secrets removed, path kept): ``importJobDescription``.
SRC_IMPORT_DESCRIPTION = (
    "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/importer/import_planning.go"
)


def job_status() -> sql.SQL:
    """One job's ``(job_id, job_type, status, fraction_completed, error)`` by id, from
    ``crdb_internal.jobs`` (which keeps jobs past SHOW JOBS' 12 hours). Docs: DOC_SHOW_JOBS;
    source: SRC_CRDB_INTERNAL_JOBS."""
    return sql.SQL(sql_text("load/job_status.sql"))  # trusted file


def unfinished_import_jobs() -> sql.SQL:
    """IMPORT jobs not in a terminal state whose description names a file path (``%(path)s``):
    an import a crashed try already started for the same files. Source: SRC_CRDB_INTERNAL_JOBS,
    SRC_JOB_STATUS, SRC_IMPORT_DESCRIPTION."""
    return sql.SQL(sql_text("load/unfinished_import_jobs.sql"))  # trusted file


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


DOC_STRING = "https://www.cockroachlabs.com/docs/stable/string"  # TEXT is an alias of STRING


def create_probe_table(table: str, ncols: int) -> sql.Composed:
    """``CREATE TABLE t (c0 TEXT, ..., cN TEXT)``: the scratch table of the estimate's load sample
    (DOC_CREATE_TABLE; ``TEXT`` is CockroachDB's alias of ``STRING``, DOC_STRING; a table without
    a primary key gets the hidden ``rowid`` key on CockroachDB)."""
    cols = sql.SQL(", ").join(
        sql.SQL("{} TEXT").format(sql.Identifier(f"c{i}")) for i in range(max(ncols, 1))
    )
    return sql.SQL("CREATE TABLE {} ({})").format(table_ident(table), cols)


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


def check_constraints_query() -> sql.SQL:
    """CHECK constraints of a schema with their validation state (pg_catalog, shared with
    PostgreSQL). IMPORT INTO leaves them unvalidated (SRC_IMPORT_JOB). Docs: DOC_PG_CATALOG."""
    return sql.SQL(sql_text("load/check_constraints.sql"))  # trusted file


#: "Set CHECK constraints to unvalidated before publishing the table imported into" (and the same
#: for foreign keys): IMPORT INTO leaves both to be re-checked with VALIDATE CONSTRAINT.
SRC_IMPORT_JOB = "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/importer/import_job.go"


def check_violations(table: str, expression: str, limit: int) -> sql.Composed:
    """``SELECT * FROM t WHERE NOT (<check expression>) LIMIT n``: rows a CHECK rejects (a NULL
    result passes a CHECK, as NOT NULL is not false); ``expression`` is catalog text."""
    return sql.SQL("SELECT * FROM {} WHERE NOT ({}) LIMIT {}").format(
        table_ident(table),
        sql.SQL(expression),
        sql.Literal(limit),  # catalog text
    )


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


#: ``setval(name::REGCLASS, value, true)``: the next ``nextval`` returns value + increment.
#: Docs: DOC_SEQUENCE_FUNCTIONS (setval(seq_name, value, is_called)). CockroachDB has a STRING and a
#: REGCLASS overload (``{Name: builtinconstants.SequenceNameArg, Typ: types.RegClass}, {Name: "value",
#: Typ: types.Int}, {Name: "is_called", Typ: types.Bool}``, SRC_SETVAL): psycopg sends ``%s`` untyped,
#: which matches both, so the name is cast. PostgreSQL has only the regclass form: the same text runs
#: there in CI.
SRC_SETVAL = "https://github.com/cockroachdb/cockroach/blob/master/pkg/sql/sem/builtins/builtins.go"
SETVAL: LiteralString = "SELECT setval(%s::REGCLASS, %s, true)"
#: The cutover's reset uses the same statement.
SETVAL_REGCLASS: LiteralString = SETVAL
#: The last value a sequence handed out (NULL before the first nextval): PostgreSQL's
#: ``pg_sequence_last_value(regclass)``; CockroachDB has the same builtin since v23.2
#: (cockroachdb/cockroach#106445, documented per cockroachdb/docs#17462 in DOC_SEQUENCE_FUNCTIONS).
SEQUENCE_LAST_VALUE: LiteralString = "SELECT pg_sequence_last_value(%s::REGCLASS)"


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


#: Self-hosted clusters need rangefeeds for changefeeds: ``RangefeedEnabled =
#: settings.RegisterBoolSetting(..., "kv.rangefeed.enabled", "if set, rangefeed registration is
#: enabled", false, ...)`` (SRC_RANGEFEED_SETTING: default false).
SRC_RANGEFEED_SETTING = (
    "https://github.com/cockroachdb/cockroach/blob/master/pkg/kv/kvserver/replica_rangefeed.go"
)
DOC_CLUSTER_SETTINGS = "https://www.cockroachlabs.com/docs/stable/cluster-settings"
SHOW_RANGEFEED: LiteralString = "SHOW CLUSTER SETTING kv.rangefeed.enabled"
ENABLE_RANGEFEED: LiteralString = "SET CLUSTER SETTING kv.rangefeed.enabled = true"
#: The cluster's current HLC time as a DECIMAL (``cluster_logical_timestamp``, builtins.go), the form the
#: ``cursor`` option takes: "Example: CURSOR=1536242855577149065.0000000000" (DOC_CREATE_CHANGEFEED).
CLUSTER_TIMESTAMP: LiteralString = "SELECT cluster_logical_timestamp()::STRING"
#: ``OptCursor = `cursor``` (pkg/ccl/changefeedccl/changefeedbase/options.go): "Emits any changes after
#: the given timestamp, but does not output the current state of the table first. If cursor is not
#: specified, the changefeed starts by doing ... a scan of all the watched rows" (DOC_CREATE_CHANGEFEED).
SRC_CHANGEFEED_OPTIONS = (
    "https://github.com/cockroachdb/cockroach/blob/master/pkg/ccl/changefeedccl/changefeedbase/options.go"
)


def create_changefeed(
    tables: Sequence[str],
    brokers: str,
    *,
    avro_registry: str | None = None,
    topic_prefix: str = "",
    resolved: str = "10s",
    cursor: str | None = None,
    sink: str | None = None,
) -> sql.Composed:
    """``CREATE CHANGEFEED FOR TABLE a, b INTO 'kafka://host:9092?topic_prefix=p' WITH updated,
    resolved = '10s'[, cursor = '<hlc>'][, format = avro, confluent_schema_registry = 'http://...']``
    (returns the job id). ``cursor`` starts the feed at that time without first replaying every row;
    ``sink`` replaces the Kafka URI (``null://`` in the live suite: ``SinkSchemeNull = `null```,
    changefeedbase/options.go). Docs: DOC_CREATE_CHANGEFEED (options updated, resolved, cursor,
    format, confluent_schema_registry), DOC_CHANGEFEED_SINKS (``topic_prefix`` query parameter)."""
    if sink is None:
        sink = f"kafka://{brokers}"
        if topic_prefix:
            sink += "?" + urlencode({"topic_prefix": topic_prefix})
    options = [sql.SQL("updated"), sql.SQL("resolved = {}").format(sql.Literal(resolved))]
    if cursor is not None:
        options.append(sql.SQL("cursor = {}").format(sql.Literal(cursor)))
    if avro_registry:
        options.append(sql.SQL("format = avro"))
        options.append(sql.SQL("confluent_schema_registry = {}").format(sql.Literal(avro_registry)))
    return sql.SQL("CREATE CHANGEFEED FOR TABLE {tables} INTO {sink} WITH {options}").format(
        tables=sql.SQL(", ").join(table_ident(t) for t in tables),
        sink=sql.Literal(sink),
        options=sql.SQL(", ").join(options),
    )


# --- CDC apply: every statement the change applier sends to the target -----------------------
# The PostgreSQL target runs the shared forms (INSERT ... ON CONFLICT, DELETE, the checkpoint DDL
# and upsert) in CI; ``UPSERT`` and ``DELETE FROM`` for a truncate are the CockroachDB-only forms.
DOC_UPSERT = "https://www.cockroachlabs.com/docs/stable/upsert"
DOC_INSERT_ON_CONFLICT = "https://www.cockroachlabs.com/docs/stable/insert#on-conflict-clause"
DOC_DELETE = "https://www.cockroachlabs.com/docs/stable/delete-data"
DOC_UPDATE = "https://www.cockroachlabs.com/docs/stable/update"
DOC_CREATE_TABLE = "https://www.cockroachlabs.com/docs/stable/create-table"
DOC_TIMESTAMPTZ = "https://www.cockroachlabs.com/docs/v23.1/timestamp"
DOC_SCHEMA_CHANGES_IN_TXN = "https://www.cockroachlabs.com/docs/v1.0/known-limitations"
#: "Retry on 40001 error codes", exponential backoff, raise after max_retries.
DOC_TXN_RETRY = "https://www.cockroachlabs.com/docs/v24.3/transaction-retry-error-example"


def _cdc_cols(columns: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def _cdc_params(n: int, start: int = 1) -> list[sql.SQL]:
    """``$1, $2, ...``: numbered server-side parameters (the applier runs these statements through a
    ``psycopg.RawCursor``, so the client never re-parses a large statement)."""
    return [sql.SQL(f"${i}") for i in range(start, start + n)]


def _cdc_values(n_rows: int, n_cols: int) -> sql.Composed:
    rows = []
    for r in range(n_rows):
        rows.append(sql.SQL("(") + sql.SQL(", ").join(_cdc_params(n_cols, 1 + r * n_cols)) + sql.SQL(")"))
    return sql.SQL(", ").join(rows)


def upsert_into(table: sql.Identifier, columns: Sequence[str], n_rows: int) -> sql.Composed:
    """CockroachDB's multi-row ``UPSERT INTO t (cols) VALUES ...`` of ``n_rows`` rows, every column
    given: "UPSERT considers uniqueness only for primary key columns" and, with target columns named,
    "the values of columns that do not have new values will not be updated" (DOC_UPSERT); it writes
    without reading. Parameters (``$n``) are text of unknown type, parsed with the column's type."""
    # Docs: DOC_UPSERT ("UPSERT INTO t (a, b, c) VALUES (1, 2, 3)"; multi-row UPSERT is faster).
    return sql.SQL("UPSERT INTO {} ({}) VALUES {}").format(
        table, _cdc_cols(columns), _cdc_values(n_rows, len(columns))
    )


def insert_on_conflict(
    table: sql.Identifier, columns: Sequence[str], key: Sequence[str], n_rows: int
) -> sql.Composed:
    """``INSERT ... ON CONFLICT (key) DO UPDATE SET c = excluded.c`` for the columns given only (both
    servers; a row image missing unchanged TOAST columns uses it on CockroachDB too). The equivalence
    with UPSERT is stated on DOC_UPSERT; DOC_INSERT_ON_CONFLICT."""
    rest = [c for c in columns if c not in key]
    action: sql.Composable
    if rest:
        action = sql.SQL("DO UPDATE SET ") + sql.SQL(", ").join(
            sql.SQL("{} = excluded.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in rest
        )
    else:
        action = sql.SQL("DO NOTHING")
    # Docs: DOC_INSERT_ON_CONFLICT; PostgreSQL: INSERT ... ON CONFLICT (conflict_target) DO UPDATE.
    return sql.SQL("INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) {}").format(
        table, _cdc_cols(columns), _cdc_values(n_rows, len(columns)), _cdc_cols(key), action
    )


def delete_keys(table: sql.Identifier, key: Sequence[str], n_rows: int) -> sql.Composed:
    """``DELETE FROM t WHERE (k1, k2) IN ((..), ..)`` — one statement for many rows (DOC_DELETE:
    "more efficient to delete multiple rows with a single statement")."""
    if len(key) == 1:
        return sql.SQL("DELETE FROM {} WHERE {} IN ({})").format(
            table, sql.Identifier(key[0]), sql.SQL(", ").join(_cdc_params(n_rows))
        )
    return sql.SQL("DELETE FROM {} WHERE ({}) IN ({})").format(
        table, _cdc_cols(key), _cdc_values(n_rows, len(key))
    )


def insert_moved_row(
    table: sql.Identifier, given: Sequence[str], copied: Sequence[str], key: Sequence[str]
) -> sql.Composed:
    """A primary-key change whose image lacks unchanged (TOAST) columns: insert the new row taking the
    missing columns from the row under the old key. ``INSERT INTO t (given, copied) SELECT %s.., copied
    FROM t WHERE key = old`` is valid on both servers (DOC_INSERT_ON_CONFLICT, "INSERT ... SELECT")."""
    return sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} WHERE {}").format(
        table,
        _cdc_cols([*given, *copied]),
        sql.SQL(", ").join([*_cdc_params(len(given)), *(sql.Identifier(c) for c in copied)]),
        table,
        sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), p)
            for k, p in zip(key, _cdc_params(len(key), len(given) + 1), strict=True)
        ),
    )


def update_row(table: sql.Identifier, columns: Sequence[str], key: Sequence[str]) -> sql.Composed:
    """``UPDATE t SET c1 = $1, ... WHERE k1 = $n+1 ...``: a primary-key change applied in source order,
    so the target's own ``ON UPDATE`` actions run and columns not in the image keep their values
    (DOC_UPDATE; the same statement on PostgreSQL)."""
    return sql.SQL("UPDATE {} SET {} WHERE {}").format(
        table,
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), p)
            for c, p in zip(columns, _cdc_params(len(columns)), strict=True)
        ),
        sql.SQL(" AND ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), p)
            for k, p in zip(key, _cdc_params(len(key), len(columns) + 1), strict=True)
        ),
    )


def delete_all(table: sql.Identifier) -> sql.Composed:
    """``DELETE FROM t``: empties a table inside the batch's transaction on CockroachDB, where
    "TRUNCATE is a schema change, and as such is not transactional" (DOC_TRUNCATE) and so cannot
    share the transaction with the checkpoint (DOC_DELETE). Given children first, the target's FK
    checks accept it whenever the source's state was legal."""
    return sql.SQL("DELETE FROM {}").format(table)


def truncate_in_transaction(tables: Sequence[sql.Identifier]) -> sql.Composed:
    """``TRUNCATE TABLE a, b``: PostgreSQL's TRUNCATE is transactional; it refuses to truncate a
    table referenced from outside the set, whether the referencing rows exist or not."""
    return sql.SQL("TRUNCATE TABLE {}").format(sql.SQL(", ").join(tables))


def cdc_delete_where(table: sql.Identifier, condition: str) -> sql.Composed:
    """``DELETE FROM t WHERE <condition>``: the TRUNCATE of one source partition applied to the table
    of its root, ``condition`` being the partition's constraint as PostgreSQL prints it
    (``pg_get_partition_constraintdef``: comparisons, ``IS NOT NULL``, ``= ANY (ARRAY[...])``, all
    valid on both servers; DOC_DELETE). It is catalog text of the source, not user input."""
    return sql.SQL("DELETE FROM {} WHERE {}").format(table, sql.SQL(condition))  # catalog text


DOC_SET_TIME_ZONE = "https://www.cockroachlabs.com/docs/stable/set-vars#set-time-zone"


def session_time_zone_utc() -> sql.SQL:
    """``SET TIME ZONE 'UTC'`` for the applier's session (DOC_SET_TIME_ZONE; PostgreSQL has the same
    statement): a time stamp written without an offset is read as UTC whatever the database's
    default zone, as the dump and the source readers write them."""
    return sql.SQL("SET TIME ZONE 'UTC'")


def checkpoint_table_ddl(table: sql.Identifier) -> sql.Composed:
    """``CREATE TABLE IF NOT EXISTS`` of the checkpoint table (DOC_CREATE_TABLE; TEXT, JSONB,
    TIMESTAMPTZ (DOC_TIMESTAMPTZ) and INT8 exist on both servers). Run in its own transaction:
    CockroachDB does not mix DDL and DML in one transaction well (DOC_SCHEMA_CHANGES_IN_TXN)."""
    return sql.SQL(sql_text("cdc/checkpoint_table.sql")).format(table=table)


def checkpoint_write(table: sql.Identifier) -> sql.Composed:
    """Upsert of the checkpoint row: ``INSERT ... ON CONFLICT (migration) DO UPDATE``
    (DOC_INSERT_ON_CONFLICT)."""
    return sql.SQL(sql_text("cdc/checkpoint_write.sql")).format(table=table)


def checkpoint_read(table: sql.Identifier) -> sql.Composed:
    """The checkpoint row of one migration."""
    return sql.SQL(
        "SELECT source_kind, position, commit_time, caught_up_since, changes_applied, txns_applied"
        " FROM {} WHERE migration = %s"
    ).format(table)


def checkpoint_caught_up(table: sql.Identifier) -> sql.Composed:
    """Set (keep) or clear the time since which the migration has stayed under the lag threshold."""
    return sql.SQL(
        "UPDATE {} SET caught_up_since = CASE WHEN %(caught_up)s"
        " THEN COALESCE(caught_up_since, now()) ELSE NULL END WHERE migration = %(migration)s"
        " RETURNING caught_up_since, now()"
    ).format(table)


def target_columns() -> str:
    """Columns and primary key of a target table from ``information_schema`` (DOC_INFORMATION_SCHEMA)."""
    return sql_text("cdc/target_columns.sql")


# --- load progress (resume inside a table) ---------------------------------------------------
#: COPY inside an explicit transaction commits atomically with the statements around it
#: (cockroachdb/docs src/current/v23.1/copy.md: "If you need COPY FROM statements to commit
#: atomically, issue the statements within an explicit transaction").
DOC_COPY_ATOMIC = "https://www.cockroachlabs.com/docs/stable/copy"


def progress_table_ddl(table: sql.Identifier) -> sql.Composed:
    """``CREATE TABLE IF NOT EXISTS`` of the load progress table (DOC_CREATE_TABLE; TEXT, INT8,
    BOOL, TIMESTAMPTZ on both servers); its own transaction (DOC_SCHEMA_CHANGES_IN_TXN)."""
    return sql.SQL(sql_text("load/progress_table.sql")).format(table=table)


def progress_write(table: sql.Identifier) -> sql.Composed:
    """Upsert of one progress row, ``INSERT ... ON CONFLICT (...) DO UPDATE`` (DOC_INSERT_ON_CONFLICT),
    sent after the batch's COPY in the same explicit transaction (DOC_COPY_ATOMIC)."""
    return sql.SQL(sql_text("load/progress_write.sql")).format(table=table)


def progress_read(table: sql.Identifier) -> sql.Composed:
    """Progress rows of one table for one dump, by unit."""
    return sql.SQL(
        "SELECT unit, file_index, file_name, byte_offset, committed_rows, batches, job_id, done"
        " FROM {} WHERE dump_id = %s AND target_table = %s ORDER BY unit"
    ).format(table)


def progress_forget(table: sql.Identifier) -> sql.Composed:
    """Delete every progress row of one table (a load starting from its first row)."""
    return sql.SQL("DELETE FROM {} WHERE target_table = %s").format(table)
