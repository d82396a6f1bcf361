from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from audit.admin import AuditEntryInline
from orders.models import Order
from orders.services import OrderError, order_cancel
from payments.models import Payment
from payments.services import transfer_register


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = readonly_fields = [
        "provider",
        "provider_payment_id",
        "amount",
        "currency",
        "applied",
        "confirmed_at",
        "confirmed_by",
    ]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
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
    inlines = [PaymentInline, AuditEntryInline]
    actions = ["register_transfer", "cancel"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Registra il bonifico ricevuto (l'ordine risulta pagato)"))
    def register_transfer(self, request, queryset):
        def register(order):
            if not transfer_register(order=order, operator=request.user).applied:
                raise OrderError(
                    _("Ordine %(number)s non più pagabile: il bonifico è registrato come credito del cliente.")
                    % {"number": order.number}
                )

        self._apply(request, queryset, register)

    @admin.action(description=_("Annulla gli ordini in attesa di pagamento"))
    def cancel(self, request, queryset):
        self._apply(request, queryset, lambda order: order_cancel(order_id=order.pk, actor=request.user))

    def _apply(self, request, queryset, change):
        for order in queryset:
            try:
                change(order)
            except OrderError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Ordine %(number)s aggiornato.") % {"number": order.number})
