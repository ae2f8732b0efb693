from django.urls import path

from cases.api import views

urlpatterns = [
    path("cases/", views.CaseList.as_view(), name="api-cases"),
    path("cases/<int:pk>/", views.CaseRead.as_view(), name="api-case"),
    path("cases/<int:pk>/transition/", views.CaseTransition.as_view(), name="api-case-transition"),
    path("cases/<int:pk>/notes/", views.CaseNoteAdd.as_view(), name="api-case-note"),
    path("cases/<int:pk>/refer/", views.CaseRefer.as_view(), name="api-case-refer"),
    path("cases/<int:pk>/exclusions/", views.CaseExclude.as_view(), name="api-case-exclusions"),
]
