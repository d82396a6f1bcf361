from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Customer, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "last_login"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permessi", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Date", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["company_name", "vat_number", "tax_code", "user", "city", "created_at"]
    search_fields = ["company_name", "vat_number", "tax_code", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
