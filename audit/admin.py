import datetime
from decimal import Decimal

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.db.models import Field
from django.template.defaultfilters import yesno
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from audit import trail
from audit.models import AuditEntry
from audit.values import AuditValue

READ_ONLY_FIELDS = ["created_at", "action", "from_state_text", "to_state_text", "actor_label", "changes_text"]
# Recorded values that are not fields of the subject, named for people.
LABELS = {
    "previous_expiry": _("scadenza precedente"),
    "previous_quota_bytes": _("spazio precedente (byte)"),
    "previous_used_bytes": _("spazio occupato precedente (byte)"),
    "reason": _("motivo"),
    "provider": _("fornitore"),
    "method": _("metodo di pagamento"),
    "card": _("carta"),
    "number": _("numero"),
    "corrects": _("fattura stornata"),
    "resolution": _("come è stato risolto"),
    "paid": _("ordini pagati"),
    "queued": _("da verificare"),
    "already_imported": _("già importati"),
    "order": _("ordine"),
    "amount": _("importo"),
    "plan": _("piano"),
    "email": _("email"),
    "address": _("indirizzo del cliente"),
    "user_agent": _("browser"),
}


def readable(value: AuditValue) -> str:
    """A recorded value as people read it in the active language: 353,80 · 10/03/2027 · sì."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return yesno(value)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return formats.localize(value)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadableEntryMixin:
    """The entry in words: the action's label, the states' labels, and each recorded value under
    the name of the subject's field (or of LABELS), with the label of its choice when it has one."""

    @admin.display(description=_("dettagli"))
    def changes_text(self, entry: AuditEntry) -> str:
        # Sorted: PostgreSQL's jsonb does not keep the order in which the changes were given.
        fields = _fields(entry)
        return " · ".join(_change(fields.get(key), key, value) for key, value in sorted(entry.values().items()))

    @admin.display(description=_("da"))
    def from_state_text(self, entry: AuditEntry) -> str:
        return _choice_label(_fields(entry).get("status"), entry.from_state)

    @admin.display(description=_("a"))
    def to_state_text(self, entry: AuditEntry) -> str:
        return _choice_label(_fields(entry).get("status"), entry.to_state)


def _fields(entry: AuditEntry) -> dict[str, Field]:
    model = ContentType.objects.get_for_id(entry.content_type_id).model_class()  # cached: no query
    return {field.name: field for field in model._meta.concrete_fields} if model else {}


def _change(field: Field | None, key: str, value: AuditValue) -> str:
    name = field.verbose_name if field is not None else LABELS.get(key, key)
    shown = _choice_label(field, value) if field is not None and field.choices and isinstance(value, str) else None
    return f"{name}: {shown or readable(value)}"


def _choice_label(field: Field | None, code: str) -> str:
    if not code:
        return ""
    choices = dict(field.flatchoices) if field is not None else {}
    return str(choices.get(code, code))


class AreaFilter(admin.SimpleListFilter):
    """The security events (sign-ins, failures, lock-outs, passwords, two factors) apart from the
    business ones."""

    title = _("area")
    parameter_name = "area"
    SECURITY_PREFIX = "security."

    def lookups(self, request, model_admin):
        return [("security", _("Sicurezza")), ("business", _("Attività"))]

    def queryset(self, request, queryset):
        if self.value() == "security":
            return queryset.filter(action__startswith=self.SECURITY_PREFIX)
        if self.value() == "business":
            return queryset.exclude(action__startswith=self.SECURITY_PREFIX)
        return queryset


class AuditEntryInline(ReadableEntryMixin, ReadOnlyAdminMixin, GenericTabularInline):
    model = AuditEntry
    ct_fk_field = "object_id"
    fields = READ_ONLY_FIELDS
    readonly_fields = READ_ONLY_FIELDS
    extra = 0


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadableEntryMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "object_repr",
        "action",
        "from_state_text",
        "to_state_text",
        "actor_label",
        "changes_text",
    ]
    list_filter = [AreaFilter, ("content_type", admin.RelatedOnlyFieldListFilter), "action"]
    search_fields = ["object_repr", "actor_label"]
    date_hierarchy = "created_at"
    fields = ["created_at", "object_repr", *READ_ONLY_FIELDS[1:]]
    readonly_fields = fields


class AuditedChangesMixin:
    """An operator's edit in the admin (a price, a permission) is an operator decision: the trail
    keeps who changed which fields to what. Values the trail cannot type (many-to-many, files) are
    named without their value."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            changes = {name: _loggable(form.cleaned_data.get(name)) for name in form.changed_data}
            trail.record(obj, AuditEntry.Action.RECORD_CHANGED_IN_ADMIN, actor=request.user, **changes)


def _loggable(value: object) -> AuditValue:
    if value is None or isinstance(value, bool | int | str | Decimal | datetime.date):
        return value
    return str(_("(modificato)"))
