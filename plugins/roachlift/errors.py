"""Errors roachlift raises for bad input or unreachable servers: each names what to fix."""


class RoachliftError(Exception):
    """Base class: an error a user can act on, printed without a traceback by the CLI."""


class SpecError(RoachliftError):
    """The migration spec is invalid; ``problems`` holds one ``key.path: message`` line each."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))


class MissingBinaryError(RoachliftError):
    """A server or client binary is missing; the message names the Debian package."""


class TransientError(RoachliftError):
    """A failure worth retrying as is: a lost connection, a serialization conflict, a busy server."""


#: SQLSTATE classes and codes that mean "try again": connection exceptions, serialization
#: failures (CockroachDB's retry error is 40001), deadlocks, admin shutdown, too many connections.
_TRANSIENT_SQLSTATES = ("08", "40001", "40P01", "57P01", "57P02", "57P03", "53300")
#: MySQL error numbers: lost connection / gone away / lock wait timeout / deadlock / too many
#: connections / connection killed (MariaDB 1927) / server shutdown (1053).
_TRANSIENT_MYSQL = {2002, 2003, 2006, 2013, 1205, 1213, 1040, 1927, 1053}


def is_transient(exc: BaseException) -> bool:
    """True for errors a retry can cure (network, serialization); False for data and usage errors."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TransientError | ConnectionError | TimeoutError):
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
            return True
        if type(current).__module__.startswith("psycopg") and type(current).__name__ == "OperationalError":
            return sqlstate is None or sqlstate.startswith(_TRANSIENT_SQLSTATES)
        args = getattr(current, "args", ())
        if (
            type(current).__module__.startswith(("pymysql", "MySQLdb"))
            and args
            and args[0] in _TRANSIENT_MYSQL
        ):
            return True
        current = current.__cause__ or current.__context__
    return False
