from django.apps import AppConfig


class ApidocsConfig(AppConfig):
    name = "config.apidocs"
    label = "apidocs"
