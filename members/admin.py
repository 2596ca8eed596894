from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Member, NeedRecord, Specialty, VillagePlan


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ["name", "grid", "gender", "education", "membership", "cadre_post", "health", "is_away"]
    list_filter = ["grid__village__town", "grid__village", "education", "membership", "health", "is_away"]
    search_fields = ["name", "id_number", "phone"]
    list_select_related = ["grid__village"]
    raw_id_fields = ["grid"]
    filter_horizontal = ["specialties"]


@admin.register(NeedRecord)
class NeedRecordAdmin(SimpleHistoryAdmin):
    list_display = ["grid", "recorded_on", "method", "category", "kind"]
    list_filter = ["grid__village", "category", "kind", "method"]
    list_select_related = ["grid__village"]
    raw_id_fields = ["grid", "recorded_by"]


@admin.register(VillagePlan)
class VillagePlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "village", "year", "starts_on", "ends_on"]
    list_filter = ["year"]
    raw_id_fields = ["village", "updated_by"]
