from django.contrib import admin

from api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Operators see who holds which key and its use; the secret's HMAC is never among the fields."""

    list_display = ["name", "prefix", "service", "may_deposit", "may_read", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["may_deposit", "may_read"]
    search_fields = ["name", "prefix", "service__panel_username"]
    fields = [
        "service",
        "name",
        "prefix",
        "may_deposit",
        "may_read",
        "created_at",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # the customer creates keys in the panel, where the secret is shown once

    def has_delete_permission(self, request, obj=None):
        return False
