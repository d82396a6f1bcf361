from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy, ngettext

from accounts import security_events
from accounts.forms import CustomerForm
from accounts.models import Customer, User
from accounts.services import customer_update_details
from accounts.two_factor import two_factor_disable
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
    actions = ["reset_two_factor"]

    @admin.action(description=gettext_lazy("Azzera la verifica in due passaggi"), permissions=["superuser"])
    def reset_two_factor(self, request, queryset):
        """The lost-phone procedure (ASVS V6.4.4), for superusers only, once the owner is known: the
        user's authenticator and recovery codes go, their sessions end, the trail names the
        operator and the owner gets a mail. An operator sets a new one up through the mailed link."""
        users = list(queryset)
        if request.POST.get("confirm") != "yes":
            context = self.admin_site.each_context(request) | {
                "title": gettext_lazy("Azzerare la verifica in due passaggi?"),
                "users": users,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/accounts/user/reset_two_factor_confirmation.html", context)
        for user in users:
            two_factor_disable(user=user, actor=request.user, origin=security_events.origin(request))
        done = ngettext(
            "Verifica in due passaggi azzerata per %(count)d utente.",
            "Verifica in due passaggi azzerata per %(count)d utenti.",
            len(users),
        )
        self.message_user(request, done % {"count": len(users)}, messages.SUCCESS)

    def has_superuser_permission(self, request):
        return request.user.is_superuser

    # Operators and their roles are the administrators' (the only role with accounts.change_user);
    # a superuser, who passes every check, is made, changed or removed by another superuser only.
    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if request.user.is_superuser else [*readonly, "is_superuser"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _not_above(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _not_above(request.user, obj)


def _not_above(operator, user) -> bool:
    return user is None or operator.is_superuser or not user.is_superuser


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

    def get_readonly_fields(self, request, obj=None):
        """Whose customer it is is set once, when it is made: a change would hand its archive over."""
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        """An operator who only reads customers (accounting) gets every field read-only: no form to check."""
        if obj is not None and not self.has_change_permission(request, obj):
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        """A change of fiscal data goes through the service, which audits it."""
        if not change:
            return super().save_model(request, obj, form, change)
        details = {field: value for field, value in form.cleaned_data.items() if field != "user"}
        customer_update_details(customer_id=obj.pk, details=details, actor=request.user)
        return None
