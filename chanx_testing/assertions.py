# Timeouts are arguments, as in Phoenix's assertions; each is one deadline.
# ruff: noqa: ASYNC109
"""Assertions on one socket, as Phoenix's channel tests have them, for any Channels consumer.

``assert_push`` and ``assert_reply`` wait for the first frame that matches and set the
others aside, in order, for the next read (a selective receive, like Phoenix's mailbox).
``refute_push`` watches for a short window and fails only if a matching frame comes; it
never cancels the application, so the test goes on talking to the same consumer.
``assert_refused`` is Rails' ``assert_reject_connection``: the consumer must turn the
connection away, at the handshake or after its authentication frame.
"""

from collections.abc import Callable, Mapping
from typing import Any

from chanx_testing.diagnostics import describe_frames
from chanx_testing.protocol import Frame
from chanx_testing.transport import Deadline, Event, Transport

# Phoenix's refute_push waits 100 ms by default.
REFUTE_WINDOW = 0.1


class SocketAssertions(Transport):
    """``assert_push``, ``refute_push``, ``assert_reply`` and ``assert_refused``."""

    async def assert_push(
        self, action: str, *, timeout: float | None = None, **fields: Any
    ) -> Frame:
        """Wait for a frame with ``action`` whose payload holds ``fields``; return it.

        Frames that do not match are kept for the next read. ``fields`` are payload keys,
        compared by equality (snake_case ones when the consumer camelizes).
        """
        wanted = _wanted(self.protocol.action_key, action, fields)
        return await self._first_matching(
            lambda frame: self.protocol.matches(frame, action, fields),
            self._deadline(timeout),
            wanted,
            action,
        )

    async def assert_reply(
        self, ref: Any, action: str | None = None, *, timeout: float | None = None, **fields: Any
    ) -> Frame:
        """Wait for the frame that answers the request sent with ``ref``; return it.

        The reference is read from the protocol's ``REF_KEY`` (``ref``, as chanx 2's
        envelope carries it; a dotted path such as ``payload.client_id`` for a protocol
        that carries it in the payload). ``action`` and ``fields`` narrow it further.
        """
        protocol = self.protocol
        wanted = f"a reply with {protocol.ref_key}={ref!r}" + _wanted("", action, fields, "")
        return await self._first_matching(
            lambda frame: protocol.ref_of(frame) == ref and protocol.matches(frame, action, fields),
            self._deadline(timeout),
            wanted,
            action,
        )

    async def refute_push(
        self, action: str | None = None, *, within: float = REFUTE_WINDOW, **fields: Any
    ) -> None:
        """Fail if a frame with ``action`` (any frame, when None) and ``fields`` comes within
        ``within`` seconds. Other frames are kept for the next read; the consumer lives on."""
        deadline = self._deadline(within)
        awaited = _wanted(self.protocol.action_key, action, fields) if action else "any frame"
        passed_over: list[Event] = []
        seen: list[Any] = []
        try:
            while (event := await self._poll_event(deadline, awaited, seen)) is not None:
                passed_over.append(event)
                if event["type"] != "websocket.send":
                    continue
                frame = self._decode(event, awaited, seen)
                seen.append(frame)
                if self.protocol.matches(frame, action, fields):
                    raise AssertionError(
                        f"Expected no push of {awaited} within {within}s, but one came after "
                        f"{deadline.waited():.2f}s: {frame!r}.\n{describe_frames(seen)}"
                    )
        finally:
            self._set_aside(passed_over)

    async def assert_refused(
        self, code: int | None = None, status: int | None = None, *, timeout: float | None = None
    ) -> None:
        """Fail unless the consumer turns this connection away (connecting it first if the
        test has not): refused at the handshake, or accepted, then an authentication frame
        with another status than 200, then closed. ``code`` checks the close code, ``status``
        the authentication frame's status."""
        deadline = self._deadline(timeout)
        if self.handshake == "not started":
            await self._connect(deadline.at - deadline.started, None)
        seen: list[Any] = []
        reported = self._authentication
        while self.close_code is None:
            event = await self._poll_event(deadline, "the connection to close", seen)
            if event is None:
                raise self._failure(
                    f"Expected the consumer to refuse the connection, but it kept it open "
                    f"for {deadline.waited():.2f}s.",
                    None,
                    seen,
                    _open_cause(reported, self.protocol.authentication_action),
                )
            if event["type"] == "websocket.send":
                frame = self._decode(event, "the connection to close", seen)
                seen.append(frame)
                if reported is None and self.protocol.action_of(frame) == (
                    self.protocol.authentication_action
                ):
                    reported = self._authentication_from(frame)
        self._check_refusal(code, status, reported, seen)

    def _check_refusal(
        self, code: int | None, status: int | None, reported: Any, seen: list[Any]
    ) -> None:
        frames = describe_frames(seen)
        if reported is not None and reported.payload.status_code == 200:
            raise AssertionError(
                f"The consumer closed the connection (code {self.close_code}), but its "
                f"authentication frame said status 200: it let the client in first.\n{frames}"
            )
        if status is not None:
            if reported is None:
                how = "at the handshake" if self.handshake == "refused" else "without one"
                raise AssertionError(
                    f"Expected an authentication frame with status {status}, but the "
                    f"connection was refused {how} (close code {self.close_code}).\n{frames}"
                )
            if reported.payload.status_code != status:
                raise AssertionError(
                    f"Refused with status {reported.payload.status_code} "
                    f"({reported.payload.status_text!r}), not {status}.\n{frames}"
                )
        if code is not None and self.close_code != code:
            raise AssertionError(
                f"Refused with close code {self.close_code}, not {code}.\n{frames}"
            )

    async def _first_matching(
        self, matches: Callable[[Any], bool], deadline: Deadline, wanted: str, action: str | None
    ) -> Frame:
        passed_over: list[Event] = []
        seen: list[Any] = []
        try:
            while True:
                event = await self._next_event(deadline, wanted, seen, action=action)
                if event["type"] == "websocket.close":
                    raise self._failure(
                        f"The connection closed while waiting for {wanted}.", action, seen
                    )
                frame = self._decode(event, wanted, seen)
                if matches(frame):
                    return frame  # type: ignore[no-any-return]
                passed_over.append(event)
                seen.append(frame)
        finally:
            self._set_aside(passed_over)


def _wanted(key: str, action: str | None, fields: Mapping[str, Any], prefix: str = "a ") -> str:
    described = f"{prefix}frame with {key}={action!r}" if action is not None else ""
    if fields:
        described += f" and payload fields {dict(fields)!r}"
    return described


def _open_cause(reported: Any, authentication_action: str) -> str:
    if reported is None:
        return f"no {authentication_action!r} frame came and the socket stayed open"
    return (
        f"its authentication frame said status {reported.payload.status_code}, "
        "and the socket stayed open"
    )
