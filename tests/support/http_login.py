"""Logging in over real HTTP, as the login page does: Django's CSRF token first."""

import json
import urllib.request
from http.client import HTTPResponse
from http.cookies import SimpleCookie

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _keep_cookies(jar: SimpleCookie, response: HTTPResponse) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)


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
    assert base_url.startswith(("http://127.0.0.1:", "http://localhost:"))
    jar: SimpleCookie = SimpleCookie()
    with opener.open(f"{base_url}/api/auth/csrf/", timeout=timeout) as response:
        token = json.loads(response.read())["csrf_token"]
        _keep_cookies(jar, response)
    request = urllib.request.Request(  # noqa: S310 - loopback, checked above
        f"{base_url}/api/auth/login/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": token,
            "Cookie": f"csrftoken={jar['csrftoken'].value}",
        },
        method="POST",
    )
    with opener.open(request, timeout=timeout) as response:
        assert response.status == 200, response.status
        _keep_cookies(jar, response)
    return jar
