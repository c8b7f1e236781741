"""REST shapes of the chat app; writes are delegated to ``chat.services``."""

from typing import Any

from rest_framework import serializers

from accounts.models import User
from chat import selectors, services
from chat.models import ChatMember, ChatMessage, GroupChat

Role = ChatMember.ChatMemberRole


class UserSummarySerializer(serializers.ModelSerializer[User]):
    """Who someone is in a chat: no e-mail or names for other members to see."""

    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class GroupChatSerializer(serializers.ModelSerializer[GroupChat]):
    """A chat as seen by one member (``my_role`` comes from the selector)."""

    created_by = UserSummarySerializer(read_only=True)
    my_role = serializers.CharField(read_only=True)

    class Meta:
        model = GroupChat
        fields = ["id", "name", "created_by", "created_at", "updated_at", "my_role"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def create(self, validated_data: dict[str, Any]) -> GroupChat:
        creator: User = validated_data["actor"]
        group_chat = services.create_group_chat(creator=creator, name=validated_data["name"])
        # Read back through the selector for the creator's ``my_role``.
        return selectors.member_group_chats(creator).get(pk=group_chat.pk)

    def update(self, instance: GroupChat, validated_data: dict[str, Any]) -> GroupChat:
        return services.rename_group_chat(
            group_chat=instance,
            actor=validated_data["actor"],
            name=validated_data.get("name", instance.name),
        )


class ChatMemberSerializer(serializers.ModelSerializer[ChatMember]):
    """A membership; only its role can change (``PATCH``)."""

    user = UserSummarySerializer(read_only=True)
    # Declared, not derived from the model: the model's default would make it
    # optional, and a role change without a role means nothing.
    chat_role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = ChatMember
        fields = ["id", "user", "chat_role", "joined_at"]
        read_only_fields = ["id", "joined_at"]

    def update(self, instance: ChatMember, validated_data: dict[str, Any]) -> ChatMember:
        return services.change_role(
            membership=instance, actor=validated_data["actor"], role=validated_data["chat_role"]
        )


class NewChatMemberSerializer(ChatMemberSerializer):
    """Adding someone by username, as a plain member unless told otherwise."""

    username = serializers.SlugRelatedField(
        source="user", slug_field="username", queryset=User.objects.all(), write_only=True
    )
    chat_role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)

    class Meta(ChatMemberSerializer.Meta):
        fields = [*ChatMemberSerializer.Meta.fields, "username"]

    def create(self, validated_data: dict[str, Any]) -> ChatMember:
        return services.add_member(
            group_chat=validated_data["group_chat"],
            actor=validated_data["actor"],
            user=validated_data["user"],
            role=validated_data["chat_role"],
        )


class ChatMessageSerializer(serializers.ModelSerializer[ChatMessage]):
    """Field for field the WebSocket's ``MemberPayload``, so a client renders
    history and live messages with the same code."""

    group_chat_id = serializers.IntegerField(read_only=True)
    sender = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChatMessage
        fields = ["id", "group_chat_id", "content", "sender", "created_at"]
        read_only_fields = fields
