# Timeouts are arguments, as in the communicator's waits; each is one deadline.
# ruff: noqa: ASYNC109
"""The channel layer as a test sees it: group sends recorded, memberships known, flushes.

No second client is needed to assert a broadcast or a membership: each channel layer the
settings name is watched once per process (its ``new_channel``, ``group_add``,
``group_discard`` and ``group_send`` are wrapped on the instance, which every consumer and
service of the process shares, whatever the backend). A channel a consumer asks for while a
communicator's application runs is credited to that communicator, so that
``assert_in_group(communicator, group)`` knows which channel to look at.

Waits here are deadlines on events: a recorded send or a membership change wakes the
waiting test at once, from whatever thread or event loop it was made in.
"""

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from channels.layers import channel_layers, get_channel_layer
from django.conf import settings

from chanx_testing.diagnostics import describe_frames
from chanx_testing.protocol import Protocol as WireProtocol

if TYPE_CHECKING:
    from chanx_testing.transport import Transport


class _ChannelOwner(Protocol):
    channel_names: list[str]


# Set in the context a communicator starts its application in (so in all of its tasks).
application_owner: contextvars.ContextVar[_ChannelOwner | None] = contextvars.ContextVar(
    "chanx_testing_application_owner", default=None
)


class _Changes:
    """Wakes every waiting test when the layer's record changes, across threads and loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, future in waiters:
            with suppress(RuntimeError):  # that loop is closed: its test is over
                loop.call_soon_threadsafe(_wake, future)

    async def until(self, condition: Callable[[], bool], deadline: float) -> bool:
        """Whether ``condition`` holds by ``deadline`` (event-loop time)."""
        loop = asyncio.get_running_loop()
        while True:
            waiter = (loop, loop.create_future())
            with self._lock:
                self._waiters.add(waiter)
            try:
                if condition():
                    return True
                async with asyncio.timeout_at(deadline):
                    await waiter[1]
            except TimeoutError:
                return condition()
            finally:
                with self._lock:
                    self._waiters.discard(waiter)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_changes = _Changes()


@dataclass(frozen=True)
class GroupSend:
    """One ``group_send`` made through a watched channel layer."""

    group: str
    message: dict[str, Any]


class GroupSends(list[GroupSend]):
    """The group sends made while a ``capture_group_sends()`` was open (to ``group``
    only, when it names one)."""

    def __init__(self, group: str | None) -> None:
        super().__init__()
        self.group = group

    def covers(self, group: str) -> bool:
        return self.group is None or self.group == group

    def matching(
        self,
        group: str | None = None,
        action: str | None = None,
        *,
        event_type: str | None = None,
        **fields: Any,
    ) -> list[GroupSend]:
        """The sends to ``group`` (any) whose layer message has ``type`` ``event_type`` and
        whose frame has ``action`` and a payload holding ``fields``.

        The frame is the protocol frame the message carries (see ``Protocol.frame_in``). A
        plain Channels event, with no frame in it, matches no ``action``; its ``fields`` are
        looked for in its ``payload`` when that is a dict, else in the event itself.
        """
        protocol = WireProtocol.from_settings()
        return [
            send
            for send in self
            if (group is None or send.group == group)
            and (event_type is None or send.message.get("type") == event_type)
            and _carries(protocol, send.message, action, fields)
        ]


def _carries(
    protocol: WireProtocol, message: dict[str, Any], action: str | None, fields: Mapping[str, Any]
) -> bool:
    frame = protocol.frame_in(message)
    if frame is not None:
        return protocol.matches(frame, action, fields)
    payload = message.get(protocol.payload_key)
    holder = payload if isinstance(payload, dict) else message
    return action is None and all(key in holder and holder[key] == fields[key] for key in fields)


class _LayerWatch:
    """What one channel layer instance has done: memberships by channel, open recorders."""

    def __init__(self, layer: Any) -> None:
        self.members: dict[str, set[str]] = {}
        self.recorders: list[GroupSends] = []
        self._wrap(layer)

    def _wrap(self, layer: Any) -> None:
        # The layer's own methods are looked up on its class at each call, as they would
        # be without the wrappers: a test that patches the class later (``patch.object(
        # type(layer), "group_send", side_effect=...)``) is still obeyed.
        def new_channel(*args: Any, **kwargs: Any) -> Any:
            return class_method(layer, "new_channel")(*args, **kwargs)

        def group_add(group: str, channel: str) -> Any:
            return class_method(layer, "group_add")(group, channel)

        def group_discard(group: str, channel: str) -> Any:
            return class_method(layer, "group_discard")(group, channel)

        def group_send(group: str, message: dict[str, Any]) -> Any:
            return class_method(layer, "group_send")(group, message)

        async def watched_new_channel(*args: Any, **kwargs: Any) -> str:
            name: str = await new_channel(*args, **kwargs)
            owner = application_owner.get()
            if owner is not None:
                owner.channel_names.append(name)
            return name

        async def watched_group_add(group: str, channel: str) -> None:
            await group_add(group, channel)
            self.members.setdefault(channel, set()).add(group)
            _changes.notify()

        async def watched_group_discard(group: str, channel: str) -> None:
            await group_discard(group, channel)
            self.members.get(channel, set()).discard(group)
            _changes.notify()

        async def watched_group_send(group: str, message: dict[str, Any]) -> None:
            for recorder in self.recorders:
                if recorder.covers(group):
                    recorder.append(GroupSend(group, dict(message)))
            _changes.notify()
            await group_send(group, message)

        layer.new_channel, layer.group_add = watched_new_channel, watched_group_add
        layer.group_discard, layer.group_send = watched_group_discard, watched_group_send

    def groups_of(self, channels: list[str]) -> set[str]:
        return set().union(*(self.members.get(channel, set()) for channel in channels))


def class_method(layer: Any, name: str) -> Any:
    """``layer.<name>`` as its class gives it now, past the wrappers on the instance:
    bound if the class defines a function, as is if a test put a mock there, and through
    the class's ``__getattr__`` if it defines none (channels-redis's pub/sub layer hands
    each call to the layer of the running event loop that way)."""
    cls = type(layer)
    try:
        attribute = getattr(cls, name)
    except AttributeError:
        return cls.__getattr__(layer, name)
    return attribute.__get__(layer, cls) if hasattr(attribute, "__get__") else attribute


def watched_layers() -> list[_LayerWatch]:
    """The watch of every channel layer the settings name, installed on first use."""
    watches = []
    for alias in getattr(settings, "CHANNEL_LAYERS", None) or {}:
        layer = get_channel_layer(alias)
        if layer is None:
            continue
        watch = layer.__dict__.get("_chanx_testing_watch")
        if watch is None:
            watch = layer._chanx_testing_watch = _LayerWatch(layer)
        watches.append(watch)
    return watches


_open_recorders: list[GroupSends] = []


@contextmanager
def capture_group_sends(group: str | None = None) -> Iterator[GroupSends]:
    """Record the group sends made while open (to ``group`` only, if given), by anyone in
    the process: consumers, services, ``async_to_sync`` callers. Nothing is suppressed.

    ``WebsocketTestCase`` and the pytest fixtures keep one open for every async test, so
    ``assert_group_send`` needs no setup there.
    """
    recorder = GroupSends(group)
    watches = watched_layers()
    for watch in watches:
        watch.recorders.append(recorder)
    _open_recorders.append(recorder)
    try:
        yield recorder
    finally:
        _open_recorders.remove(recorder)
        for watch in watches:
            watch.recorders.remove(recorder)


async def assert_group_send(
    group: str,
    action: str | None = None,
    *,
    count: int | None = None,
    event_type: str | None = None,
    timeout: float | None = None,
    **fields: Any,
) -> list[GroupSend]:
    """Wait until a matching send to ``group`` is recorded, and return the matches.

    A send matches as in ``GroupSends.matching``. With ``count``, exactly that many must
    match once that many have come (a later one is not waited for). The sends come from
    the innermost open ``capture_group_sends()`` that covers ``group``.
    """
    recorder = next((r for r in reversed(_open_recorders) if r.covers(group)), None)
    if recorder is None:
        raise RuntimeError(
            f"assert_group_send({group!r}) found no capture_group_sends() recording that "
            "group: open one around the code, or use WebsocketTestCase or the pytest "
            "fixtures, which record every async test."
        )
    wanted = 1 if count is None else count
    protocol = WireProtocol.from_settings()
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + (protocol.timeout if timeout is None else timeout)

    def matches() -> list[GroupSend]:
        return recorder.matching(group, action, event_type=event_type, **fields)

    arrived = await _changes.until(lambda: len(matches()) >= wanted, deadline)
    found = matches()
    if arrived and (count is None or len(found) == count):
        return found
    what = _describe_wanted(action, event_type, fields)
    sent = [send.message for send in recorder if send.group == group]
    others = sorted({send.group for send in recorder if send.group != group})
    if arrived:
        summary = f"Expected {count} group sends to {group!r}{what}, but {len(found)} came."
    else:
        summary = (
            f"Timed out after {loop.time() - started:.2f}s waiting for "
            f"{wanted} group send{'s' if wanted != 1 else ''} to {group!r}{what}; "
            f"{len(found)} came."
        )
    elsewhere = f"\nSends to other groups went to {others}." if others else ""
    raise AssertionError(
        f"{summary}\n{describe_frames(sent, f'Sends to {group!r} meanwhile')}{elsewhere}"
    )


def _describe_wanted(action: str | None, event_type: str | None, fields: Mapping[str, Any]) -> str:
    parts = [f"action {action!r}"] if action is not None else []
    parts += [f"type {event_type!r}"] if event_type is not None else []
    parts += [f"payload fields {dict(fields)!r}"] if fields else []
    return f" with {', '.join(parts)}" if parts else ""


async def assert_in_group(
    communicator: "Transport", group: str, *, timeout: float | None = None
) -> None:
    """Wait until the communicator's consumer is in ``group`` (joined through the layer)."""
    await _wait_for_membership(communicator, group, True, timeout)


async def assert_not_in_group(
    communicator: "Transport", group: str, *, timeout: float | None = None
) -> None:
    """Wait until the communicator's consumer is not in ``group`` (a leave may be on its
    way). Right after connecting, call it once the consumer has finished connecting
    (``wait_for_auth()``), or a join still to come is not seen."""
    await _wait_for_membership(communicator, group, False, timeout)


async def _wait_for_membership(
    communicator: "Transport", group: str, member: bool, timeout: float | None
) -> None:
    path = communicator.scope["path"]
    channels = communicator.channel_names
    if not channels:
        raise AssertionError(
            f"The consumer at {path!r} has no channel on a channel layer: the communicator "
            "is not connected yet, or no CHANNEL_LAYERS are configured."
        )
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + (communicator.protocol.timeout if timeout is None else timeout)

    def groups() -> set[str]:
        return set().union(*(watch.groups_of(channels) for watch in watched_layers()))

    if await _changes.until(lambda: (group in groups()) is member, deadline):
        return
    expected = "in" if member else "out of"
    raise AssertionError(
        f"Expected the consumer at {path!r} (channel {', '.join(channels)}) to be "
        f"{expected} group {group!r}; after {loop.time() - started:.2f}s its groups are "
        f"{sorted(groups())}."
    )


async def flush_channel_layers() -> None:
    """Empty every channel layer built so far, inside the running loop.

    The in-memory layer keeps groups and queued messages for the whole process, and a
    Redis layer keeps them in Redis; flushing also closes a Redis layer's pools for this
    loop, before the loop itself goes away.
    """
    for layer in list(channel_layers.backends.values()):
        flush = getattr(layer, "flush", None)
        if flush is not None:
            await flush()
        watch = layer.__dict__.get("_chanx_testing_watch")
        if watch is not None:
            watch.members.clear()
        # channels_redis never drops a per-channel lock whose acquire was cancelled; bound to
        # this loop, it would fail a later test's consumer ("bound to a different event loop").
        locks = getattr(layer, "receive_clean_locks", None)
        if locks is not None and not getattr(layer, "receive_count", 0):
            layer.receive_clean_locks = type(locks)()
