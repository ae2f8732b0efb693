"""PDN System 3 at the specification's exact paths (included at the site root)."""

from django.urls import path

from cases.api import pdn

urlpatterns = [
    path("v1/ssancionados", pdn.ServantSanctionSearch.as_view(), name="pdn-ssancionados"),
    path(
        "v1/ssancionados/dependencias",
        pdn.ServantSanctionEntities.as_view(),
        name="pdn-ssancionados-dependencias",
    ),
    path("v1/psancionados", pdn.IndividualSanctionSearch.as_view(), name="pdn-psancionados"),
    path(
        "v1/psancionados/dependencias",
        pdn.IndividualSanctionEntities.as_view(),
        name="pdn-psancionados-dependencias",
    ),
]
