from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Casos")

    def ready(self) -> None:
        from cases import actions
        from lacs.keys import keys_replaced

        def _on_keys_replaced(sender, user, **_kwargs) -> None:
            actions.user_keys_replaced(user=user)

        keys_replaced.connect(
            _on_keys_replaced, weak=False, dispatch_uid="cases.user_keys_replaced"
        )
