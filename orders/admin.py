from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditEntryInline
from orders.services import OrderError, order_cancel


class OrderAdmin(admin.ModelAdmin):
    """The orders in the back-office. payments/admin.py registers it, adding the order's payments
    and the action that registers a bank transfer (payments sit above orders)."""

    list_display = [
        "number",
        "customer",
        "kind",
        "status",
        "payment_method",
        "transfer_declared_at",
        "total",
        "created_at",
        "paid_at",
    ]
    list_filter = ["status", "kind", "payment_method", ("transfer_declared_at", admin.EmptyFieldListFilter)]
    search_fields = ["number", "customer__company_name", "customer__vat_number"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "customer",
        "service",
        "kind",
        "status",
        "payment_method",
        "plan",
        "extra_bytes",
        "net",
        "vat_rate",
        "vat",
        "total",
        "currency",
        "created_at",
        "paid_at",
        "cancelled_at",
        "transfer_declared_at",
    ]
    inlines = [AuditEntryInline]
    actions = ["cancel"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Every field of an order is read-only here: "change" is the permission to change its state.
    @admin.action(description=_("Annulla gli ordini in attesa di pagamento"), permissions=["change"])
    def cancel(self, request, queryset):
        self._apply(request, queryset, lambda order: order_cancel(order_id=order.pk, actor=request.user))

    def _apply(self, request, queryset, change, errors: tuple[type[Exception], ...] = (OrderError,)):
        for order in queryset:
            try:
                change(order)
            except errors as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Ordine %(number)s aggiornato.") % {"number": order.number})
