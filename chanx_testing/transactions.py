"""Commits as the code under test sees them, inside a test's transaction.

A test that runs in a transaction rolled back at its end (``RollbackWebsocketTestCase``, or
pytest-django's ``db`` fixture) never commits, so ``transaction.on_commit`` callbacks never run,
and in a realtime app they are often what tells the sockets. While ``commits_emulated()`` is
open, a callback runs when the code's own outermost ``atomic`` block ends (at once when it has
none), as it would after a real commit; the callbacks of a block that rolls back are dropped,
as Django drops them. Outside a test transaction nothing changes.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

_atomic_exit = transaction.Atomic.__exit__
_on_commit = BaseDatabaseWrapper.on_commit


def _only_the_tests_transaction(connection: BaseDatabaseWrapper) -> bool:
    """Inside the test's atomic blocks, but in none of the code's own."""
    blocks = connection.atomic_blocks
    return bool(blocks) and all(getattr(block, "_from_testcase", False) for block in blocks)


def _run_pending(connection: BaseDatabaseWrapper) -> None:
    # (savepoint ids, callback, robust): django-stubs still types these as pairs.
    pending: list[Any] = connection.run_on_commit
    connection.run_on_commit = []
    for _, callback, robust in pending:
        if not robust:
            callback()
            continue
        try:
            callback()
        except Exception:
            logger.exception("Error calling %s in on_commit()", callback.__qualname__)


def _exit_then_commit(
    atomic: transaction.Atomic, exc_type: Any, exc_value: Any, traceback: Any
) -> None:
    _atomic_exit(atomic, exc_type, exc_value, traceback)
    connection = transaction.get_connection(atomic.using)
    if _only_the_tests_transaction(connection):
        _run_pending(connection)


def _on_commit_outside_the_codes_blocks(
    connection: BaseDatabaseWrapper, func: Callable[[], Any], robust: bool = False
) -> None:
    _on_commit(connection, func, robust)
    if _only_the_tests_transaction(connection):
        _run_pending(connection)


@contextmanager
def commits_emulated() -> Iterator[None]:
    """Run ``on_commit`` callbacks when the code's transaction ends, not the test's."""
    with (
        mock.patch.object(transaction.Atomic, "__exit__", _exit_then_commit),
        mock.patch.object(BaseDatabaseWrapper, "on_commit", _on_commit_outside_the_codes_blocks),
    ):
        yield
