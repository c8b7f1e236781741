from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone

from chat.models.group_chat import GroupChat

# What the link's signature is bound to: a token signed for anything else never opens one.
TOKEN_SALT = "chat.invite-link"  # noqa: S105 - a salt names a purpose; the key is the secret


class InviteLink(models.Model):
    """A link that lets whoever opens it join ``group_chat`` as a member, until it
    expires, is revoked or has been used ``max_uses`` times; made and revoked by the
    chat's owners and admins through ``chat.services.invites``.

    The link's token is the row's id signed with the site's key (``token``): nothing
    secret is stored, a forged or altered token is refused by its signature before any
    query, and the row holds what a signature cannot (revocation, uses)."""

    class State(models.TextChoices):
        VALID = "valid", "Valid"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        USED_UP = "used_up", "Used up"

    group_chat = models.ForeignKey(GroupChat, on_delete=models.CASCADE, related_name="invite_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # None: any number of people may join through it until it expires.
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True)
                | models.Q(uses__lte=models.F("max_uses")),
                name="invite_link_uses_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"invite {self.pk} to {self.group_chat_id}"

    @property
    def token(self) -> str:
        # No timestamp (the row has the expiry): one link, one token, shown again in
        # the list.
        return signing.Signer(salt=TOKEN_SALT).sign_object(self.pk)

    @property
    def state(self) -> "InviteLink.State":
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.max_uses is not None and self.uses >= self.max_uses:
            return self.State.USED_UP
        return self.State.VALID


def invite_link_pk(token: str) -> int | None:
    """The id a link's token was signed for; None when the signature does not hold."""
    try:
        pk = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return pk if isinstance(pk, int) else None
