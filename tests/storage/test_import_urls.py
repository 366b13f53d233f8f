"""IMPORT INTO reading the parts where the dump wrote them (``load.storage: dump``): the URLs carry
how the cluster authenticates, with CockroachDB's parameter names (pkg/cloud/amazon/s3_storage.go).
No CockroachDB here: the URLs are checked against what CockroachDB's parser accepts (its AUTH
values and parameter names); the live IMPORT suite (ROACHLIFT_TEST_CRDB_URL) runs them for real."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from roachlift import storage
from roachlift.config.spec import LoadSpec
from roachlift.errors import RoachliftError
from roachlift.load.loader import stage_files
from roachlift.load.manifest import Manifest
from roachlift.load.storage_urls import ClusterAccess, cluster_url
from roachlift.testing import S3Server

#: every parameter CockroachDB's parseS3URL consumes; anything else makes it refuse the URL
S3_PARAMS = {
    "AUTH", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT", "AWS_REGION",
    "AWS_SERVER_ENC_MODE", "AWS_SERVER_KMS_ID", "S3_STORAGE_CLASS", "ASSUME_ROLE",
}  # fmt: skip


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _dump(s3_bucket: str) -> storage.StoragePath:
    root = storage.resolve(f"{s3_bucket}/run1", "roachlift_s3")
    for name in ("part-00001.csv.gz", "part-00002.csv.gz"):
        with storage.open_write(root / "t-1a2b" / name) as fh:
            fh.write(b"")
    storage.write_text(
        root / "t-1a2b" / "manifest.json",
        '{"table": "public.t", "target_table": "public.t", "columns": ["id"], "rows": 0, "compression": '
        '"gzip", "files": [{"path": "part-00001.csv.gz", "rows": 0, "bytes": 0, "sha256": ""}, '
        '{"path": "part-00002.csv.gz", "rows": 0, "bytes": 0, "sha256": ""}]}',
    )
    return root / "t-1a2b" / "manifest.json"


def test_implicit_auth_with_role_and_the_clusters_endpoint(s3_server: S3Server, s3_bucket: str) -> None:
    manifest = Manifest.read(_dump(s3_bucket))
    access = ClusterAccess.from_spec(
        LoadSpec(
            storage="dump", storage_role="arn:aws:iam::1:role/imp", storage_endpoint="http://s3.lan:9000"
        )
    )
    urls, uploaded = stage_files(None, manifest, "dump", files=[1], access=access)  # type: ignore[arg-type]
    bucket = s3_bucket.removeprefix("s3://")
    assert not uploaded and len(urls) == 1
    assert urls[0].startswith(f"s3://{bucket}/run1/t-1a2b/part-00002.csv.gz?")
    assert _query(urls[0]) == {
        "AUTH": "implicit",
        "AWS_ENDPOINT": "http://s3.lan:9000",  # as the cluster reaches it, not roachlift's
        "AWS_REGION": "us-east-1",
        "ASSUME_ROLE": "arn:aws:iam::1:role/imp",
    }
    every, _ = stage_files(None, manifest, "dump", access=access)  # type: ignore[arg-type]
    assert every == [cluster_url(f.path, access) for f in manifest.files]


def test_specified_auth_puts_the_connection_keys_in_and_logs_redact_them(
    s3_server: S3Server, s3_bucket: str
) -> None:
    manifest = Manifest.read(_dump(s3_bucket))
    url = cluster_url(manifest.files[0].path, ClusterAccess("specified"))
    query = _query(url)
    assert set(query) <= S3_PARAMS
    assert query["AUTH"] == "specified"
    assert (query["AWS_ACCESS_KEY_ID"], query["AWS_SECRET_ACCESS_KEY"]) == (
        s3_server.access_key,
        s3_server.secret_key,
    )
    assert query["AWS_ENDPOINT"] == s3_server.endpoint_url  # the connection's endpoint_url by default
    shown = storage.redact_url(url)
    assert s3_server.secret_key not in shown and "AWS_SECRET_ACCESS_KEY=redacted" in shown


def test_import_from_a_local_dump_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(
        RoachliftError, match=r"IMPORT INTO reads object storage .* set load.storage to userfile"
    ):
        cluster_url(tmp_path / "part-00001.csv", ClusterAccess())


def test_specified_without_keys_is_refused(tmp_path: Path) -> None:
    path = storage.location("s3://bucket/run/t/part-00001.csv")  # default credential chain: no keys known
    with pytest.raises(RoachliftError, match="'specified' puts the access key in the URLs, but"):
        cluster_url(path, ClusterAccess("specified"))
