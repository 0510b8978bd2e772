"""Local security: security headers, host check, passphrase login, CSRF tokens.

- Every response carries a Content-Security-Policy without inline scripts or styles
  (``script-src 'self'``), ``frame-ancestors 'none'``, ``Referrer-Policy: no-referrer``,
  ``nosniff``, and ``Cache-Control: no-store`` outside ``/static``.
- Bound to a loopback address, only loopback ``Host`` headers are answered (this stops
  DNS-rebinding pages from reading the journal). Bound to any other address, a passphrase
  login is required: a signed session cookie for the pages, ``Authorization: Bearer
  <passphrase>`` for the API. Only the passphrase's Argon2 hash is kept.
- Forms carry a CSRF token: an HMAC of a random cookie under the app's secret (signed
  double submit); cookies are ``HttpOnly`` and ``SameSite=Strict``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from microdose.domain.errors import InvalidInput

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
#: logging out or deleting the journal forgets what the service worker kept on the device
#: (pages, the offline outbox); cookies are ended by the response itself
CLEAR_SITE_DATA = '"cache", "storage"'
CSRF_COOKIE = "md_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "md_session"
#: how long a login lasts, seconds
SESSION_SECONDS = 12 * 3600


@functools.lru_cache(maxsize=64)  # asked on every request about the bound address
def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def keyed_hash(secret: bytes, text: str) -> str:
    """HMAC-SHA256 of a secret (a password, an invitation code) under the app's secret key:
    what an idempotency record may keep of it (it tells a changed retry apart, and cannot
    be guessed offline)."""
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


@dataclass
class SecurityConfig:
    """How this app protects the journal.

    Attributes
    ----------
    host : str
        The address the server is bound to.
    passphrase_hash : str or None
        Argon2 hash of the login passphrase; None when no login is required.
    secret : bytes
        Key of the CSRF tokens and session cookies (random per app unless given).
    any_host : bool
        Answer any ``Host`` (the multi-user service: every request needs a login, so a
        DNS-rebinding page gains nothing, and a proxy may pass the public name on).
    """

    host: str = "127.0.0.1"
    passphrase_hash: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    any_host: bool = False
    _bearer_ok: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def build(cls, host: str, passphrase: str | None, secret: bytes | None) -> SecurityConfig:
        """Refuse a non-loopback address without a passphrase; hash the passphrase."""
        if not is_loopback(host) and not passphrase:
            raise InvalidInput(
                "passphrase",
                f"serving on {host} (not this computer only) needs a login passphrase",
                "MICRODOSE_WEB_PASSPHRASE, at least 8 characters",
            )
        if passphrase is not None and len(passphrase) < 8:
            raise InvalidInput("passphrase", "is too short", "at least 8 characters")
        hashed = None
        if passphrase:
            from argon2 import PasswordHasher

            hashed = PasswordHasher().hash(passphrase)
        return cls(host=host, passphrase_hash=hashed, secret=secret or secrets.token_bytes(32))

    @property
    def login_required(self) -> bool:
        """Whether requests need a login (the server is reachable from other machines)."""
        return self.passphrase_hash is not None

    def check_passphrase(self, passphrase: str) -> bool:
        """Verify a passphrase against the stored Argon2 hash."""
        if self.passphrase_hash is None:
            return True
        from argon2 import PasswordHasher
        from argon2.exceptions import VerificationError

        try:
            return PasswordHasher().verify(self.passphrase_hash, passphrase)
        except VerificationError:
            return False

    def check_bearer(self, token: str) -> bool:
        """Verify an API bearer passphrase (verified tokens are remembered as HMACs)."""
        tag = _sign(self.secret, "bearer:" + token)
        if tag in self._bearer_ok:
            return True
        ok = self.check_passphrase(token)
        if ok:
            self._bearer_ok.add(tag)
        return ok

    def csrf_token(self, cookie: str) -> str:
        """The form token that matches a browser's CSRF cookie."""
        return _sign(self.secret, "csrf:" + cookie)

    def csrf_valid(self, cookie: str | None, token: str | None) -> bool:
        """Whether a submitted form token matches the browser's CSRF cookie."""
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.csrf_token(cookie), token)

    def session_cookie(self, now: float | None = None) -> str:
        """A signed session cookie value valid for :data:`SESSION_SECONDS`."""
        expires = str(int((now or time.time()) + SESSION_SECONDS))
        return f"{expires}.{_sign(self.secret, 'session:' + expires)}"

    def session_valid(self, value: str | None, now: float | None = None) -> bool:
        """Whether a session cookie is genuine and unexpired."""
        if not value or "." not in value:
            return False
        expires, signature = value.split(".", 1)
        if not expires.isdigit() or int(expires) < (now or time.time()):
            return False
        return hmac.compare_digest(_sign(self.secret, "session:" + expires), signature)

    def host_allowed(self, host_header: str) -> bool:
        """Bound to loopback, answer only loopback Host headers (DNS-rebinding defence)."""
        if self.any_host or not is_loopback(self.host):
            return True
        name = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return name.lower() in LOOPBACK_NAMES


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, host check first."""

    def __init__(self, app: ASGIApp, config: SecurityConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
        if not self.config.host_allowed(host):
            await _refuse_host(send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse_host(send: Send) -> None:
    body = b"This server answers only requests addressed to 127.0.0.1 or localhost.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})
