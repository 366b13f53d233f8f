"""Migration spec models (pydantic v2) and loading with key-path error messages."""

from __future__ import annotations

import fnmatch
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from roachlift.errors import SpecError
from roachlift.naming import NamingRule
from roachlift.paths import include_dir

MIGRATIONS_DIR_ENV = "ROACHLIFT_MIGRATIONS_DIR"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class SourceKind(StrEnum):
    """Databases roachlift migrates from."""

    POSTGRES = "postgres"
    MYSQL = "mysql"
    ORACLE = "oracle"


class TargetDialect(StrEnum):
    """What the target speaks: a real CockroachDB cluster, or PostgreSQL standing in for one."""

    COCKROACHDB = "cockroachdb"
    POSTGRES = "postgres"


class LoadMethod(StrEnum):
    """``import`` = userfile upload + IMPORT INTO; ``copy`` = COPY FROM STDIN."""

    IMPORT = "import"
    COPY = "copy"


class TableHandling(StrEnum):
    """What a rerun does with a target table that already holds rows."""

    FAIL_IF_NOT_EMPTY = "fail-if-not-empty"
    TRUNCATE = "truncate"
    DROP_AND_RECREATE = "drop-and-recreate"
    #: continue from the dump's recorded load progress (COPY: last committed batch; IMPORT: file
    #: group); with nothing recorded, as fail-if-not-empty. Airflow retries always resume.
    RESUME = "resume"


class StorageAuth(StrEnum):
    """How the CockroachDB cluster authenticates to object storage when IMPORT INTO reads it: the
    ``AUTH`` parameter of its storage URLs (https://www.cockroachlabs.com/docs/stable/use-cloud-storage,
    pkg/cloud/amazon/s3_storage.go ``parseS3URL``)."""

    #: the cluster's own credentials (its environment, instance profile or workload identity)
    IMPLICIT = "implicit"
    #: the keys of ``dump.storage_conn_id`` go into the URLs (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
    SPECIFIED = "specified"


class Compression(StrEnum):
    """Compression of dump files."""

    NONE = "none"
    GZIP = "gzip"


class RunMode(StrEnum):
    """What one DAG run does: a rehearsal loads into a scratch database and ends there; a cutover
    loads the real target and goes on to freeze the source and switch over."""

    REHEARSAL = "rehearsal"
    CUTOVER = "cutover"


#: How a bare Oracle ``NUMBER`` converts (``convert.bare_number_as``).
BareNumberAs = Literal["decimal", "float8"]
#: What becomes of serial / auto-increment columns (``convert.serial_as``).
SerialAs = Literal["keep", "unique_rowid", "uuid"]


class SourceSpec(_Model):
    """Where the data comes from."""

    kind: SourceKind
    conn_id: str = Field(min_length=1)
    schemas: list[str] = Field(default_factory=list)
    include: list[str] = Field(default_factory=lambda: ["*"])
    exclude: list[str] = Field(default_factory=list)

    def wants(self, table: str) -> bool:
        """True when ``table`` (``name`` or ``schema.name``) passes include/exclude patterns."""
        name = table.lower()
        short = name.rsplit(".", 1)[-1]

        def hit(patterns: list[str]) -> bool:
            return any(fnmatch.fnmatchcase(n, p.lower()) for p in patterns for n in (name, short))

        return hit(self.include) and not hit(self.exclude)


class TargetSpec(_Model):
    """Where the data goes."""

    conn_id: str = Field(min_length=1)
    database: str = Field(min_length=1)
    dialect: TargetDialect = TargetDialect.COCKROACHDB
    schema_: str = Field(default="public", alias="schema")
    #: CockroachDB release the schema is converted for (CITEXT from 25.3); default: current stable
    version: str = Field(default="26.1", pattern=r"^v?\d+\.\d+(\.\d+)?$")


class DumpSpec(_Model):
    """How tables are written to CSV."""

    chunk_rows: int = Field(default=1_000_000, gt=0)
    chunk_mb: int = Field(default=256, gt=0)
    compression: Compression = Compression.GZIP
    #: a folder, or an object-storage URL (``s3://bucket/prefix``, ``gs://``, ``abfs://``, ``file://``)
    #: that parts, manifests, snapshot.json and (in Airflow) the run's files and reports go to
    out_dir: str | None = None
    #: Airflow connection with the object storage's credentials (``aws``: login/password are the key
    #: id and secret, extra ``endpoint_url`` / ``region_name``); None: the default credential chain
    storage_conn_id: str | None = Field(default=None, min_length=1)
    parallelism: int = Field(default=4, gt=0, le=64)


class LoadSpec(_Model):
    """How CSV files reach the target."""

    method: LoadMethod = LoadMethod.IMPORT
    table_handling: TableHandling = TableHandling.FAIL_IF_NOT_EMPTY
    copy_batch_rows: int = Field(default=100_000, gt=0)
    storage: str = Field(
        default="userfile",
        description="userfile; 'dump': IMPORT INTO reads the parts where dump.out_dir (object storage) "
        "holds them; or an object-storage URL prefix the cluster reads",
    )
    #: how the cluster authenticates to the storage IMPORT INTO reads (load.storage 'dump')
    storage_auth: StorageAuth = StorageAuth.IMPLICIT
    #: an IAM role ARN the cluster assumes to read it (``ASSUME_ROLE``, with either auth)
    storage_role: str | None = Field(default=None, min_length=1)
    #: the storage endpoint as the cluster reaches it (``AWS_ENDPOINT``); default: the endpoint_url of
    #: dump.storage_conn_id, when it has one
    storage_endpoint: str | None = Field(default=None, min_length=1)
    keep_uploaded_files: bool = False
    #: IMPORT mode: files per IMPORT job; a failed job is retried from its own group.
    import_group_files: int = Field(default=8, gt=0)


class CdcSpec(_Model):
    """Change stream from the source to the target until cutover."""

    enabled: bool = True
    lag_threshold_seconds: float = Field(default=5.0, gt=0)
    caught_up_for_seconds: float = Field(default=30.0, ge=0)
    batch_changes: int = Field(default=5_000, gt=0)
    slot_name: str | None = None


class ChangefeedSpec(_Model):
    """Optional CockroachDB changefeed into Kafka after cutover."""

    kafka_conn_id: str
    topic_prefix: str = ""
    format: Literal["json", "avro"] = "json"
    schema_registry_url: str | None = None
    create_topics: bool = False
    topic_partitions: int = Field(default=1, ge=1)
    topic_replication: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _avro_needs_registry(self) -> ChangefeedSpec:
        if self.format == "avro" and not self.schema_registry_url:
            raise ValueError("format 'avro' needs schema_registry_url")
        return self


class CutoverSpec(_Model):
    """What happens at the real cutover."""

    approval_required: bool = True
    freeze_source_writes: bool = False
    approval_timeout_hours: float = Field(default=24.0, gt=0)
    changefeed: ChangefeedSpec | None = None
    #: roles (PostgreSQL) or accounts (MySQL ``user`` or ``user@host``) whose writes the freeze
    #: revokes; empty: every role holding write privileges on the migrated tables except the
    #: migration's own (superusers / global grants cannot be frozen this way and are named)
    app_roles: list[str] = Field(default_factory=list)
    #: Airflow user ids (or names) allowed to answer the cutover approval; empty: any user with
    #: access to the DAG
    approvers: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _approvers_need_an_approval(self) -> CutoverSpec:
        if self.approvers and not self.approval_required:
            raise ValueError(
                "approvers are named but approval_required is false: nobody would be asked "
                "(remove approvers, or set approval_required: true)"
            )
        return self


class RehearsalSpec(_Model):
    """Scheduled rehearsal migrations into a scratch database."""

    schedule: str | None = None
    keep_last: int = Field(default=3, ge=1)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in {"", "none", "null"}:
            return None
        if not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron expression (e.g. '0 2 * * *' or '@daily')")
        return value


class ConvertSpec(_Model):
    """Options of the DDL converter."""

    tinyint1_as_bool: bool = True
    bare_number_as: BareNumberAs = "decimal"
    serial_as: SerialAs = "keep"


class ValuesSpec(_Model):
    """Values the target cannot hold (see :mod:`roachlift.values`): reject the row (default, into
    ``rejects.csv``), or change the value by a lossy rule (every change counted)."""

    nul_in_text: Literal["reject", "strip"] = "reject"
    zero_dates: Literal["reject", "null"] = "reject"
    accept_rejects: bool = Field(default=False, description="verify passes with rejected rows")


class MigrationSpec(_Model):
    """One source database and everything roachlift does with it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    description: str = ""
    source: SourceSpec
    target: TargetSpec
    dump: DumpSpec = Field(default_factory=DumpSpec)
    load: LoadSpec = Field(default_factory=LoadSpec)
    cdc: CdcSpec = Field(default_factory=CdcSpec)
    cutover: CutoverSpec = Field(default_factory=CutoverSpec)
    rehearsal: RehearsalSpec = Field(default_factory=RehearsalSpec)
    convert: ConvertSpec = Field(default_factory=ConvertSpec)
    #: source -> target names (roachlift.naming): lower-case unquoted, or the exact names quoted
    naming: NamingRule = "lower"
    values: ValuesSpec = Field(default_factory=ValuesSpec)

    @model_validator(mode="after")
    def _import_from_dump_needs_object_storage(self) -> MigrationSpec:
        if self.load.storage == "dump":
            scheme = (self.dump.out_dir or "").partition("://")[0].lower()
            if scheme not in {"s3", "gs", "gcs"}:
                raise ValueError(
                    "load.storage 'dump' needs dump.out_dir on object storage the cluster reads "
                    f"(s3://... or gs://...), not {self.dump.out_dir!r}"
                )
        return self

    @property
    def dag_id(self) -> str:
        """The Airflow DAG built from this spec."""
        return f"roachlift_{self.name}"


def migrations_dir() -> Path:
    """The folder of spec files: ``$ROACHLIFT_MIGRATIONS_DIR`` or ``include/migrations``."""
    env = os.environ.get(MIGRATIONS_DIR_ENV)
    return Path(env) if env else include_dir() / "migrations"


def spec_files(folder: Path | None = None) -> list[Path]:
    """Spec files in ``folder`` (default: :func:`migrations_dir`), sorted by name."""
    folder = folder or migrations_dir()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"})


_EXPECTED = re.compile(r"'([^']*)'")


def _describe(err: Any) -> str:
    """One ``key.path: message`` line for a pydantic error."""
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
    kind = err["type"]
    given = err.get("input")
    if kind in {"enum", "literal_error"}:
        choices = _EXPECTED.findall(str(err.get("ctx", {}).get("expected", "")))
        return f"{loc}: {given!r} is not one of {', '.join(choices)}"
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "missing":
        return f"{loc}: required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{loc or '(top level)'}: {msg}"


def parse_spec(data: Any, path: str = "<spec>") -> MigrationSpec:
    """Validate already-loaded YAML data; raise :class:`SpecError` listing every problem."""
    if not isinstance(data, dict):
        raise SpecError(path, ["(top level): a spec is a mapping of keys, e.g. 'name:', 'source:'"])
    try:
        return MigrationSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(path, [_describe(e) for e in exc.errors()]) from None


def load_spec(path: str | Path) -> MigrationSpec:
    """Read and validate one spec file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(path), [f"(file): cannot read: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(str(path), [f"(yaml): {problem} at {where}"]) from None
    return parse_spec(data, str(path))


def validate_spec_file(path: str | Path) -> list[str]:
    """Every problem of one spec file, as ``key.path: message`` lines (empty when valid): the
    spec's own, then what it asks of a source that cannot do it (:func:`roachlift.sources.spec_problems`)."""
    from roachlift.sources import spec_problems  # late: the adapters import this module

    try:
        spec = load_spec(path)
    except SpecError as exc:
        return exc.problems
    return spec_problems(spec)
