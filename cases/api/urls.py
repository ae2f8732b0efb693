from django.urls import path

from cases.api import views

urlpatterns = [
    path("cases/", views.CaseList.as_view(), name="api-cases"),
    path("cases/bulk/", views.CasesBulk.as_view(), name="api-cases-bulk"),
    path("cases/workload/", views.Workload.as_view(), name="api-cases-workload"),
    path("cases/<int:pk>/", views.CaseRead.as_view(), name="api-case"),
    path("cases/<int:pk>/transition/", views.CaseTransition.as_view(), name="api-case-transition"),
    path("cases/<int:pk>/notes/", views.CaseNoteAdd.as_view(), name="api-case-note"),
    path("cases/<int:pk>/refer/", views.CaseRefer.as_view(), name="api-case-refer"),
    path("cases/<int:pk>/exclusions/", views.CaseExclude.as_view(), name="api-case-exclusions"),
    path("cases/<int:pk>/assign/", views.CaseAssign.as_view(), name="api-case-assign"),
    path(
        "cases/<int:pk>/exports/<int:export_pk>/",
        views.CaseExportDownload.as_view(),
        name="api-case-export",
    ),
]
