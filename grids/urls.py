from django.urls import path

from . import views

app_name = "grids"

urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/new/", views.account_form, name="account-create"),
    path("accounts/<int:pk>/edit/", views.account_form, name="account-edit"),
    path("accounts/<int:pk>/password/", views.account_password, name="account-password"),
    path("accounts/<int:pk>/active/", views.account_active, name="account-active"),
    path("accounts/<int:pk>/unlock/", views.account_unlock, name="account-unlock"),
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:pk>/open/", views.message_open, name="message-open"),
    path("messages/read/", views.messages_read, name="messages-read"),
]
