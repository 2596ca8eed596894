from django.contrib import admin

from .models import Grid, Town, Village


@admin.register(Town)
class TownAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["committee"]


class GridInline(admin.TabularInline):
    model = Grid
    extra = 0
    fields = ["number", "name", "secretary", "secretary_phone", "households", "population"]
    raw_id_fields = ["secretary"]


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "secretary"]
    list_filter = ["town"]
    search_fields = ["name"]
    raw_id_fields = ["secretary"]
    inlines = [GridInline]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "village", "number", "secretary", "households", "population"]
    list_filter = ["village__town", "village"]
    search_fields = ["name", "village__name"]
    list_select_related = ["village", "secretary"]
    raw_id_fields = ["secretary"]
