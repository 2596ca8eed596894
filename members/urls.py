from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("exports/members.xlsx", views.members_export, name="members-export"),
    path("exports/needs.xlsx", views.needs_export, name="needs-export"),
    path("imports/<str:kind>/", views.import_rows, name="import"),
    path("imports/<str:kind>/template.xlsx", views.import_template, name="import-template"),
    path("imports/jobs/<int:pk>/", views.import_job, name="import-job"),
    path("villages/<int:pk>/survey/", views.village_survey, name="village-survey"),
    path("villages/<int:village_pk>/plans/new/", views.plan_form, name="plan-create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_form, name="plan-edit"),
    path("grids/<int:pk>/survey/", views.grid_survey, name="grid-survey"),
    path("grids/<int:grid_pk>/members/new/", views.member_form, name="member-create"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/edit/", views.member_form, name="member-edit"),
    path("members/<int:pk>/restore/", views.member_restore, name="member-restore"),
    path("villages/<int:pk>/archived/", views.archived_members, name="archived-members"),
    path("grids/<int:grid_pk>/needs/new/", views.need_form, name="need-create"),
    path("needs/<int:pk>/edit/", views.need_form, name="need-edit"),
    path("needs/<int:pk>/delete/", views.need_delete, name="need-delete"),
]
