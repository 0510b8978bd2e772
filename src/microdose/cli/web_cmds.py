"""``microdose serve``: the journal in the browser (and the JSON API) on this computer."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from microdose.cli.output import state
from microdose.domain.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    import socket

    from microdose.cli.context import AppState
    from microdose.settings import Settings

PASSPHRASE_ENV = "MICRODOSE_WEB_PASSPHRASE"
DB_PASSPHRASE_ENV = "MICRODOSE_DB_PASSPHRASE"


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    import socket

    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror as exc:
        raise InvalidInput("host", f"{host!r} is not an address here", "e.g. 127.0.0.1") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InvalidInput("port", f"cannot listen on {host}:{port} ({exc.strerror})",
                           "a free port, or 0 for any free port") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _login_passphrase(host: str) -> str | None:
    """The login passphrase a non-loopback address needs (environment, else asked)."""
    from microdose.web.security import is_loopback

    if is_loopback(host):
        return None
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        raise InvalidInput(
            "passphrase", f"serving on {host} needs a login passphrase", f"set {PASSPHRASE_ENV}"
        )
    text: str = typer.prompt(
        "Passphrase for logging in from other devices", hide_input=True, confirmation_prompt=True
    )
    return text


def encrypted_url(url: str, passphrase: str) -> str:
    """The SQLCipher form of a SQLite URL (the passphrase becomes the key)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise InvalidInput("encrypt", "only a SQLite journal can be encrypted", "sqlite:///PATH")
    from importlib.util import find_spec

    if find_spec("sqlcipher3") is None:
        raise InvalidInput(
            "encrypt", "SQLCipher is not installed", "pip install 'microdose[encryption]'"
        )
    encrypted = parsed.set(drivername="sqlite+pysqlcipher", username="", password=passphrase)
    return encrypted.render_as_string(hide_password=False)


def _build_demo(app_state: AppState) -> None:
    """Rebuild the separate demo journal, as ``microdose demo`` does."""
    from microdose.services.demo import build_demo
    from microdose.services.people import local_today
    from microdose.services.portability import delete_all, ensure_fresh
    from microdose.settings import demo_database_url

    with app_state.session() as (session, person):
        if not ensure_fresh(session=session, person=person):
            if app_state.settings.database_url != demo_database_url():
                raise Conflict("--demo needs an empty journal, or no --database-url")
            delete_all(session=session)
    with app_state.session() as (session, person):
        build_demo(session=session, person=person, today=local_today(person))
    app_state.close()


def _prepare(ctx: typer.Context, demo: bool, encrypt: bool) -> Settings:
    """The settings to serve: the demo journal (rebuilt) or the named one, maybe encrypted."""
    from dataclasses import replace

    from microdose.cli.dashboard import demo_state

    app_state = demo_state(ctx) if demo else state(ctx)
    if encrypt:
        key = os.environ.get(DB_PASSPHRASE_ENV) or typer.prompt(
            "Journal encryption passphrase", hide_input=True
        )
        url = encrypted_url(app_state.settings.database_url, key)
        app_state.settings = replace(app_state.settings, database_url=url)
    if demo:
        _build_demo(app_state)
    return app_state.settings


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; anything but 127.0.0.1 needs a login.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")] = 8000,
    demo: Annotated[
        bool, typer.Option("--demo", help="Serve the separate demo journal, rebuilt now.")
    ] = False,
    encrypt: Annotated[
        bool,
        typer.Option(
            "--encrypt",
            help=f"Encrypt the SQLite journal at rest (SQLCipher; key from {DB_PASSPHRASE_ENV}"
            " or asked).",
        ),
    ] = False,
) -> None:
    """Serve the journal in the browser, and the JSON API under /api/v1.

    Binds 127.0.0.1 (this computer only) unless --host says otherwise; any other
    address requires a login passphrase (MICRODOSE_WEB_PASSPHRASE, or asked).
    """
    import uvicorn
    from sqlalchemy.exc import DatabaseError

    from microdose.web.app import create_app

    settings = _prepare(ctx, demo, encrypt)
    passphrase = _login_passphrase(host)
    sock = _bind(host, port)
    try:
        app = create_app(settings, host=host, passphrase=passphrase, demo=demo)
    except DatabaseError as exc:
        sock.close()
        raise InvalidInput(
            "database-url",
            f"cannot open the journal ({exc.orig or exc})",
            "the right encryption passphrase (--encrypt), or a journal that is not encrypted",
        ) from exc
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    typer.echo(
        f"microdose is serving {'the demo journal' if demo else 'your journal'} at "
        f"http://{shown}:{bound_port} — press Ctrl+C to stop"
    )
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[sock])


def register(app: typer.Typer) -> None:
    """Add the serve command."""
    app.command()(serve)
