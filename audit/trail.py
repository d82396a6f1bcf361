from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.actors import Actor, actor_label
from audit.models import AuditEntry
from audit.values import AuditValue, encode


def record(
    subject: models.Model,
    action: AuditEntry.Action,
    *,
    actor: Actor,
    from_state: str = "",
    to_state: str = "",
    **changes: AuditValue,
) -> AuditEntry:
    """Writes who did what to `subject`; `changes` keep their types (see audit/values.py)."""
    if not isinstance(actor, Actor):
        # No default and no bare strings: every entry names a user or a SystemActor.
        raise TypeError(f"The actor must be a user or a SystemActor, not {actor!r}.")
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        object_repr=str(subject)[:200],
        action=AuditEntry.Action(action),
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.pk if isinstance(actor, AbstractBaseUser) else None,
        actor_label=actor_label(actor),
        changes={key: encode(value) for key, value in changes.items()},
    )
