"""PDN Systems 1 and 2 at the specifications' exact paths (included at the site root)."""

from django.urls import path

from ethics.api import pdn

urlpatterns = [
    path("v2/declaraciones", pdn.DeclarationSearch.as_view(), name="pdn-declaraciones"),
    path("v1/spic", pdn.ProcurementServantSearch.as_view(), name="pdn-spic"),
    path(
        "v1/spic/dependencias",
        pdn.ProcurementServantEntities.as_view(),
        name="pdn-spic-dependencias",
    ),
]
