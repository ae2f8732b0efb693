from django.urls import path

from procurement.api import views

urlpatterns = [
    path("procurement/imports/", views.ImportCreate.as_view(), name="api-procurement-imports"),
    path(
        "procurement/imports/<int:pk>/",
        views.ImportDetail.as_view(),
        name="api-procurement-import",
    ),
    path("procurement/flags/", views.FlagList.as_view(), name="api-procurement-flags"),
    path(
        "procurement/ocds/release-package/",
        views.ReleasePackage.as_view(),
        name="api-procurement-release-package",
    ),
]
