from django.urls import path

from whistleblowing.api import views

urlpatterns = [
    path("reports/", views.ReportSubmitView.as_view(), name="api-report-submit"),
    path("reports/challenge/", views.ChallengeView.as_view(), name="api-report-challenge"),
    path("reports/followup/", views.FollowupView.as_view(), name="api-report-followup"),
    path(
        "reports/followup/messages/",
        views.FollowupMessageView.as_view(),
        name="api-report-followup-message",
    ),
    path(
        "reports/followup/protection/",
        views.FollowupProtectionView.as_view(),
        name="api-report-followup-protection",
    ),
    path(
        "cases/<int:case_pk>/protection/<int:pk>/",
        views.HandlerProtectionDecideView.as_view(),
        name="api-case-protection-decide",
    ),
]
