from django.urls import path

from ethics.api import views

urlpatterns = [
    path("ethics/declarations/", views.DeclarationList.as_view(), name="api-ethics-declarations"),
    path(
        "ethics/declarations/start/",
        views.DeclarationStart.as_view(),
        name="api-ethics-declaration-start",
    ),
    path(
        "ethics/declarations/<int:pk>/",
        views.DeclarationDetail.as_view(),
        name="api-ethics-declaration",
    ),
    path(
        "ethics/declarations/<int:pk>/interest/",
        views.DeclarationInterest.as_view(),
        name="api-ethics-declaration-interest",
    ),
    path(
        "ethics/declarations/<int:pk>/file/",
        views.DeclarationFile.as_view(),
        name="api-ethics-declaration-file",
    ),
    path(
        "ethics/declarations/<int:pk>/public/",
        views.DeclarationPublic.as_view(),
        name="api-ethics-declaration-public",
    ),
    path("ethics/gifts/", views.GiftList.as_view(), name="api-ethics-gifts"),
    path("ethics/gifts/public/", views.PublicGiftList.as_view(), name="api-ethics-gifts-public"),
]
