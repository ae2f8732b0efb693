from django.urls import path

from oversight.api import views

urlpatterns = [
    path("dashboards/", views.PanelList.as_view(), name="api-dashboard-panels"),
    path("dashboards/<slug:slug>/", views.PanelRead.as_view(), name="api-dashboard-panel"),
]
