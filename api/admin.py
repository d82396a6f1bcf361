from django.contrib import admin

from api.models import ApiKey, Webhook, WebhookDelivery


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


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["event", "event_id", "created_at", "attempts", "next_attempt_at", "delivered_at", "last_response"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["-created_at"]
    show_change_link = False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Where each service's outcomes go and how the calls went; the signing secret is never shown."""

    list_display = ["service", "url", "created_at"]
    search_fields = ["url", "service__panel_username"]
    fields = ["service", "url", "created_at", "created_by"]
    readonly_fields = fields
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request):
        return False  # the customer sets it in the panel, where the secret is shown once


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The calls still failing stand out: not delivered, with their last answer and next attempt."""

    list_display = ["event", "webhook", "created_at", "attempts", "next_attempt_at", "delivered_at", "last_response"]
    list_filter = [("delivered_at", admin.EmptyFieldListFilter), "event"]
    search_fields = ["event_id", "webhook__url"]
    fields = ["webhook", "event", "event_id", "body", "created_at", "attempts", "next_attempt_at", "delivered_at"]
    fields += ["last_response"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
