from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider import views as oauth2_views

from lacs import views

handler404 = "lacs.views.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/two-factor/", views.two_factor, name="two_factor"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/confirm/", views.confirm_identity, name="confirm_identity"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("staff/entities/", views.staff_entities, name="staff_entities"),
    path("staff/entities/<int:pk>/", views.staff_entity, name="staff_entity"),
    path(
        "staff/entities/<int:pk>/contact-points/",
        views.staff_entity_contact,
        name="staff_entity_contact",
    ),
    path(
        "staff/entities/<int:pk>/contact-points/end/",
        views.staff_entity_contact_end,
        name="staff_entity_contact_end",
    ),
    path("staff/changes/", views.staff_changes, name="staff_changes"),
    path(
        "staff/changes/<int:pk>/approve/", views.staff_change_approve, name="staff_change_approve"
    ),
    path("staff/changes/<int:pk>/reject/", views.staff_change_reject, name="staff_change_reject"),
    path("staff/categories/", views.staff_categories, name="staff_categories"),
    path("staff/roles/", views.staff_roles, name="staff_roles"),
    path("audit/heads/", views.audit_heads, name="audit_heads"),
    path("audit/heads.txt", views.audit_heads_file, name="audit_heads_file"),
    path("staff/routing/", include("cases.staff_urls")),
    # The admin signs in through the one log-in page: same throttle, same second factor.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("report/", include("whistleblowing.urls")),
    path("cases/", include("cases.urls")),
    path("ethics/", include("ethics.urls")),
    path("procurement/", include("procurement.urls")),
    path("dashboards/", include("oversight.urls")),
    path("api/v1/", include("lacs.api_urls")),
    # PDN-compatible interfaces at the paths the national specifications name.
    path("", include("cases.api.pdn")),
    path("", include("ethics.api.pdn")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # OAuth2 token endpoint: /oauth is the token URL the PDN specifications name.
    path("oauth", oauth2_views.TokenView.as_view(), name="oauth-token"),
    path("oauth/revoke", oauth2_views.RevokeTokenView.as_view(), name="oauth-revoke"),
]
