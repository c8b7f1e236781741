"""The WebSocket application comes from settings.ASGI_APPLICATION, with every layer kept.

Every test names its own ASGI_APPLICATION (the stacks in ``asgi.py``), so the host project's
own ASGI module, whatever its shape, plays no part.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from chanx_testing import WebsocketTestCase, discover_websocket_application
from chanx_testing.protocol import Headers
from chanx_testing.tests.asgi import ORIGIN_HEADER, function_application, websocket_stack

TEST_ASGI = "chanx_testing.tests.asgi"


@override_settings(ASGI_APPLICATION=f"{TEST_ASGI}.application")
def test_of_a_protocol_type_router_it_is_the_websocket_entry() -> None:
    assert discover_websocket_application() is websocket_stack


@override_settings(ASGI_APPLICATION=f"{TEST_ASGI}.function_application")
def test_a_function_application_is_used_as_it_is() -> None:
    # cookiecutter-django's shape: the function gets the websocket scope, as from a server.
    assert discover_websocket_application() is function_application


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


@override_settings(ASGI_APPLICATION=f"{TEST_ASGI}.function_application")
class TestDiscoveredFunction(TestDiscoveredStack):
    """The same stack behind cookiecutter-django's function: the same tests, through it."""
