"""PDN Systems 1 and 2 at the specifications' exact paths (included at the site root)."""

from django.urls import path

from ethics.api import pdn

urlpatterns = [
    path("v2/declaraciones", pdn.DeclarationSearch.as_view(), name="pdn-declaraciones"),
]
