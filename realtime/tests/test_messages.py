"""The message base classes: what a message class must declare, and the group
message a member receives validating against the class that was sent."""

from collections.abc import Callable
from typing import Literal

import pytest

from realtime.groups import Sender, group_message_event, relayed_text
from realtime.messages import BaseMessage, GroupMessage
from realtime.tests.consumers import EchoPayload, ShoutMessage


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
