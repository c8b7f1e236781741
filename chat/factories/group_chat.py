from typing import Any

import factory
from factory.django import DjangoModelFactory

from accounts.factories.user import UserFactory
from chat import services
from chat.models import ChatMember, ChatMessage, GroupChat


class GroupChatFactory(DjangoModelFactory[GroupChat]):
    class Meta:
        model = GroupChat

    name = factory.Sequence(lambda n: f"Group {n}")
    created_by = factory.SubFactory(UserFactory)


class ChatMemberFactory(DjangoModelFactory[ChatMember]):
    class Meta:
        model = ChatMember

    user = factory.SubFactory(UserFactory)
    group_chat = factory.SubFactory(GroupChatFactory)
    role = ChatMember.Role.MEMBER


class ChatMessageFactory(DjangoModelFactory[ChatMessage]):
    class Meta:
        model = ChatMessage

    group_chat = factory.SubFactory(GroupChatFactory)
    sender = factory.SubFactory(UserFactory)
    content = factory.Faker("sentence")

    @classmethod
    def _create(cls, model_class: type[ChatMessage], *args: Any, **kwargs: Any) -> ChatMessage:
        """Saved as the app saves one (``chat.services.save_message``), which numbers it
        in its chat (``seq``)."""
        return services.save_message(**kwargs)
