from django.contrib import admin

from support.models import AssistanceRequest, GuideFeedback


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "customer", "service", "status"]
    list_filter = ["status"]
    list_editable = ["status"]
    search_fields = ["subject", "message", "customer__company_name"]
    readonly_fields = ["customer", "service", "subject", "message", "phone", "created_at"]
    list_select_related = ["customer", "service__plan"]


@admin.register(GuideFeedback)
class GuideFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "guide", "helpful", "customer"]
    list_filter = ["guide", "helpful"]
    readonly_fields = ["guide", "helpful", "customer", "created_at"]
