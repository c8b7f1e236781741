"""HTTP routes: the health probes, the admin, each app's API, the API documents and
the pages."""

from django.contrib import admin
from django.urls import include, path

from config.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("accounts.urls")),
    # The OpenAPI schema, its docs page and the AsyncAPI document.
    path("api/", include("config.apidocs.urls")),
    path("api/", include("chat.urls")),
    path("", include("chat.page_urls")),
]
