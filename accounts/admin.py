from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.forms import CustomerForm
from accounts.models import Customer, User
from accounts.services import customer_update_details
from audit.admin import AuditedChangesMixin


@admin.register(User)
class UserAdmin(AuditedChangesMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "last_login"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permessi", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Date", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class CustomerAdminForm(CustomerForm):
    """The operators' form checks what the customers' does: the same invoice must come out of both."""

    class Meta(CustomerForm.Meta):
        fields = ["user", *CustomerForm.Meta.fields]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerAdminForm
    list_display = ["company_name", "kind", "country", "vat_number", "tax_code", "user", "city", "created_at"]
    list_filter = ["kind", "country"]
    search_fields = ["company_name", "vat_number", "tax_code", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        """A change of fiscal data goes through the service, which audits it."""
        if not change:
            return super().save_model(request, obj, form, change)
        details = {field: value for field, value in form.cleaned_data.items() if field != "user"}
        customer_update_details(customer_id=obj.pk, details=details, actor=request.user)
        return None
