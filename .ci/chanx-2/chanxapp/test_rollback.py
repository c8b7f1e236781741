"""The harness's rolled-back test case on a chanx 2 consumer (chanx has no such case: this
module imports chanx_testing in both of bare-project's runs). It runs the room's shout test
of tests.py; its rows are undone after each test, so the test below finds none of the
others'."""

from django.contrib.auth.models import User

from chanx_testing import RollbackWebsocketTestCase
from chanxapp.consumers import RoomConsumer
from chanxapp.logins import LoggedIn
from chanxapp.tests import ShoutsReachTheRoom


class TestRolledBackRoom(ShoutsReachTheRoom, LoggedIn, RollbackWebsocketTestCase):
    ws_path = "/ws/room/"
    consumer = RoomConsumer

    def test_the_rows_of_other_tests_are_gone(self):
        assert sorted(User.objects.values_list("username", flat=True)) == ["alice"]
