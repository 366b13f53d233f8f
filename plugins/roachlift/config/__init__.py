"""The migration spec: one YAML file per source database, parsed into typed objects."""

from roachlift.config.connections import ConnInfo, resolve_connection
from roachlift.config.spec import (
    MigrationSpec,
    load_spec,
    migrations_dir,
    spec_files,
    validate_spec_file,
)

__all__ = [
    "ConnInfo",
    "MigrationSpec",
    "load_spec",
    "migrations_dir",
    "resolve_connection",
    "spec_files",
    "validate_spec_file",
]
