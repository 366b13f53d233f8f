"""A throw-away Airflow 3.3 deployment on loopback, and a small REST client for it.

:class:`AirflowServer` runs ``airflow db migrate`` and then the api-server, scheduler,
dag-processor and triggerer as subprocesses of one new process group (``setsid``), with their own
``AIRFLOW_HOME`` in a temporary folder (SQLite, LocalExecutor unless told otherwise), a free port on
127.0.0.1, the given DAGs and plugins folders, no example DAGs, and ``SimpleAuthManager`` in
all-admins mode so a browser needs no login (local use only). :meth:`AirflowServer.spawn` starts
more processes of the deployment (e.g. Celery workers, see :mod:`roachlift.testing.celery_cluster`);
:meth:`AirflowServer.stop` ends every process group.

:class:`AirflowClient` covers what tests and the demo need: list DAGs, unpause, trigger a run with
``conf``, wait for a run's state, list and answer pending human-in-the-loop (approval) details.

This module imports no Airflow: it only runs ``python -m airflow`` in subprocesses. Run
``python -m roachlift.testing.airflow_server`` to start the UI on the repository's DAGs by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from roachlift.errors import RoachliftError
from roachlift.testing.servers import free_port

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[3]
#: Components started by default; ``airflow standalone`` starts the same four.
DEFAULT_COMPONENTS: tuple[str, ...] = ("api-server", "scheduler", "dag-processor", "triggerer")
#: Health-report keys (``/api/v2/monitor/health``) of the components that heartbeat.
_HEALTH_KEYS = {"scheduler": "scheduler", "dag-processor": "dag_processor", "triggerer": "triggerer"}
#: Run states after which a DAG run no longer changes.
FINISHED_RUN_STATES = frozenset({"success", "failed"})


class AirflowServerError(RoachliftError):
    """The local Airflow deployment could not start, or did not answer as expected."""


class AirflowServer:
    """Airflow 3.3 (api-server + scheduler + dag-processor + triggerer) in a temporary home.

    ``plugins_folder`` defaults to an empty folder: roachlift is an installed package. A plugins
    folder that holds the roachlift sources needs a ``.airflowignore`` with the line ``roachlift/``,
    since Airflow imports every ``.py`` file there as a top-level module (``roachlift/__main__.py``
    would run as ``__main__`` and the scheduler exits with the roachlift CLI's usage error).
    """

    def __init__(
        self,
        dags_folder: str | Path,
        plugins_folder: str | Path | None = None,
        *,
        home: str | Path | None = None,
        port: int | None = None,
        components: Sequence[str] = DEFAULT_COMPONENTS,
        env: Mapping[str, str] | None = None,
        dag_dir_refresh_seconds: int = 10,
        parallelism: int = 8,
        executor: str = "LocalExecutor",
    ) -> None:
        self._own_home = home is None
        self.home = Path(home or tempfile.mkdtemp(prefix="roachlift-airflow-")).resolve()
        self.dags_folder = Path(dags_folder).resolve()
        self.plugins_folder = Path(plugins_folder).resolve() if plugins_folder else self.home / "plugins"
        self.port = port or free_port()
        self.components = tuple(components)
        self.extra_env = dict(env or {})
        self.dag_dir_refresh_seconds = dag_dir_refresh_seconds
        self.parallelism = parallelism
        self.executor = executor
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        # one pair per deployment: every component must sign and check tokens with the same key
        self._jwt_secret = secrets.token_hex(16)
        self._api_secret_key = secrets.token_hex(16)
        self._client: AirflowClient | None = None

    # -- addresses ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The UI and REST root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_dir(self) -> Path:
        """Where each component writes ``<component>.log``."""
        return self.home / "component-logs"

    def environment(self) -> dict[str, str]:
        """The environment every component (and every task it runs) gets."""
        env = dict(os.environ)
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.plugins_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                # LocalExecutor forks this many workers up front (default 32: too many for 2 cores)
                "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                # local use only: everyone is admin, no login page
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
                "AIRFLOW__API__SECRET_KEY": self._api_secret_key,
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": str(self.dag_dir_refresh_seconds),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            }
        )
        env.update(self.extra_env)
        return env

    # -- life cycle --------------------------------------------------------------------------
    def __enter__(self) -> AirflowServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self, timeout: float = 90.0, also: Callable[[], None] | None = None) -> None:
        """Migrate the metadata DB, start the components and wait until ``/monitor/health`` is good.

        ``also`` runs once the components are spawned, before the wait: processes it starts
        (:meth:`spawn`) come up meanwhile, and :meth:`stop` ends them too."""
        started = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        self.plugins_folder.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        migrate_log = self.log_dir / "db-migrate.log"
        with migrate_log.open("wb") as out:
            done = subprocess.run(
                [sys.executable, "-m", "airflow", "db", "migrate"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            raise AirflowServerError(f"airflow db migrate failed; log:\n{_tail(migrate_log)}")
        try:
            for name in self.components:
                self.spawn(name, env)
            if also is not None:
                also()
            remaining = max(5.0, timeout - (time.monotonic() - started))
            self.wait_healthy(remaining)
        except BaseException:
            self.stop()
            raise
        elapsed = time.monotonic() - started
        log.info("airflow is up at %s after %.1fs (home %s)", self.base_url, elapsed, self.home)

    def spawn(self, name: str, env: Mapping[str, str], args: Sequence[str] | None = None) -> None:
        """Start one process of the deployment as the leader of a new session and process group,
        logging to ``<log_dir>/<name>.log``; :meth:`stop` ends it with the components.

        ``args`` defaults to ``python -m airflow <name>`` (a component)."""
        if args is None:
            args = [sys.executable, "-m", "airflow", name]
            if name == "api-server":
                args += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("wb") as out:
            # setsid: the component and every child it forks (uvicorn, task supervisors) share a
            # process group that stop() can end in one signal; SIGTERM alone leaves children behind.
            self.procs[name] = subprocess.Popen(
                list(args),
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self, timeout: float = 10.0) -> None:
        """End every component's process group (SIGTERM, then SIGKILL); remove a home it created."""
        groups = {name: proc.pid for name, proc in self.procs.items()}  # a leader's pid is its group id
        for pgid in groups.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
        self._wait_groups_gone(timeout)
        stubborn = [name for name, pgid in groups.items() if process_group_alive(pgid)]
        if stubborn:
            log.info("airflow %s still running %.0fs after SIGTERM: SIGKILL", ", ".join(stubborn), timeout)
            for name in stubborn:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(groups[name], signal.SIGKILL)
            self._wait_groups_gone(5.0)
        left = [name for name, pgid in groups.items() if process_group_alive(pgid)]
        if left:
            log.warning("airflow %s: processes left after SIGKILL", ", ".join(left))
        self.procs.clear()
        if self._own_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def _wait_groups_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.running():
            for proc in self.procs.values():
                proc.poll()  # reap the leaders so their groups can empty
            time.sleep(0.1)

    def running(self) -> bool:
        """Whether any process of any component's group is still alive."""
        return any(process_group_alive(proc.pid) for proc in self.procs.values())

    def wait_healthy(self, timeout: float = 60.0) -> dict[str, Any]:
        """Poll ``/api/v2/monitor/health`` until the DB and every started component report healthy."""
        deadline = time.monotonic() + timeout
        wanted = [_HEALTH_KEYS[c] for c in self.components if c in _HEALTH_KEYS]
        last: Any = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise AirflowServerError(
                        f"airflow {name} exited with code {proc.returncode}; log:\n{self.log_tail(name)}"
                    )
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v2/monitor/health", timeout=5) as resp:
                    last = json.loads(resp.read())
            except (OSError, ValueError) as exc:
                last = exc
            else:
                statuses = {k: (last.get(k) or {}).get("status") for k in ["metadatabase", *wanted]}
                if all(s == "healthy" for s in statuses.values()):
                    return dict(last)
            time.sleep(0.5)
        raise AirflowServerError(
            f"airflow at {self.base_url} not healthy within {timeout:.0f}s (last: {last}); "
            f"api-server log:\n{self.log_tail('api-server')}"
        )

    def log_tail(self, component: str, lines: int = 40) -> str:
        """The last lines of one component's log."""
        return _tail(self.log_dir / f"{component}.log", lines)

    def client(self) -> AirflowClient:
        """A REST client for this deployment (shared, token cached)."""
        if self._client is None:
            self._client = AirflowClient(self.base_url)
        return self._client


class AirflowClient:
    """Just enough of the Airflow 3.3 REST API (``/api/v2``) for tests and the demo."""

    def __init__(self, base_url: str, username: str | None = None, password: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self._token: str | None = None

    # -- plumbing ----------------------------------------------------------------------------
    def token(self, refresh: bool = False) -> str:
        """A JWT: ``POST /auth/token`` with credentials, or ``GET /auth/token`` in all-admins mode."""
        if self._token is None or refresh:
            if self.username is not None:
                body = json.dumps({"username": self.username, "password": self.password or ""}).encode()
                req = urllib.request.Request(
                    f"{self.base_url}/auth/token",
                    data=body,
                    method="POST",
                    headers={"Content-Type": "application/json"},
                )
            else:
                req = urllib.request.Request(f"{self.base_url}/auth/token", method="GET")
            try:
                with urllib.request.urlopen(req, timeout=15) as resp:
                    self._token = str(json.loads(resp.read())["access_token"])
            except urllib.error.HTTPError as exc:
                raise AirflowServerError(
                    f"cannot get an API token from {self.base_url}/auth/token: HTTP {exc.code} "
                    f"{exc.read().decode(errors='replace')[:300]}"
                ) from None
        return self._token

    def request(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        """Send one JSON request to ``path`` (relative to the base URL); returns the decoded JSON."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(
                [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()], doseq=True
            )
        data = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            req = urllib.request.Request(url, data=data, method=method)
            req.add_header("Authorization", f"Bearer {self.token(refresh=attempt == 2)}")
            req.add_header("Accept", "application/json")
            if data is not None:
                req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    raw = resp.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                if exc.code == 401 and attempt == 1:
                    continue  # token expired: fetch a new one once
                detail = exc.read().decode(errors="replace")[:500]
                raise AirflowServerError(f"{method} {path}: HTTP {exc.code}: {detail}") from None
        raise AirflowServerError(f"{method} {path}: unauthorized")  # pragma: no cover

    # -- DAGs and runs -----------------------------------------------------------------------
    def list_dags(self, pattern: str | None = None) -> list[dict[str, Any]]:
        """DAGs known to the API (parsed by the dag-processor); ``pattern`` is a SQL LIKE fragment."""
        query: dict[str, Any] = {"limit": 1000}
        if pattern:
            query["dag_id_pattern"] = pattern
        return list(self.request("GET", "/api/v2/dags", query=query)["dags"])

    def import_errors(self) -> list[dict[str, Any]]:
        """Import errors of DAG files, as the UI shows them."""
        return list(self.request("GET", "/api/v2/importErrors")["import_errors"])

    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 60.0) -> list[dict[str, Any]]:
        """Wait until every DAG id is parsed; fail early, with the errors, on an import error."""
        wanted = set(dag_ids)
        deadline = time.monotonic() + timeout
        while True:
            dags = self.list_dags()
            if wanted <= {d["dag_id"] for d in dags}:
                return dags
            errors = self.import_errors()
            if errors or time.monotonic() > deadline:
                seen = sorted(d["dag_id"] for d in dags)
                raise AirflowServerError(
                    f"DAGs {sorted(wanted - set(seen))} not parsed (seen {seen}); import errors: "
                    + "; ".join(f"{e.get('filename')}: {e.get('stack_trace', '')[-1500:]}" for e in errors)
                )
            time.sleep(1)

    def get_dag_details(self, dag_id: str) -> dict[str, Any]:
        """``GET /api/v2/dags/{dag_id}/details`` (includes ``params``)."""
        return dict(self.request("GET", f"/api/v2/dags/{_q(dag_id)}/details"))

    def unpause(self, dag_id: str) -> dict[str, Any]:
        """Unpause a DAG (new DAGs start paused)."""
        return dict(self.request("PATCH", f"/api/v2/dags/{_q(dag_id)}", body={"is_paused": False}))

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None, run_id: str | None = None) -> str:
        """Trigger a run now with ``conf``; returns its run id."""
        body: dict[str, Any] = {"logical_date": None, "conf": dict(conf or {})}
        if run_id:
            body["dag_run_id"] = run_id
        run = self.request("POST", f"/api/v2/dags/{_q(dag_id)}/dagRuns", body=body)
        return str(run["dag_run_id"])

    def get_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """One DAG run."""
        return dict(self.request("GET", f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"))

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The task instances of one run (every map index of a mapped task)."""
        path = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances"
        return list(self.request("GET", path, query={"limit": 1000})["task_instances"])

    def xcom(
        self, dag_id: str, run_id: str, task_id: str, key: str = "return_value", map_index: int = -1
    ) -> Any:
        """The value of one XCom entry (deserialized by the API server)."""
        run = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"
        path = f"{run}/taskInstances/{_q(task_id)}/xcomEntries/{_q(key)}"
        return self.request("GET", path, query={"map_index": map_index, "deserialize": True})["value"]

    def task_log(
        self, dag_id: str, run_id: str, task_id: str, try_number: int = 1, map_index: int = -1
    ) -> str:
        """One try's task log as the UI shows it, one line per entry (event and error details)."""
        run = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"
        path = f"{run}/taskInstances/{_q(task_id)}/logs/{try_number}"
        got = self.request("GET", path, query={"map_index": map_index, "full_content": True})
        entries = got.get("content") or []
        return "\n".join(e if isinstance(e, str) else json.dumps(e, default=str) for e in entries)

    def set_pool(self, name: str, slots: int, description: str = "") -> dict[str, Any]:
        """Create the pool ``name`` with ``slots`` slots (roachlift's tasks name pools that must exist)."""
        body = {"name": name, "slots": slots, "description": description, "include_deferred": False}
        return dict(self.request("POST", "/api/v2/pools", body=body))

    def wait_for_run(
        self, dag_id: str, run_id: str, states: Iterable[str] = FINISHED_RUN_STATES, timeout: float = 60.0
    ) -> dict[str, Any]:
        """Wait until the run's state is one of ``states``; returns the run."""
        wanted = set(states)
        deadline = time.monotonic() + timeout
        while True:
            run = self.get_run(dag_id, run_id)
            if run["state"] in wanted:
                return run
            if time.monotonic() > deadline:
                tis = {t["task_id"]: t["state"] for t in self.task_instances(dag_id, run_id)}
                raise AirflowServerError(
                    f"run {dag_id}/{run_id} is {run['state']!r}, not {sorted(wanted)}, "
                    f"after {timeout:.0f}s; tasks: {tis}"
                )
            time.sleep(0.5)

    # -- human in the loop (approvals) -------------------------------------------------------
    def hitl_details(
        self, dag_id: str = "~", run_id: str = "~", *, pending_only: bool = True
    ) -> list[dict[str, Any]]:
        """HITL details (``~`` = any DAG / run); only those still awaiting a response by default."""
        query: dict[str, Any] = {"limit": 100}
        if pending_only:
            query["response_received"] = False
        path = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/hitlDetails"
        return list(self.request("GET", path, query=query)["hitl_details"])

    def wait_for_hitl(self, dag_id: str, run_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until the run has a pending HITL detail (its task awaits input); returns it."""
        deadline = time.monotonic() + timeout
        while True:
            pending = self.hitl_details(dag_id, run_id)
            if pending:
                return pending[0]
            run = self.get_run(dag_id, run_id)
            if run["state"] in FINISHED_RUN_STATES or time.monotonic() > deadline:
                tis = {t["task_id"]: t["state"] for t in self.task_instances(dag_id, run_id)}
                raise AirflowServerError(
                    f"no pending approval in {dag_id}/{run_id} (run {run['state']!r}, tasks {tis})"
                )
            time.sleep(0.5)

    def answer_hitl(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        chosen_options: Sequence[str],
        map_index: int = -1,
        params_input: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Answer one pending HITL detail, e.g. ``["Approve"]`` or ``["Reject"]``."""
        run = f"/api/v2/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"
        path = f"{run}/taskInstances/{_q(task_id)}/{map_index}/hitlDetails"
        body = {"chosen_options": list(chosen_options), "params_input": dict(params_input or {})}
        return dict(self.request("PATCH", path, body=body))


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="~")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def process_group_alive(pgid: int) -> bool:
    """Whether any process of the group ``pgid`` still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a member we cannot signal still exists
        return True
    return True


def main(argv: list[str] | None = None) -> int:
    """Start the Airflow UI on the repository's DAGs and keep it up until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m roachlift.testing.airflow_server",
        description="Start Airflow 3.3 (api-server, scheduler, dag-processor, triggerer) on loopback "
        "with a throw-away AIRFLOW_HOME; no login (all users are admin: local use only).",
    )
    parser.add_argument("--dags", default=str(REPO / "dags"), help="DAGs folder (default: %(default)s)")
    parser.add_argument(
        "--plugins",
        default=None,
        help="Airflow plugins folder (default: an empty one; roachlift itself is an installed package)",
    )
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--home", default=None, help="AIRFLOW_HOME to use and keep (default: a temp dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = AirflowServer(args.dags, args.plugins, home=args.home, port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(f"starting Airflow (home {server.home}, logs in {server.log_dir}) ...", flush=True)
        server.start()
        dags = server.client().list_dags()
        print(f"Airflow UI: {server.base_url}  (no login)", flush=True)
        print("DAGs: " + (", ".join(sorted(d["dag_id"] for d in dags)) or "(still parsing)"), flush=True)
        print(f"pending approvals: {server.base_url}/required_actions?response_received=false", flush=True)
        print("Ctrl-C stops it", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    except AirflowServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
