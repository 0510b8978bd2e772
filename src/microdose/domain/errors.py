"""Domain errors: raised by the core, translated at the edge (CLI exit codes, HTTP problems)."""

from __future__ import annotations


class MicrodoseError(Exception):
    """Base class of every error the core raises on purpose."""

    #: exit code the CLI uses for this error
    exit_code = 1
    #: HTTP status the web layer uses for this error
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(MicrodoseError):
    """Input that breaks a rule; names the field and what is allowed."""

    exit_code = 2
    http_status = 422

    def __init__(self, field: str, message: str, allowed: str | None = None) -> None:
        text = f"{field}: {message}"
        if allowed:
            text += f" (allowed: {allowed})"
        super().__init__(text)
        self.field = field
        self.allowed = allowed


class NotFound(MicrodoseError):
    """A record that does not exist (or that this person may not see)."""

    exit_code = 4
    http_status = 404


class Conflict(MicrodoseError):
    """A request that contradicts what is stored (e.g. a trial already unblinded)."""

    exit_code = 5
    http_status = 409


class SafetyBlock(MicrodoseError):
    """A safety rule refuses the action; the reasons are in the message."""

    exit_code = 3
    http_status = 403

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        super().__init__(message)
        self.reasons = reasons or []
