from django.urls import path

from whistleblowing import views

app_name = "whistleblowing"

urlpatterns = [
    path("", views.start, name="start"),
    path("new/", views.report_new, name="report_new"),
    path("followup/", views.followup, name="followup"),
    path("followup/case/", views.followup_case, name="followup_case"),
    path("followup/message/", views.followup_message, name="followup_message"),
    path("followup/protection/", views.followup_protection, name="followup_protection"),
    path("followup/attachment/<int:pk>/", views.followup_attachment, name="followup_attachment"),
    path("followup/exit/", views.followup_exit, name="followup_exit"),
    path("staff/", views.staff_start, name="staff_start"),
    path("staff/new/", views.staff_report_new, name="staff_report_new"),
    path("handle/<int:case_pk>/message/", views.handle_message, name="handle_message"),
    path(
        "handle/<int:case_pk>/protection/<int:pk>/",
        views.handle_protection,
        name="handle_protection",
    ),
    path(
        "handle/<int:case_pk>/attachment/<int:pk>/",
        views.handle_attachment,
        name="handle_attachment",
    ),
    path("handle/<int:case_pk>/identity/request/", views.identity_request, name="identity_request"),
    path("handle/<int:case_pk>/identity/", views.identity_read, name="identity_read"),
    path("custody/", views.custody, name="custody"),
    path("custody/share/", views.custody_share, name="custody_share"),
    path("custody/<int:pk>/decide/", views.custody_decide, name="custody_decide"),
]
