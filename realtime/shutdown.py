"""daphne's shutdown, made to reach every consumer.

On SIGTERM daphne cancels every application instance (``Server.kill_all_applications``,
a "before shutdown" trigger) and waits for them, which is what lets a consumer leave
its groups (``RealtimeConsumer.__call__``). In daphne 4.2.3 that method reads
``details["application_instance"]`` for every connection, but a connection accepted
and not yet given an application (an HTTP socket before its request is read) has
none: the ``KeyError`` is swallowed by Twisted, no consumer is cancelled, and the
process exits with every socket still a member of its Redis groups (whenever an HTTP
connection happens to be open at that moment).

Then it waits on ``asyncio.gather`` of the cancelled instances, which ends as soon as the
first of them ends cancelled (they all do): the shutdown went on while the others were
still leaving their groups, and the process exited with them in Redis (28 of 35 sockets
closed just before a SIGTERM stayed in their groups).

``install()`` replaces the method with the same one, skipping connections that have
no application yet and waiting for every instance to end. ``config.asgi`` calls it, so
``daphne``, ``daphne --fd`` and ``manage.py runserver`` all get it.
"""

import asyncio
import logging
from typing import Any

logger = logging.getLogger("daphne.server")


def kill_all_applications(server: Any) -> Any:
    """daphne's ``Server.kill_all_applications``, for connections with an application."""
    from twisted.internet import defer

    wait_for = []
    for details in list(server.connections.values()):
        application_instance = details.get("application_instance")
        if application_instance is not None and not application_instance.done():
            application_instance.cancel()
            wait_for.append(application_instance)
    logger.info("Killed %i pending application instances", len(wait_for))
    # Make Twisted wait until they're all dead (each ends cancelled: not an error that
    # should end the wait for the others).
    wait_deferred = defer.Deferred.fromFuture(asyncio.gather(*wait_for, return_exceptions=True))
    wait_deferred.addErrback(lambda _failure: None)
    return wait_deferred


def install() -> None:
    from daphne.server import Server

    Server.kill_all_applications = kill_all_applications
