from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from config.apidocs import views

app_name = "apidocs"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    path("asyncapi.json", views.AsyncAPIView.as_view(), name="asyncapi"),
]
