"""Guide: "Testing Object Permissions", with the guide's Room/RoomMember
adapted to GroupChat/ChatMember and ``/ws/rooms/<id>/`` to ``/ws/chat/<id>/``."""

from chat.models import ChatMember, GroupChat
from tests.support.testcase import LoggedInRollbackTestCase


class TestRoomAccess(LoggedInRollbackTestCase):
    async def test_room_access_permission(self) -> None:
        """Test that only room members can access the room consumer"""
        # Create a room and add the default user as a member
        room = await GroupChat.objects.acreate(name="Test Room")
        await ChatMember.objects.acreate(group_chat=room, user=self.user)

        # Create a non-member user
        non_member, non_member_headers = await self.acreate_user_and_ws_headers()

        # Test successful access with member
        member_comm = self.auth_communicator
        room_path = f"/ws/chat/{room.id}/"
        connected, _ = await member_comm.connect(ws_path=room_path)
        assert connected == True

        # Verify authentication succeeded
        auth_message = await member_comm.wait_for_auth()
        assert auth_message.payload.status_code == 200

        # Test failed access with non-member
        non_member_comm = self.create_communicator(headers=non_member_headers)
        connected, _ = await non_member_comm.connect(ws_path=room_path)
        assert connected == True  # Initial connection succeeds

        # But authentication fails due to permission check
        auth_message = await non_member_comm.wait_for_auth()
        assert auth_message.payload.status_code == 403

        # Connection should be closed
        await non_member_comm.assert_closed()
