"""System checks of the accounts app: the key that signs every token."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_is_not_published(
    *, app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """``check --deploy`` fails on a SECRET_KEY written in this repository (the
    settings already refuse one when DEBUG is off)."""
    if settings.SECRET_KEY not in settings.PUBLISHED_SECRET_KEYS:
        return []
    return [
        Error(
            "SECRET_KEY is a placeholder published in this repository.",
            hint="Anyone can sign JWTs with it: set SECRET_KEY to a long random value.",
            id="accounts.E001",
        )
    ]
