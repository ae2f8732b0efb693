from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.case_finding_new, name="finding_new"),
    path("bulk/", views.inbox_bulk, name="bulk"),
    path("workload/", views.workload, name="workload"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/<int:pk>/remove/", views.holiday_remove, name="holiday_remove"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/transition/", views.case_transition, name="transition"),
    path("<int:pk>/severity/", views.case_severity, name="severity"),
    path("<int:pk>/notes/", views.case_note, name="note"),
    path("<int:pk>/recuse/", views.case_recuse, name="recuse"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/files/", views.case_files_add, name="files_add"),
    path("<int:pk>/files/<int:file_pk>/", views.case_file_download, name="file_download"),
    path("<int:pk>/exports/<int:export_pk>/", views.case_export_download, name="export_download"),
    path("<int:pk>/refer/", views.case_refer, name="refer"),
    path("<int:pk>/keys/confirm/", views.case_keys_confirm, name="keys_confirm"),
    path("<int:pk>/exclude/", views.case_exclude, name="exclude"),
    path("routing-rules/", views.routing_rules, name="routing_rules"),
    path("routing-rules/<int:pk>/toggle/", views.routing_rule_toggle, name="routing_rule_toggle"),
    path("recovery/", views.escrow_recovery, name="escrow_recovery"),
    path("sanctions/", views.sanctions, name="sanctions"),
    path("sanctions/servants/new/", views.sanction_servant_new, name="sanction_servant_new"),
    path(
        "sanctions/individuals/new/", views.sanction_individual_new, name="sanction_individual_new"
    ),
]
