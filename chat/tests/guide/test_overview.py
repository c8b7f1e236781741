"""Guide: "LoggedInRollbackTestCase" and "Authentication in Testing"."""

from django.conf import settings

from chat.tests.guide import demo
from tests.support.testcase import LoggedInRollbackTestCase


class TestMyConsumer(LoggedInRollbackTestCase):
    """Guide, "LoggedInRollbackTestCase": the smallest test, on the default communicator."""

    # Path to test (required)
    ws_path = "/ws/chat/room1/"
    # The guide's demo rooms, routed for the guide's tests only
    router = demo.router

    async def test_connect(self) -> None:
        """Guide, "LoggedInRollbackTestCase": connect and authenticate."""
        # Use the default authenticator communicator
        await self.auth_communicator.connect()
        # Verify connection was successful
        await self.auth_communicator.assert_authenticated_status_ok()

    async def test_jwt_cookie_headers(self) -> None:
        """Guide, "Authentication in Testing": the headers carry both JWT cookies
        and the site's origin, and a second user gets headers of their own."""
        cookie = dict(self.ws_headers)[b"cookie"].decode()
        assert cookie.startswith(f"{settings.AUTH_COOKIE_ACCESS}=")
        assert f"; {settings.AUTH_COOKIE_REFRESH}=" in cookie
        assert dict(self.ws_headers)[b"origin"] == settings.SERVER_URL.encode()
        second_user, second_headers = await self.acreate_user_and_ws_headers()
        assert second_user.pk != self.user.pk
        assert second_headers != self.ws_headers


class TestSessionAuthentication(LoggedInRollbackTestCase):
    """Guide, "Authentication in Testing": session-based authentication with
    Django's test client instead of JWT cookies."""

    ws_path = "/ws/chat/room1/"
    # The guide's demo rooms, routed for the guide's tests only
    router = demo.router

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        # Create a session using Django's test client
        self.client.force_login(self.user)
        # Get the session cookie
        cookies = self.client.cookies
        return [
            (b"cookie", f"sessionid={cookies['sessionid'].value}".encode()),
            (b"origin", settings.SERVER_URL.encode()),
        ]

    async def test_session_cookie_authenticates(self) -> None:
        await self.auth_communicator.connect()
        auth_message = await self.auth_communicator.wait_for_auth()
        assert auth_message.payload.status_code == 200
