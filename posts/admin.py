from django.contrib import admin

from .models import (
    Assignment,
    AssignmentLog,
    CheckUp,
    Meeting,
    Notice,
    Objection,
    Post,
    PostType,
    Rating,
    Round,
    RoundLog,
    Training,
    WorkReport,
)


@admin.register(PostType)
class PostTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "town", "village", "need_category", "order"]
    list_filter = ["county", "town"]
    list_select_related = ["county", "town", "village"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["name", "grid", "post_type", "places"]
    list_filter = ["grid__village", "post_type"]
    list_select_related = ["grid__village", "post_type"]
    raw_id_fields = ["grid"]
    filter_horizontal = ["needs"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is never edited or deleted, not even by a superuser."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoundLog)
class RoundLogAdmin(ReadOnlyAdmin):
    list_display = ["round", "from_stage", "to_stage", "by", "at"]
    list_select_related = ["round__village", "by"]


@admin.register(AssignmentLog)
class AssignmentLogAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "from_status", "to_status", "by", "at", "meeting"]
    list_select_related = ["assignment__member", "assignment__post", "by", "meeting"]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    """Stages move only through the round page (Round.advance); here the stage is shown, never edited."""

    list_display = ["village", "year", "stage", "applications_open_on", "applications_close_on"]
    list_filter = ["stage", "year"]
    readonly_fields = ["stage"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["member", "post", "round", "source", "rank", "status"]
    list_filter = ["status", "source", "round__village"]
    list_select_related = ["member", "post", "round__village"]
    readonly_fields = ["status", "letter_signed_on"]
    raw_id_fields = ["member", "post", "round", "contact"]

    def has_delete_permission(self, request, obj=None):
        return False


for model in (Meeting, Notice, Objection, Training, CheckUp, WorkReport, Rating):
    admin.site.register(model)
