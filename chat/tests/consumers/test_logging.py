"""What people write stays out of the logs (at INFO and above)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

from asgiref.sync import sync_to_async

from chat.services.chats import create_group_chat
from tests.support.testcase import LoggedInRollbackTestCase

SECRET = "my-bank-pin-is-4242"


@contextmanager
def captured_logs(level: int = logging.INFO) -> Iterator[list[str]]:
    """Every record at ``level`` or above, formatted with its traceback."""
    lines: list[str] = []
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    handler = Collect(level)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)


class TestNoContentInLogs(LoggedInRollbackTestCase):
    async def test_message_content_is_never_logged(self) -> None:
        group_chat = await sync_to_async(create_group_chat)(creator=self.user, name="L")
        self.ws_path = f"/ws/chat/{group_chat.pk}/"
        # Connected before capturing: importing the ASGI module (on first use)
        # runs django.setup(), which reconfigures logging.
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        with captured_logs() as lines:
            # Saved and relayed.
            await self.auth_communicator.send_json_to(
                {"action": "new_message", "payload": {"content": SECRET}}
            )
            await self.auth_communicator.receive_all_json(wait_group=True)
            # Refused: wrong shape, unknown action, malformed JSON.
            for frame in (
                f'{{"action": "new_message", "payload": {{"content": "{SECRET}", "x": 1}}}}',
                f'{{"action": "{SECRET}"}}',
                f"{{{SECRET}",
            ):
                await self.auth_communicator.send_to(text_data=frame)
                await self.auth_communicator.receive_all_json()
            # A handler that fails is logged with its traceback, not the content.
            with patch("chat.services.messages.save_message", side_effect=RuntimeError("db down")):
                await self.auth_communicator.send_json_to(
                    {"action": "new_message", "payload": {"content": SECRET}}
                )
                await self.auth_communicator.receive_all_json()
        assert any("db down" in line for line in lines), lines  # the capture works
        assert not [line for line in lines if SECRET in line]
