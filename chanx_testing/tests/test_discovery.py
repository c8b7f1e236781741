"""The WebSocket application comes from settings.ASGI_APPLICATION, with every layer kept."""

import pytest
from channels.routing import ProtocolTypeRouter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils.module_loading import import_string

from chanx_testing import WebsocketTestCase, discover_websocket_application
from chanx_testing.protocol import Headers
from chanx_testing.tests.asgi import ORIGIN_HEADER

TEST_ASGI = "chanx_testing.tests.asgi"


def test_it_is_the_websocket_entry_of_the_configured_application() -> None:
    application = import_string(settings.ASGI_APPLICATION)
    assert isinstance(application, ProtocolTypeRouter)
    assert discover_websocket_application() is application.application_mapping["websocket"]


@override_settings(ASGI_APPLICATION=None)
def test_without_asgi_application_the_error_says_what_to_set() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        discover_websocket_application()
    message = str(caught.value)
    assert "settings.ASGI_APPLICATION is not set" in message
    assert '"config.asgi.application"' in message
    assert "WebsocketTestCase.router" in message


@override_settings(ASGI_APPLICATION=f"{TEST_ASGI}.http_only_application")
def test_a_router_without_websocket_entry_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"without a \"websocket\" entry.*\['http'\]"):
        discover_websocket_application()


@override_settings(ASGI_APPLICATION=f"{TEST_ASGI}.no_such_application")
def test_an_unimportable_application_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="cannot be imported"):
        discover_websocket_application()


@override_settings(ASGI_APPLICATION=f"{TEST_ASGI}.application")
class TestDiscoveredStack(WebsocketTestCase):
    ws_path = "/ws/user/"

    def get_ws_headers(self) -> Headers:
        return [ORIGIN_HEADER]

    async def test_the_allowed_origin_passes_and_the_auth_middleware_runs(self) -> None:
        assert await self.auth_communicator.connect() == (True, None)
        # Anonymous, as AuthMiddlewareStack decided: the middleware is part of the stack.
        assert (await self.auth_communicator.wait_for_auth()).payload.status_code == 401

    async def test_the_origin_check_is_part_of_the_stack(self) -> None:
        foreign = self.create_communicator(headers=[(b"origin", b"http://evil.example")])
        connected, _ = await foreign.connect()
        assert connected is False

    @override_settings(ASGI_APPLICATION=None)
    async def test_the_test_case_reports_a_missing_application(self) -> None:
        with pytest.raises(ImproperlyConfigured, match="ASGI_APPLICATION is not set"):
            self.create_communicator()
