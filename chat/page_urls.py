"""The browser pages' routes (the API's are in ``chat.urls``)."""

from django.urls import path
from django.views.generic import RedirectView

from chat import pages

app_name = "pages"

urlpatterns = [
    # The groups page sends an anonymous visitor on to the login page.
    path("", RedirectView.as_view(pattern_name="pages:groups"), name="home"),
    path("login/", pages.LoginPage.as_view(), name="login"),
    path("signup/", pages.SignUpPage.as_view(), name="signup"),
    path("account/", pages.AccountPage.as_view(), name="account"),
    # One page for both: the script opens the chat the address names.
    path("groups/", pages.ChatsPage.as_view(), name="groups"),
    path("groups/<int:pk>/", pages.ChatsPage.as_view(), name="group"),
    path("invite/<str:token>/", pages.InvitePage.as_view(), name="invite"),
]
