"""The REST API over real HTTP, as the pages use it: cookies kept, Django's CSRF token
fetched once and echoed on every write (the login page's way to log in)."""

import json
import secrets
import urllib.error
import urllib.request
from http.client import HTTPResponse
from http.cookies import SimpleCookie
from typing import Any

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _keep_cookies(jar: SimpleCookie, response: HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)


def _decoded(body: bytes) -> Any:
    """A JSON answer decoded; anything else (a proxy's error page) as text."""
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body.decode(errors="replace")


class ApiSession:
    """One visitor of ``base_url`` (loopback only): ``call`` sends a request with the
    cookies set so far and returns the status and the decoded JSON answer."""

    def __init__(
        self,
        base_url: str,
        *,
        opener: urllib.request.OpenerDirector = DIRECT,
        timeout: float = 10,
    ) -> None:
        assert base_url.startswith(("http://127.0.0.1:", "http://localhost:"))
        self.base_url = base_url
        self.opener = opener
        self.timeout = timeout
        self.jar: SimpleCookie = SimpleCookie()
        self.csrf_token: str | None = None

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={morsel.value}" for name, morsel in self.jar.items())

    def call(self, method: str, path: str, data: object = None) -> tuple[int, Any]:
        body = None if data is None else json.dumps(data).encode()
        status, answer = self.send(method, path, body, "application/json")
        return status, _decoded(answer)

    def upload(self, path: str, name: str, data: bytes) -> tuple[int, Any]:
        """POST one file as a browser's form does (field ``file``)."""
        boundary = "session-" + secrets.token_hex(8)
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode(),
                b"Content-Type: application/octet-stream\r\n\r\n",
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        status, answer = self.send("POST", path, body, f"multipart/form-data; boundary={boundary}")
        return status, _decoded(answer)

    def send(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, bytes]:
        """One request with the session's cookies (and its CSRF token on a write); the
        status and the raw answer."""
        headers = {"Cookie": self.cookie_header()}
        if method != "GET":
            if self.csrf_token is None:
                # GET /api/auth/csrf/: the token, and the csrftoken cookie beside it.
                self.csrf_token = self.call("GET", "/api/auth/csrf/")[1]["csrf_token"]
                headers["Cookie"] = self.cookie_header()
            headers |= {"Content-Type": content_type, "X-CSRFToken": self.csrf_token}
        request = urllib.request.Request(  # noqa: S310 - loopback, checked above
            self.base_url + path, data=body, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                _keep_cookies(self.jar, response)
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read()


def log_in_over_http(
    base_url: str,
    username: str,
    password: str,
    *,
    opener: urllib.request.OpenerDirector = DIRECT,
    timeout: float = 10,
) -> SimpleCookie:
    """``GET /api/auth/csrf/`` (the token, and the csrftoken cookie), then ``POST
    /api/auth/login/`` echoing it in X-CSRFToken. Returns every cookie set."""
    session = ApiSession(base_url, opener=opener, timeout=timeout)
    status, answer = session.call(
        "POST", "/api/auth/login/", {"username": username, "password": password}
    )
    assert status == 200, (status, answer)
    return session.jar
