from django.urls import path

from lacs.api import views

urlpatterns = [
    path("entities/", views.EntityList.as_view(), name="api-entities"),
    path("entities/<int:pk>/", views.EntityDetail.as_view(), name="api-entity"),
    path(
        "entities/<int:pk>/contact-points/",
        views.EntityContactPoints.as_view(),
        name="api-entity-contact-points",
    ),
]
