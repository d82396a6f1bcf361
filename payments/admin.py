from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin import AuditEntryInline, ReadOnlyAdminMixin
from lib import clock
from lib.forms import PlainTextMixin
from orders.admin import OrderAdmin
from orders.models import Order
from payments.camt053 import StatementError
from payments.errors import PaymentError
from payments.models import (
    BankEntry,
    BankStatement,
    Payment,
    PaymentIssue,
    RefusedWebhook,
    SavedCard,
    StatementImport,
    WebhookEvent,
)
from payments.services import credit_apply, issue_resolve
from payments.statement_imports import statement_upload
from payments.transfers import issue_pay_order, transfer_register


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
class OrderWithPaymentsAdmin(OrderAdmin):
    inlines = [PaymentInline, AuditEntryInline]
    actions = ["register_transfer", *OrderAdmin.actions]

    @admin.action(
        description=gettext_lazy("Registra il bonifico ricevuto (l'ordine risulta pagato)"),
        permissions=["register_transfer"],
    )
    def register_transfer(self, request, queryset):
        """One order at a time, with the bank's reference or the booking date: the statement imported
        later recognises the same money instead of counting it twice."""
        if queryset.count() != 1:
            self.message_user(request, _("Registra un bonifico alla volta: scegli un solo ordine."), messages.WARNING)
            return None
        order = queryset.get()
        form = TransferRegistrationForm(request.POST if "confirm" in request.POST else None, order=order)
        if form.is_valid():
            self._apply(request, queryset, lambda order: self._register(order, form, request), errors=(PaymentError,))
            return None
        context = self.admin_site.each_context(request) | {
            "title": _("Registra il bonifico dell'ordine %(number)s") % {"number": order.number},
            "order": order,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/register_transfer.html", context)

    def has_register_transfer_permission(self, request):
        return request.user.has_perm("payments.register_transfer")

    @staticmethod
    def _register(order, form, request):
        payment = transfer_register(
            order=order,
            operator=request.user,
            booked_on=form.cleaned_data["booked_on"],
            reference=form.cleaned_data["reference"],
        )
        if not payment.applied:
            raise PaymentError(
                _("Ordine %(number)s non più pagabile: il bonifico è registrato come credito del cliente.")
                % {"number": order.number}
            )


class TransferRegistrationForm(PlainTextMixin, forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Riferimento della banca (CRO/TRN)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Come compare nell'estratto conto: con il riferimento l'importazione riconosce l'accredito. "
            "Senza, lo riconosce dalla data contabile, dall'importo e dal numero d'ordine nella causale."
        ),
    )
    booked_on = forms.DateField(label=gettext_lazy("Data contabile dell'accredito"))
    amount = forms.DecimalField(
        label=gettext_lazy("Importo accreditato (EUR)"), max_digits=10, decimal_places=2, localize=True
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["amount"].initial = order.amount_due

    def clean_booked_on(self):
        booked_on = self.cleaned_data["booked_on"]
        if booked_on > clock.today():
            raise forms.ValidationError(_("La data contabile non può essere nel futuro."))
        return booked_on

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if not self.order.is_exact_payment(amount, self.order.currency):
            raise forms.ValidationError(
                _("L'ordine chiede %(due)s: un bonifico di altro importo va nei pagamenti da verificare.")
                % {"due": self.order.amount_due}
            )
        return amount


class StatementUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Estratto conto camt.053 (XML)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.BANK_STATEMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("Il file supera %(size)s MB.") % {"size": settings.BANK_STATEMENT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


class BankEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BankEntry
    fields = readonly_fields = [
        "entry_ref",
        "booked_on",
        "amount",
        "currency",
        "debtor",
        "remittance",
        "order",
        "outcome",
    ]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")  # one query for a statement's entries


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["statement_id", "iban", "imported_at", "imported_by"]
    inlines = [BankEntryInline]
    change_list_template = "admin/payments/bankstatement/change_list.html"

    def get_urls(self):
        return [
            path("importa/", self.admin_site.admin_view(self.import_view), name="payments_bankstatement_import")
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        can_import = self.has_import_permission(request)
        return super().changelist_view(request, (extra_context or {}) | {"can_import": can_import})

    def has_import_permission(self, request):
        return request.user.has_perm("payments.import_statement")

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = statement_upload(file_name=upload.name, data=upload.read(), operator=request.user)
            except StatementError as error:
                form.add_error("file", str(error))
            else:
                return redirect(reverse("admin:payments_statementimport_change", args=[job.pk]))
        context = self.admin_site.each_context(request) | {
            "form": form,
            "title": _("Importa un estratto conto camt.053"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/bankstatement/import.html", context)


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """An uploaded statement and how its import went; the page reloads itself until it is done."""

    list_display = ["uploaded_at", "file_name", "status", "credits", "paid", "queued", "already_imported"]
    list_filter = ["status"]
    fields = [
        "file_name",
        "file_sha256",
        "uploaded_by",
        "uploaded_at",
        "status",
        "credits",
        "paid",
        "queued",
        "already_imported",
        "skipped",
        "error",
        "started_at",
        "finished_at",
        "statement",
    ]
    readonly_fields = fields
    change_form_template = "admin/payments/statementimport/change_form.html"


class IsOpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("stato")
    parameter_name = "aperte"

    def lookups(self, request, model_admin):
        return [("si", _("da risolvere")), ("no", _("risolte"))]

    def queryset(self, request, queryset):
        if self.value() == "si":
            return queryset.filter(resolved_at=None)
        if self.value() == "no":
            return queryset.exclude(resolved_at=None)
        return queryset


class PaymentIssueForm(PlainTextMixin, forms.ModelForm):
    pay_order = forms.CharField(
        label=gettext_lazy("Paga l'ordine numero"),
        required=False,
        help_text=gettext_lazy(
            "Per un bonifico da verificare o un credito: l'ordine che paga (l'importo deve esserne il totale; "
            "un credito paga solo ordini dello stesso cliente)."
        ),
    )

    class Meta:
        model = PaymentIssue
        fields = ["resolution"]


@admin.register(PaymentIssue)
class PaymentIssueAdmin(admin.ModelAdmin):
    """The operators' queue: credits, partial, excess and unmatched transfers."""

    form = PaymentIssueForm
    list_display = ["created_at", "kind", "customer", "order", "amount", "resolved_at"]
    list_filter = [IsOpenFilter, "kind"]
    list_select_related = ["customer", "order"]
    search_fields = ["detail", "customer__company_name", "order__number", "bank_entry__entry_ref"]
    readonly_fields = [
        "kind",
        "customer",
        "order",
        "payment",
        "bank_entry",
        "amount",
        "currency",
        "detail",
        "created_at",
        "resolved_at",
        "resolved_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        """Resolving is the only change an item takes; without that permission the queue is read-only."""
        return request.user.has_perm("payments.resolve_payment_issue")

    def get_fields(self, request, obj=None):
        fields = [*self.readonly_fields, "resolution"]
        can_pay = obj and obj.is_open and (obj.bank_entry_id or obj.payment_id)
        return [*fields, "pay_order"] if can_pay else fields

    def get_readonly_fields(self, request, obj=None):
        """A resolved item is history: its resolution is shown, no longer edited."""
        return [*self.readonly_fields, "resolution"] if obj and not obj.is_open else self.readonly_fields

    def save_model(self, request, obj, form, change):
        try:
            number = form.cleaned_data.get("pay_order")
            if number and obj.payment_id:
                issue = credit_apply(issue_id=obj.pk, order_number=number, operator=request.user)
            elif number:
                issue = issue_pay_order(issue_id=obj.pk, order_number=number, operator=request.user)
            else:
                issue = issue_resolve(issue_id=obj.pk, operator=request.user, resolution=obj.resolution)
        except PaymentError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Voce risolta: %(resolution)s") % {"resolution": issue.resolution})

    def response_change(self, request, obj):
        return redirect(reverse("admin:payments_paymentissue_changelist") + "?aperte=si")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_id", "event_type", "outcome"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id", "outcome"]


@admin.register(RefusedWebhook)
class RefusedWebhookAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "provider", "reason", "remote_addr"]
    list_filter = ["provider"]


@admin.register(SavedCard)
class SavedCardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "provider", "brand", "last4", "exp_month", "exp_year", "saved_at"]
    search_fields = ["customer__company_name"]
