"""What a chanx 2 consumer or topic broadcast, recorded at the class (chanx 2's captures).

``capture_broadcast_events(consumer)`` records the events given to the consumer class's
``broadcast_event``; ``capture_topic_broadcasts(topic_class)`` the publishes of a topic's
``broadcast``. Both suppress the real send by default, as chanx's do. Each works on the
class as given, whatever defines it: nothing here imports chanx. For what reaches the
channel layer from any code, see ``capture_group_sends``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class _Record:
    def __getitem__(self, key: str) -> Any:
        """Item access too (``captured[0]["event"]``), as some chanx versions recorded dicts."""
        return getattr(self, key)


@dataclass
class CapturedBroadcastEvent(_Record):
    """One ``broadcast_event(event, groups)`` call."""

    event: Any
    groups: Any


@dataclass
class CapturedTopicBroadcast(_Record):
    """One ``Topic.broadcast(topic, event, seq=...)`` call."""

    topic: str
    event: Any
    seq: int | None


@contextmanager
def _spying_on(owner: type, name: str, spy: Callable[..., Any]) -> Iterator[Any]:
    """Replace the class method ``owner.name`` by ``spy`` (given the original), then restore
    it as it was: the class's own attribute, or none (inherited)."""
    own = owner.__dict__.get(name)
    original = getattr(owner, name)
    setattr(owner, name, classmethod(spy(original)))
    try:
        yield
    finally:
        if own is None:
            delattr(owner, name)
        else:
            setattr(owner, name, own)


@contextmanager
def capture_broadcast_events(
    consumer: type, suppress: bool = True
) -> Iterator[list[CapturedBroadcastEvent]]:
    """Record ``consumer.broadcast_event`` calls; forward them too unless ``suppress``."""
    captured: list[CapturedBroadcastEvent] = []

    def spy(original: Any) -> Any:
        async def broadcast_event(_cls: type, event: Any, groups: Any = None) -> None:
            captured.append(CapturedBroadcastEvent(event=event, groups=groups))
            if not suppress:
                await original(event, groups)

        return broadcast_event

    with _spying_on(consumer, "broadcast_event", spy):
        yield captured


@contextmanager
def capture_topic_broadcasts(
    topic_class: type, *, suppress: bool = True
) -> Iterator[list[CapturedTopicBroadcast]]:
    """Record ``topic_class.broadcast`` calls; deliver them too unless ``suppress``."""
    captured: list[CapturedTopicBroadcast] = []

    def spy(original: Any) -> Any:
        async def broadcast(_cls: type, topic: str, event: Any, *, seq: int | None = None) -> None:
            captured.append(CapturedTopicBroadcast(topic=topic, event=event, seq=seq))
            if not suppress:
                await original(topic, event, seq=seq)

        return broadcast

    with _spying_on(topic_class, "broadcast", spy):
        yield captured
