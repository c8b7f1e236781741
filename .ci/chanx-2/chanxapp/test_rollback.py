"""The harness's rolled-back test case on a chanx 2 consumer (chanx has no such case: this
module imports chanx_testing in both of bare-project's runs). Its rows are undone after each
test, so the second test below finds none of the first one's."""

from chanx.constants import EVENT_ACTION_COMPLETE
from django.contrib.auth.models import User

from chanx_testing import RollbackWebsocketTestCase
from chanxapp.consumers import RoomConsumer, ShoutedMessage, ShoutMessage
from chanxapp.logins import LoggedIn


class TestRolledBackRoom(LoggedIn, RollbackWebsocketTestCase):
    ws_path = "/ws/room/"
    consumer = RoomConsumer

    async def test_a_shout_reaches_the_room_from_a_rolled_back_test(self):
        _, bob_headers = await self.acreate_user_and_ws_headers("bob")
        alice, bob = self.auth_communicator, self.create_communicator(headers=bob_headers)
        for communicator in (alice, bob):
            await communicator.connect()
            await communicator.assert_authenticated_status_ok()

        await alice.send_message(ShoutMessage(payload="hello"))

        for communicator in (alice, bob):
            messages = await communicator.receive_all_messages(stop_action=EVENT_ACTION_COMPLETE)
            assert messages == [ShoutedMessage(payload="hello")]

    def test_the_rows_of_other_tests_are_gone(self):
        assert sorted(User.objects.values_list("username", flat=True)) == ["alice"]
