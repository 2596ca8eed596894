from django.apps import AppConfig


class GridsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grids"
    verbose_name = "组织架构"

    def ready(self):
        from jinchen import bulk, security  # noqa: F401 (connect their signal receivers)
