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
