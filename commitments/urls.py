from django.urls import path

from . import views

app_name = "commitments"

urlpatterns = [
    path("grids/<int:pk>/print/<str:kind>/", views.print_grid, name="print-grid"),
    path("assignments/<int:pk>/print/letter/", views.print_letter, name="print-letter"),
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:pk>/", views.document_file, name="document"),
    path("batches/new/", views.batch_create, name="batch-create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/retry/", views.batch_retry, name="batch-retry"),
    path("grids/<int:pk>/member-access/", views.member_access, name="member-access"),
    path("grids/<int:pk>/ledger.pdf", views.ledger_grid, name="ledger-grid"),
    path("assignments/<int:pk>/ledger.pdf", views.ledger_member, name="ledger-member"),
    path("stars/<int:pk>/list.pdf", views.star_list, name="star-list"),
    path("stars/<int:pk>/plaques.pdf", views.star_plaques, name="star-plaques"),
    path("grids/<int:pk>/points.pdf", views.points_notice, name="points-notice"),
]
