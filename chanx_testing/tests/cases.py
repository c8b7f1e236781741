"""The test case the harness's own tests share."""

from chanx_testing import WebsocketCommunicator, WebsocketTestCase


class ConnectingTestCase(WebsocketTestCase):
    async def connected(self) -> WebsocketCommunicator:
        """The default communicator, connected and let in."""
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        return self.auth_communicator
