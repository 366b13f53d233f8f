"""Where the live CockroachDB suite finds its cluster, and why it skips without one."""

from __future__ import annotations

import os

CRDB_URL = os.environ.get("ROACHLIFT_TEST_CRDB_URL", "")
SKIP_REASON = (
    "no CockroachDB cluster: set ROACHLIFT_TEST_CRDB_URL=postgresql://root@host:26257/defaultdb"
    "?sslmode=disable to run the live suite"
)
