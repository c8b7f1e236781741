"""A WebSocket test harness for Django Channels projects (see README.md).

What chanx 0.13 projects import from ``chanx.testing``, and chanx 2 projects from
``chanx.channels.testing`` and ``chanx.core.testing``, is here under the same names.
"""

from chanx_testing.auth import aforce_login_headers, force_login_headers
from chanx_testing.broadcasts import (
    CapturedBroadcastEvent,
    CapturedTopicBroadcast,
    capture_broadcast_events,
    capture_topic_broadcasts,
)
from chanx_testing.chanx2 import WebsocketCommunicatorMixin
from chanx_testing.communicator import DjangoWebsocketCommunicator, WebsocketCommunicator
from chanx_testing.diagnostics import FrameNotReceived
from chanx_testing.discovery import discover_websocket_application
from chanx_testing.factory import CommunicatorFactory
from chanx_testing.layers import (
    GroupSend,
    GroupSends,
    assert_group_send,
    assert_in_group,
    assert_not_in_group,
    capture_group_sends,
)
from chanx_testing.protocol import AuthenticationMessage, AuthenticationPayload, Protocol
from chanx_testing.testcase import RollbackWebsocketTestCase, WebsocketTestCase

__version__ = "2.0.0"

__all__ = [
    "AuthenticationMessage",
    "AuthenticationPayload",
    "CapturedBroadcastEvent",
    "CapturedTopicBroadcast",
    "CommunicatorFactory",
    "DjangoWebsocketCommunicator",
    "FrameNotReceived",
    "GroupSend",
    "GroupSends",
    "Protocol",
    "RollbackWebsocketTestCase",
    "WebsocketCommunicator",
    "WebsocketCommunicatorMixin",
    "WebsocketTestCase",
    "__version__",
    "aforce_login_headers",
    "assert_group_send",
    "assert_in_group",
    "assert_not_in_group",
    "capture_broadcast_events",
    "capture_group_sends",
    "capture_topic_broadcasts",
    "discover_websocket_application",
    "force_login_headers",
]
