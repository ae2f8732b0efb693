from django.urls import path

from ethics import views

app_name = "ethics"

urlpatterns = [
    path("", views.home, name="home"),
    path("code/", views.code, name="code"),
    path("code/acknowledge/", views.code_acknowledge, name="code_acknowledge"),
    path("code/versions/", views.code_versions, name="code_versions"),
    path(
        "code/versions/<int:pk>/publish/", views.code_version_publish, name="code_version_publish"
    ),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance.csv", views.compliance_csv, name="compliance_csv"),
    path("compliance/<int:pk>/", views.entity_compliance, name="entity_compliance"),
    path("declarations/", views.declarations, name="declarations"),
    path("declarations/review/", views.declarations_review, name="declarations_review"),
    path("declarations/new/", views.declaration_start, name="declaration_start"),
    path("declarations/<int:pk>/", views.declaration, name="declaration"),
    path("declarations/<int:pk>/public/", views.declaration_public, name="declaration_public"),
    path("declarations/<int:pk>/file/", views.declaration_file, name="declaration_file"),
    path(
        "declarations/<int:pk>/<str:section>/note/",
        views.declaration_section_note,
        name="declaration_section_note",
    ),
    path(
        "declarations/<int:pk>/<str:section>/add/",
        views.declaration_item,
        name="declaration_item_add",
    ),
    path(
        "declarations/<int:pk>/<str:section>/<int:index>/",
        views.declaration_item,
        name="declaration_item",
    ),
    path(
        "declarations/<int:pk>/<str:section>/<int:index>/flag/",
        views.declaration_item_flag,
        name="declaration_item_flag",
    ),
    path(
        "declarations/<int:declaration_pk>/conflict/",
        views.conflict_open,
        name="conflict_open",
    ),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("conflicts/<int:pk>/", views.conflict, name="conflict"),
    path("conflicts/<int:pk>/close/", views.conflict_close, name="conflict_close"),
    path("gifts/", views.gifts, name="gifts"),
    path("gifts/public/", views.gifts_public, name="gifts_public"),
    path("gifts/public.csv", views.gifts_public_csv, name="gifts_public_csv"),
    path("gifts/<int:pk>/hand-over/", views.gift_hand_over, name="gift_hand_over"),
    path("advice/", views.advice, name="advice"),
    path("advice/<int:pk>/", views.advice_detail, name="advice_detail"),
    path("advice/<int:pk>/publish/", views.advice_publish, name="advice_publish"),
    path("guidance/", views.guidance, name="guidance"),
    path("reminders/", views.reminders, name="reminders"),
    path("education/", views.education, name="education"),
    path("education/<int:pk>/", views.education_module, name="education_module"),
    path("revolving-door/", views.revolving_door, name="revolving_door"),
    path("revolving-door/screening/", views.screening, name="screening"),
    path("revolving-door/notice/", views.post_employment, name="post_employment"),
    path("procurement-roles/", views.procurement_roles, name="procurement_roles"),
    path("procurement-roles/<int:pk>/", views.procurement_role, name="procurement_role"),
]
