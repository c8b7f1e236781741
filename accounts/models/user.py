import unicodedata
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

# The longest ``username_key``: a username of at most 150 characters, each of which
# NFKC and case folding may turn into about three (a ligature such as "ﬃ" into "ffi").
USERNAME_KEY_MAX_LENGTH = 450


def username_key(username: str) -> str:
    """The form two usernames share when people would read them as the same name:
    NFKC (fullwidth letters, mathematical bold or script letters, superscripts and
    ligatures become plain letters), then case folded ("Alice", "ALICE"; "ß" and "ss"
    alike), then NFKC again (folding can undo the normal form). Letters of different
    scripts that merely look alike (a Latin and a Cyrillic "a") stay different: NFKC
    does not map them."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def check_username_free(username: str, *, exclude_pk: int | None = None) -> None:
    """Refuse (``ValidationError``, a sentence) a username whose key another user holds,
    or one too long once normalised. A check before the insert, for a clear answer: the
    unique key decides between two sign-ups racing."""
    key = username_key(username)
    if len(key) > USERNAME_KEY_MAX_LENGTH:
        raise ValidationError("This username is too long.")
    holders = User.objects.filter(username_key=key)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    existing = holders.values_list("username", flat=True).first()
    if existing is not None:
        raise ValidationError(taken_message(username, existing))


def taken_message(requested: str, existing: str) -> str:
    """What someone asking for ``requested`` is told when ``existing`` holds its key."""
    if requested == existing:
        return f"The username {existing} is already taken."
    return (
        f"The username {requested} is taken: {existing} already exists, and names that "
        "differ only in upper and lower case or in look-alike letters count as the same."
    )


class User(AbstractUser):
    """The project's user, custom from the first migration so it can grow
    without the painful mid-project swap of AUTH_USER_MODEL.

    Usernames are unique as people read them: ``username_key`` (``username_key()`` of
    the username, set on every save) is unique in the database, so neither "Alice" nor
    "alice" in fullwidth letters can sign up next to "alice", even two sign-ups racing."""

    username_key = models.CharField(max_length=USERNAME_KEY_MAX_LENGTH, unique=True, editable=False)
    # Revoked access tokens (``accounts.tokens``), on the row every authenticated request
    # reads anyway, so checking them costs no query and no cache. Tokens issued at or
    # before this moment are refused (a replayed refresh token revoked every session):
    access_not_before = models.DateTimeField(null=True, blank=True, editable=False)
    # and these, by jti, each with its expiry (epoch seconds), dropped once it passes
    # (the access tokens logouts were given):
    revoked_access = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        db_table = "accounts_user"

    def clean(self) -> None:
        """Django's (NFKC of the username), then the rule people read names by."""
        super().clean()
        try:
            check_username_free(self.username, exclude_pk=self.pk)
        except ValidationError as exc:
            raise ValidationError({"username": exc.messages}) from exc

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.username_key = username_key(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)
