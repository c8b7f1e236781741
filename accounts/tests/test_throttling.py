"""Login, sign-up and refresh are throttled per client address and per username,
in Django's cache (shared by every worker when it is Redis), answering 429 with
Retry-After."""

import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from tests.support.auth import jwt_cookies
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 3
LOW_RATES = {
    "login.address": f"{LIMIT}/min",
    "login.username": f"{LIMIT + 2}/min",
    "signup.address": f"{LIMIT}/hour",
    "signup.username": f"{LIMIT}/hour",
    "refresh.address": f"{LIMIT}/min",
    "refresh.username": f"{LIMIT + 2}/min",
}


@pytest.fixture(autouse=True)
def low_rates() -> Iterator[None]:
    with override_settings(AUTH_THROTTLE_RATES=LOW_RATES):
        yield


def new_address() -> str:
    """An address no other test (or earlier run, on a shared Redis) has counted."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def client_at(address: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


@pytest.fixture
def user() -> User:
    # A name of its own: counts per username outlive a test on a shared Redis.
    return UserFactory.create(username=f"throttled-{uuid.uuid4().hex[:12]}")


def log_in(client: APIClient, username: str, password: str) -> Response:
    response: Response = client.post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    return response


def assert_throttled(response: Response) -> None:
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= 60 * 60


def test_wrong_passwords_from_one_address_are_throttled_even_the_right_one_next(
    user: User,
) -> None:
    client = client_at(new_address())
    for _ in range(LIMIT):
        assert log_in(client, user.username, "wrong").status_code == 401
    assert_throttled(log_in(client, user.username, DEFAULT_PASSWORD))
    # The count is per address: another client logs in.
    assert log_in(client_at(new_address()), user.username, DEFAULT_PASSWORD).status_code == 200


def test_one_username_is_throttled_across_addresses(user: User) -> None:
    for _ in range(LIMIT + 2):
        client = client_at(new_address())
        assert log_in(client, user.username.upper(), "wrong").status_code == 401
    assert_throttled(log_in(client_at(new_address()), user.username, DEFAULT_PASSWORD))


def test_a_spoofed_forwarded_for_header_does_not_make_a_new_address(user: User) -> None:
    client = client_at(new_address())
    for _ in range(LIMIT):
        client.credentials(HTTP_X_FORWARDED_FOR=new_address())
        assert log_in(client, f"nobody-{uuid.uuid4().hex}", "wrong").status_code == 401
    client.credentials(HTTP_X_FORWARDED_FOR=new_address())
    assert_throttled(log_in(client, user.username, DEFAULT_PASSWORD))


def test_sign_up_is_throttled_per_address() -> None:
    client = client_at(new_address())
    for _ in range(LIMIT):
        response = client.post(
            reverse("accounts:signup"),
            {"username": f"new-{uuid.uuid4().hex[:12]}", "password": "a-long-passphrase"},
        )
        assert response.status_code == 201
        client.cookies.clear()
    assert_throttled(
        client.post(
            reverse("accounts:signup"),
            {"username": f"new-{uuid.uuid4().hex[:12]}", "password": "a-long-passphrase"},
        )
    )


def test_refresh_is_throttled_per_address_and_per_user(user: User) -> None:
    client = client_at(new_address())
    for _ in range(LIMIT):
        client.cookies.load(jwt_cookies(user))
        assert client.post(reverse("accounts:refresh")).status_code == 204
    client.cookies.load(jwt_cookies(user))
    assert_throttled(client.post(reverse("accounts:refresh")))

    # The user's count (LIMIT + 2) has the refusal above too: one more is allowed.
    other = client_at(new_address())
    other.cookies.load(jwt_cookies(user))
    assert other.post(reverse("accounts:refresh")).status_code == 204
    last = client_at(new_address())
    last.cookies.load(jwt_cookies(user))
    assert_throttled(last.post(reverse("accounts:refresh")))


def test_a_forged_refresh_cookie_does_not_spend_the_users_budget(user: User) -> None:
    for _ in range(LIMIT + 2):
        forged = client_at(new_address())
        forged.cookies[settings.AUTH_COOKIE_REFRESH] = "forged.token.value"
        assert forged.post(reverse("accounts:refresh")).status_code == 401
    client = client_at(new_address())
    client.cookies.load(jwt_cookies(user))
    assert client.post(reverse("accounts:refresh")).status_code == 204


@pytest.mark.parametrize("endpoint", ["accounts:login", "accounts:signup", "accounts:refresh"])
def test_requests_refused_for_csrf_spend_no_budget(endpoint: str, user: User) -> None:
    """A page elsewhere (or a script without the token) posting over and over is refused
    403 each time, before any throttle counts it: the address's own requests, and the
    user's, still have their whole budget."""
    address = new_address()
    forged = APIClient(enforce_csrf_checks=True, REMOTE_ADDR=address)
    forged.cookies.load(jwt_cookies(user))
    for _ in range(LIMIT * 3):
        response = forged.post(reverse(endpoint), {"username": user.username, "password": "x"})
        assert response.status_code == 403, response.content
    client = client_at(address)  # the token sent (the test client's CSRF switch)
    for _ in range(LIMIT):
        client.cookies.load(jwt_cookies(user))
        response = client.post(
            reverse(endpoint), {"username": user.username, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code != 429, response.content
