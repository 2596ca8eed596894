from django.apps import AppConfig


class GridsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grids"
    verbose_name = "组织架构"

    def ready(self):
        from django.contrib.auth import get_user_model
        from simple_history import register

        from jinchen import security  # noqa: F401 (it connects signal receivers)

        from . import audit  # noqa: F401 (logins, logouts and failed logins)

        # Accounts keep a field-level history too (who changed a user's name, activity or roles), never the
        # password hash.
        if not hasattr(get_user_model(), "history"):
            register(
                get_user_model(), app="grids", excluded_fields=["password", "last_login"], verbose_name="账号修改记录"
            )
