"""The admin's user pages, on the project's user model."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms

from accounts.models import User

# Django's admin and form classes are generic only in django-stubs, not at runtime.
if TYPE_CHECKING:
    CreationFormBase = auth_forms.AdminUserCreationForm[User]
    ChangeFormBase = auth_forms.UserChangeForm[User]
    UserAdminBase = auth_admin.UserAdmin[User]
else:
    CreationFormBase = auth_forms.AdminUserCreationForm
    ChangeFormBase = auth_forms.UserChangeForm
    UserAdminBase = auth_admin.UserAdmin


class UserCreationForm(CreationFormBase):
    """Django's, on the project's user model (Django's own forms name ``auth.User``,
    which this project swaps out): the model's ``clean`` refuses look-alike usernames."""

    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User


class UserChangeForm(ChangeFormBase):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(UserAdminBase):
    add_form = UserCreationForm
    form = UserChangeForm
