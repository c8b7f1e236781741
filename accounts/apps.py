from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the checks, the receivers and the OpenAPI description of the cookie.
        from accounts import checks, schema, signals  # noqa: F401
