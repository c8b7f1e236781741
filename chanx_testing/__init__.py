"""A WebSocket test harness for Django Channels projects (see README.md)."""

from chanx_testing.communicator import CommunicatorFactory, FrameNotReceived, WebsocketCommunicator
from chanx_testing.discovery import discover_websocket_application
from chanx_testing.protocol import AuthenticationMessage, AuthenticationPayload, Protocol
from chanx_testing.testcase import WebsocketTestCase

__all__ = [
    "AuthenticationMessage",
    "AuthenticationPayload",
    "CommunicatorFactory",
    "FrameNotReceived",
    "Protocol",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "discover_websocket_application",
]
