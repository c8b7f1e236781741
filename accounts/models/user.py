from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The project's user, custom from the first migration so it can grow
    without the painful mid-project swap of AUTH_USER_MODEL."""

    class Meta:
        db_table = "accounts_user"
