"""Invite links: owners and admins make and revoke them; whoever opens a valid one joins
the chat as a member, as if added (the members' panels and the new member's groups
pages hear of it, ``chat.services.members``)."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from chat import selectors
from chat.messages.chat_detail import MemberAdded
from chat.models import ChatMember, GroupChat, InviteLink
from chat.services.members import latest_seq, require_role, tell_added, tell_members

Role = ChatMember.Role
State = InviteLink.State

MANAGERS: set[str] = {Role.OWNER, Role.ADMIN}
ONLY_MANAGERS = "Only owners and admins manage invite links."


class InviteInvalid(Http404):
    """No link has this token: it was never made here, or was altered (a 404)."""

    def __init__(self) -> None:
        super().__init__("This invite link is not valid: check that it was copied whole.")


class InviteUnusable(Exception):
    """The link exists but lets nobody in any more: ``state`` says why."""

    MESSAGES = {
        State.EXPIRED: "This invite link has expired: ask for a new one.",
        State.REVOKED: "This invite link was revoked: ask for a new one.",
        State.USED_UP: "This invite link has been used as many times as it allows.",
    }

    def __init__(self, state: str) -> None:
        super().__init__(self.MESSAGES[State(state)])
        self.state = state


def _link(token: str) -> InviteLink:
    link = selectors.invite_link_for_token(token)
    if link is None:
        raise InviteInvalid()
    return link


@transaction.atomic
def create_invite_link(
    *, group_chat: GroupChat, actor: User, expires_in: timedelta, max_uses: int | None = None
) -> InviteLink:
    require_role(actor, group_chat, MANAGERS, ONLY_MANAGERS)
    link = InviteLink(
        group_chat=group_chat,
        created_by=actor,
        expires_at=timezone.now() + expires_in,
        max_uses=max_uses,
    )
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def revoke_invite_link(*, link: InviteLink, actor: User) -> InviteLink:
    """Nobody joins through it any more; those who did stay. Revoking twice changes
    nothing."""
    require_role(actor, link.group_chat, MANAGERS, ONLY_MANAGERS)
    InviteLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db(fields=["revoked_at"])
    return link


class _AlreadyJoined(Exception):
    """The user joined in a transaction that committed first: undo this one's count."""


def join_by_invite(*, token: str, user: User) -> tuple[ChatMember, bool]:
    """``user`` joins the chat of the link ``token`` as a member: (membership, True).
    Already a member: their membership and False, and the link is not counted.
    ``InviteInvalid`` for a token no link has; ``InviteUnusable`` for an expired,
    revoked or used-up link.

    The use is counted by one conditional UPDATE (valid now, below its limit): the
    database decides between users joining at once, so a link's last use goes to one
    of them and the others are refused, whatever the timing. The membership is made in
    the same transaction: a refused join leaves nothing."""
    link = _link(token)
    existing = selectors.membership(user, link.group_chat)
    if existing is not None:
        return existing, False
    try:
        return _count_and_join(link, user), True
    except _AlreadyJoined:
        membership = selectors.membership(user, link.group_chat)
        assert membership is not None  # the other join committed
        return membership, False


@transaction.atomic
def _count_and_join(link: InviteLink, user: User) -> ChatMember:
    counted = (
        InviteLink.objects.filter(
            pk=link.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .update(uses=F("uses") + 1)
    )
    if not counted:
        link.refresh_from_db()
        raise InviteUnusable(link.state)
    try:
        # A savepoint: the unique constraint decides between one user's two joins at once.
        with transaction.atomic():
            membership = ChatMember.objects.create(
                group_chat=link.group_chat,
                user=user,
                role=Role.MEMBER,
                last_read_seq=latest_seq(link.group_chat),
            )
    except IntegrityError:
        raise _AlreadyJoined() from None
    tell_added(membership)
    tell_members(membership, MemberAdded)
    return membership
