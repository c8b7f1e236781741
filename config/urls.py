"""HTTP routes: the admin and each app's API."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("accounts.urls")),
    path("api/", include("chat.urls")),
    path("", include("chat.page_urls")),
]
