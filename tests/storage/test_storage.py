"""roachlift.storage against a real S3 API server (moto, enforcing its key) and local folders."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from upath import UPath

from roachlift import storage
from roachlift.config.connections import resolve_storage_connection
from roachlift.storage import StorageError
from roachlift.testing import S3Server

CONN = "roachlift_s3"


def test_locations_by_kind(tmp_path: Path, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    assert storage.location(str(tmp_path)) == tmp_path
    assert storage.location(f"file://{tmp_path}/d") == tmp_path / "d"
    monkeypatch.setenv("AIRFLOW_CONN_ROACHLIFT_S3", s3_server.conn_uri())
    remote = storage.resolve("s3://bucket/prefix", CONN)
    assert isinstance(remote, UPath) and not storage.is_local(remote)
    assert remote.storage_options["endpoint_url"] == s3_server.endpoint_url
    assert remote.storage_options["key"] == s3_server.access_key
    assert s3_server.secret_key not in repr(remote) and s3_server.secret_key not in str(remote)
    with pytest.raises(StorageError, match=r"ftp://host/x: scheme 'ftp' is not a folder, file://, s3://"):
        storage.location("ftp://user:pw@host/x")


def test_describe_and_redact_never_show_a_secret() -> None:
    url = "s3://bucket/dump/t/part-00001.csv.gz?AUTH=specified&AWS_ACCESS_KEY_ID=AKID&AWS_SECRET_ACCESS_KEY=s%2Fx"
    assert storage.describe(url) == "s3://bucket/dump/t/part-00001.csv.gz"
    red = storage.redact_url(url)
    assert "s%2Fx" not in red and "s/x" not in red
    assert "AWS_SECRET_ACCESS_KEY=redacted" in red and "AWS_ACCESS_KEY_ID=AKID" in red
    assert storage.describe("s3://user:pw@bucket/p") == "s3://bucket/p"


def test_round_trip_on_s3_streams_in_blocks(s3_bucket: str) -> None:
    root = storage.resolve(f"{s3_bucket}/dumps/run1", CONN)
    storage.check_access(root, write=True)
    storage.ensure_dir(root / "t")  # no folders on S3: nothing created, nothing fails
    part = root / "t" / "part-00001.csv"
    block = os.urandom(1 << 20)
    digest = hashlib.sha256()
    with storage.open_write(part) as fh:  # 3 blocks + a tail: a multipart upload
        for _ in range(3 * storage.BLOCK_BYTES // len(block) + 1):
            fh.write(block)
            digest.update(block)
    with storage.open_read(part) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == digest.hexdigest()
    storage.write_text(root / "t" / "manifest.json", '{"rows": 1}\n')
    storage.append_text(root / "log.jsonl", "a\n")
    storage.append_text(root / "log.jsonl", "b\n")
    assert storage.read_text(root / "log.jsonl") == "a\nb\n"
    storage.rename(part, root / "t" / "part-00002.csv")
    found = [str(p) for p in storage.files(root, "*/*")]
    assert found == [f"{s3_bucket}/dumps/run1/t/manifest.json", f"{s3_bucket}/dumps/run1/t/part-00002.csv"]
    back = storage.child(root, found[0])
    assert storage.read_text(back) == '{"rows": 1}\n'
    storage.remove(root / "t" / "part-00002.csv")
    storage.remove(root / "t" / "part-00002.csv")  # gone already: no error
    assert [str(p) for p in storage.files(root, "*/*")] == found[:1]


def test_local_files_are_private(tmp_path: Path) -> None:
    root = storage.location(f"file://{tmp_path}/dump")
    storage.ensure_dir(root / "t")
    storage.write_text(root / "t" / "manifest.json", "{}")
    assert (tmp_path / "dump" / "t").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "dump" / "t" / "manifest.json").stat().st_mode & 0o777 == 0o600
    assert not list((tmp_path / "dump" / "t").glob("*.tmp"))


def test_wrong_secret_is_a_clear_error_without_the_secret(
    s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ROACHLIFT_S3", s3_server.conn_uri(secret="not-the-Secret-42"))
    root = storage.resolve(f"{s3_bucket}/dumps", CONN)
    with pytest.raises(StorageError) as err:
        storage.check_access(root, write=True)
    text = str(err.value)
    assert text.startswith(f"{s3_bucket}/dumps: cannot write to: access denied (")
    assert "check the credentials of dump.storage_conn_id" in text
    assert "not-the-Secret-42" not in text and s3_server.secret_key not in text
    assert err.value.__cause__ is None and err.value.__context__ is not None  # no library traceback shown


def test_missing_bucket_is_a_clear_error(s3_bucket: str) -> None:
    root = storage.resolve(f"{s3_bucket}-missing/dumps", CONN)
    with pytest.raises(StorageError, match=rf"^{s3_bucket}-missing/dumps: cannot read: not found \("):
        storage.check_access(root)
    # an OSError too: code written for local files (``except OSError``) handles a missing object alike
    with pytest.raises(OSError, match=r"warned\.txt: cannot read: not found"):
        storage.read_text(storage.resolve(f"{s3_bucket}/run/warned.txt", CONN))


def test_airflow_object_storage_path_works_the_same(s3_bucket: str) -> None:
    """Inside Airflow the operator may hand in ObjectStoragePath (the amazon provider authenticates
    it from the same connection): the core reads and writes it like its own paths."""
    from airflow.sdk import ObjectStoragePath

    root = storage.location(ObjectStoragePath(f"{s3_bucket}/af", conn_id=CONN))
    storage.check_access(root, write=True)
    storage.write_text(root / "t" / "manifest.json", "{}")
    with storage.open_write(root / "t" / "part-00001.csv") as fh:
        fh.write(b"1,a\n")
    mine = storage.location(f"{s3_bucket}/af", resolve_storage_connection(CONN))
    assert storage.read_text(mine / "t" / "manifest.json") == "{}"
    assert [p.name for p in storage.files(mine, "t/*")] == ["manifest.json", "part-00001.csv"]
