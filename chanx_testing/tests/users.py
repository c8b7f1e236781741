"""Users for the tests, on whatever user model the host project has.

Only ``USERNAME_FIELD`` is set, to an email address (a valid username too), so a model that
signs in with an email and has no ``username`` works as well as Django's default one. No
password is hashed: the tests log users in with ``force_login``.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser


def make_user(name: str) -> AbstractBaseUser:
    """A saved user whose ``get_username()`` is ``f"{name}@example.com"``."""
    model = get_user_model()
    user = model(**{model.USERNAME_FIELD: f"{name}@example.com"})
    user.set_unusable_password()
    user.save()
    return user
