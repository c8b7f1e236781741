"""A WebSocket test harness for Django Channels projects (see README.md)."""

from chanx_testing.auth import aforce_login_headers, force_login_headers
from chanx_testing.communicator import CommunicatorFactory, FrameNotReceived, WebsocketCommunicator
from chanx_testing.discovery import discover_websocket_application
from chanx_testing.protocol import AuthenticationMessage, AuthenticationPayload, Protocol
from chanx_testing.testcase import RollbackWebsocketTestCase, WebsocketTestCase

__all__ = [
    "AuthenticationMessage",
    "AuthenticationPayload",
    "CommunicatorFactory",
    "FrameNotReceived",
    "Protocol",
    "RollbackWebsocketTestCase",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "aforce_login_headers",
    "discover_websocket_application",
    "force_login_headers",
]
