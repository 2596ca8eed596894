from django.apps import AppConfig


class PostsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "posts"
    verbose_name = "岗位与设岗流程"

    def ready(self):
        from . import dashboard, onpost

        onpost.register_role()  # members on post sign in for themselves

        dashboard.count_changes()  # the dashboard's kept figures move on with what they count
