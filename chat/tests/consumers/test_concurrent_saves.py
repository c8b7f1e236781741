"""Saving messages concurrently: with ``REALTIME["DATABASE_THREADS"]`` (production's
default on PostgreSQL), one socket's save does not wait for another's to finish, as it
does on channels' single database thread (the rates of both: docs/benchmarks.md, "Saving").

These tests commit (the saves run on threads of their own, which see only committed
rows), so they stand on the harness's committing form."""

import threading
from typing import Any
from unittest.mock import patch

from django.conf import settings
from django.test import override_settings

from chat.messages.chat_detail import MemberMessage, MessagePayload, NewChatMessage
from chat.models import ChatMessage
from chat.services.messages import save_message
from tests.support.testcase import LoggedInCommittingTestCase

# Generous: only a failing test waits this long.
MEET_SECONDS = 10.0


@override_settings(REALTIME={**settings.REALTIME, "DATABASE_THREADS": 2})
class TestConcurrentSaves(LoggedInCommittingTestCase):
    async def test_two_members_saves_are_in_progress_at_the_same_time(self) -> None:
        """Two members send at once. Each save waits, inside the save, until the other
        has started too: on one database thread the second could start only after the
        first returned, so both would time out. Both are stored and relayed to both."""
        _, _, *sockets = await self.chat_with_member_sockets()

        both_started = threading.Barrier(2, timeout=MEET_SECONDS)
        saving_threads: set[str] = set()
        # SQLite takes one writer at a time: the writes themselves take turns.
        one_writer = threading.Lock()
        save = save_message

        def save_once_both_started(**kwargs: Any) -> ChatMessage:
            saving_threads.add(threading.current_thread().name)
            both_started.wait()  # BrokenBarrierError: the other save never started
            with one_writer:
                return save(**kwargs)

        with patch("chat.services.messages.save_message", save_once_both_started):
            for comm, content in zip(sockets, ("from the owner", "from the member"), strict=True):
                await comm.send_message(NewChatMessage(payload=MessagePayload(content=content)))
            # Each socket hears two group messages, each followed by its marker.
            received = [
                await comm.receive_all_json(wait_group=True)
                + await comm.receive_all_json(wait_group=True)
                for comm in sockets
            ]

        for frames in received:
            relayed = sorted(
                MemberMessage.model_validate(frame).payload.content
                for frame in frames
                if frame["action"] == "member_message"
            )
            assert relayed == ["from the member", "from the owner"], (
                f"each member should hear both messages; got {frames}"
            )
        assert await ChatMessage.objects.acount() == 2
        assert len(saving_threads) == 2, saving_threads
        assert all(name.startswith("realtime-db") for name in saving_threads), saving_threads
