"""What a member is told of a chat: muting it.

A muted chat notifies its member of nothing (their pages show no browser notification
for it); its unread messages and mentions are still counted. The member's own setting:
nobody else sees or changes it.
"""

from django.core.exceptions import PermissionDenied

from accounts.models import User
from chat import selectors
from chat.messages.me import ChatMuted, MutedPayload, inbox_group
from chat.models import ChatMember, GroupChat
from realtime.groups import push_after_commit


def set_muted(*, group_chat: GroupChat, user: User, muted: bool) -> None:
    """Mute (or unmute) the chat for ``user``, a member; their ``/ws/me/`` sockets get
    ``chat_muted``, so each of their pages follows."""
    if selectors.membership(user, group_chat) is None:
        raise PermissionDenied("Only members mute a group chat.")
    ChatMember.objects.filter(group_chat=group_chat, user=user).update(muted=muted)
    change = ChatMuted(payload=MutedPayload(group_chat_id=group_chat.pk, muted=muted))
    push_after_commit(inbox_group(user.pk), change)
