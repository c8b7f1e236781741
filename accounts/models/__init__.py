from accounts.models.user import User, check_username_free, taken_message, username_key

__all__ = ["User", "check_username_free", "taken_message", "username_key"]
