"""``microdose serve``: the journal in the browser (and the JSON API) on this computer."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from microdose.cli.output import state
from microdose.domain.errors import Conflict, InvalidInput, MicrodoseError

if TYPE_CHECKING:
    import socket

    import uvicorn
    from fastapi import FastAPI

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
    sock.listen(2048)  # as uvicorn's default backlog: bursts of new clients wait
    sock.set_inheritable(True)
    return sock


def _login_passphrase(host: str) -> str | None:
    """The login passphrase a non-loopback address needs (environment, else asked)."""
    from microdose.web.platform.security import is_loopback

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


def _survey(settings: Settings) -> int:
    """Migrate the database now (before any worker starts) and count its accounts."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import DatabaseError, OperationalError

    from microdose.store.engine import make_engine
    from microdose.store.migrate import ensure_schema
    from microdose.store.service_models import AccountRow

    engine = make_engine(settings.database_url)
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(AccountRow)) or 0)
    except OperationalError:
        raise
    except DatabaseError as exc:
        raise InvalidInput(
            "database-url",
            f"cannot open the journal ({exc.orig or exc})",
            "the right encryption passphrase (--encrypt), or a journal that is not encrypted",
        ) from exc
    finally:
        engine.dispose()


def _check_proxies(value: str | None) -> str | None:
    """``--forwarded-allow-ips``: comma-separated addresses or networks, or ``*``."""
    import ipaddress

    if value is None:
        return None
    for item in value.split(","):
        try:
            if item.strip() != "*":
                ipaddress.ip_network(item.strip(), strict=False)
        except ValueError as exc:
            raise InvalidInput(
                "forwarded-allow-ips", f"{item.strip()!r} is not an address or network",
                "comma-separated addresses or networks of your reverse proxy, e.g. 127.0.0.1",
            ) from exc
    return value


@contextmanager
def _worker_environment(
    settings: Settings, host: str, passphrase: str | None, demo: bool, service: bool
) -> Iterator[None]:
    """Everything the workers' ``app_from_environment`` reads, set while they run."""
    from microdose.settings import PREFIX
    from microdose.web.app import SERVE_DEMO_ENV, SERVE_HOST_ENV, SERVE_SERVICE_ENV

    fields = ("database_url", "timezone", "region", "environment", "secret_key")
    values = {PREFIX + name.upper(): getattr(settings, name) for name in fields}
    values |= {PASSPHRASE_ENV: passphrase, SERVE_HOST_ENV: host,
               SERVE_DEMO_ENV: "1" if demo else "0", SERVE_SERVICE_ENV: "1" if service else "0"}
    saved = {name: os.environ.get(name) for name in values}

    def put(entries: dict[str, str | None]) -> None:
        for name, value in entries.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    put(values)
    try:
        yield
    finally:
        put(saved)


def _uvicorn_config(app: FastAPI, workers: int, forwarded: str | None) -> uvicorn.Config:
    """One worker runs ``app``; several each build it from the environment."""
    import uvicorn

    return uvicorn.Config(
        "microdose.web.app:app_from_environment" if workers > 1 else app,
        factory=workers > 1,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=3,
        proxy_headers=forwarded is not None,
        forwarded_allow_ips=forwarded,
        server_header=False,  # no "server: uvicorn" in every response
    )


def _announce(what: str, sock: socket.socket, workers: int, as_json: bool = False) -> None:
    """Say where the app is served: one line of text, or one JSON object on one line."""
    import json

    from microdose.services import crisis

    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{shown}:{bound_port}"
    if crisis.review_warning():  # the operator hears it too, not only the person in crisis
        typer.secho(f"warning: the crisis resources are overdue for review (due "
                    f"{crisis.review_due().isoformat()}); check every number in "
                    "microdose/data/crisis_resources.json", err=True, fg=typer.colors.YELLOW)
    if as_json:
        typer.echo(json.dumps({"serving": what, "url": url, "host": bound_host,
                               "port": bound_port, "workers": workers}, ensure_ascii=False))
    else:
        several = f" with {workers} workers" if workers > 1 else ""
        typer.echo(f"microdose is serving {what} at {url}{several} — press Ctrl+C to stop")
    sys.stdout.flush()


HostOpt = Annotated[
    str, typer.Option(help="Address to listen on; anything but 127.0.0.1 needs a login.")
]
PortOpt = Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free port).")]
DemoOpt = Annotated[
    bool, typer.Option("--demo", help="Serve the separate demo journal, rebuilt now.")
]
EncryptOpt = Annotated[
    bool,
    typer.Option(
        "--encrypt",
        help=f"Encrypt the SQLite journal at rest (SQLCipher; key from {DB_PASSPHRASE_ENV}"
        " or asked).",
    ),
]
WorkersOpt = Annotated[
    int,
    typer.Option(
        min=1, max=64,
        help="Worker processes sharing the port; for the PostgreSQL service (SQLite "
        "writes one at a time; --encrypt needs 1).",
    ),
]
ForwardedOpt = Annotated[
    str | None,
    typer.Option(
        help="Trust X-Forwarded-For/-Proto from these addresses (your TLS proxy, e.g. "
        "127.0.0.1); default: trust nobody."
    ),
]
ServeJsonOpt = Annotated[
    bool,
    typer.Option("--json", help="On start, print one JSON line: what is served, its URL, host, "
                 "port and workers."),
]


def _check_options(ctx: typer.Context, encrypt: bool, workers: int,
                   forwarded_allow_ips: str | None) -> str | None:
    """Refuse default secrets and contradictory options; the trusted proxies."""
    from microdose.settings import check_deployment

    check_deployment(state(ctx).settings)  # refuse default secrets before anything else
    forwarded = _check_proxies(forwarded_allow_ips)
    if workers > 1 and encrypt:
        raise InvalidInput("workers", "an encrypted journal is served by one process (its "
                           "key is not handed to other processes)", "--workers 1 with --encrypt")
    return forwarded


def _check_served_database(settings: Settings, accounts: int) -> None:
    """Outside development, only a service (a database with accounts) is served."""
    if not accounts and settings.environment != "development":
        raise InvalidInput(
            "database-url", "holds no accounts: it would be served as one personal journal "
            "without logins", "create the first account with `microdose user add` first")


def serve(
    ctx: typer.Context,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    demo: DemoOpt = False,
    encrypt: EncryptOpt = False,
    workers: WorkersOpt = 1,
    forwarded_allow_ips: ForwardedOpt = None,
    as_json: ServeJsonOpt = False,
) -> None:
    """Serve the journal in the browser, and the JSON API under /api/v1.

    Binds 127.0.0.1 (this computer only) unless --host says otherwise; any other
    address requires a login passphrase (MICRODOSE_WEB_PASSPHRASE, or asked) unless the
    database holds accounts (the multi-user service, where accounts log in).
    """
    from dataclasses import replace

    forwarded = _check_options(ctx, encrypt, workers, forwarded_allow_ips)
    settings = _prepare(ctx, demo, encrypt)
    accounts = _survey(settings)
    _check_served_database(settings, accounts)
    passphrase = None if accounts else _login_passphrase(host)
    if workers > 1 and not settings.secret_key:  # development: one random key for all
        settings = replace(settings, secret_key=secrets.token_urlsafe(48))
    sock = _bind(host, port)
    _run(settings, sock, host=host, workers=workers, forwarded=forwarded,
         passphrase=passphrase, demo=demo, accounts=accounts, as_json=as_json)


def _run(settings: Settings, sock: socket.socket, *, host: str, workers: int,
         forwarded: str | None, passphrase: str | None, demo: bool, accounts: int,
         as_json: bool = False) -> None:
    """Build the app (in this process: it checks and prepares the database), then serve."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE
    from uvicorn.supervisors import Multiprocess

    from microdose.web.app import create_app, settled

    try:
        app = settled(create_app(settings, host=host, passphrase=passphrase, demo=demo,
                                 service=accounts > 0))
    except BaseException:
        sock.close()
        raise
    what = (f"the service ({accounts} account{'' if accounts == 1 else 's'})" if accounts
            else "the demo journal" if demo else "your journal")
    _announce(what, sock, workers, as_json)
    config = _uvicorn_config(app, workers, forwarded)
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
        return
    app.state.web.engine.dispose()
    supervisor = Multiprocess(config, sockets=[sock])
    with _worker_environment(settings, host, passphrase, demo, accounts > 0):
        supervisor.run()
    if any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes):
        raise MicrodoseError("a worker process failed to start; --workers 1 shows why")


def register(app: typer.Typer) -> None:
    """Add the serve command."""
    app.command()(serve)
