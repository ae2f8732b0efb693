"""Every app's API under /api/v1/ (each app keeps its own ``api/urls.py``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("lacs.api.urls")),
    path("", include("whistleblowing.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("ethics.api.urls")),
    path("", include("procurement.api.urls")),
    path("", include("oversight.api.urls")),
]
