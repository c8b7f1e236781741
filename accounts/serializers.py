from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainSerializer

from accounts.models import User, check_username_free


class LoginSerializer(TokenObtainSerializer):
    """simplejwt's check of the credentials, refusing in words people use."""

    default_error_messages = {"no_active_account": "Wrong username or password."}


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email"]
        read_only_fields = fields


def username_problems(username: str) -> list[str]:
    """Why ``username`` cannot be signed up for (``check_username_free``), if it cannot."""
    try:
        check_username_free(username)
    except DjangoValidationError as exc:
        return exc.messages
    return []


class UsernameField(serializers.CharField):
    """A username as it will be stored (NFKC, Django's normalisation), before the
    validators see it (a fullwidth hyphen is "-"), as in Django's own forms."""

    def to_internal_value(self, data: str) -> str:
        return User.normalize_username(super().to_internal_value(data))


class SignUpSerializer(serializers.ModelSerializer[User]):
    """A new ordinary user: a username no one holds as people read names
    (``accounts.models.username_key``), a password Django's validators accept
    (AUTH_PASSWORD_VALIDATORS), and an e-mail address if they want."""

    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    # Uniqueness is validate_username's (and the key's), not an exact match's.
    username = UsernameField(max_length=150, validators=[UnicodeUsernameValidator()])

    class Meta:
        model = User
        fields = ["username", "password", "email"]
        extra_kwargs = {"email": {"required": False}}

    def validate_username(self, username: str) -> str:
        if problems := username_problems(username):
            raise serializers.ValidationError(problems)
        return username

    def validate(self, attrs: dict[str, str]) -> dict[str, str]:
        # The validators compare the password with the user's other fields.
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs

    def create(self, validated_data: dict[str, str]) -> User:
        try:
            # A savepoint, so that a clash leaves any outer transaction usable.
            with transaction.atomic():
                # create_user: never staff, never superuser, the password hashed.
                return User.objects.create_user(**validated_data)
        except IntegrityError:
            # Another sign-up took the name between the check and the insert.
            if problems := username_problems(validated_data["username"]):
                raise serializers.ValidationError({"username": problems}) from None
            raise


class PasswordChangeSerializer(serializers.Serializer[User]):
    """The current password again, and a new one Django's validators accept."""

    old_password = serializers.CharField(write_only=True)
    new_password = serializers.CharField(write_only=True)

    def validate_old_password(self, value: str) -> str:
        if not self.user.check_password(value):
            raise serializers.ValidationError("Your current password is not this one.")
        return value

    def validate_new_password(self, value: str) -> str:
        # DRF reports a Django ValidationError raised here under the field's name.
        password_validation.validate_password(value, self.user)
        return value

    @property
    def user(self) -> User:
        user = self.context["request"].user
        assert isinstance(user, User)  # the view admits authenticated users only
        return user

    def save(self, **kwargs: object) -> User:
        user = self.user
        user.set_password(self.validated_data["new_password"])
        user.save(update_fields=["password"])
        return user
