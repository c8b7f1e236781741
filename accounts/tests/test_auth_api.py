"""Log in, refresh, log out and "me", with the JWTs in HttpOnly cookies."""

from datetime import timedelta
from http.cookies import Morsel

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from tests.support.auth import jwt_cookies
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

ACCESS = settings.AUTH_COOKIE_ACCESS
REFRESH = settings.AUTH_COOKIE_REFRESH

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> User:
    return UserFactory.create()


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def log_in(client: APIClient, user: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.content


def test_login_sets_both_tokens_as_httponly_cookies(client: APIClient, user: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    access: Morsel[str] = response.cookies[ACCESS]
    refresh: Morsel[str] = response.cookies[REFRESH]
    for cookie in (access, refresh):
        assert cookie.value
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
    assert access["path"] == "/"
    assert refresh["path"] == "/api/auth/"
    # The tokens live in cookies only, out of the page's reach.
    assert access.value not in response.content.decode()


@override_settings(AUTH_COOKIE_SECURE=True)
def test_cookies_are_secure_when_configured_so_as_in_production(
    client: APIClient, user: User
) -> None:
    log_in(client, user)
    assert client.cookies[ACCESS]["secure"] is True
    assert client.cookies[REFRESH]["secure"] is True


def test_login_with_a_wrong_password_is_401_and_sets_no_cookie(
    client: APIClient, user: User
) -> None:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}
    assert ACCESS not in response.cookies


def test_login_as_a_missing_user_says_the_same_as_a_wrong_password(client: APIClient) -> None:
    """Words people use, and no hint whether the name exists."""
    response = client.post(reverse("accounts:login"), {"username": "nobody", "password": "x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}


def test_login_needs_both_fields(client: APIClient) -> None:
    response = client.post(reverse("accounts:login"), {"username": "someone"})
    assert response.status_code == 400
    assert "password" in response.json()


def test_me_with_the_access_cookie(client: APIClient, user: User) -> None:
    log_in(client, user)
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_me_without_credentials_is_401(client: APIClient) -> None:
    assert client.get(reverse("accounts:me")).status_code == 401


def test_me_with_an_expired_access_token_is_401(client: APIClient, user: User) -> None:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    client.cookies[ACCESS] = str(token)
    assert client.get(reverse("accounts:me")).status_code == 401


def test_me_with_a_session_cookie(user: User) -> None:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:me")).json()["id"] == user.pk


def test_refresh_rotates_the_refresh_token_and_blacklists_the_old_one(
    client: APIClient, user: User
) -> None:
    log_in(client, user)
    old_refresh = client.cookies[REFRESH].value
    old_access = client.cookies[ACCESS].value

    response = client.post(reverse("accounts:refresh"))
    assert response.status_code == 204
    assert response.cookies[REFRESH].value not in ("", old_refresh)
    assert response.cookies[ACCESS].value not in ("", old_access)
    assert client.get(reverse("accounts:me")).status_code == 200

    replay = APIClient()
    replay.cookies[REFRESH] = old_refresh
    assert replay.post(reverse("accounts:refresh")).status_code == 401


def test_refresh_without_a_cookie_is_401(client: APIClient) -> None:
    assert client.post(reverse("accounts:refresh")).status_code == 401


def test_logout_blacklists_the_refresh_token_and_clears_the_cookies(
    client: APIClient, user: User
) -> None:
    log_in(client, user)
    refresh = client.cookies[REFRESH].value

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 204
    assert response.cookies[ACCESS].value == ""
    assert response.cookies[REFRESH].value == ""
    assert response.cookies[REFRESH]["path"] == "/api/auth/"

    replay = APIClient()
    replay.cookies[REFRESH] = refresh
    assert replay.post(reverse("accounts:refresh")).status_code == 401


def test_logout_without_cookies_still_succeeds(client: APIClient) -> None:
    assert client.post(reverse("accounts:logout")).status_code == 204


def test_cookie_authenticated_writes_need_the_csrf_token(user: User) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.cookies.load(jwt_cookies(user))
    assert browser.post(reverse("accounts:logout")).status_code == 403
    assert browser.get(reverse("accounts:me")).status_code == 200  # reads are not checked
    token = browser.get(reverse("accounts:csrf")).json()["csrf_token"]
    assert browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.post(reverse("accounts:logout"), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 204
