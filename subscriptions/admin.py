from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditEntryInline
from subscriptions.models import Service
from subscriptions.services import ServiceError, service_cease


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["public_id", "customer", "plan", "status", "panel_username", "expires_on", "auto_renew"]
    list_filter = ["status", "auto_renew", "plan"]
    search_fields = ["panel_username", "customer__company_name", "public_id"]
    list_select_related = ["customer", "plan"]
    readonly_fields = [
        "public_id",
        "customer",
        "plan",
        "status",
        "panel_username",
        "term_started_on",
        "expires_on",
        "quota_bytes",
        "used_bytes",
        "auto_renew",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [AuditEntryInline]
    actions = ["cease"]

    def has_add_permission(self, request):
        return False  # a service is born from an order

    def has_delete_permission(self, request, obj=None):
        return False

    def has_cease_permission(self, request):
        return request.user.has_perm("subscriptions.cease_service")

    @admin.action(description=_("Cessa i servizi scaduti o sospesi selezionati"), permissions=["cease"])
    def cease(self, request, queryset):
        for service in queryset:
            try:
                service_cease(service_id=service.pk, actor=request.user)
            except ServiceError as error:
                self.message_user(request, f"{service}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(service)s cessato.") % {"service": service})
