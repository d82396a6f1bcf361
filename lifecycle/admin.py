"""The runs as operators read them (read-only, errors inline) and what the next run has to do,
each step's count linking to its services. Seeing both needs only lifecycle.view_dailyrun."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin import ReadOnlyAdminMixin
from lib import clock
from lifecycle.models import DailyRun, DueService, RunError
from lifecycle.selectors import DUE_STEPS, Step, services_due, services_due_for_any_step

COUNTS = [
    "expired",
    "suspended",
    "renewal_orders_placed",
    "charges_asked",
    "charges_refused",
    "retries",
    "reminders",
]


class RunErrorInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RunError
    fields = ["created_at", "step", "service", "order_id", "message", "traceback"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service__plan")


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["business_day", "started_at", "finished_at", "outcome_text", *COUNTS, "error_count"]
    list_filter = ["outcome"]
    date_hierarchy = "started_at"
    fields = ["business_day", "started_at", "finished_at", "outcome_text", *COUNTS]
    readonly_fields = fields
    inlines = [RunErrorInline]
    change_list_template = "admin/lifecycle/dailyrun/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(error_total=Count("errors"))

    @admin.display(description=gettext_lazy("errori"), ordering="error_total")
    def error_count(self, run: DailyRun) -> int:
        return run.error_total  # type: ignore[attr-defined]

    @admin.display(description=gettext_lazy("esito"), ordering="outcome")
    def outcome_text(self, run: DailyRun) -> str:
        """A run still "running" hours after it started died half-way: it says so."""
        if run.outcome == DailyRun.Outcome.RUNNING and run.is_crashed(clock.now()):
            return _("interrotta (nessuna fine registrata)")
        return run.get_outcome_display()

    def get_urls(self):
        return [
            path("da-fare/", self.admin_site.admin_view(self.due_view), name="lifecycle_dailyrun_due"),
        ] + super().get_urls()

    def due_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = clock.today()
        changelist = reverse("admin:lifecycle_dueservice_changelist")
        # Ceasing is the operators' own step: its services open where the confirmed action is.
        cessation = reverse("admin:subscriptions_service_changelist") + "?da_cessare=1"
        steps = [
            {
                "label": RunError.Step(step).label,
                "count": services_due(step, today).count(),
                "url": cessation if step == Step.CESSATION else f"{changelist}?{StepFilter.parameter_name}={step}",
            }
            for step in DUE_STEPS
        ]
        context = self.admin_site.each_context(request) | {
            "title": _("Servizi da lavorare alla prossima esecuzione"),
            "opts": self.model._meta,
            "today": today,
            "steps": steps,
        }
        return TemplateResponse(request, "admin/lifecycle/dailyrun/due.html", context)


class StepFilter(admin.SimpleListFilter):
    title = gettext_lazy("passo")
    parameter_name = "passo"

    def lookups(self, request, model_admin):
        return [(step, RunError.Step(step).label) for step in DUE_STEPS]

    def queryset(self, request, queryset):
        today = clock.today()
        if self.value() in DUE_STEPS:
            return queryset.filter(pk__in=services_due(self.value(), today).values("pk"))
        return queryset.filter(services_due_for_any_step(today))


@admin.register(DueService)
class DueServiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The services the next run has to take a step further: the run's own querysets, filtered."""

    list_display = ["service_link", "customer", "plan", "status", "expires_on", "auto_renew"]
    list_display_links = None
    list_filter = [StepFilter]
    list_select_related = ["customer", "plan"]
    search_fields = ["panel_username", "customer__company_name", "public_id"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("lifecycle.view_dailyrun")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=gettext_lazy("servizio"), ordering="panel_username")
    def service_link(self, service: DueService) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:subscriptions_service_change", args=[service.pk]),
            service.panel_username or service.public_id,
        )
