"""Errors as RFC 9457 problem details (``application/problem+json``) for the JSON API.

Domain errors keep their meaning at the edge: ``InvalidInput`` → 422 with the field and
what is allowed, ``NotFound`` → 404, ``Conflict`` → 409, ``SafetyBlock`` → 403 with the
reasons. Request validation errors become one 422 problem listing every bad field.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from microdose.domain.errors import InvalidInput, MicrodoseError, NextStep, SafetyBlock

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:microdose:problem:"


class FieldError(BaseModel):
    """One field that broke a rule."""

    model_config = ConfigDict(extra="forbid")

    field: str
    message: str
    allowed: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem detail, with the fields that broke a rule in ``errors``."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = []
    reasons: list[str] = []
    #: what the person can do next (the same key every interface words its own way)
    next_step: NextStep | None = None


#: OpenAPI ``responses`` of every API route: the problems it can answer with
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status in (400, 401, 403, 404, 409, 422, 503)
}


class ProblemResponse(JSONResponse):
    """A JSON response with the problem media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    instance: str | None = None,
    errors: Sequence[FieldError] = (),
    reasons: Sequence[str] = (),
    next_step: NextStep | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """A problem response; ``kind`` names the problem type (else ``about:blank``)."""
    body = Problem(
        type=TYPE_PREFIX + kind if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        errors=list(errors),
        reasons=list(reasons),
        next_step=next_step,
    )
    return ProblemResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _kind(exc: MicrodoseError) -> str:
    name = type(exc).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def domain_problem(request: Request, exc: MicrodoseError) -> ProblemResponse:
    """The problem for a domain error."""
    errors: list[FieldError] = []
    if isinstance(exc, InvalidInput):
        errors.append(FieldError(field=exc.field, message=exc.message, allowed=exc.allowed))
    reasons = exc.reasons if isinstance(exc, SafetyBlock) else []
    return problem(
        exc.http_status,
        exc.message,
        kind=_kind(exc),
        instance=request.url.path,
        errors=errors,
        reasons=reasons,
        next_step=exc.next_step,
    )


def _field_name(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def _allowed(error: dict[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    low = ctx.get("ge", ctx.get("gt"))
    high = ctx.get("le", ctx.get("lt"))
    if low is not None and high is not None:
        return f"{low}-{high}"
    if high is not None:
        return f"at most {high}"
    if low is not None:
        return f"at least {low}"
    if "expected" in ctx:
        return str(ctx["expected"])
    if "pattern" in ctx:
        return f"text matching {ctx['pattern']}"
    return None


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    """One :class:`FieldError` per pydantic error."""
    return [
        FieldError(field=_field_name(e.get("loc", ())), message=str(e["msg"]), allowed=_allowed(e))
        for e in exc.errors()
    ]


def validation_problem(request: Request, exc: RequestValidationError) -> ProblemResponse:
    """The 422 problem for a request that does not match the schema."""
    errors = validation_errors(exc)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid request"
    return problem(
        422, detail, kind="invalid-request", instance=request.url.path, errors=errors
    )


def http_problem(request: Request, exc: HTTPException) -> ProblemResponse:
    """A problem for Starlette's own HTTP errors (unknown route, wrong method …)."""
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(
        exc.status_code, detail, instance=request.url.path, headers=dict(exc.headers or {})
    )


def busy_problem(request: Request) -> ProblemResponse:
    """503 when the journal is locked or unreachable: the client may retry."""
    return problem(
        503,
        "the journal database is busy or unreachable; nothing was saved, try again",
        kind="database-unavailable",
        instance=request.url.path,
        headers={"Retry-After": "1"},
    )


def unstorable_problem(request: Request) -> ProblemResponse:
    """422 for a value the database cannot store (a number or text out of its range)."""
    return problem(
        422,
        "a value is outside what the journal can store; nothing was saved",
        kind="unstorable-value",
        instance=request.url.path,
        errors=[FieldError(field="body", message="a value is out of range",
                           allowed="the ranges the API's schema gives")],
    )
