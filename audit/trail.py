from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEntry

SYSTEM = "sistema"


def record(subject, action: str, *, actor=None, from_state: str = "", to_state: str = "", **changes) -> AuditEntry:
    """Writes who changed what on `subject`; `actor` is a user, or None for the system itself."""
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        object_repr=str(subject)[:200],
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else SYSTEM,
        changes={key: str(value) for key, value in changes.items()},
    )
