"""Group commit on SQLite: one thread writes the POSTs that arrive together in one transaction.

With ``synchronous=FULL`` every SQLite commit waits for the disk (an fsync of the WAL),
and a transaction has a fixed cost in Python (a session, a connection, the person's row).
Requests that arrive while a transaction is being written wait in a queue; the writer
thread then does them all in the next transaction, each as
:func:`~microdose.web.platform.idempotency.run_in` does one, and commits once. It never waits for
more requests to come: a lone request is written at once. (On PostgreSQL, :func:`write`
does each request alone, as before: see there.)

What a request sees does not change:

- its answer is sent only after the commit that holds its work;
- its ``Idempotency-Key`` is honoured (a repeat in the same group replays the first);
- it runs in its own request's context (the logged-in actor of service mode);
- when any job of a group fails, the whole group is rolled back and every job is done
  again alone (:func:`~microdose.web.platform.idempotency.run_alone`), so one bad request never
  takes another's write with it, and each gets the answer it would have had alone;
- when the database itself fails (locked, unreachable), every job of the group fails
  with that error, and nothing of theirs was saved (503, ``Retry-After``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from microdose.store.timing import queued
from microdose.web.platform.idempotency import Job, Outcome, run_alone, run_in
from microdose.web.platform.state import WebState

#: the most jobs committed in one transaction
LARGEST_GROUP = 64
#: seconds the writer thread waits for work before it ends (a new request starts another)
IDLE_SECONDS = 1.0
_MAKING = threading.Lock()


@dataclass
class _Pending:
    job: Job
    context: contextvars.Context
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Outcome]


Result = Outcome | Exception


class GroupCommit:
    """The writer of one app: ``await writer.submit(job)`` returns the committed outcome.

    Parameters
    ----------
    state : WebState
        The app's state (engine, sessions, write lock, person).

    Attributes
    ----------
    commits : int
        How many group transactions have committed (for tests and benchmarks).
    """

    def __init__(self, state: WebState) -> None:
        self.commits = 0
        self._state = state
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the writer thread is alive (it ends after :data:`IDLE_SECONDS` idle)."""
        return self._thread is not None

    async def submit(self, job: Job) -> Outcome:
        """Queue ``job`` and wait until the transaction that holds it has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._queue.put(_Pending(job, contextvars.copy_context(), loop, future))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="microdose-group-commit", daemon=True
                )
                self._thread.start()
        return await future

    def _run(self) -> None:
        """Write what is queued, group by group, answering each; end when idle."""
        group: list[_Pending] = []
        try:
            while group := self._next_group():
                _answer(group, self._write(group))
        except BaseException:  # never leave a request waiting on a writer that is gone
            with self._lock:
                self._thread = None
            _answer(group, [RuntimeError("the group-commit writer stopped")] * len(group))
            raise

    def _next_group(self) -> list[_Pending]:
        """What is queued (at most :data:`LARGEST_GROUP`); empty after :data:`IDLE_SECONDS`
        without work, when this thread is to end."""
        while True:
            try:
                group = [self._queue.get(timeout=IDLE_SECONDS)]
                break
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return []
        while len(group) < LARGEST_GROUP:
            try:
                group.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return group

    def _write(self, group: list[_Pending]) -> list[Result]:
        """The outcome (or error) of each job, after its transaction committed."""
        state = self._state
        try:
            with state.writing(), state.sessions() as session, session.begin():
                outcomes: list[Result] = [
                    p.context.run(run_in, session, state, p.job) for p in group
                ]
            self.commits += 1
            return outcomes
        except OperationalError as exc:  # the database failed: nothing of the group saved
            return [exc] * len(group)
        except Exception:  # a job failed: the group rolled back; each is done again alone
            return [_alone(state, pending) for pending in group]


def _alone(state: WebState, pending: _Pending) -> Result:
    try:
        return pending.context.run(run_alone, state, pending.job)
    except Exception as exc:
        return exc


def _answer(group: list[_Pending], results: list[Result]) -> None:
    """Hand each result to its waiting request: one wake-up per event loop, not per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Pending, Result]]] = {}
    for pending, result in zip(group, results, strict=True):
        by_loop.setdefault(pending.loop, []).append((pending, result))
    for loop, answers in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_settle, answers)


def _settle(answers: list[tuple[_Pending, Result]]) -> None:
    """On the event loop: resolve each request's future (unless it was cancelled)."""
    for pending, result in answers:
        if pending.future.done():  # the request was cancelled (client gone)
            continue
        if isinstance(result, Exception):
            pending.future.set_exception(result)
        else:
            pending.future.set_result(result)


def group_commit(app: FastAPI) -> GroupCommit:
    """The app's writer (``app.state.group_commit``), made on first use."""
    writer = getattr(app.state, "group_commit", None)
    if writer is None:
        with _MAKING:  # apps served from several event loops (test clients) make one
            writer = getattr(app.state, "group_commit", None)
            if writer is None:
                writer = app.state.group_commit = GroupCommit(_state(app))
    assert isinstance(writer, GroupCommit)
    return writer


async def write(app: FastAPI, job: Job) -> Outcome:
    """Do ``job`` and return its committed outcome: grouped on SQLite, alone elsewhere.

    On PostgreSQL transactions run side by side (in the thread pool), and a group that
    held the row locks of many requests could deadlock with another worker's group.
    """
    state = _state(app)
    if state.engine.dialect.name != "sqlite":
        return await run_in_threadpool(queued(run_alone, state, job))
    return await group_commit(app).submit(job)


def _state(app: FastAPI) -> WebState:
    state = app.state.web
    assert isinstance(state, WebState)
    return state
