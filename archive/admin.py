from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from archive.ingest.formats import Format
from archive.ingest.metadata import Field
from archive.models import Deposit, Document, DocumentClass, DocumentKeyword, DocumentSubject, TrustedListSnapshot
from audit.admin import AuditEntryInline, ReadOnlyAdminMixin


class DocumentClassForm(forms.ModelForm):
    required_metadata = forms.MultipleChoiceField(
        label=_("metadati obbligatori"), choices=Field.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    allowed_formats = forms.MultipleChoiceField(
        label=_("formati ammessi"), choices=Format.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = DocumentClass
        fields = [
            "name",
            "code",
            "required_metadata",
            "allowed_formats",
            "retention_years",
            "tax_relevant",
            "is_active",
            "position",
        ]


@admin.register(DocumentClass)
class DocumentClassAdmin(admin.ModelAdmin):
    form = DocumentClassForm
    list_display = ["name", "code", "retention_years", "tax_relevant", "is_active", "position"]
    list_editable = ["is_active", "position"]

    def has_delete_permission(self, request, obj=None):
        return False  # documents point at it: retire it with "in uso"

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []  # deposits and sheets name a class by its code

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"code": ["name"]}


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the archive keeps is written by its services only, and never changed."""


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "service", "document_class", "status", "submitted_at", "document_count", "total_bytes"]
    list_filter = ["status", "document_class"]
    search_fields = ["public_id", "service__panel_username", "producer_name", "package_sha256"]
    list_select_related = ["service__plan", "document_class"]
    inlines = [AuditEntryInline]


class DocumentSubjectInline(admin.TabularInline):
    model = DocumentSubject
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentKeywordInline(DocumentSubjectInline):
    model = DocumentKeyword


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "service", "document_class", "number", "document_date", "format", "size", "deposited_at"]
    list_filter = ["document_class", "format"]
    search_fields = ["public_id", "sha256", "number", "name", "service__panel_username"]
    list_select_related = ["service__plan", "document_class"]
    inlines = [DocumentSubjectInline, DocumentKeywordInline]


@admin.register(TrustedListSnapshot)
class TrustedListSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["territory", "kind", "sequence_number", "issued_at", "next_update", "fetched_at", "signer"]
    list_filter = ["kind", "territory"]
    search_fields = ["sha256", "source", "signer"]
    exclude = ["xml"]  # megabytes of XML: its SHA-256 names it
