from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LacsConfig(AppConfig):
    name = "lacs"
    verbose_name = _("Sistema Local Anticorrupción")

    def ready(self) -> None:
        from lacs.api import schema  # noqa: F401  (registers the OAuth2 scheme of the OpenAPI)
