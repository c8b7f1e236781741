"""factory-boy factories for the project's models (factory-boy is a test dependency).

``UserFactory`` makes a user who can log in with ``DEFAULT_PASSWORD``; a
``ChatMessageFactory`` message is saved the way the app saves one, numbered in its chat.
"""

from typing import Any

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from chat.models import ChatMember, ChatMessage, GroupChat
from chat.services.messages import save_message

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory[User]):
    """A user who can log in with ``DEFAULT_PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)


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
        """Saved as the app saves one (``chat.services.messages.save_message``), which
        numbers it in its chat (``seq``)."""
        return save_message(**kwargs)
