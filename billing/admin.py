from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin import ReadOnlyAdminMixin
from billing import fatturapa, pdf
from billing.models import Invoice, InvoiceLine
from billing.services import BillingError, credit_note_issue
from billing.views import attachment


class InvoiceLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InvoiceLine
    fields = readonly_fields = ["position", "description", "quantity", "unit_price", "net", "vat_rate"]
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "issued_on", "customer_name", "order", "net", "vat", "total", "xml_valid"]
    list_filter = ["kind", "year"]
    search_fields = ["number", "customer_name", "customer_vat_number", "order__number"]
    list_select_related = ["order"]
    date_hierarchy = "issued_on"
    inlines = [InvoiceLineInline]
    actions = ["download_xml", "download_pdf", "refund"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_issue_credit_note_permission(self, request):
        return request.user.has_perm("billing.issue_credit_note")

    @admin.display(boolean=True, description=gettext_lazy("XML valido"))
    def xml_valid(self, invoice):
        return not invoice.xml_errors

    @admin.action(description=gettext_lazy("Scarica la FatturaPA (XML) da inviare allo SDI"), permissions=["view"])
    def download_xml(self, request, queryset):
        invoice = self._one(request, queryset)
        if invoice:
            return attachment(invoice.xml.encode(), "application/xml", fatturapa.file_name(invoice))

    @admin.action(description=gettext_lazy("Scarica il PDF"), permissions=["view"])
    def download_pdf(self, request, queryset):
        invoice = self._one(request, queryset)
        if invoice:
            return attachment(pdf.render(invoice), "application/pdf", invoice.pdf_filename)

    @admin.action(
        description=gettext_lazy("Rimborso effettuato: emetti la nota di credito (TD04)"),
        permissions=["issue_credit_note"],
    )
    def refund(self, request, queryset):
        """A fiscal document is not issued on a misclick: a page shows what will be cancelled first."""
        if request.POST.get("confirm") != "yes":
            context = self.admin_site.each_context(request) | {
                "title": _("Emettere le note di credito?"),
                "invoices": queryset.filter(kind=Invoice.Kind.INVOICE),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/billing/invoice/refund_confirmation.html", context)
        reason = request.POST.get("reason", "").strip()
        for invoice in queryset:
            try:
                note = credit_note_issue(invoice_id=invoice.pk, operator=request.user, reason=reason)
            except BillingError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Emessa la nota di credito %(number)s.") % {"number": note.number})
        return None

    def _one(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Scegli un solo documento."), messages.WARNING)
            return None
        return queryset.get()
