"""Sessions end on the server's word: an expired token, a logout, a removal,
and a client that sends too much, too often."""

import time
from typing import Any
from unittest.mock import patch

from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from chanx_testing import WebsocketCommunicator, WebsocketTestCase
from realtime.groups import end_sessions
from realtime.tests.consumers import application
from tests.support.auth import Headers, jwt_cookies, ws_headers
from tests.support.factories import UserFactory

# Enough for a connect and a ping on a slow machine, little enough for the default run.
SECONDS_LEFT = 0.5


class SessionTestCase(WebsocketTestCase):
    router = application
    ws_path = "/ws/echo/"

    def setUp(self) -> None:
        self.user = UserFactory.create()
        self.headers = ws_headers(jwt_cookies(self.user))
        super().setUp()

    def get_ws_headers(self) -> Headers:
        return self.headers

    async def connected(self, **kwargs: Any) -> WebsocketCommunicator:
        communicator = self.create_communicator(**kwargs)
        await communicator.connect()
        await communicator.assert_authenticated_status_ok()
        return communicator

    async def assert_session_ended(
        self, communicator: WebsocketCommunicator, status: int, reason: str
    ) -> None:
        (*_, ended) = await communicator.receive_until_action("authentication", inclusive=True)
        assert ended["payload"]["status_code"] == status
        assert ended["payload"]["data"] == reason
        await communicator.assert_closed(code=4000 + status)


class TestExpiry(SessionTestCase):
    async def test_the_socket_closes_when_its_token_expires(self) -> None:
        token = await sync_to_async(AccessToken.for_user)(self.user)
        # Valid for a minute as JWTs count (whole seconds), but the consumer's clock
        # says it has SECONDS_LEFT: the timer it sets is real, only shorter.
        token["exp"] = int(time.time()) + 60
        expiring = ws_headers({settings.AUTH_COOKIE_ACCESS: str(token)})
        with patch("realtime.consumers.time") as clock:
            clock.time.return_value = token["exp"] - SECONDS_LEFT
            communicator = await self.connected(headers=expiring)
        # Still served until then...
        await communicator.send_json_to({"action": "ping"})
        assert [f["action"] for f in await communicator.receive_all_json()] == ["pong"]
        # ...then told why, and closed with 4401 (the client refreshes, reconnects).
        await self.assert_session_ended(
            communicator, 401, "Session expired: refresh and reconnect."
        )

    async def test_a_socket_opened_with_the_session_cookie_expires_like_a_tokens(self) -> None:
        """No token says when a Django session's socket should end: it gets an access
        token's lifetime (REALTIME["SESSION_SOCKET_SECONDS"]), then 4401 like a token's."""
        await self.async_client.aforce_login(self.user)
        session_id = self.async_client.cookies[settings.SESSION_COOKIE_NAME].value
        with (
            override_settings(REALTIME={**settings.REALTIME, "SESSION_SOCKET_SECONDS": 60}),
            patch("realtime.consumers.time") as clock,
        ):
            # The consumer's clock says 60 - SECONDS_LEFT have passed since the handshake.
            clock.time.return_value = time.time() + 60 - SECONDS_LEFT
            communicator = await self.connected(
                headers=ws_headers({settings.SESSION_COOKIE_NAME: session_id})
            )
        await communicator.send_json_to({"action": "ping"})
        assert [f["action"] for f in await communicator.receive_all_json()] == ["pong"]
        await self.assert_session_ended(
            communicator, 401, "Session expired: refresh and reconnect."
        )


class TestEndUserSessions(SessionTestCase):
    async def test_every_socket_of_the_user_closes_and_no_other(self) -> None:
        first = await self.connected()
        second = await self.connected(ws_path="/ws/room/")
        other_user = await sync_to_async(UserFactory.create)()
        bystander = await self.connected(
            headers=await sync_to_async(lambda: ws_headers(jwt_cookies(other_user)))()
        )
        await sync_to_async(end_sessions)(user_pk=self.user.pk, reason="Go away.")
        await self.assert_session_ended(first, 403, "Go away.")
        await self.assert_session_ended(second, 403, "Go away.")
        await bystander.send_json_to({"action": "ping"})
        assert [f["action"] for f in await bystander.receive_all_json()] == ["pong"]

    async def test_logout_closes_the_users_sockets(self) -> None:
        communicator = await self.connected()
        refresh = await sync_to_async(RefreshToken.for_user)(self.user)
        self.async_client.cookies[settings.AUTH_COOKIE_REFRESH] = str(refresh)
        response = await self.async_client.post(reverse("accounts:logout"))
        assert response.status_code == 204
        await self.assert_session_ended(communicator, 401, "Logged out.")

    async def session_socket(self) -> WebsocketCommunicator:
        """A socket let in by Django's session cookie (no token)."""
        await self.async_client.aforce_login(self.user)
        session_id = self.async_client.cookies[settings.SESSION_COOKIE_NAME].value
        return await self.connected(headers=ws_headers({settings.SESSION_COOKIE_NAME: session_id}))

    async def test_the_apis_logout_closes_a_socket_opened_with_the_session_cookie(
        self,
    ) -> None:
        communicator = await self.session_socket()
        response = await self.async_client.post(reverse("accounts:logout"))
        assert response.status_code == 204
        await self.assert_session_ended(communicator, 401, "Logged out.")

    async def test_djangos_own_logout_closes_the_users_sockets_too(self) -> None:
        """The admin's "Log out" (``django.contrib.auth.logout``, not the API) ends the
        session: its socket, and the user's others, are closed as by the API's logout.
        Before, they stayed open until they expired."""
        self.user.is_staff = True  # the admin's pages are for staff
        await self.user.asave(update_fields=["is_staff"])
        session_socket = await self.session_socket()
        token_socket = await self.connected()

        response = await self.async_client.post(reverse("admin:logout"))

        assert response.status_code == 200
        await self.assert_session_ended(session_socket, 401, "Logged out.")
        await self.assert_session_ended(token_socket, 401, "Logged out.")


@override_settings(
    REALTIME={
        "SEND_COMPLETION": True,
        "RATE_PER_SECOND": 0.001,
        "RATE_BURST": 2,
        "MAX_VIOLATIONS": 3,
    }
)
class TestRateLimit(SessionTestCase):
    async def test_frames_over_the_rate_get_an_error_then_the_socket_closes(self) -> None:
        communicator = await self.connected()
        for _ in range(2):
            await communicator.send_json_to({"action": "ping"})
            assert [f["action"] for f in await communicator.receive_all_json()] == ["pong"]
        for _ in range(2):
            await communicator.send_json_to({"action": "ping"})
            (error,) = await communicator.receive_all_json()
            assert error["payload"]["message"] == "Too many messages: at most 0.001 per second."
        await communicator.send_json_to({"action": "ping"})
        await self.assert_session_ended(
            communicator, 429, "Too many messages, too often: connection closed."
        )
