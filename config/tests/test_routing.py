"""The production WebSocket routes: the group chat, and a clean refusal for
every other path (never an HTTP 500 with a traceback)."""

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application
from config.routing import websocket_urlpatterns
from tests.support.auth import Headers, jwt_cookies, ws_headers
from tests.support.factories import UserFactory

TIMEOUT = 3

# The guide's demo rooms were here once; a path without its slash; not a WebSocket path;
# a chat id beyond the largest the database holds (a bigint).
UNKNOWN_PATHS = [
    "/ws/broadcast/x/",
    "/ws/chat/room1/",
    "/ws/chat/2",
    "/api/groups/",
    f"/ws/chat/{2**63}/",
]


def test_the_group_chat_and_the_users_own_socket_are_the_only_routes_of_the_apps() -> None:
    assert [str(route.pattern) for route in websocket_urlpatterns] == [
        "ws/chat/<rowid:pk>/",
        "ws/me/",
    ]


async def refused_frames(path: str, headers: Headers) -> tuple[dict[str, Any], dict[str, Any]]:
    """The authentication frame and the close event a client gets on ``path``."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    try:
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected, f"{path}: the handshake itself was refused"
        frame = await communicator.receive_json_from(timeout=TIMEOUT)
        closed = await communicator.receive_output(timeout=TIMEOUT)
    finally:
        await communicator.disconnect()
    return frame, closed


@pytest.mark.asyncio
@pytest.mark.django_db  # channels closes stale database connections around connect
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
async def test_an_unknown_path_is_told_404_and_closed_with_4404(path: str) -> None:
    frame, closed = await refused_frames(path, [(b"origin", settings.SERVER_URL.encode())])
    assert frame == {
        "action": "authentication",
        "payload": {
            "status_code": 404,
            "status_text": "Not Found",
            "data": "No WebSocket endpoint at this path.",
        },
    }
    assert closed == {"type": "websocket.close", "code": 4404}


@pytest.fixture
def logged_in(db: None) -> Headers:
    """Handshake headers of a real user's JWT cookies (made here, in the test's
    transaction: the refusal reads nothing from the database)."""
    return ws_headers(jwt_cookies(UserFactory.create()))


@pytest.mark.asyncio
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
async def test_a_logged_in_user_gets_the_same_refusal(path: str, logged_in: Headers) -> None:
    """The demo rooms were an open relay for anyone logged in: gone for them too."""
    frame, closed = await refused_frames(path, logged_in)
    assert frame["payload"]["status_code"] == 404
    assert closed == {"type": "websocket.close", "code": 4404}
