"""The URLs IMPORT INTO reads a dump's parts from, where the dump wrote them (``load.storage: dump``).

The cluster, not roachlift, reads these files, so each URL carries how the cluster authenticates
(https://www.cockroachlabs.com/docs/stable/use-cloud-storage and
https://www.cockroachlabs.com/docs/stable/cloud-storage-authentication). Parameter names as
CockroachDB parses them: pkg/cloud/amazon/s3_storage.go (``parseS3URL``: ``AUTH`` implicit or
specified, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``,
``AWS_ENDPOINT``, ``AWS_REGION``, ``ASSUME_ROLE``; unknown parameters are refused) and
pkg/cloud/gcp/gcs_storage.go (``AUTH``, ``ASSUME_ROLE``). A URL with keys in it is a secret:
log it through :func:`roachlift.storage.redact_url` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlunsplit

from upath import UPath

from roachlift.config.spec import LoadSpec, StorageAuth
from roachlift.errors import RoachliftError
from roachlift.storage import StoragePath, describe, scheme_of

#: fsspec protocol -> the scheme CockroachDB reads
CLUSTER_SCHEME = {"s3": "s3", "s3a": "s3", "gs": "gs", "gcs": "gs"}


@dataclass(frozen=True)
class ClusterAccess:
    """How the cluster authenticates to the dump's object storage (from the spec's ``load``)."""

    auth: str = StorageAuth.IMPLICIT
    role: str | None = None
    endpoint: str | None = None

    @classmethod
    def from_spec(cls, load: LoadSpec) -> ClusterAccess:
        """``load.storage_auth`` / ``storage_role`` / ``storage_endpoint``."""
        return cls(str(load.storage_auth), load.storage_role, load.storage_endpoint)


def _s3_settings(path: UPath) -> dict[str, Any]:
    """Key, secret, token, endpoint and region roachlift itself reaches ``path`` with (the
    filesystem's, which is how both a UPath and Airflow's ObjectStoragePath hold them)."""
    fs: Any = path.fs
    opts = dict(getattr(path, "storage_options", {}) or {})
    region = (getattr(fs, "client_kwargs", None) or opts.get("client_kwargs") or {}).get("region_name")
    return {
        "key": getattr(fs, "key", None) or opts.get("key"),
        "secret": getattr(fs, "secret", None) or opts.get("secret"),
        "token": getattr(fs, "token", None) or opts.get("token"),
        "endpoint": getattr(fs, "endpoint_url", None) or opts.get("endpoint_url"),
        "region": region,
    }


def cluster_url(path: StoragePath, access: ClusterAccess) -> str:
    """The URL the cluster reads ``path`` (a part on object storage) from, with ``access``'s auth."""
    scheme = CLUSTER_SCHEME.get(scheme_of(path))
    if scheme is None or not isinstance(path, UPath):
        raise RoachliftError(
            f"{describe(path)}: IMPORT INTO reads object storage (s3://, gs://) only; with the dump "
            "in a folder set load.storage to userfile (or an object-storage prefix holding a copy)"
        )
    bucket, _, key = str(path.path).partition("/")
    params: dict[str, str] = {"AUTH": access.auth}
    if scheme == "s3":
        s3 = _s3_settings(path)
        if access.auth == StorageAuth.SPECIFIED:
            if not (s3["key"] and s3["secret"]):
                raise RoachliftError(
                    f"{describe(path)}: load.storage_auth 'specified' puts the access key in the URLs, but "
                    "dump.storage_conn_id holds none (set login/password of the connection)"
                )
            params["AWS_ACCESS_KEY_ID"] = s3["key"]
            params["AWS_SECRET_ACCESS_KEY"] = s3["secret"]
            if s3["token"]:
                params["AWS_SESSION_TOKEN"] = s3["token"]
        endpoint = access.endpoint or s3["endpoint"]
        if endpoint:
            params["AWS_ENDPOINT"] = endpoint
        if s3["region"]:
            params["AWS_REGION"] = s3["region"]
    elif access.auth == StorageAuth.SPECIFIED:
        raise RoachliftError(
            f"{describe(path)}: load.storage_auth 'specified' is supported for s3:// only; use implicit "
            "(the cluster's own service account) and, if needed, load.storage_role"
        )
    if access.role:
        params["ASSUME_ROLE"] = access.role
    return urlunsplit((scheme, bucket, "/" + key, urlencode(params, safe="/:"), ""))
