from django.apps import AppConfig


class PostsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "posts"
    verbose_name = "岗位与设岗流程"

    def ready(self):
        from .dashboard import connect_signals

        connect_signals()
