"""The project's WebSocket test bases: the guide's "Authentication in Testing"
example (its ``WebsocketTestCase`` subclass), a user with JWT cookies created for every
test and logged in on the default communicator.

``LoggedInRollbackTestCase``, which every app's consumer tests and the guide's examples
stand on, is the harness's fast form (``chanx_testing.RollbackWebsocketTestCase``): each
test runs in a transaction rolled back at its end, the consumers inside it, and
``on_commit`` callbacks (the services' pushes to the sockets) run when the service's own
transaction ends, as after a commit. ``LoggedInCommittingTestCase`` is the harness's
other form (``chanx_testing.WebsocketTestCase``, as the guide's), for what must really
commit: database work on other threads (``realtime.database``) sees only committed rows.
"""

from asgiref.sync import sync_to_async

from accounts.models import User
from chanx_testing import RollbackWebsocketTestCase, WebsocketCommunicator
from chanx_testing import WebsocketTestCase as TransactionWebsocketTestCase
from chat import services
from chat.models import GroupChat
from tests.support.auth import Headers, jwt_cookies, ws_headers
from tests.support.factories import UserFactory


class _UserWithHeaders(TransactionWebsocketTestCase):
    def setUp(self) -> None:
        # Create a user and authentication headers during setup
        self.user, self.ws_headers = self.create_user_and_ws_headers()
        super().setUp()

    def create_user_and_ws_headers(self) -> tuple[User, Headers]:
        """A new user, and handshake headers carrying their JWT cookies
        (``jwt_auth_cookie`` and ``jwt_auth_refresh_cookie``) from the site's
        own origin (``settings.SERVER_URL``), as the guide builds them."""
        user = UserFactory.create()
        return user, ws_headers(jwt_cookies(user))

    async def acreate_user_and_ws_headers(self) -> tuple[User, Headers]:
        """Async version for creating users during tests"""
        return await sync_to_async(self.create_user_and_ws_headers)()

    def get_ws_headers(self) -> Headers:
        """Provide headers for the default auth_communicator"""
        return self.ws_headers

    async def chat_with_member_sockets(
        self,
    ) -> tuple[GroupChat, User, WebsocketCommunicator, WebsocketCommunicator]:
        """A group chat owned by the test's user with one more member, and each one's
        socket on it, authenticated: (chat, member, owner's socket, member's socket)."""
        group_chat = await sync_to_async(services.create_group_chat)(creator=self.user, name="T")
        member, member_headers = await self.acreate_user_and_ws_headers()
        await sync_to_async(services.add_member)(
            group_chat=group_chat, actor=self.user, user=member
        )
        self.ws_path = f"/ws/chat/{group_chat.pk}/"
        sockets = (self.auth_communicator, self.create_communicator(headers=member_headers))
        for socket in sockets:
            await socket.connect()
            await socket.assert_authenticated_status_ok()
        return group_chat, member, *sockets


class LoggedInRollbackTestCase(_UserWithHeaders, RollbackWebsocketTestCase):
    """Each test in a transaction rolled back at its end."""


class LoggedInCommittingTestCase(_UserWithHeaders):
    """Each test commits; the tables are emptied after it (slower)."""
