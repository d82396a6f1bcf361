"""Who acts on the trail: a user, or a named part of Conserva acting by itself."""

from dataclasses import dataclass

# Not accounts.User: audit sits below accounts and never imports it.
from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class SystemActor:
    """A part of Conserva acting by itself, named so that the trail says which."""

    name: str

    def __str__(self) -> str:
        return self.name


Actor = AbstractBaseUser | SystemActor

SYSTEM = SystemActor("sistema")
DAILY_RUN = SystemActor("sistema: controllo giornaliero dei servizi")


def provider_notification(code: str, event_id: str) -> SystemActor:
    """A payment provider's notification, named by the provider's code and its event id."""
    return SystemActor(f"{code}: notifica {event_id}")


def actor_label(actor: Actor) -> str:
    """What the trail shows of an actor: a user's email, a system actor's name."""
    return str(actor)
