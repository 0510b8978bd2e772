"""Domain errors: raised by the core, translated at the edge (CLI exit codes, HTTP problems)."""

from __future__ import annotations

from typing import Literal, get_args

#: What a person can do next about a refusal. The core's messages name no interface; each
#: interface says the step in its own words (the CLI a command, the web a link, the API
#: the key itself in ``next_step``).
NextStep = Literal[
    "safety-screen", "crisis-ack", "trial-design", "trial-unblind", "checkin", "confirm"
]
NEXT_STEPS: tuple[str, ...] = get_args(NextStep)


class MicrodoseError(Exception):
    """Base class of every error the core raises on purpose."""

    #: exit code the CLI uses for this error
    exit_code = 1
    #: HTTP status the web layer uses for this error
    http_status = 400

    def __init__(self, message: str, *, next_step: NextStep | None = None) -> None:
        if next_step is not None and next_step not in NEXT_STEPS:
            raise ValueError(f"next_step: {next_step!r} is not one of {', '.join(NEXT_STEPS)}")
        super().__init__(message)
        self.message = message
        self.next_step = next_step


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


class NeedsConfirmation(InvalidInput):
    """Allowed only once the person confirms it (e.g. a plan whose start is already past).

    The interfaces word the confirmation (``next_step = "confirm"``): the CLI ``--yes``,
    the pages a checkbox, the API a field of the request.
    """

    def __init__(self, field: str, message: str, allowed: str | None = None) -> None:
        super().__init__(field, message, allowed)
        self.next_step = "confirm"


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

    def __init__(
        self, message: str, reasons: list[str] | None = None, *, next_step: NextStep | None = None
    ) -> None:
        super().__init__(message, next_step=next_step)
        self.reasons = reasons or []
