"""Health probes for containers and orchestrators, answered without cookies.

``/healthz`` (liveness): the process serves HTTP. Nothing else is touched, so a
database or Redis outage never gets a healthy worker restarted.
``/readyz`` (readiness): the database answers a trivial query and the channel layer
carries a message to a fresh channel and back. 200 when both do; 503 with the
reason per check when one does not (the exception's type only: the probe is public,
the details go to the log).
"""

import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

# Each check's deadline; below the container healthcheck's 5 s timeout.
CHECK_SECONDS = 2.0
READY_EVENT = {"type": "readyz.ping"}


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _query_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def check_database() -> None:
    """One trivial query, on the thread every other database call of the worker uses."""
    async with asyncio.timeout(CHECK_SECONDS):
        await sync_to_async(_query_database)()


async def check_channel_layer() -> None:
    """A message sent to a fresh channel comes back: the layer's store (Redis) answers."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    async with asyncio.timeout(CHECK_SECONDS):
        channel = await layer.new_channel("readyz")
        await layer.send(channel, READY_EVENT)
        received = await layer.receive(channel)
    if received.get("type") != READY_EVENT["type"]:
        raise RuntimeError(f"the layer returned {received!r}")


async def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database, "channel_layer": check_channel_layer}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await check()
        except Exception as exc:
            logger.warning("Readiness check %s failed", name, exc_info=True)
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
