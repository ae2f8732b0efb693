from django.urls import path, re_path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^export/(?P<slug>[a-z_]+)\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
    path("refresh/", views.refresh, name="refresh"),
    path("committee/encig/", views.encig, name="encig"),
    path("committee/encig/import/", views.encig_import, name="encig_import"),
    path("committee/risks/", views.risks, name="risks"),
    path("committee/risks/areas/new/", views.risk_area_new, name="risk_area_new"),
    path("committee/risks/new/", views.risk_new, name="risk_new"),
    path("plan/", views.plan, name="plan"),
    path("plan/goals/new/", views.goal_new, name="goal_new"),
    path("plan/actions/new/", views.plan_action_new, name="plan_action_new"),
    re_path(r"^plan/export\.(?P<fmt>csv|xlsx)$", views.plan_export, name="plan_export"),
    path("plan/actions/<int:pk>/", views.plan_action, name="plan_action"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("control/", views.control, name="control"),
    path("control/new/", views.control_new, name="control_new"),
    path("control/findings/new/", views.finding_new, name="finding_new"),
    path("control/findings/<int:pk>/close/", views.finding_close, name="finding_close"),
]
