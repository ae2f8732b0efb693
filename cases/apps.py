from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Casos")

    def ready(self) -> None:
        from cases import actions
        from lacs import actions as core_actions

        # An explicit step of lacs.actions.user_keys_create, not a signal: the core calls it.
        if actions.user_keys_replaced not in core_actions.KEYS_REPLACED_STEPS:
            core_actions.KEYS_REPLACED_STEPS.append(actions.user_keys_replaced)
        actions.change_kinds_register()
