from django.contrib import admin

from audit.admin import AuditedChangesMixin
from catalog.models import Plan, SpaceStep


@admin.register(Plan)
class PlanAdmin(AuditedChangesMixin, admin.ModelAdmin):
    list_display = ["name", "code", "storage_gb", "term_months", "price_net", "is_active", "position"]
    list_editable = ["price_net", "is_active", "position"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(SpaceStep)
class SpaceStepAdmin(AuditedChangesMixin, admin.ModelAdmin):
    list_display = ["size_gb", "yearly_price_net", "is_active"]
    list_editable = ["yearly_price_net", "is_active"]
