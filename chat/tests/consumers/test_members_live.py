"""The members panel, live: a membership added, changed or removed any way reaches
every open socket of the chat (``member_added``, ``member_role_changed``,
``member_removed``), so each member's page shows who is in the chat now."""

from datetime import timedelta

from asgiref.sync import sync_to_async

from chat.messages.chat_detail import MemberAdded, MemberRemoved, MemberRoleChanged
from chat.messages.me import ChatAdded
from chat.models import ChatMember
from chat.services import invites
from chat.services.members import add_member, change_role, remove_member
from tests.support.testcase import LoggedInRollbackTestCase


class TestMembersLive(LoggedInRollbackTestCase):
    async def test_someone_added_reaches_every_members_socket(self) -> None:
        """The owner adds a third user: both open sockets get ``member_added`` with the
        new membership as the members list shows it."""
        group_chat, _, owner_socket, member_socket = await self.chat_with_member_sockets()
        newcomer, _ = await self.acreate_user_and_ws_headers()

        added = await sync_to_async(add_member)(
            group_chat=group_chat, actor=self.user, user=newcomer
        )

        for socket in (owner_socket, member_socket):
            (frame,) = await socket.receive_all_json(wait_group=True)
            payload = MemberAdded.model_validate(frame).payload
            assert (payload.id, payload.user.username, payload.chat_role) == (
                added.pk,
                newcomer.username,
                "member",
            )

    async def test_joining_by_an_invite_link_is_an_add_like_any_other(self) -> None:
        """Someone joins through a link: every open socket of the chat gets
        ``member_added``, and the newcomer's ``/ws/me/`` gets ``chat_added``."""
        group_chat, _, owner_socket, member_socket = await self.chat_with_member_sockets()
        link = await sync_to_async(invites.create_invite_link)(
            group_chat=group_chat, actor=self.user, expires_in=timedelta(hours=1)
        )
        newcomer, newcomer_headers = await self.acreate_user_and_ws_headers()
        inbox = self.create_communicator(ws_path="/ws/me/", headers=newcomer_headers)
        await inbox.connect()
        await inbox.assert_authenticated_status_ok()

        joined, _ = await sync_to_async(invites.join_by_invite)(token=link.token, user=newcomer)

        for socket in (owner_socket, member_socket):
            (frame,) = await socket.receive_all_json(wait_group=True)
            payload = MemberAdded.model_validate(frame).payload
            assert (payload.id, payload.user.username) == (joined.pk, newcomer.username)
        (frame,) = await inbox.receive_all_json(wait_group=True)
        assert ChatAdded.model_validate(frame).payload.id == group_chat.pk

    async def test_a_role_change_reaches_every_members_socket(self) -> None:
        """The owner makes the member an admin: ``member_role_changed`` says so."""
        group_chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        membership = await ChatMember.objects.aget(group_chat=group_chat, user=member)

        await sync_to_async(change_role)(
            membership=membership, actor=self.user, role=ChatMember.Role.ADMIN
        )

        for socket in (owner_socket, member_socket):
            (frame,) = await socket.receive_all_json(wait_group=True)
            assert MemberRoleChanged.model_validate(frame).payload.chat_role == "admin"

    async def test_a_member_who_leaves_is_dropped_from_the_others_panels(self) -> None:
        """The member leaves: the owner's socket gets ``member_removed`` naming them
        (the member's own socket is closed, 4403)."""
        group_chat, member, owner_socket, member_socket = await self.chat_with_member_sockets()
        membership = await ChatMember.objects.aget(group_chat=group_chat, user=member)
        membership_id = membership.pk  # delete() forgets it

        await sync_to_async(remove_member)(membership=membership, actor=member)

        (frame,) = await owner_socket.receive_all_json(wait_group=True)
        removed = MemberRemoved.model_validate(frame).payload
        assert (removed.id, removed.user.id) == (membership_id, member.pk)
        await member_socket.receive_until_action("authentication", inclusive=True)
        await member_socket.assert_closed(code=4403)
