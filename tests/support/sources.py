"""Clients that each connect from an address of their own: 127.0.0.2, 127.0.0.3 ...

Linux answers the whole 127.0.0.0/8 on the loopback interface, so binding a client
socket's source to 127.0.0.N gives the server (and a proxy in front of it) one distinct
client per N, with no traffic leaving the machine. Used by the live tests behind the
proxy and by ``bench.logins``.

This module imports nothing from Django.
"""

import asyncio
import http.client
import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

HTTP_SECONDS = 30.0


def loopback(number: int) -> str:
    """The loopback address 127.0.0.``number`` (1 is the usual one: the servers' own)."""
    assert 1 <= number <= 254, number
    return f"127.0.0.{number}"


@dataclass
class Answer:
    """An HTTP answer: its status, headers and body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class SourceClient:
    """A browser-like HTTP client on ``source`` talking to 127.0.0.1:``port``: it keeps
    its cookies, and sends Django's CSRF token on writes, as the pages do."""

    source: str
    port: int
    cookies: SimpleCookie = field(default_factory=SimpleCookie)
    timeout: float = HTTP_SECONDS

    def request(
        self,
        method: str,
        path: str,
        body: object = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request on a new connection from ``source``; the cookies it sets are kept."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=self.timeout, source_address=(self.source, 0)
        )
        sent = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, dict(response.getheaders()), response.read())
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(header)
        finally:
            connection.close()
        return answer

    def csrf_token(self) -> str:
        """Django's CSRF token (``GET /api/auth/csrf/`` also sets the csrftoken cookie)."""
        if "csrftoken" not in self.cookies:
            answer = self.request("GET", "/api/auth/csrf/")
            assert answer.status == 200, answer
        return self.cookies["csrftoken"].value

    def post(self, path: str, body: object = None, headers: dict[str, str] | None = None) -> Answer:
        """A write with the CSRF token, as the page sends it."""
        return self.request(
            "POST", path, body, {"X-CSRFToken": self.csrf_token(), **(headers or {})}
        )

    def log_in(self, username: str, password: str, headers: dict[str, str] | None = None) -> int:
        return self.post(
            "/api/auth/login/", {"username": username, "password": password}, headers
        ).status

    def access_cookie(self) -> str:
        """The Cookie header a page sends to /ws/ and /api/ once logged in."""
        return f"jwt_auth_cookie={self.cookies['jwt_auth_cookie'].value}"


async def open_socket_from(
    source: str, url: str, origin: str, cookie: str | None, seconds: float
) -> tuple[ClientConnection, dict[str, Any]]:
    """Open a WebSocket at ``url`` from ``source``, as a page on ``origin`` does; return
    it and its first frame (the ``authentication`` answer)."""
    ws = await connect(
        url,
        origin=Origin(origin),
        additional_headers={"Cookie": cookie} if cookie else {},
        proxy=None,
        open_timeout=seconds,
        local_addr=(source, 0),
    )
    try:
        async with asyncio.timeout(seconds):
            first: dict[str, Any] = json.loads(await ws.recv(decode=True))
    except BaseException:
        await ws.close()
        raise
    return ws, first
