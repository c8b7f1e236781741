"""One login's tokens: issued, rotated and revoked here.

simplejwt's blacklist app records every refresh token (``OutstandingToken``) and the
used or revoked ones (``BlacklistedToken``); its ``CHECK_REVOKE_TOKEN`` ties every token
to the password it was issued under; its user check refuses inactive users. What it
leaves to the app is done here:

- a rotation is atomic: concurrent refreshes of one token lock its row and take turns,
  so one wins and the others find it used;
- a session has an absolute end (``session_end``, the first refresh token's ``exp``)
  that rotations never pass;
- a used refresh token presented again after ``REUSE_GRACE_SECONDS`` (a thief's copy,
  or the owner's after a thief's) revokes every refresh token of the user, ends their
  sockets, and refuses their access tokens issued until then;
- a logout refuses the access token it was given, until it expires.

Revoked access tokens are remembered on the user's row (``User.access_not_before``,
``User.revoked_access``), the database being their source of truth: every authenticated
request already reads that row, so the check costs no query and no cache round trip, and
nothing it depends on can be down while the database is up.
"""

import time
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import (
    AuthenticationFailed,
    TokenBackendError,
    TokenError,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User
from realtime.groups import end_sessions_after_commit

SESSION_END_CLAIM = "session_end"
# Two tabs refreshing one cookie at once: the loser is refused, not taken for a thief.
REUSE_GRACE_SECONDS = 10


class SessionRefreshToken(RefreshToken):
    """A refresh token whose rotations never outlive the login it came from."""

    def set_exp(
        self, claim: str = "exp", from_time: datetime | None = None, lifetime: Any = None
    ) -> None:
        super().set_exp(claim, from_time, lifetime)
        end = self.payload.get(SESSION_END_CLAIM)
        if claim == "exp" and end is not None:
            self.payload["exp"] = min(self.payload["exp"], end)


def start_session(user: User) -> SessionRefreshToken:
    """A new login's refresh token (its access token: ``.access_token``)."""
    refresh = SessionRefreshToken.for_user(user)
    assert isinstance(refresh, SessionRefreshToken)  # for_user builds the class it is called on
    refresh[SESSION_END_CLAIM] = refresh["exp"]
    return refresh


class ReusedToken(TokenError):
    """A refresh token that was already used."""


def rotate(raw: str) -> SessionRefreshToken:
    """Trade a refresh token for its successor; TokenError if it cannot be."""
    try:
        # Signature, expiry, token type, and the blacklist (used or revoked).
        refresh = SessionRefreshToken(raw)  # type: ignore[arg-type]  # simplejwt: a raw JWT
    except TokenError:
        _revoke_if_reused(raw)
        raise
    with transaction.atomic():
        outstanding = OutstandingToken.objects.select_for_update().get(
            jti=refresh[jwt_settings.JTI_CLAIM]
        )
        if BlacklistedToken.objects.filter(token=outstanding).exists():
            raise ReusedToken("Token is blacklisted")  # a concurrent refresh won
        user = outstanding.user
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed("No active account found for the given token.")
        if refresh.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.")
        BlacklistedToken.objects.create(token=outstanding)
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
    return refresh


def _revoke_if_reused(raw: str) -> None:
    """A correctly signed refresh token, used more than REUSE_GRACE_SECONDS ago, is
    presented again: revoke everything of its user's."""
    try:
        payload = token_backend.decode(raw)  # type: ignore[arg-type]  # simplejwt: a raw JWT
    except TokenBackendError:
        return
    used = BlacklistedToken.objects.filter(
        token__jti=payload.get(jwt_settings.JTI_CLAIM)
    ).values_list("blacklisted_at", flat=True)
    if not used or used[0].timestamp() > time.time() - REUSE_GRACE_SECONDS:
        return
    revoke_user(
        payload[jwt_settings.USER_ID_CLAIM], reason="Signed out: a used token was replayed."
    )


def revoke_user(user_pk: int | str, *, reason: str) -> None:
    """Every refresh token of the user blacklisted, their access tokens issued until now
    refused, their sockets closed."""
    for outstanding in OutstandingToken.objects.filter(
        user_id=user_pk, blacklistedtoken__isnull=True
    ):
        BlacklistedToken.objects.get_or_create(token=outstanding)
    User.objects.filter(pk=user_pk).update(access_not_before=timezone.now())
    end_sessions_after_commit(user_pk=user_pk, status_code=401, reason=reason)


def revoke_access(token: Token) -> None:
    """Refuse this access token from now until it expires (a logout). The user's row is
    locked while its list is rewritten, so two logouts at once both count."""
    now = time.time()
    if int(token["exp"]) <= now:
        return
    with transaction.atomic():
        revoked = (
            User.objects.select_for_update()
            .filter(pk=token[jwt_settings.USER_ID_CLAIM])
            .values_list("revoked_access", flat=True)
            .first()
        )
        if revoked is None:
            return
        # Expired tokens are refused by their own ``exp``: no need to keep them.
        kept = {jti: exp for jti, exp in revoked.items() if exp > now}
        kept[str(token[jwt_settings.JTI_CLAIM])] = int(token["exp"])
        User.objects.filter(pk=token[jwt_settings.USER_ID_CLAIM]).update(revoked_access=kept)


def is_revoked(token: Token, user: User) -> bool:
    """An access token of ``user`` that a logout or a replayed refresh token revoked."""
    if str(token[jwt_settings.JTI_CLAIM]) in user.revoked_access:
        return True
    not_before = user.access_not_before
    return not_before is not None and int(token["iat"]) <= not_before.timestamp()
