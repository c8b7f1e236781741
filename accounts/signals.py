"""A password change or a deactivation, however it is made (the page, the admin, the
ORM, ``changepassword``), closes the user's open sockets. Their tokens are already
refused: every token carries the password's hash (``CHECK_REVOKE_TOKEN``), and
simplejwt refuses inactive users.

Ending a Django session, however it is done (the API's logout, the admin's "Log out",
any call of ``django.contrib.auth.logout``), closes the user's open sockets too: a
socket let in by the session cookie was authenticated once, at connect."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from realtime.groups import end_sessions_after_commit

_BEFORE = "_credentials_before_save"
_WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=User)
def remember_credentials(
    sender: type[User], instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    watched = update_fields is None or bool(_WATCHED & set(update_fields))
    before = None
    if instance.pk is not None and watched:
        before = User.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    setattr(instance, _BEFORE, before)


@receiver(post_save, sender=User)
def end_sessions_when_credentials_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    before = getattr(instance, _BEFORE, None)
    if before is None or before == (instance.password, instance.is_active):
        return
    end_sessions_after_commit(
        user_pk=instance.pk,
        status_code=401,
        reason="Your password changed or your account was closed: log in again.",
    )


@receiver(user_logged_out)
def end_sessions_on_logout(sender: Any, user: User | None = None, **kwargs: Any) -> None:
    if user is not None:
        end_sessions_after_commit(user_pk=user.pk, status_code=401, reason="Logged out.")
