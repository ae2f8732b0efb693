from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Contrataciones")

    def ready(self) -> None:
        # Ethics sits below procurement and never imports it: it asks who supplies an entity
        # through the lookup registered here.
        from ethics import registry
        from procurement.selectors import supplier_matches

        registry.register(supplier_lookup=supplier_matches)
