"""Airflow 3.3 with the CeleryExecutor on loopback: its own Redis broker and several Celery workers.

:class:`CeleryAirflow` starts a :class:`~roachlift.testing.redis_server.RedisServer`, an
:class:`~roachlift.testing.airflow_server.AirflowServer` (api-server, scheduler, dag-processor,
triggerer) whose executor is ``CeleryExecutor`` with that Redis as broker and result backend, then
one ``airflow celery worker`` per :class:`CeleryWorker`, each with its own queues and environment
(e.g. its own ``ROACHLIFT_WORK_DIR``), and waits until every worker answers on the broker.

Workers on one machine share its disk, and a task may read another worker's files through the
absolute path an upstream task handed over: that would hide exactly the bug a multi-host
deployment has. A worker's ``hidden`` folders are therefore covered, for that worker and every task
it runs, by an empty tmpfs in a mount namespace of its own (``unshare --mount``; as non-root with
``--map-root-user``), so it sees them as a worker on another host would: empty.

Each worker reports its name as the task instances' ``hostname`` (``[core] hostname_callable`` =
:func:`worker_hostname`), so a test reads from the REST API which worker ran which task.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from roachlift.testing.airflow_server import AirflowServer, AirflowServerError
from roachlift.testing.redis_server import RedisServer

log = logging.getLogger(__name__)

#: The environment variable that names the worker to :func:`worker_hostname`.
WORKER_NAME_ENV = "ROACHLIFT_CELERY_WORKER"
#: Celery node names are ``<worker>@<this>``.
NODE_HOST = "roachlift"
#: Mounts an empty tmpfs over each folder given before ``--``, then runs the command after it.
_HIDE_SCRIPT = (
    'while [ "$1" != -- ]; do mount -t tmpfs -o size=1m,mode=0700 roachlift-hidden "$1" || exit 97; '
    'shift; done; shift; exec "$@"'
)


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the harness's workers: the worker's name, so that a task
    instance's ``hostname`` says which of several workers on one machine ran it."""
    return os.environ.get(WORKER_NAME_ENV) or "unnamed-worker"


@dataclass(frozen=True)
class CeleryWorker:
    """One ``airflow celery worker``: its name, the queues it consumes and its own environment."""

    name: str
    queues: tuple[str, ...] = ("default",)
    concurrency: int = 1
    env: Mapping[str, str] = field(default_factory=dict)
    #: folders this worker (and every task it runs) sees as empty
    hidden: tuple[Path, ...] = ()

    @property
    def node_name(self) -> str:
        """The Celery node name, ``<name>@roachlift``."""
        return f"{self.name}@{NODE_HOST}"


class CeleryAirflow:
    """Redis + Airflow (CeleryExecutor) + Celery workers, started together and stopped together."""

    def __init__(
        self,
        dags_folder: str | Path,
        workers: Sequence[CeleryWorker],
        *,
        plugins_folder: str | Path | None = None,
        home: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if len({w.name for w in workers}) != len(workers):
            raise ValueError("Celery worker names must differ")
        self.workers = list(workers)
        self.redis = RedisServer()
        self.server = AirflowServer(
            dags_folder,
            plugins_folder,
            home=home,
            executor="CeleryExecutor",
            env={**self._celery_env(), **dict(env or {})},
        )

    def _celery_env(self) -> dict[str, str]:
        return {
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url(0),
            # results in Redis too: the metadata DB is SQLite, which the workers must not lock
            "AIRFLOW__CELERY__RESULT_BACKEND": self.redis.url(1),
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
        }

    # -- life cycle --------------------------------------------------------------------------
    def __enter__(self) -> CeleryAirflow:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> None:
        """Redis, then Airflow, then the workers; returns once every worker consumes its queues."""
        started = time.monotonic()
        self.redis.start()
        try:
            # the workers need only Redis: they start while the API server and scheduler come up
            self.server.start(timeout=timeout, also=self._spawn_workers)
            self.wait_workers(max(10.0, timeout - (time.monotonic() - started)))
        except BaseException:
            self.stop()
            raise

    def _spawn_workers(self) -> None:
        for worker in self.workers:
            self._spawn_worker(worker)

    def _spawn_worker(self, worker: CeleryWorker) -> None:
        env = {
            **self.server.environment(),
            **dict(worker.env),
            WORKER_NAME_ENV: worker.name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.worker_hostname",
        }
        args = [
            sys.executable,
            "-m",
            "airflow",
            "celery",
            "worker",
            "--queues",
            ",".join(worker.queues),
            "--concurrency",
            str(worker.concurrency),
            "--celery-hostname",
            worker.node_name,
            "--pid",
            str(self.server.home / f"celery-{worker.name}.pid"),
            # task logs land in the shared AIRFLOW_HOME; a log server per worker would need a port each
            "--skip-serve-logs",
        ]
        if worker.hidden:
            args = hiding(worker.hidden, args)
        log.info("starting celery worker %s", describe(worker))
        self.server.spawn(f"celery-{worker.name}", env, args)

    def wait_workers(self, timeout: float = 60.0) -> dict[str, list[str]]:
        """Wait until every worker answers on the broker; returns ``{node name: [queues]}``."""
        from celery import Celery

        app = Celery(broker=self.redis.url(0))
        deadline = time.monotonic() + timeout
        wanted = {w.node_name for w in self.workers}
        seen: dict[str, list[str]] = {}
        try:
            while time.monotonic() < deadline:
                for name, proc in self.server.procs.items():
                    if proc.poll() is not None:
                        raise AirflowServerError(
                            f"{name} exited with code {proc.returncode}; log:\n{self.server.log_tail(name)}"
                        )
                active = app.control.inspect(timeout=1.0).active_queues() or {}
                seen = {node: sorted(q["name"] for q in queues) for node, queues in active.items()}
                if wanted <= set(seen):
                    return seen
                time.sleep(0.5)
        finally:
            app.close()
        raise AirflowServerError(
            f"Celery workers {sorted(wanted - set(seen))} not ready within {timeout:.0f}s; "
            + "; ".join(f"{w.name}: {self.server.log_tail(f'celery-{w.name}', 15)}" for w in self.workers)
        )

    def stop(self) -> None:
        """End Airflow and the workers (one process group each), then Redis."""
        try:
            self.server.stop()
        finally:
            self.redis.stop()


def hiding(folders: Sequence[Path], args: Sequence[str]) -> list[str]:
    """``args`` run in a mount namespace of their own where each of ``folders`` (which must exist)
    is an empty tmpfs; the rest of the file system is shared."""
    return [*_unshare_prefix(), "/bin/sh", "-c", _HIDE_SCRIPT, "hide", *map(str, folders), "--", *args]


def _unshare_prefix() -> list[str]:
    """``unshare`` into a new mount namespace (a user namespace too when not root)."""
    unshare = shutil.which("unshare")
    if not unshare:
        raise AirflowServerError("unshare not found: install the Debian package util-linux")
    prefix = [unshare, "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        # a user namespace where this user is uid 0: mount(8) refuses any other uid, and files of
        # this user are owned by uid 0 in there too (roachlift's own-folder check still holds)
        prefix.append("--map-root-user")
    return prefix


def describe(worker: CeleryWorker) -> str:
    """One line for logs: name, queues, hidden folders."""
    hidden = " hides " + " ".join(shlex.quote(str(p)) for p in worker.hidden) if worker.hidden else ""
    return f"{worker.node_name} queues {','.join(worker.queues)} x{worker.concurrency}{hidden}"
