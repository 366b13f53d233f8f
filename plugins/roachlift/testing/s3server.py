"""A real S3 API server on loopback for tests and the demo: moto's server, in its own process.

Credentials are enforced: the server is started with ``INITIAL_NO_AUTH_ACTION_COUNT`` set to the
few unauthenticated calls the harness makes itself (an IAM user, its policy, its access key), so
every later request must be signed with that key, and a wrong key or secret is refused the way
AWS refuses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

from roachlift.errors import MissingBinaryError
from roachlift.testing.servers import _Server, _wait_for_port

#: The unauthenticated IAM calls :meth:`S3Server.start` makes before credentials are enforced.
_SETUP_CALLS = 3
REGION = "us-east-1"


class S3Server(_Server):
    """``python -m moto.server`` on 127.0.0.1 with one IAM user allowed ``s3:*``."""

    name = "s3"

    def start(self) -> None:
        """Start the server, create the user and its key (``access_key`` / ``secret_key``)."""
        try:
            import boto3
            import moto  # noqa: F401
        except ImportError as exc:
            raise MissingBinaryError(
                f"{exc.name} is not installed: pip install 'moto[server]' s3fs (roachlift's dev extra)"
            ) from None
        log = self.base_dir / "server.log"
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(_SETUP_CALLS)}
        fh = open(log, "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        fh.close()
        _wait_for_port(self.port, 60, "moto_server", log, self.proc)
        iam = boto3.client(
            "iam",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="roachlift")
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="roachlift", PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="roachlift")["AccessKey"]
        self.access_key = str(key["AccessKeyId"])
        self.secret_key = str(key["SecretAccessKey"])

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> object:
        """A boto3 S3 client signed with the server's key."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def create_bucket(self, name: str) -> str:
        """Create bucket ``name`` (if missing); return ``s3://<name>``."""
        client = self.client()
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}  # type: ignore[attr-defined]
        if name not in existing:
            client.create_bucket(Bucket=name)  # type: ignore[attr-defined]
        return f"s3://{name}"

    def conn_uri(self, *, secret: str | None = None) -> str:
        """An Airflow ``aws`` connection URI for this server (``AIRFLOW_CONN_<ID>``); ``secret``
        overrides the real one (to test a refused credential)."""
        return (
            f"aws://{quote(self.access_key, safe='')}:{quote(secret or self.secret_key, safe='')}@/"
            f"?endpoint_url={quote(self.endpoint_url, safe='')}&region_name={REGION}"
        )
