"""Administrators' routing pages, mounted under /staff/ beside the system core's."""

from django.urls import path

from cases import views

urlpatterns = [
    path("", views.staff_routing, name="staff_routing"),
]
