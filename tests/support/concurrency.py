"""Running actions at the same moment, each on its own thread and database connection."""

import threading
from collections.abc import Callable

from django.db import connections

DEADLINE_SECONDS = 30


def at_once(actions: list[Callable[[], None]]) -> list[BaseException | None]:
    """Run ``actions`` in threads released together; each one's exception or None."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=DEADLINE_SECONDS)
            actions[index]()
        except BaseException as exc:  # reported to the test
            outcomes[index] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
        assert not thread.is_alive(), "a demotion did not finish within the deadline"
    return outcomes
