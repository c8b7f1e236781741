"""The message base classes: what a message class must declare, the group message a
member receives validating against the class that was sent, and a consumer warned of
sending a message it does not declare."""

import warnings
from collections.abc import Callable
from typing import Literal
from unittest.mock import AsyncMock

import pytest

from realtime.consumers import UndeclaredMessageWarning
from realtime.groups import Sender, group_message_event, relayed_text
from realtime.messages import BaseMessage, GroupMessage, PongMessage
from realtime.settings import realtime_settings
from realtime.tests.consumers import EchoConsumer, EchoMessage, EchoPayload, ShoutMessage


@pytest.mark.parametrize(
    "declare",
    [
        lambda: type("NoAction", (BaseMessage,), {}),
        lambda: type("PlainStr", (BaseMessage,), {"__annotations__": {"action": str}}),
        lambda: type("NoDefault", (BaseMessage,), {"__annotations__": {"action": Literal["x"]}}),
        lambda: type(
            "TwoValues",
            (GroupMessage,),
            {"__annotations__": {"action": Literal["a", "b"]}, "action": "a"},
        ),
    ],
    ids=["inherited str", "plain str", "no default", "two values"],
)
def test_a_message_class_without_a_literal_action_is_refused(
    declare: Callable[[], object],
) -> None:
    with pytest.raises(TypeError, match="must be a one-value Literal"):
        declare()


def test_a_literal_action_with_its_default_is_accepted() -> None:
    class Wave(BaseMessage):
        action: Literal["wave"] = "wave"

    assert Wave().model_dump() == {"action": "wave", "payload": None}


def test_a_relayed_group_message_validates_against_its_own_class() -> None:
    sent = ShoutMessage(payload=EchoPayload(text="hi"))
    sender = Sender(user_pk=7, channel="alice-phone")
    for channel, user, mine, current in [
        ("alice-phone", "7", True, True),
        ("alice-laptop", "7", True, False),
        ("bob", "8", False, False),
        ("anonymous", None, False, False),
    ]:
        text = relayed_text(group_message_event(sent, sender), channel=channel, user=user)
        assert text is not None
        received = ShoutMessage.model_validate_json(text)
        assert received == sent.model_copy(update={"is_mine": mine, "is_current": current})


@pytest.mark.asyncio
async def test_a_consumer_sending_a_message_it_does_not_declare_is_warned() -> None:
    """What a consumer sends must be in its ``outgoing_messages`` (the AsyncAPI document
    lists those): sending another, itself or through a group, warns (an error in the
    tests), and the declared ones pass silently."""
    consumer = EchoConsumer()
    consumer.send = AsyncMock()
    consumer.channel_name = "test-channel"
    shout = ShoutMessage(payload=EchoPayload(text="hi"))
    with pytest.warns(UndeclaredMessageWarning, match="EchoConsumer sends 'shout'"):
        await consumer.send_message(shout)
    consumer.config = realtime_settings()
    with pytest.warns(UndeclaredMessageWarning, match="EchoConsumer sends 'shout'"):
        await consumer.relay(group_message_event(shout, Sender()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await consumer.send_message(EchoMessage(payload=EchoPayload(text="hi")))
        await consumer.send_message(PongMessage())
