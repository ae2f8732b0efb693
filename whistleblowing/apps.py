from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhistleblowingConfig(AppConfig):
    name = "whistleblowing"
    verbose_name = _("Denuncias")

    def ready(self) -> None:
        # Cases sits below this app and never imports it: what a case page shows of the report,
        # and what retention destroys and still counts of it, are registered with cases.
        from cases import registry
        from whistleblowing import actions, export, files, panels, selectors, uploads

        registry.register(
            panel=panels.case_panel,
            keys_destroy=actions.case_report_keys_destroy,
            figures=selectors.protection_figures,
            contents=export.case_contents,
            files=registry.FileHandling(
                memory_uploads=uploads.memory_uploads,
                clean=files.clean_file,
                max_count=files.max_count,
                rejected=files.FileRejected,
            ),
        )
