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

from typing import ClassVar

from asgiref.sync import sync_to_async

from accounts.models import User
from chanx_testing import RollbackWebsocketTestCase, WebsocketCommunicator
from chanx_testing import WebsocketTestCase as TransactionWebsocketTestCase
from chat.models import ChatMessage, GroupChat
from chat.services.chats import create_group_chat
from chat.services.members import add_member
from chat.services.messages import save_message
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

    async def me_socket(self, user: User) -> WebsocketCommunicator:
        """``user``'s ``/ws/me/`` socket, authenticated."""
        cookies = await sync_to_async(jwt_cookies)(user)
        socket = self.create_communicator(ws_path="/ws/me/", headers=ws_headers(cookies))
        await socket.connect()
        await socket.assert_authenticated_status_ok()
        return socket

    async def chat_with_member_sockets(
        self,
    ) -> tuple[GroupChat, User, WebsocketCommunicator, WebsocketCommunicator]:
        """A group chat owned by the test's user with one more member, and each one's
        socket on it, authenticated: (chat, member, owner's socket, member's socket)."""
        group_chat = await sync_to_async(create_group_chat)(creator=self.user, name="T")
        member, member_headers = await self.acreate_user_and_ws_headers()
        await sync_to_async(add_member)(group_chat=group_chat, actor=self.user, user=member)
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


class ChatWithMessageTestCase(LoggedInRollbackTestCase):
    """The test's user owns a chat with one more member (``member``), each one's socket
    on it (``owner_socket``, ``member_socket``), and a message said before
    (``message``, saying ``message_content``, by the owner or, with ``said_by_member``,
    the member): what the tests of changes to a message start from."""

    message_content: ClassVar[str] = "lunch at 12?"
    said_by_member: ClassVar[bool] = False
    group_chat: GroupChat
    member: User
    owner_socket: WebsocketCommunicator
    member_socket: WebsocketCommunicator
    message: ChatMessage

    async def open_sockets(self) -> None:
        chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        self.group_chat, self.member = chat, member
        self.owner_socket, self.member_socket = owner_socket, member_socket
        self.message = await sync_to_async(save_message)(
            group_chat=chat,
            sender=member if self.said_by_member else self.user,
            content=self.message_content,
        )

    async def message_of_another_chat(self) -> ChatMessage:
        """A message the member said in a chat of their own, which the sockets are not on."""
        elsewhere = await sync_to_async(create_group_chat)(creator=self.member, name="Elsewhere")
        return await sync_to_async(save_message)(
            group_chat=elsewhere, sender=self.member, content="private"
        )

    async def assert_nothing_more(self) -> None:
        """Neither socket has anything waiting: a ping is answered by its pong alone."""
        for socket in (self.owner_socket, self.member_socket):
            await socket.send_json_to({"action": "ping"})
            assert [r["action"] for r in await socket.receive_all_json()] == ["pong"]
