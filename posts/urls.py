from django.urls import path

from . import views

app_name = "posts"

urlpatterns = [
    path("p/<str:token>/", views.public_grid, name="public-grid"),
    path("grids/<int:pk>/feedback/", views.feedback_queue, name="feedback"),
    path("feedback/<int:pk>/answer/", views.feedback_answer, name="feedback-answer"),
    path("post-types/", views.post_types, name="post-types"),
    path("dashboard/towns/<int:pk>/", views.town_dashboard, name="town-dashboard"),
    path("dashboard/villages/<int:pk>/", views.village_dashboard, name="village-dashboard"),
    path("dashboard/members/", views.dashboard_members, name="dashboard-members"),
    path("dashboard/export.xlsx", views.dashboard_export, name="dashboard-export"),
    path("rounds/<int:pk>/blockers/", views.round_blockers, name="round-blockers"),
    path("rounds/<int:pk>/suggest/", views.round_suggest, name="round-suggest"),
    path("post-types/new/", views.post_type_form, name="post-type-create"),
    path("post-types/<int:pk>/edit/", views.post_type_form, name="post-type-edit"),
    path("grids/<int:pk>/posts/", views.grid_posts, name="grid-posts"),
    path("grids/<int:grid_pk>/posts/new/", views.post_form, name="post-create"),
    path("posts/<int:pk>/edit/", views.post_form, name="post-edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("villages/<int:pk>/rounds/", views.village_rounds, name="village-rounds"),
    path("villages/<int:village_pk>/rounds/new/", views.round_create, name="round-create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/advance/", views.round_advance, name="round-advance"),
    path("rounds/<int:pk>/export/<str:kind>.xlsx", views.round_export, name="round-export"),
    path("rounds/<int:pk>/window/", views.round_window, name="round-window"),
    path("rounds/<int:pk>/trainings/new/", views.training_create, name="training-create"),
    path("rounds/<int:pk>/grids/<int:grid_pk>/", views.round_grid, name="round-grid"),
    path("rounds/<int:pk>/grids/<int:grid_pk>/applications/new/", views.application_create, name="application-create"),
    path("rounds/<int:pk>/grids/<int:grid_pk>/meetings/new/", views.meeting_create, name="meeting-create"),
    path("rounds/<int:pk>/grids/<int:grid_pk>/notices/new/", views.notice_create, name="notice-create"),
    path("notices/<int:notice_pk>/objections/new/", views.objection_create, name="objection-create"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection-answer"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/move/<str:to>/", views.assignment_move, name="assignment-move"),
    path("assignments/<int:pk>/contact/", views.assignment_contact, name="assignment-contact"),
    path("assignments/<int:pk>/<str:kind>/new/", views.assignment_record, name="assignment-record"),
]
