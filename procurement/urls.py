from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path("", views.indicators, name="indicators"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("flags/", views.flags, name="flags"),
    path("processes/", views.processes, name="processes"),
    path("processes/<int:pk>/", views.process_detail, name="process_detail"),
    path("processes/<int:pk>/case/", views.process_case_open, name="process_case_open"),
    path("processes/<int:pk>/protests/new/", views.protest_create, name="protest_create"),
    path("protests/", views.protests, name="protests"),
    path("protests/<int:pk>/", views.protest_detail, name="protest_detail"),
]
