import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.permissions import IsAuthenticated

from chat import presence
from chat.messages.chat_detail import (
    ChatDetailIncoming,
    DeleteChatMessage,
    EditChatMessage,
    Here,
    MarkRead,
    MemberAdded,
    MemberMessage,
    MemberPayload,
    MemberRemoved,
    MemberRoleChanged,
    MembersRead,
    MemberTyping,
    MessageDeleted,
    MessageEdited,
    MessageSaved,
    NewChatMessage,
    OnlineMembers,
    OnlinePayload,
    Presence,
    PresencePayload,
    React,
    ReactionChanged,
    SavedPayload,
    SenderPayload,
    Typing,
    TypingPayload,
)
from chat.models import ChatMember, GroupChat
from chat.permissions import IsMemberOfRoutedChat
from chat.services import reactions, read_positions
from chat.services.messages import apost_message, delete_message, edit_message
from realtime.consumers import RealtimeConsumer
from realtime.database import database_sync_to_async
from realtime.messages import ErrorMessage, ErrorPayload, GroupMessage

logger = logging.getLogger(__name__)


class ChatDetailConsumer(RealtimeConsumer[ChatDetailIncoming, GroupChat]):
    """``/ws/chat/<pk>/``: a group chat, open to its members only (anyone else, and a
    chat that does not exist, is refused 403 at the handshake).

    A new message goes to ``chat.services.messages.apost_message``, which saves it and then
    pushes it to the chat's group, so every message a member receives is already
    in the history. A sender that gave a ``client_id`` is answered ``message_saved``
    once the message is stored, whether or not the push reached the members
    (``relayed``); any sender is, when the push failed: a saved message is never
    reported to its sender as failed. A sender without a ``client_id`` whose message
    was relayed learns it from its own copy (``is_mine``), as the guide's clients do.

    An edit or a delete goes to ``chat.services.messages`` (where the rules are); the acting
    socket learns it worked from the ``message_edited`` / ``message_deleted`` every
    member gets, or gets an ``error`` saying why not; so does ``react``
    (``chat.services.reactions``, every member gets ``reaction_changed``). A
    ``new_message`` with ``reply_to`` answers an earlier message of the chat
    (``chat.services.replies``). ``mark_read`` reports the member's last-read position,
    which the worker stores with the others of the moment (``chat.services.read_positions``):
    the chat's sockets get ``members_read``, and the member's ``/ws/me/`` sockets their
    own entry of it.

    Presence and typing are never stored in the database (``chat.presence``): ``here``
    keeps this socket online in the cache for a while and is answered with who is
    online; the others get ``presence`` when the member comes online (their first socket
    to say ``here``) and when they go offline (their last such socket closes), a few
    times per member per window at most. ``typing`` is relayed to the others as
    ``member_typing``, at most once a second per member, whichever socket it comes
    from. Both are best effort: a channel layer that fails them is logged, and the
    frame is answered as usual.
    """

    # A missing chat and someone else's are both refused 403 (chat.permissions).
    permission_classes = (IsAuthenticated, IsMemberOfRoutedChat)
    queryset = GroupChat.objects.all()
    # Members' messages and the chat's changes come through the chat's group
    # (chat.services pushes them); message_saved answers the sending socket.
    outgoing_messages = (
        MemberMessage,
        MessageEdited,
        MessageDeleted,
        ReactionChanged,
        MemberAdded,
        MemberRoleChanged,
        MemberRemoved,
        MembersRead,
        MessageSaved,
        MemberTyping,
        Presence,
        OnlineMembers,
    )
    # Whether this socket said ``here``, so that its close takes it out of the presence.
    announced = False

    async def get_groups(self) -> list[str]:
        return [self.obj.group_name]

    async def receive_message(self, message: ChatDetailIncoming) -> None:
        try:
            match message:
                case NewChatMessage():
                    await self.post(message)
                case EditChatMessage():
                    await database_sync_to_async(edit_message)(
                        group_chat=self.obj,
                        message_id=message.payload.id,
                        actor=self.authenticated_user,
                        content=message.payload.content,
                        mentions=message.payload.mentions,
                    )
                case DeleteChatMessage():
                    await database_sync_to_async(delete_message)(
                        group_chat=self.obj,
                        message_id=message.payload.id,
                        actor=self.authenticated_user,
                    )
                case React():
                    await database_sync_to_async(reactions.react)(
                        group_chat=self.obj,
                        message_id=message.payload.id,
                        actor=self.authenticated_user,
                        emoji=message.payload.emoji,
                        reacted=message.payload.reacted,
                    )
                case MarkRead():
                    read_positions.report_read(
                        self.obj.pk, self.authenticated_user.pk, message.payload.seq
                    )
                case Typing():
                    await self.typing()
                case Here():
                    await self.here()
        except (ValidationError, PermissionDenied, Http404) as exc:
            # Refused by the rules; nothing was stored.
            await self.send_message(ErrorMessage(payload=ErrorPayload(message=refusal(exc))))

    async def post(self, message: NewChatMessage) -> None:
        posted = await apost_message(
            group_chat=self.obj,
            sender=self.authenticated_user,
            content=message.payload.content,
            client_id=message.payload.client_id,
            reply_to=message.payload.reply_to,
            sender_channel=self.channel_name,
            attachment_ids=message.payload.attachment_ids,
            mentions=message.payload.mentions,
        )
        if message.payload.client_id is None and posted.relayed:
            return
        await self.send_message(
            MessageSaved(
                payload=SavedPayload(
                    message=MemberPayload.from_message(posted.message, posted.reactions),
                    relayed=posted.relayed,
                    duplicate=not posted.created,
                )
            )
        )

    @property
    def me(self) -> SenderPayload:
        user = self.authenticated_user
        return SenderPayload(id=user.pk, username=user.username)

    async def typing(self) -> None:
        user = self.authenticated_user
        if await presence.may_relay_typing(self.obj.pk, user.pk):
            payload = TypingPayload(user=self.me, seconds=presence.TYPING_SECONDS)
            await self.tell_the_others(MemberTyping(payload=payload))

    async def here(self) -> None:
        self.announced = True
        user = self.authenticated_user
        if await presence.mark_online(self.obj.pk, user.pk, self.channel_name):
            await self.announce(online=True)
        members = await database_sync_to_async(chat_members)(self.obj)
        online = await presence.online_user_ids(self.obj.pk, members)
        users = [member for member in members.values() if member.id in online]
        await self.send_message(OnlineMembers(payload=OnlinePayload(users=users)))

    async def announce(self, *, online: bool) -> None:
        if await presence.may_announce(self.obj.pk, self.authenticated_user.pk):
            payload = PresencePayload(user=self.me, online=online)
            await self.tell_the_others(Presence(payload=payload))

    async def tell_the_others(self, message: GroupMessage) -> None:
        """Push an ephemeral event to the chat's other sockets, if the layer can: it is
        worth a log line, not the client's frame (typing and presence are best effort)."""
        try:
            await self.send_group_message(message, exclude_current=True)
        except Exception as exc:
            logger.warning("%s not relayed in chat %s: %r", message.action, self.obj.pk, exc)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if not self.announced:  # never said here (a refused socket never could)
            return
        user = self.authenticated_user
        if await presence.mark_offline(self.obj.pk, user.pk, self.channel_name):
            await self.announce(online=False)


def chat_members(group_chat: GroupChat) -> dict[int, SenderPayload]:
    """The chat's members by user id, as messages name them."""
    rows = (
        ChatMember.objects.filter(group_chat=group_chat)
        .order_by("user__username")
        .values_list("user_id", "user__username")
    )
    return {user_id: SenderPayload(id=user_id, username=username) for user_id, username in rows}


def refusal(exc: ValidationError | PermissionDenied | Http404) -> str:
    """What a service's refusal says to the client."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
