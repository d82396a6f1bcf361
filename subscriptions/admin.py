from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditEntryInline
from lib import clock
from subscriptions.models import Service
from subscriptions.services import ServiceError, service_cease


class CessationDueFilter(admin.SimpleListFilter):
    """SOSPESO for CESSATION_DUE_DAYS: the services an operator may now cease (no timer does)."""

    title = _("cessazione")
    parameter_name = "da_cessare"

    def lookups(self, request, model_admin):
        return [("1", _("da cessare (sospesi da abbastanza giorni)"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=Service.objects.due_for_cessation(clock.today()).values("pk"))
        return queryset


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["public_id", "customer", "plan", "status", "panel_username", "expires_on", "auto_renew"]
    list_filter = ["status", CessationDueFilter, "auto_renew", "plan"]
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
        """Asks first, listing each service with its state and whether it is due; only the
        operator's confirmation ceases (and mails the customer)."""
        services = list(queryset.select_related("customer", "plan"))
        if request.POST.get("confirm") != "yes":
            due = set(
                Service.objects.due_for_cessation(clock.today())
                .filter(pk__in=[s.pk for s in services])
                .values_list("pk", flat=True)
            )
            context = self.admin_site.each_context(request) | {
                "title": _("Confermi la cessazione?"),
                "opts": self.model._meta,
                "services": [(service, service.pk in due) for service in services],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/subscriptions/service/cease_confirmation.html", context)
        for service in services:
            try:
                service_cease(service_id=service.pk, actor=request.user)
            except ServiceError as error:
                self.message_user(request, f"{service}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(service)s cessato.") % {"service": service})
        return None
